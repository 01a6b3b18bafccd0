using System.Globalization;
using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// The SCIM HTTP protocol without HTTP: routes a <see cref="ScimRequest"/> to the stores, checks and shapes
/// everything on the way (RFC 7644 §3), and answers a <see cref="ScimResponse"/>, errors included, so a host's
/// endpoint only copies requests in and responses out. Stateless; one instance may serve every request.
/// </summary>
/// <remarks>
/// Routes: <c>/Users</c> and <c>/Groups</c> (GET list, POST create, POST <c>/.search</c>), <c>/{type}/{id}</c> (GET,
/// PUT, PATCH, DELETE), <c>/.search</c> over both, <c>/ServiceProviderConfig</c>, <c>/Schemas[/{urn}]</c>,
/// <c>/ResourceTypes[/{name}]</c>; <c>/Me</c> and <c>/Bulk</c> answer 501.
/// </remarks>
public sealed class ScimRequestHandler(ScimServiceOptions options)
{
    /// <summary>Handles one request with the caller's stores (already scoped to its tenant).</summary>
    public async Task<ScimResponse> HandleAsync(ScimRequest request, IScimResourceStore users, IScimResourceStore groups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(groups);
        try
        {
            return await RouteAsync(request, users, groups, cancellationToken);
        }
        catch (ScimException refused)
        {
            return ScimResponse.Error(refused);
        }
    }

    private async Task<ScimResponse> RouteAsync(ScimRequest request, IScimResourceStore users, IScimResourceStore groups, CancellationToken cancellationToken)
    {
        if (request.Body is { Length: var length } && length > options.MaxPayloadSize)
        {
            throw new ScimException(413, null, $"The request body is larger than {options.MaxPayloadSize} bytes.");
        }

        var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var method = request.Method.ToUpperInvariant();
        var store = segments.Length > 0 ? StoreFor(segments[0], users, groups) : null;
        switch (segments)
        {
            case ["ServiceProviderConfig"]:
                Allow(method, "GET");
                return Ok(ScimDiscovery.ServiceProviderConfig(options, request.BaseUri));
            case ["Schemas"]:
                Allow(method, "GET");
                NoFilter(request);
                return Ok(ScimDiscovery.Schemas(ScimSchemas.All, request.BaseUri));
            case ["Schemas", var urn]:
                Allow(method, "GET");
                return Ok(ScimDiscovery.Schema(ScimSchemas.All.FirstOrDefault(s => string.Equals(s.Id, urn, StringComparison.OrdinalIgnoreCase))
                    ?? throw ScimException.NotFound($"No schema '{urn}'."), request.BaseUri));
            case ["ResourceTypes"]:
                Allow(method, "GET");
                NoFilter(request);
                return Ok(ScimDiscovery.ResourceTypes([users.ResourceType, groups.ResourceType], request.BaseUri));
            case ["ResourceTypes", var name]:
                Allow(method, "GET");
                return Ok(ScimDiscovery.ResourceType(new[] { users.ResourceType, groups.ResourceType }.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
                    ?? throw ScimException.NotFound($"No resource type '{name}'."), request.BaseUri));
            case ["Me", ..] or ["Bulk", ..]:
                throw new ScimException(501, null, $"/{segments[0]} is not supported by this service provider.");
            case [".search"]:
                Allow(method, "POST");
                return await SearchAllAsync(request, users, groups, cancellationToken);
            case [_] when store is not null:
                return method switch
                {
                    "GET" => await ListAsync(request, store, ReadQuery(request.Query), cancellationToken),
                    "POST" => await CreateAsync(request, store, cancellationToken),
                    _ => throw MethodNotAllowed(method),
                };
            case [_, ".search"] when store is not null:
                Allow(method, "POST");
                return await ListAsync(request, store, ReadSearchRequest(request.Body), cancellationToken);
            case [_, var id] when store is not null:
                return method switch
                {
                    "GET" => await GetAsync(request, store, id, cancellationToken),
                    "PUT" => await ReplaceAsync(request, store, id, cancellationToken),
                    "PATCH" => await PatchAsync(request, store, id, cancellationToken),
                    "DELETE" => await DeleteAsync(request, store, id, cancellationToken),
                    _ => throw MethodNotAllowed(method),
                };
            default:
                throw ScimException.NotFound($"No SCIM endpoint at '{request.Path}'.");
        }
    }

