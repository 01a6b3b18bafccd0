using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Impersonation;

/// <summary>
/// One "log in as" (DESIGN.md §2, issue 11): an admin of the organization acts as one of its members, for a reason, for
/// at most <c>OrgIdentity:Tokens:ImpersonationMinutes</c>. Started through the API, redeemed once at the token endpoint
/// (token exchange), stopped by either side; every step is in the organization's audit log.
/// </summary>
public sealed class ImpersonationSession
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Guid ActorUserId { get; set; }
    public Guid TargetUserId { get; set; }
    public required string Reason { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
    public DateTime? EndedAt { get; set; }

    public bool IsLive(DateTime now) => EndedAt is null && ExpiresAt > now;
}

internal sealed class ImpersonationSessionConfiguration : IEntityTypeConfiguration<ImpersonationSession>
{
    public void Configure(EntityTypeBuilder<ImpersonationSession> builder)
    {
        builder.ToTable("Impersonations");
        builder.Property(s => s.Reason).HasMaxLength(500);
        builder.HasIndex(s => new { s.OrganizationId, s.CreatedAt });
        builder.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// An impersonation as the API shows it, with what to send to the token endpoint to redeem it. <c>sessionUrl</c> is the
/// other way to redeem it: opened in the browser of the admin who started it (signed in), it becomes a session of the
/// member in the login UI.
/// </summary>
public sealed record ImpersonationView(Guid Id, Guid UserId, string Reason, DateTime CreatedAt, DateTime ExpiresAt, DateTime? UsedAt, DateTime? EndedAt,
    ImpersonationExchange? Exchange, string? SessionUrl);

/// <summary>
/// The token-exchange request (RFC 8693) that redeems an impersonation: the admin's own access token as the subject
/// token, from the client it was issued to, with the <c>impersonation</c> parameter.
/// </summary>
public sealed record ImpersonationExchange(string GrantType, string SubjectTokenType, string Impersonation);

public sealed record NewImpersonation(Guid? UserId, string? Reason);

/// <summary>The rules of impersonation: who may, of whom, for how long, and what the tokens carry.</summary>
public sealed class ImpersonationService(
    OrgIdentityDbContext db,
    MembersService members,
    MembershipAccess access,
    AuditLog audit,
    IOptions<TokenOptions> tokens,
    IOptions<OrgIdentityOptions> host,
    TimeProvider time)
{
    /// <summary>The token request parameter that names the impersonation to redeem.</summary>
    public const string Parameter = "impersonation";

    /// <summary>The private claim tying a token to its impersonation, so stopping it stops the tokens.</summary>
    public const string Claim = "impersonation_id";

    /// <summary>RFC 8693 §4.1: the acting party (OpenIddict's constant for it is <c>actor</c>, not the <c>act</c> of the RFC).</summary>
    public const string ActClaim = "act";

    /// <summary>The session cookie's properties of an impersonation: its id and the admin behind it (they survive refreshes).</summary>
    public const string SessionItem = ".orgidentity.impersonation";
    public const string ImpersonatorItem = ".orgidentity.impersonator";

    public async Task<Outcome<ImpersonationView>> StartAsync(OrganizationCaller requester, ClaimsPrincipal principal, NewImpersonation request, CancellationToken cancellationToken)
    {
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > 500)
        {
            return Refusal.Invalid("reason", "Say why (1 to 500 characters): it goes in the organization's audit log.");
        }

        if (request.UserId is not { } userId)
        {
            return Refusal.Invalid("userId", "Name the member to act as.");
        }

        if (IsImpersonating(principal))
        {
            return Refusal.Forbidden("You are impersonating someone already; stop that first.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(PermissionCatalog.Impersonate))
        {
            return OrganizationRoutes.MissingPermission(PermissionCatalog.Impersonate);
        }

        if (userId == caller.UserId)
        {
            return Refusal.Invalid("userId", "You cannot impersonate yourself.");
        }

        var target = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.IsPlatformAdmin, u.IsDisabled }).SingleOrDefaultAsync(cancellationToken);
        var membership = target is null ? null : await access.ForUserAsync(userId, caller.OrganizationId, cancellationToken);
        if (target is null || membership is null)
        {
            return Refusal.NotFound("This organization has no such active member.");
        }

        if (target.IsPlatformAdmin)
        {
            return Refusal.Forbidden("Platform admins cannot be impersonated.");
        }

        if (membership.Permissions.Where(p => !caller.Has(p)).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } lacking)
        {
            return Refusal.Forbidden($"This member holds permissions you do not: {string.Join(", ", lacking)}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var session = new ImpersonationSession
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            ActorUserId = caller.UserId,
            TargetUserId = userId,
            Reason = reason,
            CreatedAt = now,
            ExpiresAt = now.AddMinutes(tokens.Value.ImpersonationMinutes),
        };
        db.Add(session);
        audit.Record(caller.Actor, caller.OrganizationId, "impersonation.started", "user", userId.ToString(), new { impersonation = session.Id, reason, session.ExpiresAt });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return View(session, withExchange: true);
    }

    /// <summary>Stops an impersonation: the admin who started it, another admin who may impersonate, or its own token.</summary>
    public async Task<Refusal?> StopAsync(OrganizationCaller caller, ClaimsPrincipal principal, Guid id, CancellationToken cancellationToken)
    {
        var session = await db.Set<ImpersonationSession>().SingleOrDefaultAsync(s => s.Id == id && s.OrganizationId == caller.OrganizationId, cancellationToken);
        if (session is null)
        {
            return Refusal.NotFound("This organization has no such impersonation.");
        }

        var own = principal.GetClaim(Claim) == id.ToString();
        if (!own && session.ActorUserId != caller.UserId && !caller.Has(PermissionCatalog.Impersonate))
        {
            return OrganizationRoutes.MissingPermission(PermissionCatalog.Impersonate);
        }

        if (session.EndedAt is null)
        {
            session.EndedAt = time.GetUtcNow().UtcDateTime;
            audit.Record(own ? new AuditActor("user", session.ActorUserId.ToString(), caller.Actor.Ip) : caller.Actor, caller.OrganizationId,
                "impersonation.stopped", "user", session.TargetUserId.ToString(), new { impersonation = id });
            await db.SaveChangesAsync(cancellationToken);
        }

        return null;
    }

    /// <summary>
    /// Redeems an impersonation at the token endpoint (token exchange): the subject token must be an access token of the
    /// admin who started it, for this organization. Returns the principal of the member, with <c>act</c>, or an error.
    /// </summary>
    public async Task<(ClaimsPrincipal? Principal, string? Error)> RedeemAsync(ClaimsPrincipal subject, string? impersonationId, PermissionCatalog catalog,
        Func<Guid, Task<Accounts.User?>> findUser, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(impersonationId, out var id) || subject.GetClaim(ConnectClaims.PrincipalType) != "user" || IsImpersonating(subject))
        {
            return (null, "The impersonation parameter must name an impersonation started with this access token's user.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var session = await db.Set<ImpersonationSession>().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (session is null || session.ActorUserId.ToString() != subject.GetClaim(Claims.Subject) || !session.IsLive(now) || session.UsedAt is not null
            || ConnectClaims.OrganizationOf(subject) != session.OrganizationId)
        {
            return (null, "The impersonation does not exist, has ended, was already used, or is not yours.");
        }

        var (user, member) = await UseAsync(session, findUser, "token", null, cancellationToken);
        if (user is null || member is null)
        {
            return (null, "The impersonation is no longer allowed.");
        }

        // No refresh token, and nothing beyond what the admin's own token was for.
        var scopes = subject.GetScopes().Where(s => s != Scopes.OfflineAccess).ToList();
        var principal = ConnectClaims.ForUser(user, scopes, now, member, catalog);
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new System.Security.Claims.Claim(ActClaim, $$"""{"sub":"{{session.ActorUserId}}"}""", Microsoft.IdentityModel.JsonWebTokens.JsonClaimValueTypes.Json));
        identity.SetClaim(Claim, id.ToString());
        identity.SetDestinations(claim => claim.Type is ActClaim or Claim ? [Destinations.AccessToken] : claim.GetDestinations());
        principal.SetAccessTokenLifetime(session.ExpiresAt - now);
        return (principal, null);
    }

