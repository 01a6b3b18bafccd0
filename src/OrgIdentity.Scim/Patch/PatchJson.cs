using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// Reading and writing attributes of JSON documents the SCIM way: names match case-insensitively (RFC 7643 §2.1)
/// and a write leaves exactly one key, spelled as the schema spells it.
/// </summary>
internal static class PatchJson
{
    /// <summary>The key of <paramref name="node"/> equal to <paramref name="name"/> ignoring case, or null.</summary>
    public static string? FindKey(JsonObject node, string name)
    {
        if (node.ContainsKey(name))
        {
            return name;
        }

        foreach (var (key, _) in node)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>The value named <paramref name="name"/> (any case), or null.</summary>
    public static JsonNode? Get(JsonObject node, string name) =>
        FindKey(node, name) is { } key ? node[key] : null;

    /// <summary>
    /// The value named <paramref name="name"/> (any case), moved under that exact spelling first, so that editing
    /// it in place leaves the schema's spelling; null when absent.
    /// </summary>
    public static JsonNode? GetForUpdate(JsonObject node, string name)
    {
        var key = FindKey(node, name);
        if (key is null || key == name)
        {
            return key is null ? null : node[key];
        }

        var value = node[key];
        Remove(node, name);
        node[name] = value;
        return value;
    }

    /// <summary>Sets <paramref name="name"/> (the schema's spelling), dropping any other spelling of it.</summary>
    public static void Set(JsonObject node, string name, JsonNode? value)
    {
        Remove(node, name);
        node[name] = value;
    }

    /// <summary>Removes every spelling of <paramref name="name"/>; true when something was removed.</summary>
    public static bool Remove(JsonObject node, string name)
    {
        var keys = node.Where(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Select(p => p.Key).ToList();
        foreach (var key in keys)
        {
            node.Remove(key);
        }

        return keys.Count > 0;
    }

    /// <summary>Whether the node is a JSON string.</summary>
    public static bool IsString(JsonNode? node, out string text)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            text = value.GetValue<string>();
            return true;
        }

        text = "";
        return false;
    }

    /// <summary>
    /// Whether the node counts as "no value" (RFC 7643 §2.5: null, an empty array, and per INTEROP P9 an empty
    /// string; an empty object too).
    /// </summary>
    public static bool IsUnassigned(JsonNode? node) => node switch
    {
        null => true,
        JsonArray array => array.Count == 0,
        JsonObject obj => obj.Count == 0,
        _ => IsString(node, out var text) && text.Length == 0,
    };

    /// <summary>Whether the node is boolean true or a "true" string in any case (INTEROP P16).</summary>
    public static bool IsTrue(JsonNode? node) =>
        node is JsonValue value
        && (value.GetValueKind() == JsonValueKind.True
            || (IsString(node, out var text) && string.Equals(text, "true", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Whether two simple values are equal; strings compare per <paramref name="caseExact"/>.</summary>
    public static bool ScalarEquals(JsonNode? left, JsonNode? right, bool caseExact)
    {
        if (IsString(left, out var leftText) && IsString(right, out var rightText))
        {
            return string.Equals(leftText, rightText, caseExact ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
        }

        return JsonNode.DeepEquals(left, right);
    }
}
