using Microsoft.AspNetCore.Identity;

namespace OrgIdentity.Server.Accounts;

/// <summary>
/// A person's account. The e-mail is the login: Identity's user name is kept equal to the e-mail and
/// never shown. <see cref="LegacyUserName"/> is only the name an imported account arrived with.
/// </summary>
public sealed class User : IdentityUser<Guid>
{
    public string? Name { get; set; }
    public string? GivenName { get; set; }
    public string? FamilyName { get; set; }
    public string? Company { get; set; }

    /// <summary>A user name from an older system, shown where the user has no name.</summary>
    public string? LegacyUserName { get; set; }

    public bool IsDisabled { get; set; }
    public DateTime? DisabledAt { get; set; }

    /// <summary>Set when an organization's directory or SSO created or claimed the account (later issues).</summary>
    public Guid? ManagedByOrganizationId { get; set; }

    public bool IsPlatformAdmin { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastLoginAt { get; set; }

    /// <summary>The name shown everywhere a name is shown.</summary>
    public string DisplayName =>
        !string.IsNullOrWhiteSpace(Name) ? Name
        : !string.IsNullOrWhiteSpace(GivenName) || !string.IsNullOrWhiteSpace(FamilyName) ? $"{GivenName} {FamilyName}".Trim()
        : !string.IsNullOrWhiteSpace(LegacyUserName) ? LegacyUserName
        : Email ?? Id.ToString();
}
