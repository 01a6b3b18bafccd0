using System.Text.Json.Nodes;

namespace OrgIdentity.Scim.Tests;

/// <summary>
/// The smallest honest store: documents in creation order, case-insensitive uniqueness of userName/displayName,
/// filters through <see cref="ScimFilterEvaluator"/>, If-Match through <see cref="ScimETag.ThrowIfNotMatched"/>, PATCH
/// through <see cref="ScimPatcher.Apply"/>.
/// </summary>
internal sealed class ProtocolHandlerTestStore(ScimResourceType resourceType) : IScimResourceStore
{
    private readonly List<ScimStoredResource> resources = [];
    private int nextId;

    public ScimResourceType ResourceType { get; } = resourceType;

    public ScimException? Refusal { get; set; }

    public ScimListQuery? LastQuery { get; private set; }

    private string UniqueAttribute => ResourceType.Schema.Id == ScimConstants.UserSchema ? "userName" : "displayName";

    public ScimStoredResource Single() => Assert.Single(resources);

    public Task<ScimStoredResource?> FindAsync(string id, ScimAttributeSelection selection, CancellationToken cancellationToken) =>
        Task.FromResult(resources.FirstOrDefault(r => r.Id == id));

    public Task<ScimListResult> ListAsync(ScimListQuery query, CancellationToken cancellationToken)
    {
        if (Refusal is not null)
        {
            throw Refusal;
        }

        LastQuery = query;
        var matches = resources.Where(r => query.Filter is null || ScimFilterEvaluator.Matches(r.Document, query.Filter, ResourceType)).ToList();
        return Task.FromResult(new ScimListResult(matches.Count, matches.Skip(query.StartIndex - 1).Take(query.Count).ToList()));
    }

    public Task<ScimStoredResource> CreateAsync(JsonObject document, CancellationToken cancellationToken)
    {
        var created = (JsonObject)document.DeepClone();
        created["id"] = $"{ResourceType.Name.ToLowerInvariant()}-{++nextId}";
        return Task.FromResult(Save(null, created));
    }

    public Task<ScimStoredResource> ReplaceAsync(string id, JsonObject document, string? ifMatch, CancellationToken cancellationToken)
    {
        var current = Load(id, ifMatch);
        var replaced = (JsonObject)document.DeepClone();
        replaced["id"] = id;
        return Task.FromResult(Save(current, replaced));
    }

    public Task<ScimStoredResource> PatchAsync(string id, ScimPatchRequest patch, string? ifMatch, CancellationToken cancellationToken)
    {
        var current = Load(id, ifMatch);
        return Task.FromResult(Save(current, ScimPatcher.Apply(current.Document, patch, ResourceType)));
    }

    public Task DeleteAsync(string id, string? ifMatch, CancellationToken cancellationToken)
    {
        resources.Remove(Load(id, ifMatch));
        return Task.CompletedTask;
    }

    private ScimStoredResource Load(string id, string? ifMatch)
    {
        var current = resources.FirstOrDefault(r => r.Id == id) ?? throw ScimException.NotFound($"No {ResourceType.Name} '{id}'.");
        ScimETag.ThrowIfNotMatched(ifMatch, ScimETag.Format(current.Version));
        return current;
    }

    private ScimStoredResource Save(ScimStoredResource? current, JsonObject document)
    {
        var unique = document[UniqueAttribute]?.GetValue<string>();
        if (resources.Any(r => r != current && string.Equals(r.Document[UniqueAttribute]?.GetValue<string>(), unique, StringComparison.OrdinalIgnoreCase)))
        {
            throw ScimException.Uniqueness($"{UniqueAttribute} '{unique}' is already in use.");
        }

        var now = DateTimeOffset.UnixEpoch.AddDays(resources.Count);
        var saved = new ScimStoredResource(document, Guid.NewGuid().ToString("N"), current?.Created ?? now, now);
        if (current is null)
        {
            resources.Add(saved);
        }
        else
        {
            resources[resources.IndexOf(current)] = saved;
        }

        return saved;
    }
}
