using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// What the evaluator and the LINQ translator share, so that both read a filter the same way: literal
/// conversion, the operators each data type allows, the attributes a filter may name beyond the schemas, and
/// the errors.
/// </summary>
internal static class ScimFilterValues
{
    /// <summary>
    /// <c>schemas</c> is in every resource (RFC 7643 §3) but in no schema definition; RFC 7644 §3.4.2.2 filters on
    /// it (<c>schemas eq "urn:...:enterprise:2.0:User"</c>). URNs compare case-insensitively (RFC 8141 §3.1).
    /// </summary>
    public static readonly ScimAttribute SchemasAttribute = new()
    {
        Name = "schemas", Type = ScimAttributeType.Reference, MultiValued = true, CaseExact = false,
        Mutability = ScimMutability.ReadOnly, Returned = ScimReturned.Always,
    };

    /// <summary><see cref="ScimPathResolution.Resolve"/> plus <c>schemas</c>; an unknown path is <c>invalidFilter</c>.</summary>
    public static ScimResolvedPath Resolve(ScimResourceType resourceType, ScimPath path)
    {
        var resolved = resourceType.Resolve(path);
        if (resolved is not null)
        {
            return resolved;
        }

        if (path.SubAttributeName is null && string.Equals(path.AttributeName, "schemas", StringComparison.OrdinalIgnoreCase)
            && (path.SchemaUrn is null || string.Equals(path.SchemaUrn, resourceType.Schema.Id, StringComparison.OrdinalIgnoreCase)))
        {
            return new ScimResolvedPath(null, SchemasAttribute, null);
        }

        throw UnknownAttribute(path);
    }

    public static ScimException UnknownAttribute(ScimPath path) =>
        ScimException.InvalidFilter($"The attribute '{WithoutValueFilter(path)}' is not known.");

    public static ScimException NotFilterable(ScimPath path) =>
        ScimException.InvalidFilter($"The attribute '{WithoutValueFilter(path)}' cannot be filtered.");

    public static string WithoutValueFilter(ScimPath path) => (path with { ValueFilter = null }).ToString();

    /// <summary>
    /// RFC 7644 §3.4.2.2: <c>co</c>, <c>sw</c> and <c>ew</c> compare strings; <c>gt</c>, <c>ge</c>, <c>lt</c> and
    /// <c>le</c> order strings, numbers and dates, and "SHALL" fail on booleans and binary data.
    /// </summary>
    public static void CheckOperator(ScimComparisonOperator op, ScimAttributeType type, ScimPath path)
    {
        var allowed = op switch
        {
            ScimComparisonOperator.Equal or ScimComparisonOperator.NotEqual => true,
            ScimComparisonOperator.Contains or ScimComparisonOperator.StartsWith or ScimComparisonOperator.EndsWith =>
                type is ScimAttributeType.String or ScimAttributeType.Reference or ScimAttributeType.Binary,
            _ => type is not (ScimAttributeType.Boolean or ScimAttributeType.Binary),
        };
        if (!allowed)
        {
            throw ScimException.InvalidFilter(
                $"The operator '{ScimFilterText.Operator(op)}' cannot be used with '{WithoutValueFilter(path)}', a {TypeName(type)} attribute.");
        }
    }

    /// <summary>RFC 7644 §3.4.2.2: <c>null</c> compares with <c>eq</c> (absent) and <c>ne</c> (present) only.</summary>
    public static void CheckNull(ScimComparisonFilter comparison)
    {
        if (comparison.Operator is not (ScimComparisonOperator.Equal or ScimComparisonOperator.NotEqual))
        {
            throw ScimException.InvalidFilter(
                $"The value null can only be compared with 'eq' or 'ne', not '{ScimFilterText.Operator(comparison.Operator)}'.");
        }
    }

    /// <summary><c>true</c>/<c>false</c>, also as a string in any case (SCIM-INTEROP P2, P16).</summary>
    public static bool ToBoolean(ScimLiteral literal, ScimPath path) =>
        literal.Kind is ScimLiteralKind.Boolean or ScimLiteralKind.String && bool.TryParse(literal.Text, out var value)
            ? value
            : throw NotConvertible(literal, path, "boolean");

    /// <summary>A number, also quoted (<c>"42"</c>); for <paramref name="integer"/>, without a fraction.</summary>
    public static decimal ToDecimal(ScimLiteral literal, ScimPath path, bool integer)
    {
        if (literal.Kind is ScimLiteralKind.Number or ScimLiteralKind.String && TryParseDecimal(literal.Text, out var value)
            && (!integer || decimal.IsInteger(value)))
        {
            return value;
        }

        throw NotConvertible(literal, path, integer ? "integer" : "number");
    }

    /// <summary>An xsd:dateTime (RFC 7643 §2.3.5); without an offset, UTC.</summary>
    public static DateTimeOffset ToDateTime(ScimLiteral literal, ScimPath path) =>
        literal.Kind == ScimLiteralKind.String && TryParseDateTime(literal.Text, out var value)
            ? value
            : throw NotConvertible(literal, path, "dateTime");

    public static bool TryParseDecimal(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    public static bool TryParseDateTime(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);

    public static ScimException NotConvertible(ScimLiteral literal, ScimPath path, string typeName) =>
        ScimException.InvalidFilter($"The value {literal} compared with '{WithoutValueFilter(path)}' is not a {typeName}.");

    public static string TypeName(ScimAttributeType type) => type switch
    {
        ScimAttributeType.DateTime => "dateTime",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>The property <paramref name="name"/> of an object; document keys match in any case.</summary>
    public static JsonNode? Property(JsonNode? node, string name)
    {
        if (node is not JsonObject obj)
        {
            return null;
        }

        if (obj.TryGetPropertyValue(name, out var exact))
        {
            return exact;
        }

        foreach (var (key, value) in obj)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A JSON scalar as text: a string as is, a number as written, a boolean as <c>true</c>/<c>false</c>.</summary>
    public static string? AsString(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.String => value.TryGetValue<string>(out var text) ? text : StringOf(value),
            JsonValueKind.Number => value.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    /// <summary>A string value that holds another CLR type (a <see cref="DateTime"/>, a <see cref="Guid"/>...).</summary>
    private static string? StringOf(JsonValue value)
    {
        using var document = JsonDocument.Parse(value.ToJsonString());
        return document.RootElement.GetString();
    }
}