    private async Task<ScimResponse> GetAsync(ScimRequest request, IScimResourceStore store, string id, CancellationToken cancellationToken)
    {
        var selection = Selection(request.Query);
        var found = await store.FindAsync(id, selection, cancellationToken) ?? throw NotFound(store, id);
        var etag = ScimETag.Format(found.Version);
        if (options.ETagSupported && ScimETag.NoneMatchHits(request.IfNoneMatch, etag))
        {
            return new ScimResponse(304, null, new Dictionary<string, string> { ["ETag"] = etag });
        }

        return Resource(200, request, store, found, selection);
    }

    private async Task<ScimResponse> CreateAsync(ScimRequest request, IScimResourceStore store, CancellationToken cancellationToken)
    {
        var document = ScimResourceReader.Read(ScimResourceReader.ParseJson(request.Body), store.ResourceType);
        var created = await store.CreateAsync(document, cancellationToken);
        var response = Resource(201, request, store, created, Selection(request.Query));
        return response with { Headers = new Dictionary<string, string>(response.Headers) { ["Location"] = Location(request, store, created.Id) } };
    }

    private async Task<ScimResponse> ReplaceAsync(ScimRequest request, IScimResourceStore store, string id, CancellationToken cancellationToken)
    {
        var body = ScimResourceReader.ParseJson(request.Body);
        // Okta sends the id back in a PUT body (SCIM-INTEROP §1.5): the same id is fine, another one is a mistake.
        if (body is JsonObject sent && sent.FirstOrDefault(p => string.Equals(p.Key, "id", StringComparison.OrdinalIgnoreCase)).Value is JsonValue sentId
            && sentId.TryGetValue<string>(out var text) && !string.IsNullOrEmpty(text) && text != id)
        {
            throw ScimException.Mutability($"The body's id '{text}' is not the id in the URL; id cannot change.");
        }

        var document = ScimResourceReader.Read(body, store.ResourceType);
        var replaced = await store.ReplaceAsync(id, document, IfMatch(request), cancellationToken);
        return Resource(200, request, store, replaced, Selection(request.Query));
    }

    private async Task<ScimResponse> PatchAsync(ScimRequest request, IScimResourceStore store, string id, CancellationToken cancellationToken)
    {
        var patch = ScimPatchRequest.Parse(ScimResourceReader.ParseJson(request.Body));
        var patched = await store.PatchAsync(id, patch, IfMatch(request), cancellationToken);
        var selection = Selection(request.Query);
        // Groups answer 204 (Entra recommends it; the member list can be huge) unless the request asks for attributes.
        if (store.ResourceType.Schema.Id == ScimConstants.GroupSchema && selection.Attributes.Count == 0 && selection.ExcludedAttributes.Count == 0)
        {
            return new ScimResponse(204, null, EtagHeader(patched));
        }

        return Resource(200, request, store, patched, selection);
    }

    private async Task<ScimResponse> DeleteAsync(ScimRequest request, IScimResourceStore store, string id, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(id, IfMatch(request), cancellationToken);
        return new ScimResponse(204, null, new Dictionary<string, string>());
    }

    private async Task<ScimResponse> ListAsync(ScimRequest request, IScimResourceStore store, ListParameters parameters, CancellationToken cancellationToken)
    {
        var query = Query(parameters);
        var result = await store.ListAsync(query, cancellationToken);
        return Ok(ScimListResponse.Create(result.TotalResults, query.StartIndex,
            result.Resources.Take(query.Count).Select(r => Document(request, store, r, query.Selection))));
    }

