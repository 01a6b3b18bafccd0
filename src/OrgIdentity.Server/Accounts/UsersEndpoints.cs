using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Accounts;

/// <summary>
/// Platform-admin routes over accounts (<c>/api/v1/users</c>). The caller's platform-admin flag is read
/// from the database on every call, never from the token.
/// </summary>
internal static class UsersEndpoints
{
    public const string ApiPolicy = "api";

    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/users").RequireAuthorization(ApiPolicy).WithTags("Users")
            .AddEndpointFilter(async (context, next) =>
                await IsPlatformAdminAsync(context.HttpContext) ? await next(context)
                : Refusal.Forbidden("Only platform admins may manage accounts.").ToResult());
        group.MapGet("/", ListAsync).WithName("ListUsers").Produces<Page<UserView>>();
        group.MapGet("/{id:guid}", GetAsync).WithName("GetUser").Produces<UserDetails>();
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteUser").Produces(StatusCodes.Status204NoContent);
        group.MapPost("/{id:guid}/disable", DisableAsync).WithName("DisableUser").Produces(StatusCodes.Status204NoContent);
        group.MapPost("/{id:guid}/enable", EnableAsync).WithName("EnableUser").Produces(StatusCodes.Status204NoContent);
        return app;
    }

    public static IServiceCollection AddApiAuthorization(this IServiceCollection services) =>
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.HasScope(ConnectClaims.ApiScope)))
            .Services;

    /// <summary>Every account, newest first; <c>search</c> matches the start of the e-mail or the name, ignoring case.</summary>
    public static async Task<IResult> ListAsync(string? search, Guid? cursor, int? limit, OrgIdentityDbContext db, CancellationToken cancellationToken) =>
        OrganizationsEndpoints.PageSize(limit) is { } size
            ? TypedResults.Ok(await PageAsync(db, search, cursor, size, cancellationToken))
            : OrganizationsEndpoints.BadLimit();

    /// <summary>One page of every account (the list route's and the platform admin console's).</summary>
    internal static async Task<Page<UserView>> PageAsync(OrgIdentityDbContext db, string? search, Guid? cursor, int size, CancellationToken cancellationToken)
    {
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var asWritten = search.Trim();
            var upper = asWritten.ToUpperInvariant();
            // ToUpper runs in the database (UPPER). SQLite's upper() changes ASCII letters only, so the name is also
            // matched as written; the analyzers' culture concerns are .NET's, not the database's.
#pragma warning disable CA1304, CA1311, CA1862
            query = query.Where(u => u.NormalizedEmail!.StartsWith(upper)
                || (u.Name != null && (u.Name.StartsWith(asWritten) || u.Name.ToUpper().StartsWith(upper))));
#pragma warning restore CA1304, CA1311, CA1862
        }

        var total = await query.CountAsync(cancellationToken);
        // Keyset on (CreatedAt, Id): Guid order alone is not creation order on SQL Server.
        if (cursor is { } last && await db.Users.Where(u => u.Id == last).Select(u => (DateTime?)u.CreatedAt).SingleOrDefaultAsync(cancellationToken) is { } lastCreated)
        {
            query = query.Where(u => u.CreatedAt < lastCreated || (u.CreatedAt == lastCreated && u.Id < last));
        }

        var users = await query.OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id).Take(size + 1).ToListAsync(cancellationToken);
        return new Page<UserView>(users.Take(size).Select(UserView.From).ToList(), total, users.Count > size ? users[size - 1].Id.ToString() : null);
    }

    /// <summary>One account with all its memberships, suspended ones included.</summary>
    public static async Task<IResult> GetAsync(Guid id, OrgIdentityDbContext db, CancellationToken cancellationToken)
    {
        if (await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken) is not { } user)
        {
            return Refusal.NotFound("There is no such account.").ToResult();
        }

        var memberships = await db.Memberships.AsNoTracking().Where(m => m.UserId == id).OrderBy(m => m.JoinedAt)
            .Select(m => new { m.OrganizationId, m.Organization.Slug, m.Organization.Name, m.BaseRole, Roles = m.Roles.Select(r => r.Role.Key).ToList(), m.Status, m.JoinedAt })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new UserDetails(UserView.From(user), memberships
            .Select(m => new UserMembership(m.OrganizationId, m.Slug, m.Name, m.BaseRole, [.. m.Roles.Order(StringComparer.Ordinal)],
                m.Status == MembershipStatus.Active ? "active" : "suspended", m.JoinedAt))
            .ToList()));
    }

    public static async Task<IResult> DeleteAsync(Guid id, HttpContext context, AccountsService accounts, CancellationToken cancellationToken) =>
        await accounts.DeleteAsync(id, AuditActor.From(context), cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    public static async Task<IResult> DisableAsync(Guid id, HttpContext context, AccountsService accounts, CancellationToken cancellationToken) =>
        await DisableAccountAsync(CallerId(context), id, AuditActor.From(context), accounts, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    public static async Task<IResult> EnableAsync(Guid id, HttpContext context, AccountsService accounts) =>
        await accounts.EnableAsync(id, AuditActor.From(context)) ? TypedResults.NoContent() : NoSuchAccount.ToResult();

    /// <summary>A platform admin disables an account (the route's and the console's rule): never their own.</summary>
    internal static async Task<Refusal?> DisableAccountAsync(Guid? callerId, Guid id, AuditActor actor, AccountsService accounts, CancellationToken cancellationToken)
    {
        if (callerId == id)
        {
            // A platform admin who disables themselves may leave nobody able to undo it.
            return Refusal.Conflict("You cannot disable your own account; ask another platform admin.");
        }

        return await accounts.DisableAsync(id, actor, cancellationToken) ? null : NoSuchAccount;
    }

    internal static readonly Refusal NoSuchAccount = Refusal.NotFound("There is no such account.");

    // Only a person's token names a user; a client whose id happens to be a Guid is not one.
    private static Guid? CallerId(HttpContext context) =>
        context.User.GetClaim(ConnectClaims.PrincipalType) == "user"
        && Guid.TryParse(context.User.GetClaim(OpenIddictConstants.Claims.Subject), out var userId) ? userId : null;

    private static async Task<bool> IsPlatformAdminAsync(HttpContext context) =>
        CallerId(context) is { } userId
        && await context.RequestServices.GetRequiredService<OrgIdentityDbContext>()
            .Users.AnyAsync(u => u.Id == userId && u.IsPlatformAdmin && !u.IsDisabled, context.RequestAborted);

    public sealed record UserView(Guid Id, string Email, bool EmailVerified, string DisplayName, string? Company, bool Disabled, DateTime? DisabledAt,
        bool IsPlatformAdmin, DateTime CreatedAt, DateTime? LastLoginAt)
    {
        public static UserView From(User user) => new(user.Id, user.Email!, user.EmailConfirmed, user.DisplayName, user.Company, user.IsDisabled,
            user.DisabledAt, user.IsPlatformAdmin, user.CreatedAt, user.LastLoginAt);
    }

    public sealed record UserMembership(Guid OrganizationId, string Slug, string Name, string Role, IReadOnlyList<string> Roles, string Status, DateTime JoinedAt);

    public sealed record UserDetails(UserView User, IReadOnlyList<UserMembership> Memberships);
}
