using System.ComponentModel.DataAnnotations;

namespace OrgIdentity.Server.Connect;

/// <summary><c>OrgIdentity:Tokens</c>.</summary>
public sealed class TokenOptions
{
    public const string Section = "OrgIdentity:Tokens";

    [Range(1, 60)]
    public int AccessTokenMinutes { get; set; } = 10;

    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 14;

    [Range(1, 60)]
    public int ImpersonationMinutes { get; set; } = 15;
}

/// <summary>One entry of <c>OrgIdentity:Clients</c>: an application declared in configuration, synced at start.</summary>
public sealed class ClientOptions
{
    public const string Section = "OrgIdentity:Clients";

    [Required]
    public string ClientId { get; set; } = "";

    /// <summary>Without a secret the client is public and must use PKCE.</summary>
    public string? ClientSecret { get; set; }

    public string? DisplayName { get; set; }

    /// <summary><c>Explicit</c> (a consent page) or <c>Implicit</c> (first-party, no consent page).</summary>
    public string ConsentType { get; set; } = "Explicit";

    public List<string> GrantTypes { get; set; } = [];
    public List<string> Scopes { get; set; } = [];
    public List<string> RedirectUris { get; set; } = [];
    public List<string> PostLogoutRedirectUris { get; set; } = [];
}
