namespace OrgIdentity.Scim;

/// <summary>
/// Weak entity tags from a resource's version (RFC 7644 §3.14): <c>W/"3"</c> in <c>meta.version</c> and the
/// <c>ETag</c> header, and the <c>If-Match</c> / <c>If-None-Match</c> checks.
/// </summary>
/// <remarks>
/// Comparison is weak (RFC 7232 §2.3.2): only the opaque part counts, so <c>"3"</c> and <c>W/"3"</c> match. SCIM
/// service providers only ever hand out weak tags, so a strict comparison would make every <c>If-Match</c> fail.
/// Header lists are split on commas outside quotes; an unquoted tag (<c>If-Match: 3</c>) is accepted as if quoted.
/// </remarks>
public static class ScimETag
{
    /// <summary>The weak ETag of <paramref name="version"/> (double quotes in it are dropped: they cannot be escaped).</summary>
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
        return Split(ifMatch).Any(tag => tag == "*" || Opaque(tag) == opaque);
    }

    /// <summary>
    /// Throws 412 (<see cref="ScimException.PreconditionFailed"/>) unless <see cref="Matches"/> allows the change: a
    /// store calls it with the <c>ifMatch</c> it was given and the resource's current ETag, inside its transaction.
    /// </summary>
    public static void ThrowIfNotMatched(string? ifMatch, string current)
    {
        if (!Matches(ifMatch, current))
        {
            throw ScimException.PreconditionFailed($"The resource's version is {current}, not the one If-Match names ({ifMatch}).");
        }
    }

    /// <summary>Whether an <c>If-None-Match</c> header names <paramref name="current"/> or is <c>*</c> (a GET then answers 304).</summary>
    public static bool NoneMatchHits(string? ifNoneMatch, string current) =>
        !string.IsNullOrWhiteSpace(ifNoneMatch) && Matches(ifNoneMatch, current);

    /// <summary>The entity tags of a header value, split on commas outside double quotes.</summary>
    private static IEnumerable<string> Split(string header)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= header.Length; i++)
        {
            if (i == header.Length || (header[i] == ',' && !quoted))
            {
                var tag = header[start..i].Trim();
                if (tag.Length > 0)
                {
                    yield return tag;
                }

                start = i + 1;
            }
            else if (header[i] == '"')
            {
                quoted = !quoted;
            }
        }
    }

    /// <summary>The opaque part of a tag: without <c>W/</c> and without its quotes.</summary>
    private static string Opaque(string tag)
    {
        var opaque = tag.StartsWith("W/", StringComparison.OrdinalIgnoreCase) ? tag[2..] : tag;
        return opaque.Length >= 2 && opaque[0] == '"' && opaque[^1] == '"' ? opaque[1..^1] : opaque;
    }
}
