namespace OrgIdentity.Scim;

/// <summary>What a service provider supports and its limits: <c>/ServiceProviderConfig</c> says the same (SCIM-INTEROP D4).</summary>
public sealed class ScimServiceOptions
{
    /// <summary>Page size when a list request gives no <c>count</c>.</summary>
    public int DefaultCount { get; set; } = 100;

    /// <summary>The largest page (<c>filter.maxResults</c>); a larger <c>count</c> is lowered to it (RFC 7644 §3.4.2.4).</summary>
    public int MaxCount { get; set; } = 1000;

    /// <summary>Whether <c>sortBy</c> is honoured.</summary>
    public bool SortSupported { get; set; } = true;

    /// <summary>Whether resources carry ETags and <c>If-Match</c> is checked.</summary>
    public bool ETagSupported { get; set; } = true;

    /// <summary>The largest request body in bytes (<c>bulk.maxPayloadSize</c> is reported with it).</summary>
    public int MaxPayloadSize { get; set; } = 1_048_576;

    /// <summary>A page for people about this service provider's SCIM, or null.</summary>
    public Uri? DocumentationUri { get; set; }
}
