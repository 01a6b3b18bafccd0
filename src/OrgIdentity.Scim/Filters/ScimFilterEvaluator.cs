using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// The reference meaning of a filter, over a resource document (RFC 7644 §3.4.2.2): the LINQ translation must
/// agree with it (the property tests check so). Schema-aware: attribute names and document keys match in any
/// case, strings compare per <see cref="ScimAttribute.CaseExact"/> (ordinal, or ordinal ignoring case),
/// <c>dateTime</c> values as instants, numbers as numbers, booleans also when the document holds
/// <c>"true"</c>/<c>"True"</c> strings (SCIM-INTEROP P16).
/// </summary>
/// <remarks>
/// <para>A multi-valued attribute matches when any of its values does; a complex multi-valued attribute named
/// without a sub-attribute (<c>emails co "example.com"</c>) compares its <c>value</c> sub-attribute.</para>
/// <para><c>ne</c> is the negation of <c>eq</c>: it matches an absent attribute, and on a multi-valued attribute
/// it means "no value is equal". <c>eq null</c> means "not present" and <c>ne null</c> "present", where present
/// (<c>pr</c>) means not null, not an empty string, not an empty array or object.</para>
/// <para>All names and values are checked before any document is looked at: an unknown attribute, a value of the
/// wrong type or an operator the attribute's type does not allow is <c>invalidFilter</c> even when no document
/// would get that far.</para>
/// </remarks>
public static class ScimFilterEvaluator
{
    /// <summary>Whether <paramref name="resource"/>, a resource of <paramref name="resourceType"/>, matches <paramref name="filter"/>.</summary>
    public static bool Matches(JsonObject resource, ScimFilter filter, ScimResourceType resourceType)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Compile(filter, resourceType)(resource);
    }

    /// <summary>
    /// Checks <paramref name="filter"/> against <paramref name="resourceType"/> once and returns a predicate to run
    /// on many documents (an in-memory store's list, for example).
    /// </summary>
    public static Func<JsonObject, bool> Compile(ScimFilter filter, ScimResourceType resourceType)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(resourceType);
        var predicate = new Compiler(path => SelectInResource(path, resourceType)).Compile(filter);
        return resource => predicate(resource);
    }

    /// <summary>
    /// Whether one element of <paramref name="multiValuedAttribute"/> matches a value filter, whose paths name
    /// sub-attributes of that attribute: <c>type eq "work"</c> of <c>emails[type eq "work"]</c>,
    /// <c>value eq "x"</c> of <c>members[value eq "x"]</c>. For a multi-valued attribute of simple values,
    /// <c>value</c> names the element itself.
    /// </summary>
    public static bool MatchesElement(JsonNode element, ScimFilter filter, ScimAttribute multiValuedAttribute)
    {
        ArgumentNullException.ThrowIfNull(element);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(multiValuedAttribute);
        return CompileElementFilter(filter, multiValuedAttribute)(element);
    }

    private static Func<JsonNode, bool> CompileElementFilter(ScimFilter filter, ScimAttribute attribute) =>
        new Compiler(path => SelectInElement(path, attribute)).Compile(filter);

    private static Selection SelectInResource(ScimPath path, ScimResourceType resourceType)
    {
        var resolved = ScimFilterValues.Resolve(resourceType, path);
        var attribute = resolved.Attribute;

        // Extension attributes live under their schema's URN (RFC 7643 §3.3).
        var extension = resolved.IsExtension(resourceType) ? resolved.Schema!.Id : null;
        Func<JsonNode, JsonNode?> top = extension is null
            ? root => ScimFilterValues.Property(root, attribute.Name)
            : root => ScimFilterValues.Property(ScimFilterValues.Property(root, extension), attribute.Name);
        var elementFilter = path.ValueFilter is null ? null : CompileElementFilter(path.ValueFilter, attribute);
        return new Selection(path, top, attribute, resolved.SubAttribute, elementFilter);
    }

    private static Selection SelectInElement(ScimPath path, ScimAttribute parent)
    {
        if (path.SchemaUrn is null && path.ValueFilter is null && path.SubAttributeName is null)
        {
            if (parent.FindSubAttribute(path.AttributeName) is { } subAttribute)
            {
                return new Selection(path, element => ScimFilterValues.Property(element, subAttribute.Name), subAttribute, null, null);
            }

            if (parent.Type != ScimAttributeType.Complex && string.Equals(path.AttributeName, "value", StringComparison.OrdinalIgnoreCase))
            {
                return new Selection(path, element => element, parent with { MultiValued = false }, null, null);
            }
        }

        throw ScimException.InvalidFilter($"The attribute '{parent.Name}.{ScimFilterValues.WithoutValueFilter(path)}' is not known.");
    }

    /// <summary>
    /// What a path designates: the top-level value (<see cref="Top"/>, from the document or an element), the
    /// element filter in brackets, and the sub-attribute.
    /// </summary>
    private sealed record Selection(
        ScimPath Path, Func<JsonNode, JsonNode?> Top, ScimAttribute Attribute, ScimAttribute? SubAttribute,
        Func<JsonNode, bool>? ElementFilter)
    {
        /// <summary>The attribute the values have.</summary>
        public ScimAttribute Target => SubAttribute ?? Attribute;

        /// <summary>The values at the path: elements of arrays one by one; with a value filter, of matching elements only.</summary>
        public IEnumerable<JsonNode?> Values(JsonNode root)
        {
            var values = Flatten(Top(root));
            if (ElementFilter is { } filter)
            {
                values = values.Where(element => element is not null && filter(element));
            }

            return SubAttribute is null
                ? values
                : values.SelectMany(element => Flatten(ScimFilterValues.Property(element, SubAttribute.Name)));
        }

        private static IEnumerable<JsonNode?> Flatten(JsonNode? node)
        {
            if (node is not JsonArray array)
            {
                yield return node;
                yield break;
            }

            foreach (var element in array)
            {
                yield return element;
            }
        }
    }

    private sealed class Compiler(Func<ScimPath, Selection> select)
    {
        public Func<JsonNode, bool> Compile(ScimFilter filter)
        {
            switch (filter)
            {
                case ScimLogicalFilter logical:
                    var left = Compile(logical.Left);
                    var right = Compile(logical.Right);
                    return logical.Operator == ScimLogicalOperator.And
                        ? node => left(node) && right(node)
                        : node => left(node) || right(node);
                case ScimNotFilter not:
                    var operand = Compile(not.Operand);
                    return node => !operand(node);
                case ScimPresentFilter present:
                    var presentSelection = select(present.Path);
                    return node => presentSelection.Values(node).Any(IsPresent);
                case ScimValuePathFilter valuePath:
                    var elements = select(valuePath.Path);
                    return node => elements.Values(node).Any(element => element is not null);
                case ScimComparisonFilter comparison:
                    return CompileComparison(comparison);
                default:
                    throw new ArgumentException($"Unknown filter node {filter.GetType().Name}.", nameof(filter));
            }
        }

        private Func<JsonNode, bool> CompileComparison(ScimComparisonFilter comparison)
        {
            var selection = select(comparison.Path);

            // RFC 7644 §3.4.2.2: a complex (multi-valued) attribute without a sub-attribute compares its "value".
            if (selection.SubAttribute is null && selection.Attribute.Type == ScimAttributeType.Complex)
            {
                selection = selection with
                {
                    SubAttribute = selection.Attribute.FindSubAttribute("value")
                        ?? throw ScimException.InvalidFilter(
                            $"The attribute '{ScimFilterValues.WithoutValueFilter(comparison.Path)}' is complex: name one of its sub-attributes."),
                };
            }

            var literal = comparison.Value;
            if (literal.Kind == ScimLiteralKind.Null)
            {
                ScimFilterValues.CheckNull(comparison);
                return comparison.Operator == ScimComparisonOperator.Equal
                    ? node => !selection.Values(node).Any(IsPresent)
                    : node => selection.Values(node).Any(IsPresent);
            }

            var target = selection.Target;
            ScimFilterValues.CheckOperator(comparison.Operator, target.Type, comparison.Path);
            var test = ValueTest(target, comparison.Operator, literal, comparison.Path);
            return comparison.Operator == ScimComparisonOperator.NotEqual
                ? node => !selection.Values(node).Any(test)
                : node => selection.Values(node).Any(test);
        }

        /// <summary>The test one value passes; for <c>ne</c>, the <c>eq</c> test (the caller negates).</summary>
        private static Func<JsonNode?, bool> ValueTest(ScimAttribute target, ScimComparisonOperator op, ScimLiteral literal, ScimPath path)
        {
            switch (target.Type)
            {
                case ScimAttributeType.Boolean:
                    var expected = ScimFilterValues.ToBoolean(literal, path);
                    return value => ScimFilterValues.AsString(value) is { } text && bool.TryParse(text, out var actual) && actual == expected;
                case ScimAttributeType.Integer or ScimAttributeType.Decimal:
                    var number = ScimFilterValues.ToDecimal(literal, path, integer: target.Type == ScimAttributeType.Integer);
                    return value => ScimFilterValues.AsString(value) is { } text
                        && ScimFilterValues.TryParseDecimal(text, out var actual) && Holds(op, actual.CompareTo(number));
                case ScimAttributeType.DateTime:
                    var instant = ScimFilterValues.ToDateTime(literal, path);
                    return value => ScimFilterValues.AsString(value) is { } text
                        && ScimFilterValues.TryParseDateTime(text, out var actual) && Holds(op, actual.CompareTo(instant));
                default:
                    return StringTest(target.CaseExact ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase, op, literal.Text);
            }
        }

        private static Func<JsonNode?, bool> StringTest(StringComparison comparison, ScimComparisonOperator op, string expected) => op switch
        {
            ScimComparisonOperator.Contains => value => ScimFilterValues.AsString(value)?.Contains(expected, comparison) == true,
            ScimComparisonOperator.StartsWith => value => ScimFilterValues.AsString(value)?.StartsWith(expected, comparison) == true,
            ScimComparisonOperator.EndsWith => value => ScimFilterValues.AsString(value)?.EndsWith(expected, comparison) == true,
            _ => value => ScimFilterValues.AsString(value) is { } text && Holds(op, string.Compare(text, expected, comparison)),
        };

        private static bool Holds(ScimComparisonOperator op, int order) => op switch
        {
            ScimComparisonOperator.GreaterThan => order > 0,
            ScimComparisonOperator.GreaterThanOrEqual => order >= 0,
            ScimComparisonOperator.LessThan => order < 0,
            ScimComparisonOperator.LessThanOrEqual => order <= 0,
            _ => order == 0,
        };

        /// <summary>RFC 7644 §3.4.2.2 <c>pr</c>: not null, not an empty string, array or object.</summary>
        private static bool IsPresent(JsonNode? node) => node switch
        {
            null => false,
            JsonArray array => array.Any(IsPresent),
            JsonObject obj => obj.Any(property => IsPresent(property.Value)),
            _ => ScimFilterValues.AsString(node) is not "",
        };
    }
}
