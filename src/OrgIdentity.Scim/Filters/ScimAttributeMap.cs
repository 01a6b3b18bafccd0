using System.Linq.Expressions;

namespace OrgIdentity.Scim;

/// <summary>
/// Where a host stores each filterable SCIM attribute: a map from SCIM paths (<c>userName</c>,
/// <c>name.familyName</c>, <c>emails.value</c>,
/// <c>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber</c>...) to members of
/// <typeparamref name="TEntity"/>, for <see cref="ScimFilterTranslator.Translate"/> and <see cref="SortExpression"/>.
/// Built fluently:
/// <code>
/// new ScimAttributeMap&lt;Profile&gt;(ScimResourceTypes.User)
///     .Map("userName", p =&gt; p.UserNameNormalized, normalize: v =&gt; v.ToUpperInvariant())
///     .Map("emails.value", p =&gt; p.Email)
///     .Map("emails.type", p =&gt; "work")
///     .Map("active", p =&gt; p.Active);
/// </code>
/// </summary>
/// <remarks>
/// <para>A case-insensitive attribute should map to a normalized copy the host stores (an upper-cased column with
/// its own index) with the same <c>normalize</c> function: the translator normalizes the filter's value, so the
/// SQL compares a plain column and never calls <c>lower()</c> on it. Without <c>normalize</c>, string comparisons
/// follow the column's collation.</para>
/// <para>Members may have the types string, bool, int, long, short, byte, decimal, double, float, DateTime,
/// DateTimeOffset and Guid (or their nullable forms); a member may be a constant (<c>p =&gt; "work"</c>) when an
/// entity holds one element of a multi-valued attribute.</para>
/// </remarks>
/// <typeparam name="TEntity">The stored entity.</typeparam>
public sealed class ScimAttributeMap<TEntity> : IScimAttributeMap
{
    private static readonly HashSet<Type> SupportedTypes =
    [
        typeof(string), typeof(bool), typeof(int), typeof(long), typeof(short), typeof(byte), typeof(decimal),
        typeof(double), typeof(float), typeof(DateTime), typeof(DateTimeOffset), typeof(Guid),
    ];

