namespace OrgIdentity.Scim;

/// <summary>A path resolved against a resource type: the schema and attribute (and sub-attribute) it names.</summary>
/// <param name="Schema">The schema that defines the attribute; null for the common attributes (<c>id</c>, <c>externalId</c>, <c>meta</c>).</param>
/// <param name="Attribute">The top-level attribute.</param>
/// <param name="SubAttribute">The sub-attribute, or null.</param>
public sealed record ScimResolvedPath(ScimSchema? Schema, ScimAttribute Attribute, ScimAttribute? SubAttribute)
{
    /// <summary>Whether the attribute lives under its extension's URN key in a resource document.</summary>
    public bool IsExtension(ScimResourceType resourceType) =>
        Schema is not null && !ReferenceEquals(Schema, resourceType.Schema) && Schema.Id != resourceType.Schema.Id;

    /// <summary>The attribute a value at this path has: the sub-attribute when there is one.</summary>
    public ScimAttribute Target => SubAttribute ?? Attribute;
}

/// <summary>Resolves <see cref="ScimPath"/>s against a <see cref="ScimResourceType"/>.</summary>
public static class ScimPathResolution
{
    /// <summary>
    /// The attributes every resource has (RFC 7643 §3.1): <c>id</c>, <c>externalId</c> and <c>meta</c>.
    /// </summary>
    public static IReadOnlyList<ScimAttribute> CommonAttributes { get; } =
    [
        new()
        {
            Name = "id", CaseExact = true, Mutability = ScimMutability.ReadOnly, Returned = ScimReturned.Always,
            Uniqueness = ScimUniqueness.Server, Description = "The service provider's identifier of the resource.",
        },
        new()
        {
            Name = "externalId", CaseExact = true,
            Description = "The provisioning client's identifier of the resource.",
        },
        new()
        {
            Name = "meta", Type = ScimAttributeType.Complex, Mutability = ScimMutability.ReadOnly,
            Description = "Resource metadata.",
            SubAttributes =
            [
                new() { Name = "resourceType", CaseExact = true, Mutability = ScimMutability.ReadOnly },
                new() { Name = "created", Type = ScimAttributeType.DateTime, Mutability = ScimMutability.ReadOnly },
                new() { Name = "lastModified", Type = ScimAttributeType.DateTime, Mutability = ScimMutability.ReadOnly },
                new() { Name = "location", Type = ScimAttributeType.Reference, CaseExact = true, Mutability = ScimMutability.ReadOnly },
                new() { Name = "version", CaseExact = true, Mutability = ScimMutability.ReadOnly },
            ],
        },
    ];

    /// <summary>
    /// Resolves <paramref name="path"/>: with a URN, in that schema (core or extension); without, in the common
    /// attributes, then the core schema, then the extensions. Null when the schema, the attribute or the
    /// sub-attribute is unknown; callers turn that into <c>invalidFilter</c> or <c>invalidPath</c>.
    /// </summary>
    public static ScimResolvedPath? Resolve(this ScimResourceType resourceType, ScimPath path)
    {
        ScimSchema? schema = null;
        ScimAttribute? attribute;
        if (path.SchemaUrn is not null)
        {
            schema = resourceType.FindSchema(path.SchemaUrn);
            if (schema is null)
            {
                return null;
            }

            attribute = schema.FindAttribute(path.AttributeName)
                ?? (ReferenceEquals(schema, resourceType.Schema) ? FindCommon(path.AttributeName) : null);
        }
        else
        {
            attribute = FindCommon(path.AttributeName);
            if (attribute is null)
            {
                foreach (var candidate in resourceType.AllSchemas)
                {
                    attribute = candidate.FindAttribute(path.AttributeName);
                    if (attribute is not null)
                    {
                        schema = candidate;
                        break;
                    }
                }
            }
        }

        if (attribute is null)
        {
            return null;
        }

        if (path.SubAttributeName is null)
        {
            return new ScimResolvedPath(schema, attribute, null);
        }

        var subAttribute = attribute.FindSubAttribute(path.SubAttributeName);
        return subAttribute is null ? null : new ScimResolvedPath(schema, attribute, subAttribute);
    }

    private static ScimAttribute? FindCommon(string name) =>
        CommonAttributes.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}
