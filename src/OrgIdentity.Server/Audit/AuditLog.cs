using System.Text.Json;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Audit;

/// <summary>Who did something, for the audit log: taken from the request that did it.</summary>
public sealed record AuditActor(string Type, string? Id, string? Ip, Guid? ImpersonatorId = null)
{
    public static readonly AuditActor System = new("system", null, null);

    /// <summary>The caller of an API route (bearer token) or of a page (cookie).</summary>
    public static AuditActor From(HttpContext context)
    {
        var principal = context.User;
        var type = principal.GetClaim(ConnectClaims.PrincipalType) ?? (principal.Identity?.IsAuthenticated == true ? "user" : "anonymous");
        // While impersonating, the member is the actor and the admin behind them is recorded too (RFC 8693 act.sub).
        return new AuditActor(type, principal.GetClaim(Claims.Subject), context.Connection.RemoteIpAddress?.ToString(), Impersonator(principal));
    }

    private static Guid? Impersonator(System.Security.Claims.ClaimsPrincipal principal)
    {
        if (principal.FindFirst(Impersonation.ImpersonationService.ActClaim)?.Value is not { } act)
        {
            return null;
        }

        using var json = JsonDocument.Parse(act);
        return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("sub", out var sub) && Guid.TryParse(sub.GetString(), out var id)
            ? id
            : null;
    }
}

/// <summary>
/// Adds audit events to the unit of work: the caller's <c>SaveChanges</c> writes them with the change,
/// so a change that fails leaves no event and an event never describes a change that did not happen.
/// </summary>
public sealed class AuditLog(OrgIdentityDbContext db, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Record(AuditActor actor, Guid? organizationId, string action, string? targetType, string? targetId, object? details = null) =>
        db.AuditEvents.Add(new AuditEvent
        {
            Id = Guid.CreateVersion7(),
            At = time.GetUtcNow().UtcDateTime,
            OrganizationId = organizationId,
            ActorType = actor.Type,
            ActorId = actor.Id,
            ImpersonatorId = actor.ImpersonatorId,
            Action = action,
            TargetType = targetType,
            TargetId = targetId,
            Details = details is null ? null : JsonSerializer.Serialize(details, Json),
            Ip = actor.Ip,
        });

    /// <summary>Drops the events not yet saved, when the change they describe was refused.</summary>
    public void DiscardPending()
    {
        foreach (var entry in db.ChangeTracker.Entries<AuditEvent>().Where(e => e.State == Microsoft.EntityFrameworkCore.EntityState.Added).ToList())
        {
            entry.State = Microsoft.EntityFrameworkCore.EntityState.Detached;
        }
    }
}
