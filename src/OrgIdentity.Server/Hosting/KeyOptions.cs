namespace OrgIdentity.Server.Hosting;

/// <summary>
/// <c>OrgIdentity:Keys</c>: signing and encryption certificates from files. The first of each list signs
/// (or encrypts); all are published and accepted, so a new certificate can be added before the old one goes.
/// </summary>
public sealed class KeyOptions
{
    public const string Section = "OrgIdentity:Keys";

    public List<KeyFileOptions> Signing { get; set; } = [];
    public List<KeyFileOptions> Encryption { get; set; } = [];
}

/// <summary>A PFX file (<c>Path</c>, <c>Password</c>) or a PEM certificate with its key (<c>Path</c>, <c>KeyPath</c>, optional <c>Password</c>).</summary>
public sealed class KeyFileOptions
{
    public string? Path { get; set; }
    public string? KeyPath { get; set; }
    public string? Password { get; set; }
}
