using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;

namespace OrgIdentity.Scim;

/// <summary>
/// Turns a filter tree into a LINQ predicate over a host's entity (<see cref="ScimAttributeMap{TEntity}"/>), so the
/// filter runs in the database. Only constructs a LINQ provider such as EF Core translates are produced: comparisons,
/// <c>string.Contains/StartsWith/EndsWith</c>, <c>string.Compare(a, b)</c>, null checks and <c>Any</c>.
/// </summary>
/// <remarks>
/// Semantics (RFC 7644 §3.4.2.2): <c>ne</c> also matches a row without a value; <c>co</c>, <c>sw</c>, <c>ew</c> apply
/// to strings; <c>gt</c>/<c>ge</c>/<c>lt</c>/<c>le</c> compare strings ordinally in the database's collation,
/// numbers, dates and times; booleans allow <c>eq</c>/<c>ne</c> only. A literal of the wrong type for its attribute is
/// <c>invalidFilter</c>, except an unparsable id for <c>eq</c>/<c>ne</c> (a Guid column), which simply matches
/// nothing (or everything): a directory probing with a random value must get an empty list, not an error.
/// </remarks>
public static class ScimFilterTranslator
{
    private static readonly MethodInfo StringContains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;
    private static readonly MethodInfo StringStartsWith = typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!;
    private static readonly MethodInfo StringEndsWith = typeof(string).GetMethod(nameof(string.EndsWith), [typeof(string)])!;
    private static readonly MethodInfo StringCompare = typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!;
    private static readonly MethodInfo EnumerableAny = typeof(Enumerable).GetMethods().Single(m => m.Name == nameof(Enumerable.Any) && m.GetParameters().Length == 2);
    private static readonly MethodInfo EnumerableAnyEmpty = typeof(Enumerable).GetMethods().Single(m => m.Name == nameof(Enumerable.Any) && m.GetParameters().Length == 1);