    /// <summary><c>POST /.search</c> at the root (RFC 7644 §3.4.3): users, then groups, paged as one list.</summary>
    private async Task<ScimResponse> SearchAllAsync(ScimRequest request, IScimResourceStore users, IScimResourceStore groups, CancellationToken cancellationToken)
    {
        var parameters = ReadSearchRequest(request.Body);
        if (parameters.SortBy is not null)
        {
            throw ScimException.InvalidValue("sortBy is not supported across resource types; search /Users/.search or /Groups/.search instead.");
        }

        var query = Query(parameters);
        var first = await users.ListAsync(query, cancellationToken);
        var page = first.Resources.Take(query.Count).Select(r => Document(request, users, r, query.Selection)).ToList();
        var groupStart = Math.Max(1, query.StartIndex - first.TotalResults);
        var groupCount = query.Count - page.Count;
        // Groups fill what the users left of the page (a count of 0 still gives their total).
        var second = await groups.ListAsync(query with { StartIndex = groupStart, Count = groupCount }, cancellationToken);
        page.AddRange(second.Resources.Take(groupCount).Select(r => Document(request, groups, r, query.Selection)));
        return Ok(ScimListResponse.Create(first.TotalResults + second.TotalResults, query.StartIndex, page));
    }

    private ScimListQuery Query(ListParameters parameters)
    {
        var filter = string.IsNullOrWhiteSpace(parameters.Filter) ? null : ScimFilterParser.Parse(parameters.Filter);
        var sortBy = options.SortSupported && !string.IsNullOrWhiteSpace(parameters.SortBy) ? ScimFilterParser.ParsePath(parameters.SortBy) : null;
        var descending = parameters.SortOrder?.ToUpperInvariant() switch
        {
            null or "" or "ASCENDING" => false,
            "DESCENDING" => true,
            _ => throw ScimException.InvalidValue($"sortOrder is 'ascending' or 'descending', not '{parameters.SortOrder}'."),
        };
        // RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0; a count above the maximum is lowered.
        var startIndex = Math.Max(1, parameters.StartIndex ?? 1);
        var count = Math.Clamp(parameters.Count ?? options.DefaultCount, 0, options.MaxCount);
        return new ScimListQuery(filter, sortBy, descending, startIndex, count, parameters.Selection);
    }

    private ScimResponse Resource(int status, ScimRequest request, IScimResourceStore store, ScimStoredResource resource, ScimAttributeSelection selection) =>
        new(status, Document(request, store, resource, selection), EtagHeader(resource));

    private Dictionary<string, string> EtagHeader(ScimStoredResource resource) =>
        options.ETagSupported ? new Dictionary<string, string> { ["ETag"] = ScimETag.Format(resource.Version) } : [];

    /// <summary>The stored document with <c>schemas</c> and <c>meta</c> written by the handler, then projected.</summary>
    private JsonObject Document(ScimRequest request, IScimResourceStore store, ScimStoredResource resource, ScimAttributeSelection selection)
    {
        var document = (JsonObject)resource.Document.DeepClone();
        var schemas = new JsonArray(store.ResourceType.Schema.Id);
        foreach (var extension in store.ResourceType.Extensions.Where(e => document.ContainsKey(e.Schema.Id)))
        {
            schemas.Add(extension.Schema.Id);
        }

        document["schemas"] = schemas;
        var meta = new JsonObject
        {
            ["resourceType"] = store.ResourceType.Name,
            ["created"] = resource.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            ["lastModified"] = resource.LastModified.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            ["location"] = Location(request, store, resource.Id),
        };
        if (options.ETagSupported)
        {
            meta["version"] = ScimETag.Format(resource.Version);
        }

        document["meta"] = meta;
        return ScimProjection.Apply(document, store.ResourceType, selection);
    }

    /// <summary>The resource's URL under the base URL, which may or may not end in <c>/</c> (a host's <c>/scim/v2</c> keeps its last segment).</summary>
    private static string Location(ScimRequest request, IScimResourceStore store, string id) =>
        $"{request.BaseUri.AbsoluteUri.TrimEnd('/')}/{store.ResourceType.Endpoint.Trim('/')}/{Uri.EscapeDataString(id)}";

