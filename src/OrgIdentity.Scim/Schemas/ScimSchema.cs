namespace OrgIdentity.Scim;

/// <summary>A schema (RFC 7643 §7): a URN id and its attributes. A resource's core schema or an extension.</summary>
public sealed record ScimSchema
{
    /// <summary>The schema URN, for example <see cref="ScimConstants.UserSchema"/>.</summary>
    public required string Id { get; init; }

    /// <summary>A short name, for example <c>User</c>.</summary>
    public required string Name { get; init; }

    /// <summary>A description for <c>/Schemas</c>.</summary>
    public string Description { get; init; } = "";

    /// <summary>The top-level attributes.</summary>
    public required IReadOnlyList<ScimAttribute> Attributes { get; init; }

    /// <summary>The top-level attribute named <paramref name="name"/> (case-insensitive), or null.</summary>
    public ScimAttribute? FindAttribute(string name)
    {
        foreach (var attribute in Attributes)
        {
            if (string.Equals(attribute.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return attribute;
            }
        }

        return null;
    }
}

/// <summary>An extension schema of a resource type and whether resources must carry it.</summary>
/// <param name="Schema">The extension schema.</param>
/// <param name="Required">Whether every resource of the type must include it.</param>
public sealed record ScimSchemaExtension(ScimSchema Schema, bool Required);

/// <summary>
/// A resource type (RFC 7643 §6): its name, endpoint, core schema and extensions. It resolves attribute paths
/// against all of them: a name without a URN is looked up in the core schema, then in the extensions.
/// </summary>
public sealed record ScimResourceType
{
    /// <summary>The name, for example <c>User</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The endpoint relative to the base URL, for example <c>/Users</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>A description for <c>/ResourceTypes</c>.</summary>
    public string Description { get; init; } = "";

    /// <summary>The core schema.</summary>
    public required ScimSchema Schema { get; init; }

    /// <summary>The extension schemas.</summary>
    public IReadOnlyList<ScimSchemaExtension> Extensions { get; init; } = [];

    /// <summary>The core schema followed by the extension schemas.</summary>
    public IEnumerable<ScimSchema> AllSchemas => Extensions.Select(e => e.Schema).Prepend(Schema);

    /// <summary>The schema (core or extension) whose id is <paramref name="urn"/> (case-insensitive), or null.</summary>
    public ScimSchema? FindSchema(string urn) =>
        AllSchemas.FirstOrDefault(s => string.Equals(s.Id, urn, StringComparison.OrdinalIgnoreCase));
}
