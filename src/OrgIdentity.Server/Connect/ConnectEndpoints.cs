using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OrgIdentity.Server.Accounts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Connect;

/// <summary>
/// The JSON endpoints of the OpenID Connect server in passthrough mode: OpenIddict has already validated
/// the request (client, secret, PKCE, code, refresh token); these decide who the principal is.
/// Authorize, consent, device verification and logout are Razor Pages (Pages/Connect).
/// </summary>
internal static class ConnectEndpoints
{
    public static IEndpointRouteBuilder MapConnect(this IEndpointRouteBuilder app)
    {
        app.MapPost("/connect/token", ExchangeAsync).ExcludeFromDescription().DisableAntiforgery();
        app.MapMethods("/connect/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfoAsync).ExcludeFromDescription().DisableAntiforgery();
        return app;
    }

    public static async Task<Results<SignInHttpResult, ForbidHttpResult>> ExchangeAsync(
        HttpContext context, UserManager<User> users, IOpenIddictApplicationManager applications)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        if (request.IsClientCredentialsGrantType())
        {
            // An ID token says a person signed in (OpenID Connect Core §2); with client credentials nobody did.
            if (request.HasScope(Scopes.OpenId))
            {
                return Reject(Errors.InvalidScope, "The openid scope cannot be used with the client credentials grant.");
            }

            // Clients declared in configuration; service accounts (organization-owned) come with a later issue.
            var application = await applications.FindByClientIdAsync(request.ClientId!, context.RequestAborted)
                ?? throw new InvalidOperationException("OpenIddict validated a client that does not exist.");
            var displayName = await applications.GetDisplayNameAsync(application, context.RequestAborted);
            return TypedResults.SignIn(ConnectClaims.ForClient(request.ClientId!, displayName, request.GetScopes()),
                authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType() || request.IsDeviceCodeGrantType())
        {
            // The principal stored in the code, refresh token or device code.
            var stored = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            var user = await FindUserAsync(users, stored);
            if (stored is null || user is null || user.IsDisabled || user.SecurityStamp != stored.GetClaim(ConnectClaims.SecurityStamp))
            {
                // Disabled, deleted, or the password was reset since: the grant is dead.
                return Reject(Errors.InvalidGrant, "The token is no longer valid.");
            }

            // A refresh may narrow the scopes (RFC 6749 §6; OpenIddict has checked they were granted): the
            // audience follows what this token is for, not what the grant once covered.
            var scopes = request.IsRefreshTokenGrantType() && request.GetScopes() is { Length: > 0 } narrowed ? narrowed : stored.GetScopes();

            // Recomputed from the database every time, so profile changes reach refreshed tokens.
            return TypedResults.SignIn(ConnectClaims.ForUser(user, scopes, ConnectClaims.AuthenticatedAt(stored)),
                authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Reject(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    public static async Task<Results<Ok<Dictionary<string, object>>, ChallengeHttpResult>> UserInfoAsync(HttpContext context, UserManager<User> users)
    {
        // Only a person has user info: a client's token (principal_type "client") is refused like a stale one.
        var principal = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        var user = await FindUserAsync(users, principal);
        if (principal is null || user is null || user.IsDisabled)
        {
            return TypedResults.Challenge(ErrorProperties(Errors.InvalidToken, "The access token is no longer valid."),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id.ToString() };
        if (principal.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.DisplayName;
            AddIfSet(claims, Claims.GivenName, user.GivenName);
            AddIfSet(claims, Claims.FamilyName, user.FamilyName);
            AddIfSet(claims, ConnectClaims.Company, user.Company);
        }

        if (principal.HasScope(Scopes.Email))
        {
            claims[Claims.Email] = user.Email!;
            claims[Claims.EmailVerified] = user.EmailConfirmed;
        }

        if (principal.HasScope(ConnectClaims.OrganizationsScope))
        {
            // Memberships arrive with the organizations issue; until then nobody has any.
            claims["organizations"] = Array.Empty<object>();
        }

        return TypedResults.Ok(claims);
    }

    private static async Task<User?> FindUserAsync(UserManager<User> users, System.Security.Claims.ClaimsPrincipal? principal) =>
        principal?.GetClaim(ConnectClaims.PrincipalType) == "user" && Guid.TryParse(principal.GetClaim(Claims.Subject), out var id)
            ? await users.FindByIdAsync(id.ToString())
            : null;

    public static AuthenticationProperties ErrorProperties(string error, string description) =>
        new(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        });

    private static ForbidHttpResult Reject(string error, string description) =>
        TypedResults.Forbid(ErrorProperties(error, description), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static void AddIfSet(Dictionary<string, object> claims, string type, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            claims[type] = value;
        }
    }
}

/// <summary>
/// Refuses oversized requests to the protocol endpoints with an OAuth error before anything reads them.
/// </summary>
internal static class ConnectRequestLimits
{
    private const long MaxBodyBytes = 64 * 1024;
    private const int MaxQueryLength = 8 * 1024;

    /// <summary>The protocol endpoints that answer JSON; the others (authorize, logout, verify) show pages.</summary>
    public static bool IsJsonEndpoint(PathString path) =>
        path.StartsWithSegments("/connect/token") || path.StartsWithSegments("/connect/userinfo")
        || path.StartsWithSegments("/connect/introspect") || path.StartsWithSegments("/connect/revoke")
        || path.StartsWithSegments("/connect/device");

    public static IApplicationBuilder UseConnectRequestLimits(this IApplicationBuilder app) =>
        app.Use(static async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/connect"))
            {
                await next(context);
                return;
            }

            if (context.Request.ContentLength > MaxBodyBytes || context.Request.QueryString.Value?.Length > MaxQueryLength)
            {
                await WriteTooLargeAsync(context);
                return;
            }

            // A chunked body has no Content-Length: cap what may be read, and answer in OAuth terms when it overflows.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxBodyBytes;
            }

            try
            {
                await next(context);
            }
            catch (BadHttpRequestException) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await WriteTooLargeAsync(context);
            }
        });

    private static async Task WriteTooLargeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await context.Response.WriteAsJsonAsync(new Dictionary<string, string>
        {
            [Parameters.Error] = Errors.InvalidRequest,
            [Parameters.ErrorDescription] = "The request is too large or malformed.",
        }, context.RequestAborted);
    }
}
