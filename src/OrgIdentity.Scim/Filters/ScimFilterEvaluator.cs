using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// Evaluates filters against JSON documents in memory: the value filters of PATCH paths
/// (<c>emails[type eq "work"]</c>, <c>members[value eq "id"]</c>) and a reference for tests of
/// <see cref="ScimFilterTranslator"/>. Schema-aware: strings compare per <see cref="ScimAttribute.CaseExact"/>,
/// booleans also match the strings <c>"true"</c>/<c>"True"</c> (SCIM-INTEROP P16), dates compare as instants,
/// document keys match case-insensitively.
/// </summary>
public static class ScimFilterEvaluator
{
    /// <summary>
    /// Whether one element of the multi-valued attribute <paramref name="multiValuedAttribute"/> matches
    /// <paramref name="filter"/>, whose paths name its sub-attributes; an unknown one is 400 <c>invalidFilter</c>.
    /// A simple (not complex) element is compared as its <c>value</c>.
    /// </summary>
    public static bool MatchesElement(JsonNode? element, ScimFilter filter, ScimAttribute multiValuedAttribute)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(multiValuedAttribute);
        return Evaluate(element, filter, multiValuedAttribute, 0);
    }

    private static bool Evaluate(JsonNode? element, ScimFilter filter, ScimAttribute parent, int depth)
    {
        if (depth > ScimFilterParser.MaxDepth)
        {
            throw ScimException.InvalidFilter($"The filter is nested more than {ScimFilterParser.MaxDepth} levels deep.");
        }

        switch (filter)
        {
            case ScimLogicalFilter logical:
                return logical.Operator == ScimLogicalOperator.And
                    ? Evaluate(element, logical.Left, parent, depth + 1) && Evaluate(element, logical.Right, parent, depth + 1)
                    : Evaluate(element, logical.Left, parent, depth + 1) || Evaluate(element, logical.Right, parent, depth + 1);
            case ScimNotFilter not:
                return !Evaluate(element, not.Operand, parent, depth + 1);
            case ScimPresentFilter present:
            {
                var (_, value) = Sub(element, present.Path, parent);
                return IsPresent(value);
            }

            case ScimComparisonFilter comparison:
            {
                var (attribute, value) = Sub(element, comparison.Path, parent);
                return Compare(value, attribute, comparison.Operator, comparison.Value);
            }

            default:
                throw ScimException.InvalidFilter($"A value filter cannot contain '{filter}' (position {filter.Position}).");
        }
    }

    /// <summary>The sub-attribute a path inside brackets names, and the element's value of it.</summary>
    private static (ScimAttribute Attribute, JsonNode? Value) Sub(JsonNode? element, ScimPath path, ScimAttribute parent)
    {
        if (path.ValueFilter is not null || path.SubAttributeName is not null || path.SchemaUrn is not null)
        {
            throw ScimException.InvalidFilter($"Inside '{parent.Name}[...]' only its sub-attributes may be named, not '{path}'.");
        }

        if (parent.SubAttributes.Count == 0)
        {
            // A multi-valued simple attribute: its elements are their own value.
            return string.Equals(path.AttributeName, "value", StringComparison.OrdinalIgnoreCase)
                ? (parent with { MultiValued = false }, element)
                : throw ScimException.InvalidFilter($"'{parent.Name}' has no sub-attribute '{path.AttributeName}'.");
        }

        var attribute = parent.FindSubAttribute(path.AttributeName)
            ?? throw ScimException.InvalidFilter($"'{parent.Name}' has no sub-attribute '{path.AttributeName}'.");
        var value = element is JsonObject item
            ? item.FirstOrDefault(p => string.Equals(p.Key, attribute.Name, StringComparison.OrdinalIgnoreCase)).Value
            : null;
        return (attribute, value);
    }

    private static bool IsPresent(JsonNode? value) => value switch
    {
        null => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Length > 0,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        _ => true,
    };

    private static bool Compare(JsonNode? value, ScimAttribute attribute, ScimComparisonOperator op, ScimLiteral literal)
    {
        if (literal.Kind == ScimLiteralKind.Null)
        {
            return op switch
            {
                ScimComparisonOperator.Equal => !IsPresent(value),
                ScimComparisonOperator.NotEqual => IsPresent(value),
                _ => throw ScimException.InvalidFilter($"'{attribute.Name}' can only be compared to null with eq or ne."),
            };
        }

        if (value is not JsonValue scalar || scalar.GetValueKind() == JsonValueKind.Null)
        {
            // RFC 7644 §3.4.2.2: an attribute without a value matches nothing, except 'not equal'.
            return op == ScimComparisonOperator.NotEqual;
        }

        var text = scalar.GetValueKind() == JsonValueKind.String ? scalar.GetValue<string>() : scalar.ToJsonString();
        switch (attribute.Type)
        {
            case ScimAttributeType.Boolean:
                var isTrue = string.Equals(text, "true", StringComparison.OrdinalIgnoreCase);
                var wanted = string.Equals(literal.Text, "true", StringComparison.OrdinalIgnoreCase);
                return op switch
                {
                    ScimComparisonOperator.Equal => isTrue == wanted,
                    ScimComparisonOperator.NotEqual => isTrue != wanted,
                    _ => throw ScimException.InvalidFilter($"'{attribute.Name}' is a boolean: use eq or ne."),
                };
            case ScimAttributeType.Integer or ScimAttributeType.Decimal
                when decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    && decimal.TryParse(literal.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var other):
                return Ordered(number.CompareTo(other), op, attribute);
            case ScimAttributeType.DateTime
                when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
                    && DateTimeOffset.TryParse(literal.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when):
                return Ordered(instant.CompareTo(when), op, attribute);
        }

        var comparison = attribute.CaseExact || attribute.Type == ScimAttributeType.Reference ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return op switch
        {
            ScimComparisonOperator.Contains => text.Contains(literal.Text, comparison),
            ScimComparisonOperator.StartsWith => text.StartsWith(literal.Text, comparison),
            ScimComparisonOperator.EndsWith => text.EndsWith(literal.Text, comparison),
            _ => Ordered(string.Compare(text, literal.Text, comparison), op, attribute),
        };
    }

    private static bool Ordered(int order, ScimComparisonOperator op, ScimAttribute attribute) => op switch
    {
        ScimComparisonOperator.Equal => order == 0,
        ScimComparisonOperator.NotEqual => order != 0,
        ScimComparisonOperator.GreaterThan => order > 0,
        ScimComparisonOperator.GreaterThanOrEqual => order >= 0,
        ScimComparisonOperator.LessThan => order < 0,
        ScimComparisonOperator.LessThanOrEqual => order <= 0,
        _ => throw ScimException.InvalidFilter($"'{attribute.Name}' is not a string: co, sw and ew do not apply."),
    };
}
