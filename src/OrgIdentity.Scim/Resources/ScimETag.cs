namespace OrgIdentity.Scim;

/// <summary>
/// Weak entity tags from a resource's version (RFC 7644 §3.14): <c>W/"3"</c> in <c>meta.version</c> and the
/// <c>ETag</c> header, and the <c>If-Match</c> / <c>If-None-Match</c> checks.
/// </summary>
public static class ScimETag
{
    /// <summary>The weak ETag of <paramref name="version"/>.</summary>
    public static string Format(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return $"W/\"{version.Replace("\"", "", StringComparison.Ordinal)}\"";
    }

    /// <summary>
    /// Whether an <c>If-Match</c> header allows a change of a resource whose ETag is <paramref name="current"/>:
    /// true when there is no header, for <c>*</c>, or when one of the listed tags equals it (weak comparison: the
    /// <c>W/</c> prefix is ignored on both sides).
    /// </summary>
    public static bool Matches(string? ifMatch, string current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return true;
        }

        var opaque = Opaque(current);
        return ifMatch.Split(',').Select(t => t.Trim()).Any(tag => tag == "*" || Opaque(tag) == opaque);
    }

    /// <summary>Whether an <c>If-None-Match</c> header names <paramref name="current"/> (a GET then answers 304).</summary>
    public static bool NoneMatchHits(string? ifNoneMatch, string current) =>
        !string.IsNullOrWhiteSpace(ifNoneMatch) && Matches(ifNoneMatch, current);

    private static string Opaque(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
}
