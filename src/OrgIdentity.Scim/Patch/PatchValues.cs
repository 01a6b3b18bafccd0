using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// Turns a PATCH <c>value</c> into what the schema says an attribute holds: new nodes (never the request's own),
/// canonical sub-attribute names, lenient scalars (INTEROP P2, P8, P15), and 400 <c>invalidValue</c> for the rest.
/// </summary>
internal static class PatchValues
{
    /// <summary>
    /// A simple value for <paramref name="attribute"/>. The caller has already turned null and "" into a removal
    /// (INTEROP P9). A one-element array stands for its element.
    /// </summary>
    public static JsonNode Simple(ScimAttribute attribute, JsonNode? value, string name)
    {
        if (value is JsonArray { Count: 1 } single)
        {
            value = single[0];
        }

        if (value is not JsonValue scalar)
        {
            throw WrongType(name, attribute.Type, value);
        }

        var kind = scalar.GetValueKind();
        switch (attribute.Type)
        {
            case ScimAttributeType.Boolean:
                if (kind is JsonValueKind.True or JsonValueKind.False)
                {
                    return JsonValue.Create(kind == JsonValueKind.True);
                }

                // INTEROP P2: Entra sends "True"/"False".
                if (PatchJson.IsString(scalar, out var flag) && bool.TryParse(flag.Trim(), out var parsed))
                {
                    return JsonValue.Create(parsed);
                }

                break;

            case ScimAttributeType.Integer:
                if (NumberText(scalar) is { } integerText
                    && long.TryParse(integerText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
                {
                    return JsonValue.Create(integer);
                }

                break;

            case ScimAttributeType.Decimal:
                if (NumberText(scalar) is { } decimalText
                    && decimal.TryParse(decimalText, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    return JsonValue.Create(number);
                }

                break;

            case ScimAttributeType.DateTime:
                if (PatchJson.IsString(scalar, out var instant)
                    && DateTimeOffset.TryParse(instant, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    // Stored as sent (INTEROP §1.4); only its form is checked.
                    return JsonValue.Create(instant);
                }

                break;

            case ScimAttributeType.Complex:
                break;

            default:
                if (PatchJson.IsString(scalar, out var text))
                {
                    return JsonValue.Create(text);
                }

                break;
        }

        throw WrongType(name, attribute.Type, value);
    }

    /// <summary>
    /// The sub-attributes of a complex value, canonically named. A JSON null (or "") stands for "clear this
    /// sub-attribute" and stays as null. Unknown and read-only sub-attributes are dropped: clients echo
    /// <c>$ref: null</c>, <c>display</c> and the like (INTEROP P10). A bare scalar is the <c>value</c>
    /// sub-attribute (P8 manager id, P15 member id); a one-element array stands for its element (P8).
    /// </summary>
    public static JsonObject Complex(ScimAttribute attribute, JsonNode? value, string name)
    {
        if (value is JsonArray { Count: 1 } single)
        {
            value = single[0];
        }

        if (value is JsonValue scalar && attribute.FindSubAttribute("value") is { } valueAttribute)
        {
            return new JsonObject { [valueAttribute.Name] = Simple(valueAttribute, scalar, $"{name}.{valueAttribute.Name}") };
        }

        if (value is not JsonObject source)
        {
            throw WrongType(name, ScimAttributeType.Complex, value);
        }

        var result = new JsonObject();
        foreach (var (key, node) in source)
        {
            var subAttribute = attribute.FindSubAttribute(key);
            if (subAttribute is null || subAttribute.Mutability == ScimMutability.ReadOnly)
            {
                continue;
            }

            result[subAttribute.Name] = PatchJson.IsUnassigned(node)
                ? null
                : Simple(subAttribute, node, $"{name}.{subAttribute.Name}");
        }

        return result;
    }

    /// <summary>
    /// The elements of a value for a multi-valued attribute: an array, or one element on its own (INTEROP P15).
    /// Unassigned elements are skipped; a complex element keeps only the sub-attributes it sets and must
    /// carry every required sub-attribute.
    /// </summary>
    public static List<JsonNode> Elements(ScimAttribute attribute, JsonNode? value, string name)
    {
        var elements = new List<JsonNode>();
        IEnumerable<JsonNode?> items = value is JsonArray array ? array : new List<JsonNode?> { value };
        foreach (var item in items)
        {
            if (PatchJson.IsUnassigned(item))
            {
                continue;
            }

            elements.Add(Element(attribute, item, name));
        }

        return elements;
    }

    /// <summary>One new element of a multi-valued attribute (see <see cref="Elements"/>).</summary>
    public static JsonNode Element(ScimAttribute attribute, JsonNode? value, string name)
    {
        if (attribute.Type != ScimAttributeType.Complex)
        {
            return Simple(attribute, value, name);
        }

        var element = WithoutNulls(Complex(attribute, value, name));
        foreach (var subAttribute in attribute.SubAttributes)
        {
            if (subAttribute.Required && !element.ContainsKey(subAttribute.Name))
            {
                throw ScimException.InvalidValue($"each value of '{name}' needs '{subAttribute.Name}'.");
            }
        }

        if (element.Count == 0)
        {
            throw ScimException.InvalidValue($"a value of '{name}' has none of its sub-attributes.");
        }

        return element;
    }

    /// <summary>A copy of <paramref name="source"/> without its null properties.</summary>
    public static JsonObject WithoutNulls(JsonObject source)
    {
        var result = new JsonObject();
        foreach (var (key, node) in source)
        {
            if (node is not null)
            {
                result[key] = node.DeepClone();
            }
        }

        return result;
    }

    private static string Quote(JsonNode? value)
    {
        var text = value!.ToJsonString();
        return text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");
    }

    private static string? NumberText(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.Number => value.ToJsonString(),
        JsonValueKind.String => value.GetValue<string>().Trim(),
        _ => null,
    };

    private static ScimException WrongType(string name, ScimAttributeType type, JsonNode? value)
    {
        var expected = type switch
        {
            ScimAttributeType.Boolean => "a boolean",
            ScimAttributeType.Integer => "an integer",
            ScimAttributeType.Decimal => "a number",
            ScimAttributeType.DateTime => "a date-time string",
            ScimAttributeType.Complex => "an object",
            _ => "a string",
        };
        var actual = value?.GetValueKind() switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => $"the string {Quote(value)}",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        };
        return ScimException.InvalidValue($"'{name}' takes {expected}, not {actual}.");
    }
}
