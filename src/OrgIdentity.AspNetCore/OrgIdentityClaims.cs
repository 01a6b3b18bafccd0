using System.Globalization;
using System.Security.Claims;
using System.Text.Json;

namespace OrgIdentity.AspNetCore;

/// <summary>The claim names of OrgIdentity's access tokens (DESIGN.md §3).</summary>
public static class OrgIdentityClaimTypes
{
    /// <summary>The user, service account or client id.</summary>
    public const string Subject = "sub";

    /// <summary>The organization the token is for: the only value to authorise on.</summary>
    public const string OrganizationId = "org_id";

    /// <summary>The organization's slug, for display only.</summary>
    public const string OrganizationSlug = "org_slug";

    /// <summary>The built-in base role: <c>admin</c>, <c>member</c> or <c>viewer</c>.</summary>
    public const string OrganizationRole = "org_role";

    /// <summary>Built-in and custom role keys (an array).</summary>
    public const string OrganizationRoles = "org_roles";

    /// <summary>Effective permissions such as <c>assets:edit</c> (an array).</summary>
    public const string Permissions = "permissions";

    /// <summary>Unit ids the principal sees (an array); <c>*</c> means every unit.</summary>
    public const string Units = "units";

    /// <summary>The membership's authorization version: it grows whenever roles, units or status change.</summary>
    public const string AuthzVersion = "authz_ver";

    /// <summary><c>user</c>, <c>service_account</c> or <c>client</c>.</summary>
    public const string PrincipalType = "principal_type";

    /// <summary>RFC 8693 actor: <c>{"sub": "&lt;admin id&gt;"}</c> while an admin impersonates the subject.</summary>
    public const string Actor = "act";
}

/// <summary>Reading OrgIdentity's claims from the caller of an API.</summary>
public static class OrgIdentityClaimsPrincipalExtensions
{
    /// <summary>The organization the token is for, or null (a client's token has none).</summary>
    public static Guid? GetOrgId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirst(OrgIdentityClaimTypes.OrganizationId)?.Value, out var id) ? id : null;

    /// <summary>The base role (<c>admin</c>, <c>member</c>, <c>viewer</c>), or null.</summary>
    public static string? GetOrgRole(this ClaimsPrincipal principal) => principal.FindFirst(OrgIdentityClaimTypes.OrganizationRole)?.Value;

    /// <summary>Built-in and custom role keys.</summary>
    public static IReadOnlyList<string> GetOrgRoles(this ClaimsPrincipal principal) => Values(principal, OrgIdentityClaimTypes.OrganizationRoles);

    /// <summary>Effective permissions, already expanded (edit brings view, a kind brings the kinds it implies).</summary>
    public static IReadOnlyList<string> GetPermissions(this ClaimsPrincipal principal) => Values(principal, OrgIdentityClaimTypes.Permissions);

    /// <summary>Whether the token carries <paramref name="permission"/> for its organization.</summary>
    public static bool HasPermission(this ClaimsPrincipal principal, string permission) =>
        principal.GetOrgId() is not null && principal.GetPermissions().Contains(permission, StringComparer.Ordinal);

    /// <summary>Unit ids the principal sees; <c>["*"]</c> for every unit.</summary>
    public static IReadOnlyList<string> GetUnits(this ClaimsPrincipal principal) => Values(principal, OrgIdentityClaimTypes.Units);

    /// <summary>Whether the principal sees <paramref name="unitId"/> (every unit when the token says <c>*</c>).</summary>
    public static bool CanSeeUnit(this ClaimsPrincipal principal, Guid unitId)
    {
        var units = principal.GetUnits();
        return units.Contains("*") || units.Contains(unitId.ToString());
    }

    /// <summary><c>user</c>, <c>service_account</c> or <c>client</c>.</summary>
    public static string? GetPrincipalType(this ClaimsPrincipal principal) => principal.FindFirst(OrgIdentityClaimTypes.PrincipalType)?.Value;

    /// <summary>The admin acting as the subject (the <c>act</c> claim's <c>sub</c>), or null when nobody is impersonating.</summary>
    public static string? GetActor(this ClaimsPrincipal principal)
    {
        if (principal.FindFirst(OrgIdentityClaimTypes.Actor)?.Value is not { Length: > 0 } act)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(act);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("sub", out var sub) ? sub.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The membership's authorization version in the token, or null.</summary>
    public static int? GetAuthzVersion(this ClaimsPrincipal principal) =>
        int.TryParse(principal.FindFirst(OrgIdentityClaimTypes.AuthzVersion)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var version) ? version : null;

    /// <summary>An array claim arrives as one JSON array claim or as one claim per value, depending on the handler: both are read.</summary>
    private static List<string> Values(ClaimsPrincipal principal, string type)
    {
        var values = new List<string>();
        foreach (var claim in principal.FindAll(type))
        {
            if (claim.Value.StartsWith('['))
            {
                try
                {
                    using var json = JsonDocument.Parse(claim.Value);
                    values.AddRange(json.RootElement.EnumerateArray().Select(v => v.GetString()).OfType<string>());
                    continue;
                }
                catch (JsonException)
                {
                    // Not JSON after all: the value itself.
                }
            }

            values.Add(claim.Value);
        }

        return values;
    }
}