    /// <summary>The predicate for <paramref name="filter"/>; 400 <c>invalidFilter</c> naming an attribute that is not mapped.</summary>
    public static Expression<Func<TEntity, bool>> Translate<TEntity>(ScimFilter filter, ScimAttributeMap<TEntity> map)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(map);
        var entity = Expression.Parameter(typeof(TEntity), "e");
        var body = Translate(filter, new Scope(entity, map.Lookup, null), 0);
        return Expression.Lambda<Func<TEntity, bool>>(body, entity);
    }

    /// <summary>
    /// Where paths are looked up: the entity and its map, or (inside a collection's value filter) one element and the
    /// collection's element map. <paramref name="Prefix"/> is the attribute of a scalar-mapped value filter
    /// (<c>emails[type eq "work"]</c>: <c>type</c> means <c>emails.type</c>).
    /// </summary>
    private sealed record Scope(ParameterExpression Parameter, Func<ScimPath, ScimMappedAttribute?> Lookup, ScimPath? Prefix);

    private static Expression Translate(ScimFilter filter, Scope scope, int depth)
    {
        if (depth > 64)
        {
            throw ScimException.InvalidFilter("The filter is nested too deeply (more than 64 levels).");
        }

        return filter switch
        {
            ScimLogicalFilter { Operator: ScimLogicalOperator.And } and => Expression.AndAlso(Translate(and.Left, scope, depth + 1), Translate(and.Right, scope, depth + 1)),
            ScimLogicalFilter or => Expression.OrElse(Translate(or.Left, scope, depth + 1), Translate(or.Right, scope, depth + 1)),
            ScimNotFilter not => Expression.Not(Translate(not.Operand, scope, depth + 1)),
            ScimValuePathFilter valuePath => ValuePath(valuePath.Path, scope, depth),
            ScimPresentFilter present => Present(present.Path, scope, depth),
            ScimComparisonFilter comparison => Comparison(comparison, scope, depth),
            _ => throw ScimException.InvalidFilter($"Unsupported filter at position {filter.Position}."),
        };
    }

    private static Expression Present(ScimPath path, Scope scope, int depth)
    {
        if (path.ValueFilter is not null)
        {
            return ValuePath(path, scope, depth);
        }

        var (mapped, _) = Find(path, scope);
        if (mapped.Element is { } element)
        {
            return Expression.Call(EnumerableAnyEmpty.MakeGenericMethod(element.ElementType), Body(mapped, scope));
        }

        var member = Body(mapped, scope);
        return member.Type == typeof(string)
            ? Expression.AndAlso(Expression.NotEqual(member, Expression.Constant(null, typeof(string))), Expression.NotEqual(member, Expression.Constant("")))
            : IsNullable(member.Type) ? Expression.NotEqual(member, Expression.Constant(null, member.Type)) : Expression.Constant(true);
    }

    private static Expression Comparison(ScimComparisonFilter comparison, Scope scope, int depth)
    {
        var path = comparison.Path;
        if (path.ValueFilter is not null)
        {
            // emails[type eq "work"].value eq "x": the element the filter selects has that value.
            return ValuePath(path, scope, depth, comparison);
        }

        var (mapped, name) = Find(path, scope);
        if (mapped.Element is { } element)
        {
            // members eq "id" / members.value eq "id": some element's value (RFC 7644 §3.4.2.2: value is implied).
            var parameter = Expression.Parameter(element.ElementType, "m");
            var elementScope = new Scope(parameter, element.Lookup, null);
            var predicate = Comparison(comparison with { Path = new ScimPath(null, path.SubAttributeName ?? "value", null, null) }, elementScope, depth + 1);
            return Any(Body(mapped, scope), element.ElementType, parameter, predicate);
        }

        return Compare(Body(mapped, scope), comparison.Operator, comparison.Value, mapped.Normalize, name);
    }

    /// <summary>
    /// <c>attribute[filter]</c>, optionally with a comparison of one sub-attribute of the selected element
    /// (<paramref name="then"/>; <c>value</c> when the path names none). A collection mapping gives
    /// <c>Any(element =&gt; filter and comparison)</c>; a scalar mapping (the entity holds one element, such as a primary
    /// e-mail) gives <c>filter and comparison</c> over the entity's <c>attribute.x</c> columns.
    /// </summary>
    private static Expression ValuePath(ScimPath path, Scope scope, int depth, ScimComparisonFilter? then = null)
    {
        var attribute = new ScimPath(path.SchemaUrn, path.AttributeName, null, null);
        var sub = path.SubAttributeName ?? "value";
        var collection = scope.Lookup(Prefixed(attribute, scope));
        if (collection?.Element is { } element)
        {
            var parameter = Expression.Parameter(element.ElementType, "m");
            var elementScope = new Scope(parameter, element.Lookup, null);
            var predicate = Translate(path.ValueFilter!, elementScope, depth + 1);
            if (then is not null)
            {
                predicate = Expression.AndAlso(predicate, Comparison(then with { Path = new ScimPath(null, sub, null, null) }, elementScope, depth + 1));
            }

            return Any(Body(collection, scope), element.ElementType, parameter, predicate);
        }

        var filter = Translate(path.ValueFilter!, scope with { Prefix = attribute }, depth + 1);
        return then is null ? filter : Expression.AndAlso(filter, Comparison(then with { Path = attribute with { SubAttributeName = sub } }, scope, depth + 1));
    }

    private static MethodCallExpression Any(Expression collection, Type elementType, ParameterExpression parameter, Expression predicate) =>
        Expression.Call(EnumerableAny.MakeGenericMethod(elementType), collection, Expression.Lambda(predicate, parameter));

    private static ScimPath Prefixed(ScimPath path, Scope scope) =>
        scope.Prefix is { } prefix ? new ScimPath(prefix.SchemaUrn, prefix.AttributeName, null, path.AttributeName) : path;

    private static (ScimMappedAttribute Mapped, string Name) Find(ScimPath path, Scope scope)
    {
        var effective = Prefixed(path, scope);
        return (scope.Lookup(effective) ?? throw ScimException.InvalidFilter($"The attribute '{effective}' cannot be filtered."), effective.ToString());
    }

    /// <summary>The mapped member with the scope's parameter in place of the map's own.</summary>
    private static Expression Body(ScimMappedAttribute mapped, Scope scope) =>
        new Replace(mapped.Member.Parameters[0], scope.Parameter).Visit(mapped.Member.Body);

    private static Expression Compare(Expression member, ScimComparisonOperator op, ScimLiteral literal, Func<string, string>? normalize, string name)
    {
        var type = Nullable.GetUnderlyingType(member.Type) ?? member.Type;
        if (literal.Kind == ScimLiteralKind.Null)
        {
            var absent = member.Type.IsValueType && !IsNullable(member.Type) ? (Expression)Expression.Constant(false) : Expression.Equal(member, Expression.Constant(null, member.Type));
            return op switch
            {
                ScimComparisonOperator.Equal => absent,
                ScimComparisonOperator.NotEqual => Expression.Not(absent),
                _ => throw ScimException.InvalidFilter($"'{name}' can only be compared to null with eq or ne."),
            };
        }

        if (type == typeof(string))
        {
            var text = normalize is null ? literal.Text : normalize(literal.Text);
            var value = Expression.Constant(text, typeof(string));
            var notNull = Expression.NotEqual(member, Expression.Constant(null, typeof(string)));
            return op switch
            {
                ScimComparisonOperator.Equal => Expression.Equal(member, value),
                ScimComparisonOperator.NotEqual => Expression.OrElse(Expression.Equal(member, Expression.Constant(null, typeof(string))), Expression.NotEqual(member, value)),
                ScimComparisonOperator.Contains => Expression.AndAlso(notNull, Expression.Call(member, StringContains, value)),
                ScimComparisonOperator.StartsWith => Expression.AndAlso(notNull, Expression.Call(member, StringStartsWith, value)),
                ScimComparisonOperator.EndsWith => Expression.AndAlso(notNull, Expression.Call(member, StringEndsWith, value)),
                _ => Expression.AndAlso(notNull, Order(Expression.Call(StringCompare, member, value), Expression.Constant(0), op)),
            };
        }

        if (type == typeof(Guid))
        {
            if (op is not (ScimComparisonOperator.Equal or ScimComparisonOperator.NotEqual))
            {
                throw ScimException.InvalidFilter($"'{name}' is an identifier: use eq or ne.");
            }

            if (!Guid.TryParse(literal.Text, out var id))
            {
                return Expression.Constant(op == ScimComparisonOperator.NotEqual);
            }

            var equal = Expression.Equal(member, Expression.Constant(id, member.Type));
            return op == ScimComparisonOperator.Equal ? equal : Expression.Not(equal);
        }

        var constant = Expression.Constant(Convert(literal, type, name), member.Type);
        if (type == typeof(bool))
        {
            return op switch
            {
                ScimComparisonOperator.Equal => Expression.Equal(member, constant),
                ScimComparisonOperator.NotEqual => Expression.NotEqual(member, constant),
                _ => throw ScimException.InvalidFilter($"'{name}' is a boolean: use eq or ne."),
            };
        }

        return op switch
        {
            ScimComparisonOperator.Equal => Expression.Equal(member, constant),
            ScimComparisonOperator.NotEqual => Expression.NotEqual(member, constant),
            ScimComparisonOperator.Contains or ScimComparisonOperator.StartsWith or ScimComparisonOperator.EndsWith =>
                throw ScimException.InvalidFilter($"'{name}' is not a string: co, sw and ew do not apply."),
            _ => Order(member, constant, op),
        };
    }

    private static BinaryExpression Order(Expression left, Expression right, ScimComparisonOperator op) => op switch
    {
        ScimComparisonOperator.GreaterThan => Expression.GreaterThan(left, right),
        ScimComparisonOperator.GreaterThanOrEqual => Expression.GreaterThanOrEqual(left, right),
        ScimComparisonOperator.LessThan => Expression.LessThan(left, right),
        _ => Expression.LessThanOrEqual(left, right),
    };

    /// <summary>The literal as the member's type; a value that does not fit is the client's error.</summary>
    private static object Convert(ScimLiteral literal, Type type, string name)
    {
        var text = literal.Text;
        var invariant = CultureInfo.InvariantCulture;
        object? value = type switch
        {
            _ when type == typeof(bool) => bool.TryParse(text, out var b) ? b : null,
            _ when type == typeof(int) => int.TryParse(text, NumberStyles.Integer, invariant, out var i) ? i : null,
            _ when type == typeof(long) => long.TryParse(text, NumberStyles.Integer, invariant, out var l) ? l : null,
            _ when type == typeof(decimal) => decimal.TryParse(text, NumberStyles.Float, invariant, out var d) ? d : null,
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, invariant, out var f) ? f : null,
            _ when type == typeof(DateTime) => DateTimeOffset.TryParse(text, invariant, DateTimeStyles.AssumeUniversal, out var t) ? t.UtcDateTime : null,
            _ when type == typeof(DateTimeOffset) => DateTimeOffset.TryParse(text, invariant, DateTimeStyles.AssumeUniversal, out var o) ? o : null,
            _ => throw ScimException.InvalidFilter($"'{name}' cannot be filtered."),
        };
        return value ?? throw ScimException.InvalidFilter($"'{text}' is not a valid value for '{name}'.");
    }

    private static bool IsNullable(Type type) => !type.IsValueType || Nullable.GetUnderlyingType(type) is not null;

    private sealed class Replace(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
