using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// Turns operations on a group's <c>members</c> into <see cref="ScimMemberChange"/>s, so a store can apply them
/// without loading the member list (see <see cref="ScimPatcher.ApplyToGroup"/>).
/// </summary>
internal sealed class MemberDeltaCollector
{
    private readonly List<ScimMemberChange> changes = [];

    public IReadOnlyList<ScimMemberChange> Changes => changes;

    public void Apply(ScimPatchOperationType operationType, ScimPath path, ScimResolvedPath resolved, JsonNode? value)
    {
        if (resolved.SubAttribute is not null)
        {
            throw ScimException.InvalidPath(
                $"'{path}': a member's sub-attributes are not stored; add or remove whole members instead.");
        }

        if (path.ValueFilter is not null)
        {
            var selected = SelectedIds(path.ValueFilter)
                ?? throw ScimException.InvalidPath(
                    $"'{path}': members are selected by 'value eq \"id\"' tests (joined by 'or') only.");
            var clear = operationType == ScimPatchOperationType.Remove || PatchJson.IsUnassigned(value);

            // INTEROP P12: removing an absent member is a no-op; P6: add/replace at members[value eq "x"] adds x.
            changes.Add(new ScimMemberChange(clear ? ScimMemberChangeKind.Remove : ScimMemberChangeKind.Add, selected));
            return;
        }

        var ids = Ids(value);
        switch (operationType)
        {
            case ScimPatchOperationType.Add when ids.Count > 0:
                changes.Add(new ScimMemberChange(ScimMemberChangeKind.Add, ids));
                break;
            case ScimPatchOperationType.Replace when ids.Count > 0:
                changes.Add(new ScimMemberChange(ScimMemberChangeKind.ReplaceAll, ids));
                break;
            case ScimPatchOperationType.Remove when ids.Count > 0:
                // INTEROP P11: a value list removes only those members.
                changes.Add(new ScimMemberChange(ScimMemberChangeKind.Remove, ids));
                break;
            case ScimPatchOperationType.Replace or ScimPatchOperationType.Remove:
                // INTEROP P13: "remove members" and "replace members" with nothing clear the list.
                changes.Add(new ScimMemberChange(ScimMemberChangeKind.RemoveAll, []));
                break;
            default:
                // "add members" with nothing adds nothing.
                break;
        }
    }

    /// <summary>
    /// The member ids of a value: a list or a single element, each an object with a string <c>value</c>
    /// (<c>$ref</c>, <c>display</c> and <c>type</c> are ignored, INTEROP P10) or a bare id string (P15).
    /// </summary>
    private static List<string> Ids(JsonNode? value)
    {
        var ids = new List<string>();
        IEnumerable<JsonNode?> items = value is JsonArray array ? array : new List<JsonNode?> { value };
        foreach (var item in items)
        {
            if (PatchJson.IsUnassigned(item))
            {
                continue;
            }

            var id = item is JsonObject member ? PatchJson.Get(member, "value") : item;
            if (!PatchJson.IsString(id, out var text) || text.Length == 0)
            {
                throw ScimException.InvalidValue("each value of 'members' needs a 'value' string with the member's id.");
            }

            if (!ids.Contains(text, StringComparer.Ordinal))
            {
                ids.Add(text);
            }
        }

        return ids;
    }

    /// <summary>The ids of <c>value eq "a"</c> or <c>value eq "a" or value eq "b"</c>; null for any other filter.</summary>
    private static List<string>? SelectedIds(ScimFilter filter)
    {
        switch (filter)
        {
            case ScimComparisonFilter { Operator: ScimComparisonOperator.Equal, Value.Kind: ScimLiteralKind.String } comparison
                when comparison.Path.ValueFilter is null && IsValuePath(comparison.Path):
                return [comparison.Value.Text];
            case ScimLogicalFilter { Operator: ScimLogicalOperator.Or } or:
                if (SelectedIds(or.Left) is not { } left || SelectedIds(or.Right) is not { } right)
                {
                    return null;
                }

                return left.Union(right, StringComparer.Ordinal).ToList();
            default:
                return null;
        }
    }

    private static bool IsValuePath(ScimPath path) => path.SchemaUrn is null && (path.SubAttributeName is null
        ? string.Equals(path.AttributeName, "value", StringComparison.OrdinalIgnoreCase)
        : string.Equals(path.AttributeName, "members", StringComparison.OrdinalIgnoreCase)
            && string.Equals(path.SubAttributeName, "value", StringComparison.OrdinalIgnoreCase));
}
