using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Accounts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Connect;

/// <summary>
/// The one claims policy: which claims a principal gets and which token each claim goes to.
/// Codes, refresh tokens and device codes carry every claim (they are encrypted and read only by us).
/// </summary>
internal static class ConnectClaims
{
    public const string PrincipalType = "principal_type";
    public const string Company = "company";
    public const string OrganizationsScope = "organizations";
    public const string ApiScope = "orgidentity.api";
    public const string ApiAudience = "orgidentity";

    /// <summary>Identity's security stamp, kept in codes and refresh tokens so a reset or disable ends them.</summary>
    public const string SecurityStamp = "AspNet.Identity.SecurityStamp";

    public static readonly string[] Registered = [PrincipalType, Company, "org_id", "org_slug", "org_role", "org_roles", "permissions", "units", "authz_ver"];

    public static ClaimsPrincipal ForUser(User user, IEnumerable<string> scopes, DateTimeOffset authenticatedAt)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(Claims.EmailVerified, user.EmailConfirmed)
            .SetClaim(Claims.Name, user.DisplayName)
            .SetClaim(Claims.GivenName, user.GivenName)
            .SetClaim(Claims.FamilyName, user.FamilyName)
            .SetClaim(Company, user.Company)
            .SetClaim(PrincipalType, "user")
            .SetClaim(SecurityStamp, user.SecurityStamp);
        identity.AddClaim(new Claim(Claims.AuthenticationTime,
            authenticatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        return Finish(identity, scopes);
    }

    /// <summary>A client declared in configuration: no person, no organization.</summary>
    public static ClaimsPrincipal ForClient(string clientId, string? displayName, IEnumerable<string> scopes)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, clientId)
            .SetClaim(Claims.Name, displayName ?? clientId)
            .SetClaim(PrincipalType, "client");
        return Finish(identity, scopes);
    }

    /// <summary>When the user signed in, as carried in a principal made by <see cref="ForUser"/>.</summary>
    public static DateTimeOffset AuthenticatedAt(ClaimsPrincipal principal) =>
        long.TryParse(principal.GetClaim(Claims.AuthenticationTime), CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.UnixEpoch;

    private static ClaimsIdentity NewIdentity() =>
        new(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);

    private static ClaimsPrincipal Finish(ClaimsIdentity identity, IEnumerable<string> scopes)
    {
        var granted = scopes.ToArray();
        identity.SetScopes(granted);
        identity.SetResources(ResourcesFor(granted));
        identity.SetDestinations(claim => Destinations(claim, granted));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>DESIGN.md §3: <c>aud</c> is <c>orgidentity</c> when the admin/SCIM API scope is granted.</summary>
    public static string[] ResourcesFor(IEnumerable<string> scopes) => scopes.Contains(ApiScope) ? [ApiAudience] : [];

    private static IEnumerable<string> Destinations(Claim claim, string[] scopes) => claim.Type switch
    {
        Claims.Name or Claims.GivenName or Claims.FamilyName or Company when scopes.Contains(Scopes.Profile) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Email or Claims.EmailVerified when scopes.Contains(Scopes.Email) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.AuthenticationTime => [OpenIddictConstants.Destinations.IdentityToken],
        PrincipalType => [OpenIddictConstants.Destinations.AccessToken],
        // The client's own name is useful to the APIs it calls.
        Claims.Name when claim.Subject?.GetClaim(PrincipalType) == "client" => [OpenIddictConstants.Destinations.AccessToken],
        _ => [],
    };
}
