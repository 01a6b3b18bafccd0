using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
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

    public const string OrganizationId = "org_id";
    public const string OrganizationSlug = "org_slug";
    public const string OrganizationRole = "org_role";
    public const string OrganizationRoles = "org_roles";
    public const string Permissions = "permissions";
    public const string Units = "units";
    public const string AuthzVersion = "authz_ver";

    /// <summary>
    /// The permission scopes the client asked for, granted or not: kept in codes and refresh tokens only, so a
    /// refresh (or an organization switch) grants each again when the person holds it then.
    /// </summary>
    public const string RequestedPermissionScopes = "oi_requested_permissions";

    /// <summary>The <c>organization</c> parameter of authorize and refresh requests: an organization's id or slug.</summary>
    public const string OrganizationParameter = "organization";

    public static readonly string[] Registered = [PrincipalType, Company, OrganizationId, OrganizationSlug, OrganizationRole, OrganizationRoles, Permissions, Units, AuthzVersion];

    /// <summary>
    /// A person's principal; <paramref name="organization"/> is the active membership the token is for, or null for
    /// none. Of <paramref name="requestedScopes"/>, permissions of the catalog are granted only when held there.
    /// </summary>
    public static ClaimsPrincipal ForUser(User user, IEnumerable<string> requestedScopes, DateTimeOffset authenticatedAt,
        OrganizationAccess? organization, PermissionCatalog catalog)
    {
        var requested = requestedScopes.Distinct(StringComparer.Ordinal).ToArray();
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
        if (organization is not null)
        {
            identity.SetClaim(OrganizationId, organization.OrganizationId.ToString())
                .SetClaim(OrganizationSlug, organization.Slug)
                .SetClaim(OrganizationRole, organization.BaseRole);
            identity.AddClaim(JsonArray(OrganizationRoles, organization.RoleKeys));
            identity.AddClaim(JsonArray(Permissions, organization.Permissions));
            identity.AddClaim(JsonArray(Units, organization.Units));
            identity.AddClaim(new Claim(AuthzVersion, organization.AuthzVersion.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer));
        }

        identity.SetClaims(RequestedPermissionScopes, [.. requested.Where(catalog.Contains)]);
        return Finish(identity, GrantedScopes(requested, catalog, organization));
    }

    /// <summary>What a code or refresh token may be exchanged for: its granted scopes and the permission scopes once asked for.</summary>
    public static IEnumerable<string> GrantableScopes(ClaimsPrincipal stored) =>
        stored.GetScopes().Union(stored.GetClaims(RequestedPermissionScopes), StringComparer.Ordinal);

    /// <summary>
    /// DESIGN.md §3: a requested scope that is a permission of the catalog is granted only when the principal holds
    /// it in the token's organization; a token without an organization holds none.
    /// </summary>
    public static string[] GrantedScopes(IEnumerable<string> requested, PermissionCatalog catalog, OrganizationAccess? organization) =>
        requested.Where(scope => !catalog.Contains(scope) || organization?.Permissions.Contains(scope) == true).ToArray();

    /// <summary>The organization a stored principal (code, refresh token) was issued for, if any.</summary>
    public static Guid? OrganizationOf(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.GetClaim(OrganizationId), out var id) ? id : null;

    // OpenIddict writes a single-valued claim as a string unless its value type says it is a JSON array.
    private static Claim JsonArray(string type, IEnumerable<string> values) =>
        new(type, JsonSerializer.Serialize(values.ToArray()), JsonClaimValueTypes.JsonArray);

    /// <summary>
    /// A service account (issue 11): its organization, roles, permissions and units, as a member's token carries them.
    /// Of <paramref name="requestedScopes"/>, permissions are granted only when held, and <c>scim</c> only with
    /// <c>members:edit</c> (whoever provisions users over SCIM adds and removes members).
    /// </summary>
    public static ClaimsPrincipal ForServiceAccount(Guid id, string name, OrganizationAccess access, IEnumerable<string> requestedScopes, PermissionCatalog catalog)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, id.ToString())
            .SetClaim(Claims.Name, name)
            .SetClaim(PrincipalType, "service_account")
            // The id the deny-list keys on: these tokens have no row (ClientCredentialsTokens).
            .SetClaim(Claims.JwtId, Guid.NewGuid().ToString())
            .SetClaim(OrganizationId, access.OrganizationId.ToString())
            .SetClaim(OrganizationSlug, access.Slug)
            .SetClaim(OrganizationRole, access.BaseRole);
        identity.AddClaim(JsonArray(OrganizationRoles, access.RoleKeys));
        identity.AddClaim(JsonArray(Permissions, access.Permissions));
        identity.AddClaim(JsonArray(Units, access.Units));
        identity.AddClaim(new Claim(AuthzVersion, access.AuthzVersion.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer));
        var granted = GrantedScopes(requestedScopes.Distinct(StringComparer.Ordinal), catalog, access)
            .Where(scope => scope != ServiceAccounts.ServiceAccountsService.ScimScope || access.Permissions.Contains(MembersService.MembersEdit));
        return Finish(identity, granted);
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

    /// <summary>DESIGN.md §3: <c>aud</c> is <c>orgidentity</c> when the admin API scope (or a service account's <c>scim</c>) is granted.</summary>
    public static string[] ResourcesFor(IEnumerable<string> scopes) =>
        scopes.Any(scope => scope is ApiScope or ServiceAccounts.ServiceAccountsService.ScimScope) ? [ApiAudience] : [];

    private static IEnumerable<string> Destinations(Claim claim, string[] scopes) => claim.Type switch
    {
        Claims.Name or Claims.GivenName or Claims.FamilyName or Company when scopes.Contains(Scopes.Profile) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Email or Claims.EmailVerified when scopes.Contains(Scopes.Email) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.AuthenticationTime => [OpenIddictConstants.Destinations.IdentityToken],
        PrincipalType => [OpenIddictConstants.Destinations.AccessToken],
        // ID tokens stay small: the organization, for display; the rest is for APIs.
        OrganizationId or OrganizationSlug => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        OrganizationRole or OrganizationRoles or Permissions or Units or AuthzVersion => [OpenIddictConstants.Destinations.AccessToken],
        // The client's own name is useful to the APIs it calls.
        Claims.Name when claim.Subject?.GetClaim(PrincipalType) is "client" or "service_account" => [OpenIddictConstants.Destinations.AccessToken],
        Claims.JwtId => [OpenIddictConstants.Destinations.AccessToken],
        _ => [],
    };
}
