using System.ComponentModel.DataAnnotations;

namespace OrgIdentity.Server.Hosting;

/// <summary>The top of the <c>OrgIdentity</c> section: what every feature needs to know about the host.</summary>
public sealed class OrgIdentityOptions
{
    public const string Section = "OrgIdentity";

    /// <summary>The public URL of this server, the same on every replica (tokens' <c>iss</c>, links in e-mails).</summary>
    [Required]
    public string Issuer { get; set; } = "http://localhost:5080/";

    /// <summary>Where the SQLite file, development keys and picked-up e-mails go.</summary>
    [Required]
    public string DataDirectory { get; set; } = "./data";

    public Uri IssuerUri => new(Issuer.EndsWith('/') ? Issuer : Issuer + "/", UriKind.Absolute);

    /// <summary>An absolute link to a path of this server, for e-mails and the console.</summary>
    public string Link(string pathAndQuery) => new Uri(IssuerUri, pathAndQuery.TrimStart('/')).ToString();
}

/// <summary><c>OrgIdentity:RateLimits</c>.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "OrgIdentity:RateLimits";

    [Range(1, 100_000)]
    public int SignInPerMinute { get; set; } = 10;

    /// <summary>SCIM requests per second per directory token (Entra ID asks for at least 25); over it, 429 with <c>Retry-After</c>.</summary>
    [Range(1, 1_000_000)]
    public int ScimPerTokenPerSecond { get; set; } = 50;

    /// <summary>Token requests per second per client id, counted before the client is checked; over it, 429 with <c>Retry-After</c>.</summary>
    [Range(1, 1_000_000)]
    public int TokenPerClientPerSecond { get; set; } = 200;
}

/// <summary>Resolves <c>OrgIdentity:DataDirectory</c> and creates it.</summary>
public static class DataDirectory
{
    public static string Resolve(IConfiguration configuration)
    {
        var configured = configuration[$"{OrgIdentityOptions.Section}:{nameof(OrgIdentityOptions.DataDirectory)}"] ?? "./data";
        // Relative to the working directory (dotnet run starts in the project folder; its launch profile points here at ./data of the checkout).
        var path = Path.GetFullPath(configured);
        Directory.CreateDirectory(path);
        return path;
    }
}
