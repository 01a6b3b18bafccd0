using System.Linq.Expressions;

namespace OrgIdentity.Scim;

/// <summary>
/// Where a host keeps each filterable SCIM attribute of <typeparamref name="TEntity"/>: a SCIM path
/// (<c>userName</c>, <c>name.familyName</c>, <c>emails.value</c>,
/// <c>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber</c>) → a member expression, so
/// <see cref="ScimFilterTranslator"/> turns filters into expressions a LINQ provider runs as SQL. Paths compare
/// case-insensitively. An attribute that is not mapped cannot be filtered or sorted on (400 <c>invalidFilter</c>).
/// </summary>
/// <typeparam name="TEntity">The entity (row) type.</typeparam>
/// <param name="resourceType">The resource type whose schemas say how each attribute compares (caseExact, type).</param>
public sealed class ScimAttributeMap<TEntity>(ScimResourceType resourceType)
{
    private readonly Dictionary<string, ScimMappedAttribute> attributes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The resource type the paths are resolved against.</summary>
    public ScimResourceType ResourceType { get; } = resourceType;

    /// <summary>
    /// Maps a single-valued path to a member. For a case-insensitive attribute, store a normalized copy (for example
    /// upper-cased) and pass the same <paramref name="normalize"/>: the literal is normalized and the SQL compares
    /// the plain, indexable column, never <c>lower(column)</c>. A constant (<c>e =&gt; "work"</c>) is allowed for a
    /// sub-attribute every row has the same value of.
    /// </summary>
    public ScimAttributeMap<TEntity> Map<TValue>(string path, Expression<Func<TEntity, TValue>> member, Func<string, string>? normalize = null)
    {
        ArgumentNullException.ThrowIfNull(member);
        attributes[Key(path)] = new ScimMappedAttribute(member, normalize, null);
        return this;
    }

    /// <summary>
    /// Maps a multi-valued attribute to a collection navigation (group <c>members</c> → <c>g =&gt; g.Members</c>),
    /// with the map of its elements' sub-attributes (<c>value</c> → <c>m =&gt; m.UserId</c>). Filters on it become
    /// <c>Any(...)</c>.
    /// </summary>
    public ScimAttributeMap<TEntity> MapCollection<TElement>(string attribute, Expression<Func<TEntity, IEnumerable<TElement>>> collection,
        ScimAttributeMap<TElement> elements)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(elements);
        attributes[Key(attribute)] = new ScimMappedAttribute(collection, null, new ScimElementMap(typeof(TElement), path => elements.Lookup(elements.Key(path))));
        return this;
    }

    /// <summary>The member expression to sort by for <c>sortBy</c>; 400 <c>invalidValue</c> when the attribute cannot be sorted on.</summary>
    public LambdaExpression SortExpression(ScimPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.ValueFilter is null && Lookup(Key(path)) is { Element: null } mapped)
        {
            return mapped.Member;
        }

        throw ScimException.InvalidValue($"Cannot sort by '{path}'.");
    }

    internal ScimMappedAttribute? Lookup(string key) => attributes.GetValueOrDefault(key);

    internal ScimMappedAttribute? Lookup(ScimPath path) => Lookup(Key(path));

    /// <summary>
    /// The key of a path (without its value filter): resolved against the resource type, so <c>employeeNumber</c>,
    /// its URN-qualified form and <c>urn:…:core:2.0:User:userName</c> find the same mapping; a path the schemas do
    /// not know (a collection element's sub-attribute) keys as written. Keys compare case-insensitively.
    /// </summary>
    internal string Key(ScimPath path)
    {
        if (ResourceType.Resolve(path with { ValueFilter = null }) is { } resolved)
        {
            var prefix = resolved.Schema is { } schema && schema.Id != ResourceType.Schema.Id ? schema.Id + ":" : "";
            return prefix + resolved.Attribute.Name + (resolved.SubAttribute is null ? "" : "." + resolved.SubAttribute.Name);
        }

        return (path.SchemaUrn is null ? "" : path.SchemaUrn + ":") + path.AttributeName + (path.SubAttributeName is null ? "" : "." + path.SubAttributeName);
    }

    private string Key(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = path.Trim();
        string? urn = null;
        if (path.StartsWith("urn:", StringComparison.OrdinalIgnoreCase))
        {
            var colon = path.LastIndexOf(':');
            urn = path[..colon];
            path = path[(colon + 1)..];
        }

        var dot = path.IndexOf('.', StringComparison.Ordinal);
        return Key(new ScimPath(urn, dot < 0 ? path : path[..dot], null, dot < 0 ? null : path[(dot + 1)..]));
    }
}

/// <summary>A mapped attribute: its member (or collection) expression, the literal normalizer, and the element map of a collection.</summary>
internal sealed record ScimMappedAttribute(LambdaExpression Member, Func<string, string>? Normalize, ScimElementMap? Element);

/// <summary>The element type and sub-attribute map of a collection mapping.</summary>
internal sealed record ScimElementMap(Type ElementType, Func<ScimPath, ScimMappedAttribute?> Lookup);
