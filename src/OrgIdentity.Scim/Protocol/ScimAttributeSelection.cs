namespace OrgIdentity.Scim;

/// <summary>
/// The <c>attributes</c> and <c>excludedAttributes</c> of a request (RFC 7644 §3.4.2.5, §3.9), as attribute paths.
/// A store may ask it whether to load an expensive attribute (<see cref="MayReturn"/>); the handler's projection
/// decides exactly what is shown.
/// </summary>
/// <param name="Attributes">The attributes asked for, or empty for the defaults.</param>
/// <param name="ExcludedAttributes">The attributes left out, or empty.</param>
public sealed record ScimAttributeSelection(IReadOnlyList<string> Attributes, IReadOnlyList<string> ExcludedAttributes)
{
    /// <summary>No <c>attributes</c>, no <c>excludedAttributes</c>: every attribute returned by default.</summary>
    public static ScimAttributeSelection Default { get; } = new([], []);

    /// <summary>
    /// Whether the response may show the top-level attribute <paramref name="name"/> (case-insensitive; sub-attribute
    /// and URN-qualified forms in the lists count for their attribute): false when excluded, or when
    /// <c>attributes</c> is given and names neither it nor one of its sub-attributes.
    /// </summary>
    public bool MayReturn(string name)
    {
        if (ExcludedAttributes.Any(a => Names(a, name) && !a.Contains('.', StringComparison.Ordinal)))
        {
            return false;
        }

        return Attributes.Count == 0 || Attributes.Any(a => Names(a, name));
    }

    /// <summary>Whether the path text <paramref name="path"/> (<c>members</c>, <c>members.value</c>, <c>urn:…:members</c>, <c>emails[type eq "work"]</c>) is about <paramref name="name"/>.</summary>
    private static bool Names(string path, string name)
    {
        var bracket = path.IndexOf('[', StringComparison.Ordinal);
        var head = bracket < 0 ? path : path[..bracket];
        if (head.StartsWith("urn:", StringComparison.OrdinalIgnoreCase))
        {
            // The URN's own dots (2.0) are not sub-attribute separators: the attribute follows its last colon.
            head = head[(head.LastIndexOf(':') + 1)..];
        }

        return string.Equals(head.Split('.')[0].Trim(), name, StringComparison.OrdinalIgnoreCase);
    }
}
