using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>A resource as a store holds it: its document (with <c>id</c>, without <c>meta</c>), version and times.</summary>
/// <param name="Document">The canonical document: <c>id</c>, the attributes, no <c>meta</c> (the handler writes it).</param>
/// <param name="Version">An opaque version that changes with every change (the ETag is made from it).</param>
/// <param name="Created">When the resource was created.</param>
/// <param name="LastModified">When it last changed.</param>
public sealed record ScimStoredResource(JsonObject Document, string Version, DateTimeOffset Created, DateTimeOffset LastModified)
{
    /// <summary>The resource's id (<c>Document["id"]</c>).</summary>
    public string Id => Document["id"]?.GetValue<string>() ?? throw new InvalidOperationException("A stored resource has an id.");
}

/// <summary>
/// A list request as a store receives it: the parsed filter (translate it with <see cref="ScimFilterTranslator"/> so
/// it runs in the database), the sort, 1-based <see cref="StartIndex"/> and <see cref="Count"/> (0: the total only),
/// and whether the response shows the multi-valued attribute a store may prefer not to load (<c>members</c>).
/// </summary>
/// <param name="Filter">The filter, or null for all.</param>
/// <param name="SortBy">The attribute to sort by, or null for the store's stable order.</param>
/// <param name="Descending">Whether <c>sortOrder</c> is <c>descending</c>.</param>
/// <param name="StartIndex">The 1-based index of the first result.</param>
/// <param name="Count">The most results to return.</param>
/// <param name="Selection">Which attributes the response shows.</param>
public sealed record ScimListQuery(ScimFilter? Filter, ScimPath? SortBy, bool Descending, int StartIndex, int Count, ScimAttributeSelection Selection);

/// <summary>One page of a list and the number of all matches.</summary>
/// <param name="TotalResults">How many resources match the filter.</param>
/// <param name="Resources">The page, in a stable order (equal for equal requests, whatever the count).</param>
public sealed record ScimListResult(int TotalResults, IReadOnlyList<ScimStoredResource> Resources);

/// <summary>
/// Where a host keeps one resource type. The library never holds state: <see cref="ScimRequestHandler"/> parses and
/// checks requests, calls these, and shapes the answers. Throw <see cref="ScimException"/> for refusals (404 for an
/// unknown id or one of another tenant, 409 <c>uniqueness</c>, 412 when <c>ifMatch</c> does not match,
/// <see cref="ScimETag.ThrowIfNotMatched"/>). Documents given to the store are canonical (<see cref="ScimResourceReader"/>).
/// </summary>
public interface IScimResourceStore
{
    /// <summary>The resource type this store keeps.</summary>
    ScimResourceType ResourceType { get; }

    /// <summary>The resource, or null when it does not exist for this caller.</summary>
    Task<ScimStoredResource?> FindAsync(string id, ScimAttributeSelection selection, CancellationToken cancellationToken);

    /// <summary>A page of the resources that match <see cref="ScimListQuery.Filter"/>.</summary>
    Task<ScimListResult> ListAsync(ScimListQuery query, CancellationToken cancellationToken);

    /// <summary>Creates a resource from a canonical document (no <c>id</c>; the store assigns one).</summary>
    Task<ScimStoredResource> CreateAsync(JsonObject document, CancellationToken cancellationToken);

    /// <summary>Replaces a resource (PUT): attributes the document lacks are cleared (RFC 7644 §3.5.1).</summary>
    Task<ScimStoredResource> ReplaceAsync(string id, JsonObject document, string? ifMatch, CancellationToken cancellationToken);

    /// <summary>
    /// Patches a resource: load it, apply <see cref="ScimPatcher.Apply"/> (or, for groups,
    /// <see cref="ScimPatcher.ApplyToGroup"/>) inside the store's own transaction, save. All operations or none.
    /// </summary>
    Task<ScimStoredResource> PatchAsync(string id, ScimPatchRequest patch, string? ifMatch, CancellationToken cancellationToken);

    /// <summary>Deletes a resource; an unknown id is a 404.</summary>
    Task DeleteAsync(string id, string? ifMatch, CancellationToken cancellationToken);
}
