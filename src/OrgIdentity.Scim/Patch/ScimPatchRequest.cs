using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// A PATCH request body (RFC 7644 §3.5.2) read leniently, as Entra ID and Okta send it (SCIM-INTEROP §1.6):
/// the <c>Operations</c>, <c>op</c>, <c>path</c> and <c>value</c> keys and the operation names match
/// case-insensitively (P1), a blank <c>path</c> counts as none, and <c>value</c> may be any JSON.
/// </summary>
public sealed class ScimPatchRequest
{
    /// <summary>The deepest nesting of a body <see cref="Parse"/> accepts.</summary>
    public const int MaxDepth = 64;

    /// <summary>Creates a request from operations already read.</summary>
    public ScimPatchRequest(IReadOnlyList<ScimPatchOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        Operations = operations;
    }

    /// <summary>The operations, in the order they apply.</summary>
    public IReadOnlyList<ScimPatchOperation> Operations { get; }

    /// <summary>
    /// Reads a PATCH body. <c>schemas</c> may be absent (RFC 7644 requires it, but the operations say what the body
    /// is, and rejecting a body for a missing envelope helps no one); when present it must name the PatchOp
    /// message, because a body that declares itself something else (a User sent to PATCH by mistake) is not a
    /// PATCH. Throws <see cref="ScimException"/> 400 <c>invalidSyntax</c> for a malformed body or an unknown
    /// operation and <c>invalidPath</c> for a malformed path, naming the operation as <c>Operations[i]</c>.
    /// </summary>
    public static ScimPatchRequest Parse(JsonNode? body)
    {
        if (body is not JsonObject message)
        {
            throw ScimException.InvalidSyntax("A PATCH body must be a JSON object with an 'Operations' array.");
        }

        CheckTree(message, depth: 1);
        CheckSchemas(message);
        if (FindProperty(message, "Operations") is not JsonArray operations)
        {
            throw ScimException.InvalidSyntax("A PATCH body must have an 'Operations' array.");
        }

        // RFC 7644 §3.5.2: "an array of one or more PATCH operations".
        if (operations.Count == 0)
        {
            throw ScimException.InvalidSyntax("'Operations' must hold at least one operation.");
        }

        var parsed = new List<ScimPatchOperation>(operations.Count);
        for (var index = 0; index < operations.Count; index++)
        {
            parsed.Add(ParseOperation(operations[index], index));
        }

        return new ScimPatchRequest(parsed);
    }

    /// <summary>
    /// Reads every object once, here, so that a repeated key (which <see cref="JsonObject"/> reports only when
    /// first read) is <c>invalidSyntax</c> rather than an exception halfway through the patch, and refuses bodies
    /// nested deeper than <see cref="MaxDepth"/> (no SCIM value nests beyond four).
    /// </summary>
    private static void CheckTree(JsonNode? node, int depth)
    {
        if (depth > MaxDepth)
        {
            throw ScimException.InvalidSyntax($"The PATCH body nests deeper than {MaxDepth} levels.");
        }

        if (node is JsonObject obj)
        {
            List<JsonNode?> children;
            try
            {
                children = obj.Select(property => property.Value).ToList();
            }
            catch (ArgumentException)
            {
                throw ScimException.InvalidSyntax("The PATCH body repeats a key within one object.");
            }

            foreach (var child in children)
            {
                CheckTree(child, depth + 1);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array)
            {
                CheckTree(child, depth + 1);
            }
        }
    }

    private static void CheckSchemas(JsonObject message)
    {
        var schemas = FindProperty(message, "schemas");
        if (schemas is null)
        {
            return;
        }

        var named = schemas is JsonArray array
            ? array.Any(IsPatchOpUrn)
            : IsPatchOpUrn(schemas);
        if (!named)
        {
            throw ScimException.InvalidSyntax($"'schemas' must contain \"{ScimConstants.PatchOpSchema}\".");
        }
    }

    private static bool IsPatchOpUrn(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String
        && string.Equals(value.GetValue<string>(), ScimConstants.PatchOpSchema, StringComparison.OrdinalIgnoreCase);

    private static ScimPatchOperation ParseOperation(JsonNode? node, int index)
    {
        if (node is not JsonObject operation)
        {
            throw ScimException.InvalidSyntax($"Operations[{index}]: an operation must be a JSON object.");
        }

        var type = ParseType(FindProperty(operation, "op"), index);
        var pathText = ParsePathText(FindProperty(operation, "path"), index);
        ScimPath? path = null;
        if (pathText is not null)
        {
            try
            {
                path = ScimFilterParser.ParsePath(pathText);
            }
            catch (ScimException) when (IsBareUrn(pathText))
            {
                // A schema URN alone ("urn:...:enterprise:2.0:User") targets that schema's attributes; only the
                // resource type knows its URNs, so ScimPatcher decides (and fails with invalidPath if unknown).
            }
            catch (ScimException exception)
            {
                throw new ScimException(exception.Status, exception.ScimType, $"Operations[{index}]: {exception.Detail}");
            }
        }

        return new ScimPatchOperation(index, type, pathText, path, FindProperty(operation, "value"));
    }

    private static bool IsBareUrn(string path) =>
        path.StartsWith("urn:", StringComparison.OrdinalIgnoreCase)
        && path.IndexOfAny(['[', ']', ' ', '"']) < 0;

    private static ScimPatchOperationType ParseType(JsonNode? node, int index)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            throw ScimException.InvalidSyntax($"Operations[{index}]: 'op' must be \"add\", \"replace\" or \"remove\".");
        }

        // INTEROP P1: Entra's default job sends "Add"/"Replace"/"Remove".
        var name = value.GetValue<string>();
        return name.Trim().ToUpperInvariant() switch
        {
            "ADD" => ScimPatchOperationType.Add,
            "REPLACE" => ScimPatchOperationType.Replace,
            "REMOVE" => ScimPatchOperationType.Remove,
            _ => throw ScimException.InvalidSyntax(
                $"Operations[{index}]: unknown op \"{name}\"; expected \"add\", \"replace\" or \"remove\"."),
        };
    }

    private static string? ParsePathText(JsonNode? node, int index)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            throw ScimException.InvalidSyntax($"Operations[{index}]: 'path' must be a string.");
        }

        var text = value.GetValue<string>();
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    /// <summary>The value of the property named <paramref name="name"/>, matched case-insensitively.</summary>
    private static JsonNode? FindProperty(JsonObject node, string name)
    {
        foreach (var (key, value) in node)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }
}