    private string? IfMatch(ScimRequest request) => options.ETagSupported ? request.IfMatch : null;

    private static IScimResourceStore? StoreFor(string segment, IScimResourceStore users, IScimResourceStore groups) =>
        string.Equals(segment, users.ResourceType.Endpoint.Trim('/'), StringComparison.OrdinalIgnoreCase) ? users
        : string.Equals(segment, groups.ResourceType.Endpoint.Trim('/'), StringComparison.OrdinalIgnoreCase) ? groups
        : null;

    private static ScimException NotFound(IScimResourceStore store, string id) => ScimException.NotFound($"No {store.ResourceType.Name} with id '{id}'.");

    private static ScimResponse Ok(JsonObject body) => new(200, body, new Dictionary<string, string>());

    private static void Allow(string method, string allowed)
    {
        if (method != allowed)
        {
            throw MethodNotAllowed(method);
        }
    }

    private static ScimException MethodNotAllowed(string method) => new(405, null, $"{method} is not allowed here.");

    /// <summary>RFC 7644 §4: filtering the discovery lists is refused with 403.</summary>
    private static void NoFilter(ScimRequest request)
    {
        if (Get(request.Query, "filter") is { Length: > 0 })
        {
            throw new ScimException(403, null, "Filtering is not supported on this endpoint.");
        }
    }

    private static ScimAttributeSelection Selection(IReadOnlyDictionary<string, string?> query) =>
        new(Split(Get(query, "attributes")), Split(Get(query, "excludedAttributes")));

    private static ListParameters ReadQuery(IReadOnlyDictionary<string, string?> query) => new(
        Get(query, "filter"), Get(query, "sortBy"), Get(query, "sortOrder"),
        Number(Get(query, "startIndex"), "startIndex"), Number(Get(query, "count"), "count"), Selection(query));

    /// <summary>A SearchRequest body (RFC 7644 §3.4.3): the query parameters as JSON; attribute lists as arrays or comma lists.</summary>
    private static ListParameters ReadSearchRequest(string? body)
    {
        if (ScimResourceReader.ParseJson(body) is not JsonObject search)
        {
            throw ScimException.InvalidSyntax("A SearchRequest is a JSON object.");
        }

        string? Text(string name) => Property(search, name) switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            JsonArray list => string.Join(',', list.Select(item => item?.ToString())),
            var other => other.ToJsonString(),
        };

        return new ListParameters(Text("filter"), Text("sortBy"), Text("sortOrder"), Number(Text("startIndex"), "startIndex"), Number(Text("count"), "count"),
            new ScimAttributeSelection(Split(Text("attributes")), Split(Text("excludedAttributes"))));
    }

    private static JsonNode? Property(JsonObject parent, string name) =>
        parent.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static string? Get(IReadOnlyDictionary<string, string?> query, string name) =>
        query.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static int? Number(string? text, string name) =>
        string.IsNullOrWhiteSpace(text) ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw ScimException.InvalidValue($"{name} must be an integer, not '{text}'.");

    /// <summary>Splits an attribute list at commas that are outside brackets (<c>emails[type eq "work"],userName</c>).</summary>
    private static List<string> Split(string? list)
    {
        var items = new List<string>();
        if (string.IsNullOrWhiteSpace(list))
        {
            return items;
        }

        var depth = 0;
        var start = 0;
        for (var i = 0; i < list.Length; i++)
        {
            depth += list[i] switch { '[' => 1, ']' => -1, _ => 0 };
            if (list[i] == ',' && depth == 0)
            {
                items.Add(list[start..i].Trim());
                start = i + 1;
            }
        }

        items.Add(list[start..].Trim());
        return items.Where(i => i.Length > 0).ToList();
    }

    private sealed record ListParameters(string? Filter, string? SortBy, string? SortOrder, int? StartIndex, int? Count, ScimAttributeSelection Selection);
}
