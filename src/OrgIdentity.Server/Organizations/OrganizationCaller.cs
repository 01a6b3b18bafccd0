using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Organizations;

/// <summary>
/// Who calls a route under <c>/api/v1/orgs/{orgId}</c>, and what they may do there, read from the database.
/// A platform admin may do everything in every organization; anyone else needs an active membership in the
/// organization their token is for.
/// </summary>
public sealed record OrganizationCaller(
    Guid UserId,
    bool IsPlatformAdmin,
    Organization Organization,
    OrganizationAccess? Membership,
    IReadOnlySet<string> Permissions,
    AuditActor Actor)
{
    public Guid OrganizationId => Organization.Id;

    public bool Has(string permission) => Permissions.Contains(permission);
}

/// <summary>Holds the caller that <see cref="OrganizationRoutes"/>' filter resolved, for the endpoint behind it.</summary>
public sealed class CurrentOrganizationCaller
{
    private OrganizationCaller? _caller;

    public OrganizationCaller Value
    {
        get => _caller ?? throw new InvalidOperationException("The organization route filter has not run.");
        set => _caller = value;
    }
}

internal static class OrganizationRoutes
{
    /// <summary>The group every organization route lives in: checks the token's organization and resolves the caller.</summary>
    public static RouteGroupBuilder MapOrganizationGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/v1/orgs/{orgId:guid}")
            .RequireAuthorization(Accounts.UsersEndpoints.ApiPolicy)
            .AddEndpointFilter(ResolveCallerAsync);

    /// <summary>Refuses the route unless the caller holds <paramref name="permission"/> in this organization.</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<CurrentOrganizationCaller>().Value.Has(permission)
                ? await next(context)
                : MissingPermission(permission).ToResult());

    public static Refusal MissingPermission(string permission) => Refusal.Forbidden($"This needs the permission '{permission}' in this organization.");

    private static async ValueTask<object?> ResolveCallerAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var principal = http.User;
        if (principal.GetClaim(ConnectClaims.PrincipalType) != "user" || !Guid.TryParse(principal.GetClaim(Claims.Subject), out var userId))
        {
            return Refusal.Forbidden("Organization routes need a person's token.").ToResult();
        }

        if (!Guid.TryParse(http.GetRouteValue("orgId") as string, out var organizationId))
        {
            return Refusal.NotFound("There is no such organization.").ToResult();
        }

        var services = http.RequestServices;
        var db = services.GetRequiredService<OrgIdentityDbContext>();
        var cancellationToken = http.RequestAborted;
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.IsPlatformAdmin, u.IsDisabled }).SingleOrDefaultAsync(cancellationToken);
        if (user is null || user.IsDisabled)
        {
            return Refusal.Forbidden("This account is disabled.").ToResult();
        }

        // The token says which organization it is for; only a platform admin may use it on another one.
        // This comes before the lookup, so a member of one organization cannot learn whether another exists.
        if (principal.GetClaim(ConnectClaims.OrganizationId) != organizationId.ToString() && !user.IsPlatformAdmin)
        {
            return Refusal.Forbidden("This token is not for this organization.").ToResult();
        }

        var organization = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == organizationId, cancellationToken);
        if (organization is null)
        {
            return Refusal.NotFound("There is no such organization.").ToResult();
        }

        var access = services.GetRequiredService<MembershipAccess>();
        var membership = await access.ForUserAsync(userId, organizationId, cancellationToken);
        if (membership is null && !user.IsPlatformAdmin)
        {
            // Removed or suspended since the token was issued: the change takes effect at once.
            return Refusal.Forbidden("You are not an active member of this organization.").ToResult();
        }

        services.GetRequiredService<CurrentOrganizationCaller>().Value = new OrganizationCaller(userId, user.IsPlatformAdmin, organization, membership,
            user.IsPlatformAdmin ? access.Everything : membership!.Permissions, AuditActor.From(http));
        return await next(context);
    }
}
