using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace OrgIdentity.Scim;

/// <summary>
/// Translates a filter into a LINQ predicate over the host's entities, through a <see cref="ScimAttributeMap{TEntity}"/>,
/// with the meaning <see cref="ScimFilterEvaluator"/> gives it. The predicate uses only what EF Core translates to
/// SQL: <c>==</c>, <c>!=</c>, <c>string.Contains/StartsWith/EndsWith(string)</c>, <c>string.Compare(a, b) &gt; 0</c>,
/// comparisons of numbers and dates, null checks and <c>Any</c>. Values become parameters, not SQL text.
/// </summary>
/// <remarks>
/// <para><c>ne</c> is <c>!(eq)</c>, <c>eq null</c> is "not present", <c>pr</c> is "not null and not empty".</para>
/// <para>A value path on sub-attributes mapped to members of the entity itself (an entity that holds one email:
/// <c>emails[type eq "work"].value eq "x"</c>) becomes <c>type == "work" &amp;&amp; value == "x"</c> on the same
/// entity; on a collection mapping it becomes <c>collection.Any(e =&gt; e.Type == "work" &amp;&amp; e.Value == "x")</c>.</para>
/// <para>String order (<c>gt</c>, <c>lt</c>...), <c>sw</c> and <c>ew</c> are the database's (its collation) once
/// translated; run in memory, they are .NET's culture-sensitive ones.</para>
/// </remarks>
public static class ScimFilterTranslator
{
    private static readonly MethodInfo StringContains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;
    private static readonly MethodInfo StringStartsWith = typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!;
    private static readonly MethodInfo StringEndsWith = typeof(string).GetMethod(nameof(string.EndsWith), [typeof(string)])!;
    private static readonly MethodInfo StringCompare = typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!;
    private static readonly MethodInfo AnyMethod = GetAny(parameters: 1);
    private static readonly MethodInfo AnyWithPredicate = GetAny(parameters: 2);

