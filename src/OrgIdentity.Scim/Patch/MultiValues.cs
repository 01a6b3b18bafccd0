using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>The rules for the values of a multi-valued attribute: equality, merging and the single primary.</summary>
internal static class MultiValues
{
    /// <summary>
    /// Adds <paramref name="element"/> to <paramref name="list"/> (indexed by <paramref name="index"/>), or, when
    /// an equal value is already there, merges the new sub-attributes into it (RFC 7644 §3.5.2.1: no duplicate
    /// values). Returns the stored element.
    /// </summary>
    public static JsonNode AddOrMerge(ScimAttribute attribute, JsonArray list, ValueIndex index, JsonNode element)
    {
        foreach (var existing in index.Candidates(element))
        {
            if (AreSameValue(attribute, existing, element))
            {
                if (existing is JsonObject target && element is JsonObject source)
                {
                    index.Remove(existing);
                    PatchEngine.MergeInto(attribute, target, source, attribute.Name);
                    index.Add(existing);
                }

                return existing;
            }
        }

        list.Add(element);
        index.Add(element);
        return element;
    }

    /// <summary>Removes from <paramref name="list"/> every value listed in <paramref name="removals"/>, in one pass.</summary>
    public static bool RemoveAll(JsonArray list, IReadOnlyCollection<JsonNode> removals)
    {
        if (removals.Count == 0)
        {
            return false;
        }

        var removed = new HashSet<JsonNode>(removals, ReferenceEqualityComparer.Instance);
        var kept = list.Where(value => value is null || !removed.Contains(value)).ToList();
        list.Clear();
        foreach (var value in kept)
        {
            list.Add(value);
        }

        return true;
    }

    /// <summary>
    /// Whether two values are the same entry: equal <c>value</c> sub-attributes (per its <c>caseExact</c>) and
    /// equal <c>type</c> when both have one, so <c>{value:"x"}</c> and <c>{value:"x", display:"X"}</c> are one
    /// member (INTEROP P10). Without a <c>value</c> sub-attribute, all sub-attributes must be equal.
    /// </summary>
    public static bool AreSameValue(ScimAttribute attribute, JsonNode left, JsonNode right)
    {
        if (left is not JsonObject leftObject || right is not JsonObject rightObject)
        {
            return PatchJson.ScalarEquals(left, right, attribute.CaseExact);
        }

        if (attribute.FindSubAttribute("value") is { } valueAttribute
            && PatchJson.Get(leftObject, "value") is { } leftValue && PatchJson.Get(rightObject, "value") is { } rightValue)
        {
            if (!PatchJson.ScalarEquals(leftValue, rightValue, valueAttribute.CaseExact))
            {
                return false;
            }

            var leftType = PatchJson.Get(leftObject, "type");
            var rightType = PatchJson.Get(rightObject, "type");
            return leftType is null || rightType is null
                || PatchJson.ScalarEquals(leftType, rightType, attribute.FindSubAttribute("type")?.CaseExact ?? false);
        }

        return JsonNode.DeepEquals(leftObject, rightObject);
    }

    /// <summary>
    /// Whether <paramref name="existing"/> is one of the values a <c>remove</c> lists (INTEROP P11): the same
    /// <c>value</c> when the listed one names it, else every listed sub-attribute equal.
    /// </summary>
    public static bool IsListed(ScimAttribute attribute, JsonNode? existing, JsonNode listed)
    {
        if (existing is null)
        {
            return false;
        }

        if (existing is not JsonObject existingObject || listed is not JsonObject listedObject)
        {
            return PatchJson.ScalarEquals(existing, listed, attribute.CaseExact);
        }

        if (PatchJson.Get(listedObject, "value") is { } listedValue)
        {
            return PatchJson.ScalarEquals(
                PatchJson.Get(existingObject, "value"), listedValue, attribute.FindSubAttribute("value")?.CaseExact ?? false);
        }

        foreach (var (key, value) in listedObject)
        {
            var subAttribute = attribute.FindSubAttribute(key);
            if (!PatchJson.ScalarEquals(PatchJson.Get(existingObject, key), value, subAttribute?.CaseExact ?? false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// RFC 7643 §2.4: "primary" true appears at most once. The value just written wins; otherwise the first.
    /// The others get <c>primary: false</c>.
    /// </summary>
    public static void KeepOnePrimary(ScimAttribute attribute, JsonArray list, JsonNode? preferred)
    {
        if (attribute.FindSubAttribute("primary") is not { } primaryAttribute)
        {
            return;
        }

        var primaries = list.OfType<JsonObject>().Where(PatchEngine.IsPrimary).ToList();
        if (primaries.Count <= 1)
        {
            return;
        }

        var keep = preferred is JsonObject chosen && primaries.Contains(chosen) ? chosen : primaries[0];
        foreach (var element in primaries)
        {
            if (!ReferenceEquals(element, keep))
            {
                PatchJson.Set(element, primaryAttribute.Name, false);
            }
        }
    }

    /// <summary>Drops values left without any sub-attribute.</summary>
    public static void RemoveEmptyObjects(JsonArray list) =>
        RemoveAll(list, list.Where(value => value is JsonObject { Count: 0 }).Select(value => value!).ToList());

    /// <summary>
    /// After values were rewritten in place (<paramref name="written"/>), drops the other values that now equal
    /// one of them: the rewritten value carries the newest data.
    /// </summary>
    public static void RemoveDuplicatesOf(ScimAttribute attribute, JsonArray list, IEnumerable<JsonNode> written)
    {
        var index = new ValueIndex(attribute, list);
        var duplicates = new List<JsonNode>();
        foreach (var value in written)
        {
            foreach (var candidate in index.Candidates(value))
            {
                if (!ReferenceEquals(candidate, value) && AreSameValue(attribute, candidate, value))
                {
                    duplicates.Add(candidate);
                    index.Remove(candidate);
                }
            }
        }

        RemoveAll(list, duplicates);
    }
}
