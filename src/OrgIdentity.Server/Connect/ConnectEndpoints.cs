using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Impersonation;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.ServiceAccounts;
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

    /// <remarks>
    /// Each grant resolves only the services it uses: the client-credentials path is the hot one, and building a
    /// <see cref="UserManager{TUser}"/> (its validators and metrics) for every service-account token cost measurable
    /// CPU and a contended lock under load.
    /// </remarks>
    public static async Task<Results<SignInHttpResult, ForbidHttpResult>> ExchangeAsync(HttpContext context, PermissionCatalog catalog)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        var cancellationToken = context.RequestAborted;
        var services = context.RequestServices;

        if (request.IsClientCredentialsGrantType())
        {
            // An ID token says a person signed in (OpenID Connect Core §2); with client credentials nobody did.
            if (request.HasScope(Scopes.OpenId))
            {
                return Reject(Errors.InvalidScope, "The openid scope cannot be used with the client credentials grant.");
            }

            // A service account (OpenIddict found it usable, and its secret or assertion valid, a moment ago; the
            // directory's cache answers without a query).
            if (await services.GetRequiredService<ServiceAccountDirectory>().FindAsync(request.ClientId!, cancellationToken) is { } account)
            {
                await services.GetRequiredService<ServiceAccountUse>().RecordAsync(account, request.ClientSecret, context.Connection.RemoteIpAddress?.ToString(), cancellationToken);
                return TypedResults.SignIn(ConnectClaims.ForServiceAccount(account.Id, account.Name, account.Access, request.GetScopes(), catalog),
                    authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            }

            // A client declared in configuration belongs to no organization, so it holds no permission scope.
            var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
            var application = await applications.FindByClientIdAsync(request.ClientId!, cancellationToken)
                ?? throw new InvalidOperationException("OpenIddict validated a client that does not exist.");
            var displayName = await applications.GetDisplayNameAsync(application, cancellationToken);
            return TypedResults.SignIn(ConnectClaims.ForClient(request.ClientId!, displayName, ConnectClaims.GrantedScopes(request.GetScopes(), catalog, null)),
                authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsTokenExchangeGrantType())
        {
            // "Log in as": the subject token is the admin's own access token (OpenIddict validated it and that it was
            // issued to this client); the impersonation started through the API says whom they act as.
            var subject = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            var (impersonated, error) = subject is null
                ? (null, "The subject token is not valid.")
                : await services.GetRequiredService<ImpersonationService>().RedeemAsync(subject, (string?)request.GetParameter(ImpersonationService.Parameter), catalog,
                    id => services.GetRequiredService<UserManager<User>>().FindByIdAsync(id.ToString()), cancellationToken);
            return impersonated is null
                ? Reject(Errors.InvalidGrant, error!)
                : TypedResults.SignIn(impersonated, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType() || request.IsDeviceCodeGrantType())
        {
            // The principal stored in the code, refresh token or device code.
            var stored = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            var user = await FindUserAsync(services.GetRequiredService<UserManager<User>>(), stored);
            if (stored is null || user is null || user.IsDisabled || user.SecurityStamp != stored.GetClaim(ConnectClaims.SecurityStamp))
            {
                // Disabled, deleted, or the password was reset since: the grant is dead.
                return Reject(Errors.InvalidGrant, "The token is no longer valid.");
            }

            // Roles, permissions and units are recomputed from the database every time (DESIGN.md §3).
            OrganizationAccess? organization = null;
            var memberships = services.GetRequiredService<MembershipAccess>();
            var switchTo = request.IsRefreshTokenGrantType() ? (string?)request.GetParameter(ConnectClaims.OrganizationParameter) : null;
            if (!string.IsNullOrWhiteSpace(switchTo))
            {
                organization = await memberships.FindOrganizationAsync(switchTo, cancellationToken) is { } target
                    ? await memberships.ForUserAsync(user.Id, target.Id, cancellationToken)
                    : null;
                if (organization is null)
                {
                    // The same answer for an unknown organization and one the user is not in.
                    return Reject(Errors.InvalidRequest, "The organization does not exist or you are not an active member of it.");
                }
            }
            else if (ConnectClaims.OrganizationOf(stored) is { } organizationId)
            {
                organization = await memberships.ForUserAsync(user.Id, organizationId, cancellationToken);
                if (organization is null)
                {
                    return Reject(Errors.InvalidGrant, "You are no longer an active member of the organization this token is for.");
                }
            }

            // A refresh may narrow the scopes (RFC 6749 §6; OpenIddict has checked they were granted): the
            // audience follows what this token is for, not what the grant once covered.
            // Permission scopes asked for once are granted again whenever they are held (an organization switch included).
            var scopes = request.IsRefreshTokenGrantType() && request.GetScopes() is { Length: > 0 } narrowed ? narrowed : ConnectClaims.GrantableScopes(stored);
            return TypedResults.SignIn(ConnectClaims.ForUser(user, scopes, ConnectClaims.AuthenticatedAt(stored), organization, catalog),
                authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Reject(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    public static async Task<Results<Ok<Dictionary<string, object>>, ChallengeHttpResult>> UserInfoAsync(
        HttpContext context, UserManager<User> users, MembershipAccess memberships)
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
            // Every active membership, read now: the roles may have changed since the token was issued.
            claims["organizations"] = (await memberships.ActiveMembershipsAsync(user.Id, context.RequestAborted))
                .Select(m => new { id = m.OrganizationId, slug = m.Slug, name = m.Name, role = m.Role, roles = m.Roles })
                .ToArray();
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
                if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/connect/token")
                    && !await context.RequestServices.GetRequiredService<TokenRateLimiter>().TryEnterAsync(context))
                {
                    return;
                }

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