    /// <summary>
    /// The predicate for <paramref name="filter"/>. An attribute the map does not have is 400 <c>invalidFilter</c>
    /// ("The attribute 'title' cannot be filtered."), as is a value that does not convert to the member's type.
    /// </summary>
    public static Expression<Func<TEntity, bool>> Translate<TEntity>(ScimFilter filter, ScimAttributeMap<TEntity> map)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(map);
        var entity = Expression.Parameter(typeof(TEntity), "resource");
        return Expression.Lambda<Func<TEntity, bool>>(new Builder(map, entity, null).Build(filter), entity);
    }

    private static MethodInfo GetAny(int parameters) => typeof(Enumerable).GetMethods()
        .Single(m => m.Name == nameof(Enumerable.Any) && m.GetParameters().Length == parameters);

    /// <summary>Builds expressions over <paramref name="entity"/>; inside a scalar value path, names are sub-attributes of <paramref name="valuePath"/>.</summary>
    private sealed class Builder(IScimAttributeMap map, Expression entity, ScimPath? valuePath)
    {
        private delegate Expression Test(Expression member, ScimScalarMapping mapping);

        public Expression Build(ScimFilter filter) => filter switch
        {
            ScimLogicalFilter { Operator: ScimLogicalOperator.And } and => Expression.AndAlso(Build(and.Left), Build(and.Right)),
            ScimLogicalFilter or => Expression.OrElse(Build(or.Left), Build(or.Right)),
            ScimNotFilter not => Expression.Not(Build(not.Operand)),
            ScimPresentFilter present => Designate(present.Path, compareValue: false, (member, _) => Present(member)),
            ScimValuePathFilter elements => Designate(elements.Path, compareValue: false, null),
            ScimComparisonFilter comparison => Compare(comparison),
            _ => throw new ArgumentException($"Unknown filter node {filter.GetType().Name}.", nameof(filter)),
        };

        private Expression Compare(ScimComparisonFilter comparison)
        {
            if (comparison.Value.Kind == ScimLiteralKind.Null)
            {
                ScimFilterValues.CheckNull(comparison);
                var present = Designate(comparison.Path, compareValue: true, (member, _) => Present(member));
                return comparison.Operator == ScimComparisonOperator.Equal ? Expression.Not(present) : present;
            }

            if (comparison.Operator == ScimComparisonOperator.NotEqual)
            {
                return Expression.Not(Compare(comparison with { Operator = ScimComparisonOperator.Equal }));
            }

            return Designate(comparison.Path, compareValue: true, (member, mapping) => Comparison(member, mapping, comparison));
        }

        /// <summary>
        /// The expression for <paramref name="path"/>: <paramref name="test"/> applied to the member it maps to, with
        /// its value filter; over a collection, inside <c>Any</c>. A null test asks whether an element matches the
        /// value filter (<c>emails[type eq "work"]</c>).
        /// </summary>
        private Expression Designate(ScimPath path, bool compareValue, Test? test)
        {
            var target = map.Resolve(InValuePath(path));

            // RFC 7644 §3.4.2.2: a complex attribute without a sub-attribute compares its "value".
            if (target.SubAttribute is null && target.Attribute.Type == ScimAttributeType.Complex && test is not null
                && (compareValue || map.Find(target.Key) is null))
            {
                target = target with
                {
                    SubAttribute = target.Attribute.FindSubAttribute("value") ?? (compareValue
                        ? throw ScimException.InvalidFilter($"The attribute '{ScimFilterValues.WithoutValueFilter(path)}' is complex: name one of its sub-attributes.")
                        : throw ScimFilterValues.NotFilterable(path)),
                };
            }

            if (map.Find(target.AttributeKey) is ScimCollectionMapping collection)
            {
                return AnyElement(collection, path.ValueFilter, target.SubAttribute, test);
            }

            Expression? elementFilter = null;
            if (path.ValueFilter is not null)
            {
                elementFilter = new Builder(map, entity, path with { ValueFilter = null, SubAttributeName = null }).Build(path.ValueFilter);
            }

            if (test is null)
            {
                return elementFilter!;
            }

            if (map.Find(target.Key) is not ScimScalarMapping mapping)
            {
                throw ScimFilterValues.NotFilterable(InValuePath(path) with { SubAttributeName = target.SubAttribute?.Name });
            }

            var tested = test(ParameterReplacer.Apply(mapping.Member, entity), mapping);
            return elementFilter is null ? tested : Expression.AndAlso(elementFilter, tested);
        }

        private MethodCallExpression AnyElement(ScimCollectionMapping collection, ScimFilter? valueFilter, ScimAttribute? subAttribute, Test? test)
        {
            var element = Expression.Parameter(collection.ElementType, "element");
            var elements = new Builder(collection.Elements, element, null);
            var body = valueFilter is null ? null : elements.Build(valueFilter);
            if (subAttribute is not null && test is not null)
            {
                var tested = elements.Designate(new ScimPath(null, subAttribute.Name, null, null), compareValue: true, test);
                body = body is null ? tested : Expression.AndAlso(body, tested);
            }

            var source = ParameterReplacer.Apply(collection.Collection, entity);
            return body is null
                ? Expression.Call(AnyMethod.MakeGenericMethod(collection.ElementType), source)
                : Expression.Call(AnyWithPredicate.MakeGenericMethod(collection.ElementType), source, Expression.Lambda(body, element));
        }

        /// <summary>Inside <c>emails[...]</c> mapped on the entity itself, <c>type</c> is <c>emails.type</c>.</summary>
        private ScimPath InValuePath(ScimPath path)
        {
            if (valuePath is null)
            {
                return path;
            }

            if (path.SchemaUrn is not null || path.ValueFilter is not null || path.SubAttributeName is not null)
            {
                throw ScimException.InvalidFilter($"The attribute '{valuePath}.{ScimFilterValues.WithoutValueFilter(path)}' is not known.");
            }

            return valuePath with { SubAttributeName = path.AttributeName };
        }

        private static Expression Present(Expression member)
        {
            if (member.Type == typeof(string))
            {
                return Expression.AndAlso(NotNull(member), Expression.NotEqual(member, Expression.Constant("")));
            }

            return member.Type.IsValueType && Nullable.GetUnderlyingType(member.Type) is null
                ? Expression.Constant(true)
                : NotNull(member);
        }

        private static BinaryExpression NotNull(Expression member) =>
            Expression.NotEqual(member, Expression.Constant(null, member.Type));

        private static BinaryExpression Comparison(Expression member, ScimScalarMapping mapping, ScimComparisonFilter comparison)
        {
            var (op, literal, path) = (comparison.Operator, comparison.Value, comparison.Path);
            ScimFilterValues.CheckOperator(op, mapping.Attribute.Type, path);
            var type = Nullable.GetUnderlyingType(member.Type) ?? member.Type;
            if (type == typeof(string))
            {
                var text = mapping.Normalize is null ? literal.Text : mapping.Normalize(literal.Text);
                return StringComparison(member, op, Parameter(text, typeof(string)));
            }

            if (type == typeof(bool) || type == typeof(Guid))
            {
                if (op != ScimComparisonOperator.Equal)
                {
                    throw ScimException.InvalidFilter(
                        $"The operator '{ScimFilterText.Operator(op)}' cannot be used with '{ScimFilterValues.WithoutValueFilter(path)}'.");
                }

                object value = type == typeof(bool)
                    ? ScimFilterValues.ToBoolean(literal, path)
                    : Guid.TryParse(literal.Text, out var guid) ? guid : throw ScimFilterValues.NotConvertible(literal, path, "UUID");
                return Expression.Equal(member, Parameter(value, member.Type));
            }

            if (op is ScimComparisonOperator.Contains or ScimComparisonOperator.StartsWith or ScimComparisonOperator.EndsWith)
            {
                throw ScimException.InvalidFilter(
                    $"The operator '{ScimFilterText.Operator(op)}' cannot be used with '{ScimFilterValues.WithoutValueFilter(path)}'.");
            }

            return Expression.MakeBinary(BinaryType(op), member, Parameter(ConvertValue(literal, path, type, mapping.Attribute), member.Type));
        }

        private static object ConvertValue(ScimLiteral literal, ScimPath path, Type type, ScimAttribute attribute)
        {
            if (type == typeof(DateTimeOffset))
            {
                return ScimFilterValues.ToDateTime(literal, path);
            }

            if (type == typeof(DateTime))
            {
                return ScimFilterValues.ToDateTime(literal, path).UtcDateTime;
            }

            var integral = type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte);
            var number = ScimFilterValues.ToDecimal(literal, path, integer: integral || attribute.Type == ScimAttributeType.Integer);
            try
            {
                return Convert.ChangeType(number, type, CultureInfo.InvariantCulture);
            }
            catch (OverflowException)
            {
                throw ScimFilterValues.NotConvertible(literal, path, type.Name);
            }
        }

        private static BinaryExpression StringComparison(Expression member, ScimComparisonOperator op, Expression value)
        {
            if (op == ScimComparisonOperator.Equal)
            {
                return Expression.Equal(member, value);
            }

            Expression test = op switch
            {
                ScimComparisonOperator.Contains => Expression.Call(member, StringContains, value),
                ScimComparisonOperator.StartsWith => Expression.Call(member, StringStartsWith, value),
                ScimComparisonOperator.EndsWith => Expression.Call(member, StringEndsWith, value),
                _ => Expression.MakeBinary(BinaryType(op), Expression.Call(StringCompare, member, value), Expression.Constant(0)),
            };
            return Expression.AndAlso(NotNull(member), test);
        }

        private static ExpressionType BinaryType(ScimComparisonOperator op) => op switch
        {
            ScimComparisonOperator.GreaterThan => ExpressionType.GreaterThan,
            ScimComparisonOperator.GreaterThanOrEqual => ExpressionType.GreaterThanOrEqual,
            ScimComparisonOperator.LessThan => ExpressionType.LessThan,
            ScimComparisonOperator.LessThanOrEqual => ExpressionType.LessThanOrEqual,
            _ => ExpressionType.Equal,
        };

        /// <summary>
        /// A value read from a box rather than a constant: EF Core sends it as a SQL parameter, so every value
        /// shares one cached query plan and no value is ever spliced into SQL text.
        /// </summary>
        private static MemberExpression Parameter(object value, Type type)
        {
            var box = (IStrongBox)Activator.CreateInstance(typeof(StrongBox<>).MakeGenericType(type), value)!;
            return Expression.Field(Expression.Constant(box), nameof(StrongBox<>.Value));
        }
    }

    /// <summary>The body of a mapped member's lambda, on another parameter.</summary>
    private sealed class ParameterReplacer(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        public static Expression Apply(LambdaExpression lambda, Expression target) =>
            new ParameterReplacer(lambda.Parameters[0], target).Visit(lambda.Body);

        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