    private readonly ScimResourceType? _resourceType;
    private readonly ScimAttribute? _parent;
    private readonly Dictionary<string, ScimMapping> _mappings = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>An empty map for resources of <paramref name="resourceType"/>.</summary>
    public ScimAttributeMap(ScimResourceType resourceType)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        _resourceType = resourceType;
    }

    /// <summary>A map of the elements of a multi-valued attribute: its paths are sub-attribute names.</summary>
    internal ScimAttributeMap(ScimAttribute parent) => _parent = parent;

    Type IScimAttributeMap.EntityType => typeof(TEntity);

    /// <summary>
    /// Maps <paramref name="path"/> (an attribute or <c>attribute.subAttribute</c>, optionally URN-qualified) to
    /// <paramref name="member"/>. <paramref name="normalize"/> is applied to string values of filters on it.
    /// Throws <see cref="ArgumentException"/> when the path is not an attribute of the resource type or the member's
    /// type is not supported.
    /// </summary>
    public ScimAttributeMap<TEntity> Map<TValue>(string path, Expression<Func<TEntity, TValue>> member, Func<string, string>? normalize = null)
    {
        ArgumentNullException.ThrowIfNull(member);
        var type = Nullable.GetUnderlyingType(typeof(TValue)) ?? typeof(TValue);
        if (!SupportedTypes.Contains(type))
        {
            throw new ArgumentException($"A SCIM attribute cannot be mapped to a member of type {typeof(TValue).Name}.", nameof(member));
        }

        var target = ResolveForMapping(path);
        _mappings[target.Key] = new ScimScalarMapping(member, normalize, target.Target);
        return this;
    }

    /// <summary>
    /// Maps the multi-valued attribute <paramref name="path"/> (for example <c>members</c>) to a collection
    /// navigation, whose elements <paramref name="mapElement"/> maps by sub-attribute name
    /// (<c>m =&gt; m.Map("value", member =&gt; member.UserId)</c>). Filters on it become
    /// <c>collection.Any(element =&gt; ...)</c>.
    /// </summary>
    public ScimAttributeMap<TEntity> MapCollection<TElement>(
        string path, Expression<Func<TEntity, IEnumerable<TElement>>> collection, Action<ScimAttributeMap<TElement>> mapElement)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(mapElement);
        var target = ResolveForMapping(path);
        if (target.SubAttribute is not null || !target.Attribute.MultiValued)
        {
            throw new ArgumentException($"'{path}' is not a multi-valued attribute.", nameof(path));
        }

        var elements = new ScimAttributeMap<TElement>(target.Attribute);
        mapElement(elements);
        _mappings[target.Key] = new ScimCollectionMapping(collection, typeof(TElement), elements);
        return this;
    }

    /// <summary>
    /// The member to sort by for <c>sortBy</c> (RFC 7644 §3.4.2.3), as <c>Expression&lt;Func&lt;TEntity, T&gt;&gt;</c>
    /// (pass it to <c>OrderBy</c> through <c>Queryable</c>). A complex attribute sorts by its <c>value</c>
    /// sub-attribute. A path that is unknown, unmapped, filtered or inside a collection is 400 <c>invalidPath</c>:
    /// <c>sortBy</c> is an attribute path, and RFC 7644 names no sort-specific error.
    /// </summary>
    public LambdaExpression SortExpression(ScimPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        ScimMapTarget target;
        try
        {
            target = ((IScimAttributeMap)this).Resolve(path);
        }
        catch (ScimException)
        {
            throw ScimException.InvalidPath($"The attribute '{path}' is not known.");
        }

        if (target.SubAttribute is null && target.Attribute.FindSubAttribute("value") is { } value && target.Attribute.Type == ScimAttributeType.Complex)
        {
            target = target with { SubAttribute = value };
        }

        return path.ValueFilter is null && _mappings.GetValueOrDefault(target.Key) is ScimScalarMapping mapping
            ? mapping.Member
            : throw ScimException.InvalidPath($"The attribute '{path}' cannot be used to sort.");
    }

    ScimMapTarget IScimAttributeMap.Resolve(ScimPath path)
    {
        if (_resourceType is not null)
        {
            var resolved = ScimFilterValues.Resolve(_resourceType, path);
            var attributeKey = (resolved.IsExtension(_resourceType) ? resolved.Schema!.Id : "") + ":" + resolved.Attribute.Name;
            return new ScimMapTarget(resolved.Attribute, resolved.SubAttribute, attributeKey);
        }

        var parent = _parent!;
        if (path.SchemaUrn is null && path.ValueFilter is null && path.SubAttributeName is null
            && parent.FindSubAttribute(path.AttributeName) is { } subAttribute)
        {
            return new ScimMapTarget(subAttribute, null, ":" + subAttribute.Name);
        }

        throw ScimException.InvalidFilter($"The attribute '{parent.Name}.{ScimFilterValues.WithoutValueFilter(path)}' is not known.");
    }

    ScimMapping? IScimAttributeMap.Find(string key) => _mappings.GetValueOrDefault(key);

    private ScimMapTarget ResolveForMapping(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var parsed = ScimFilterParser.ParsePath(path);
            if (parsed.ValueFilter is not null)
            {
                throw new ArgumentException($"'{path}' has a value filter; map attributes and sub-attributes only.", nameof(path));
            }

            return ((IScimAttributeMap)this).Resolve(parsed);
        }
        catch (ScimException exception)
        {
            throw new ArgumentException($"'{path}' is not an attribute here: {exception.Detail}", nameof(path), exception);
        }
    }
}

/// <summary>What the translator needs of a map, whatever its entity type.</summary>
internal interface IScimAttributeMap
{
    Type EntityType { get; }

    /// <summary>The attribute a path names (the value filter ignored); unknown is <c>invalidFilter</c>.</summary>
    ScimMapTarget Resolve(ScimPath path);

    ScimMapping? Find(string key);
}

/// <summary>A resolved attribute and its key in a map (the schema for extensions, the names).</summary>
internal sealed record ScimMapTarget(ScimAttribute Attribute, ScimAttribute? SubAttribute, string AttributeKey)
{
    public string Key => SubAttribute is null ? AttributeKey : $"{AttributeKey}.{SubAttribute.Name}";

    public ScimAttribute Target => SubAttribute ?? Attribute;
}

internal abstract record ScimMapping;

/// <summary>An attribute stored in a member (or a constant) of the entity.</summary>
internal sealed record ScimScalarMapping(LambdaExpression Member, Func<string, string>? Normalize, ScimAttribute Attribute) : ScimMapping;

/// <summary>A multi-valued attribute stored in a collection navigation.</summary>
internal sealed record ScimCollectionMapping(LambdaExpression Collection, Type ElementType, IScimAttributeMap Elements) : ScimMapping;
