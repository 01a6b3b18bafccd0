using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;

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
        var group = app.MapGroup("/api/v1/users").RequireAuthorization(ApiPolicy).WithTags("Users");
        group.MapPost("/{id:guid}/disable", DisableAsync).WithName("DisableUser");
        group.MapPost("/{id:guid}/enable", EnableAsync).WithName("EnableUser");
        return app;
    }

    public static IServiceCollection AddApiAuthorization(this IServiceCollection services) =>
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.HasScope(ConnectClaims.ApiScope)))
            .Services;

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DisableAsync(
        Guid id, HttpContext context, OrgIdentityDbContext db, AccountsService accounts, CancellationToken cancellationToken)
    {
        if (!await IsPlatformAdminAsync(context, db, cancellationToken))
        {
            return NotPlatformAdmin();
        }

        if (CallerId(context) == id)
        {
            // A platform admin who disables themselves may leave nobody able to undo it.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: "You cannot disable your own account; ask another platform admin.");
        }

        return await accounts.DisableAsync(id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> EnableAsync(
        Guid id, HttpContext context, OrgIdentityDbContext db, AccountsService accounts, CancellationToken cancellationToken)
    {
        if (!await IsPlatformAdminAsync(context, db, cancellationToken))
        {
            return NotPlatformAdmin();
        }

        return await accounts.EnableAsync(id) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static ProblemHttpResult NotPlatformAdmin() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only platform admins may manage accounts.");

    // Only a person's token names a user; a client whose id happens to be a Guid is not one.
    private static Guid? CallerId(HttpContext context) =>
        context.User.GetClaim(ConnectClaims.PrincipalType) == "user"
        && Guid.TryParse(context.User.GetClaim(OpenIddictConstants.Claims.Subject), out var userId) ? userId : null;

    private static async Task<bool> IsPlatformAdminAsync(HttpContext context, OrgIdentityDbContext db, CancellationToken cancellationToken) =>
        CallerId(context) is { } userId
        && await db.Users.AnyAsync(u => u.Id == userId && u.IsPlatformAdmin && !u.IsDisabled, cancellationToken);
}
