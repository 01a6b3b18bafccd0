using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// The values of a multi-valued attribute looked up by their <c>value</c> sub-attribute, so that adding,
/// de-duplicating or removing k values of a list of n (a group's members) costs about n + k, not n × k.
/// Candidates are then compared with <see cref="MultiValues.AreSameValue"/>: a value with a <c>value</c> can only
/// equal one with the same <c>value</c>, and one without only another without.
/// </summary>
internal sealed class ValueIndex
{
    private readonly ScimAttribute attribute;
    private readonly Dictionary<string, List<JsonNode>> byValue;
    private readonly List<JsonNode> withoutValue = [];

    public ValueIndex(ScimAttribute attribute, IEnumerable<JsonNode?> values)
    {
        this.attribute = attribute;
        var caseExact = attribute.Type == ScimAttributeType.Complex
            ? attribute.FindSubAttribute("value")?.CaseExact ?? false
            : attribute.CaseExact;
        byValue = new Dictionary<string, List<JsonNode>>(caseExact ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        foreach (var value in values)
        {
            if (value is not null)
            {
                Add(value);
            }
        }
    }

    public void Add(JsonNode value)
    {
        if (Key(value) is { } key)
        {
            if (!byValue.TryGetValue(key, out var bucket))
            {
                bucket = [];
                byValue[key] = bucket;
            }

            bucket.Add(value);
        }
        else
        {
            withoutValue.Add(value);
        }
    }

    public void Remove(JsonNode value)
    {
        if (Key(value) is { } key)
        {
            if (byValue.TryGetValue(key, out var bucket))
            {
                bucket.RemoveAll(candidate => ReferenceEquals(candidate, value));
            }
        }
        else
        {
            withoutValue.RemoveAll(candidate => ReferenceEquals(candidate, value));
        }
    }

    /// <summary>The indexed values that may equal <paramref name="value"/> (a snapshot).</summary>
    public List<JsonNode> Candidates(JsonNode value) => Key(value) is { } key
        ? byValue.TryGetValue(key, out var bucket) ? [.. bucket] : []
        : [.. withoutValue];

    private string? Key(JsonNode value)
    {
        var keyNode = value is JsonObject obj
            ? attribute.FindSubAttribute("value") is null ? null : PatchJson.Get(obj, "value")
            : value;
        if (keyNode is null)
        {
            return null;
        }

        return PatchJson.IsString(keyNode, out var text) ? text : keyNode.ToJsonString();
    }
}