    /// <summary>
    /// Redeems an impersonation as a browser session (the login UI and the console): only the admin who started it, signed
    /// in, once. Returns the member to sign in as, or why not.
    /// </summary>
    public async Task<(Accounts.User? Member, ImpersonationSession? Session, string? Error)> BeginBrowserSessionAsync(Guid id, Guid adminUserId,
        Func<Guid, Task<Accounts.User?>> findUser, string? ip, CancellationToken cancellationToken)
    {
        var session = await db.Set<ImpersonationSession>().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (session is null || session.ActorUserId != adminUserId || !session.IsLive(time.GetUtcNow().UtcDateTime) || session.UsedAt is not null)
        {
            return (null, null, "This impersonation does not exist, has ended, was already used, or was started by someone else.");
        }

        var (user, member) = await UseAsync(session, findUser, "browser", ip, cancellationToken);
        return user is null || member is null ? (null, null, "This impersonation is no longer allowed.") : (user, session, null);
    }

    /// <summary>Ends an impersonation from its own session (the banner's button, or signing out).</summary>
    public async Task EndAsync(Guid id, string? ip, CancellationToken cancellationToken)
    {
        var session = await db.Set<ImpersonationSession>().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (session is { EndedAt: null })
        {
            session.EndedAt = time.GetUtcNow().UtcDateTime;
            audit.Record(new AuditActor("user", session.ActorUserId.ToString(), ip), session.OrganizationId, "impersonation.stopped", "user",
                session.TargetUserId.ToString(), new { impersonation = id });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Marks the impersonation used, after checking again that it is allowed now: the admin may have lost the permission,
    /// or the member gained one, since it was started.
    /// </summary>
    private async Task<(Accounts.User? User, OrganizationAccess? Member)> UseAsync(ImpersonationSession session, Func<Guid, Task<Accounts.User?>> findUser,
        string how, string? ip, CancellationToken cancellationToken)
    {
        var admin = await access.ForUserAsync(session.ActorUserId, session.OrganizationId, cancellationToken);
        var member = await access.ForUserAsync(session.TargetUserId, session.OrganizationId, cancellationToken);
        var user = await findUser(session.TargetUserId);
        if (admin is null || !admin.Permissions.Contains(PermissionCatalog.Impersonate) || member is null || user is null || user.IsDisabled || user.IsPlatformAdmin
            || member.Permissions.Any(p => !admin.Permissions.Contains(p)))
        {
            return (null, null);
        }

        // Once: of two redemptions at the same moment, the conditional update lets one through.
        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.Set<ImpersonationSession>().Where(s => s.Id == session.Id && s.UsedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.UsedAt, now), cancellationToken) == 0)
        {
            return (null, null);
        }

        session.UsedAt = now;
        audit.Record(new AuditActor("user", session.ActorUserId.ToString(), ip), session.OrganizationId, "impersonation.used", "user",
            session.TargetUserId.ToString(), new { impersonation = session.Id, how });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (user, member);
    }

    /// <summary>Whether an impersonation named in a token is still live (not stopped, not expired).</summary>
    public async Task<bool> IsLiveAsync(string impersonationId, CancellationToken cancellationToken) =>
        Guid.TryParse(impersonationId, out var id)
        && await db.Set<ImpersonationSession>().AnyAsync(s => s.Id == id && s.EndedAt == null && s.ExpiresAt > time.GetUtcNow().UtcDateTime, cancellationToken);

    public static bool IsImpersonating(ClaimsPrincipal principal) => principal.HasClaim(c => c.Type is ActClaim or Claim);

    private ImpersonationView View(ImpersonationSession session, bool withExchange) => new(session.Id, session.TargetUserId, session.Reason,
        session.CreatedAt, session.ExpiresAt, session.UsedAt, session.EndedAt,
        withExchange ? new ImpersonationExchange(GrantTypes.TokenExchange, TokenTypeIdentifiers.AccessToken, session.Id.ToString()) : null,
        withExchange ? host.Value.Link($"/Account/Impersonate/{session.Id}") : null);
}
