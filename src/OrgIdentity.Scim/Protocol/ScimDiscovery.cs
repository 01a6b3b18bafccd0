using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// The discovery documents (RFC 7644 §4, RFC 7643 §5–§7): <c>/ServiceProviderConfig</c>, <c>/Schemas</c> and
/// <c>/ResourceTypes</c>. The lists are ListResponse envelopes (SCIM-INTEROP D1); characteristic values are
/// camelCase and absent properties are omitted, never null (D2). Every document carries <c>meta.location</c>
/// under <c>baseUri</c>, the SCIM base such as <c>https://host/scim/v2/</c>.
/// </summary>
public static class ScimDiscovery
{
    /// <summary>
    /// The service provider configuration (RFC 7643 §5), telling the truth about <paramref name="options"/>
    /// (SCIM-INTEROP D4): PATCH and filtering supported, Bulk and password changes not.
    /// </summary>
    /// <param name="options">What the service provider supports.</param>
    /// <param name="baseUri">The SCIM base URI.</param>
    /// <returns>The <c>/ServiceProviderConfig</c> document.</returns>
    public static JsonObject ServiceProviderConfig(ScimServiceOptions options, Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(options);
        var document = new JsonObject { ["schemas"] = new JsonArray(ScimConstants.ServiceProviderConfigSchema) };
        if (options.DocumentationUri is { } documentation)
        {
            document["documentationUri"] = documentation.AbsoluteUri;
        }

        document["patch"] = new JsonObject { ["supported"] = true };
        document["bulk"] = new JsonObject
        {
            ["supported"] = false,
            ["maxOperations"] = 0,
            ["maxPayloadSize"] = options.MaxPayloadSize,
        };
        document["filter"] = new JsonObject { ["supported"] = true, ["maxResults"] = options.MaxCount };
        document["changePassword"] = new JsonObject { ["supported"] = false };
        document["sort"] = new JsonObject { ["supported"] = options.SortSupported };
        document["etag"] = new JsonObject { ["supported"] = options.ETagSupported };
        document["authenticationSchemes"] = new JsonArray(new JsonObject
        {
            ["type"] = "oauthbearertoken",
            ["name"] = "OAuth Bearer Token",
            ["description"] = "Authentication with an OAuth 2.0 bearer token in the Authorization header.",
            ["specUri"] = "https://www.rfc-editor.org/rfc/rfc6750",
            ["primary"] = true,
        });
        document["meta"] = Meta("ServiceProviderConfig", Base(baseUri) + "ServiceProviderConfig");
        return document;
    }

    /// <summary>The <c>/Schemas</c> response: a ListResponse of <see cref="Schema"/> documents.</summary>
    /// <param name="schemas">The schemas served, such as <see cref="ScimSchemas.All"/>.</param>
    /// <param name="baseUri">The SCIM base URI.</param>
    /// <returns>The list response.</returns>
    public static JsonObject Schemas(IEnumerable<ScimSchema> schemas, Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        var documents = schemas.Select(s => Schema(s, baseUri)).ToList();
        return ScimListResponse.Create(documents.Count, 1, documents);
    }

    /// <summary>
    /// One schema definition (RFC 7643 §7), for <c>/Schemas/{urn}</c>: its id, name, description and attributes
    /// with every characteristic; <c>canonicalValues</c>, <c>referenceTypes</c> and <c>subAttributes</c> only
    /// when non-empty, descriptions only when set.
    /// </summary>
    /// <param name="schema">The schema.</param>
    /// <param name="baseUri">The SCIM base URI.</param>
    /// <returns>The schema document.</returns>
    public static JsonObject Schema(ScimSchema schema, Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var document = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.SchemaSchema),
            ["id"] = schema.Id,
            ["name"] = schema.Name,
        };
        AddIfSet(document, "description", schema.Description);
        document["attributes"] = Attributes(schema.Attributes);
        document["meta"] = Meta("Schema", Base(baseUri) + "Schemas/" + schema.Id);
        return document;
    }

    /// <summary>The <c>/ResourceTypes</c> response: a ListResponse of <see cref="ResourceType"/> documents.</summary>
    /// <param name="types">The resource types served, such as <see cref="ScimResourceTypes.All"/>.</param>
    /// <param name="baseUri">The SCIM base URI.</param>
    /// <returns>The list response.</returns>
    public static JsonObject ResourceTypes(IEnumerable<ScimResourceType> types, Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(types);
        var documents = types.Select(t => ResourceType(t, baseUri)).ToList();
        return ScimListResponse.Create(documents.Count, 1, documents);
    }

    /// <summary>One resource type (RFC 7643 §6), for <c>/ResourceTypes/{name}</c>.</summary>
    /// <param name="type">The resource type.</param>
    /// <param name="baseUri">The SCIM base URI.</param>
    /// <returns>The resource type document.</returns>
    public static JsonObject ResourceType(ScimResourceType type, Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(type);
        var document = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.ResourceTypeSchema),
            ["id"] = type.Name,
            ["name"] = type.Name,
            ["endpoint"] = type.Endpoint,
        };
        AddIfSet(document, "description", type.Description);
        document["schema"] = type.Schema.Id;
        if (type.Extensions.Count > 0)
        {
            var extensions = new JsonArray();
            foreach (var extension in type.Extensions)
            {
                extensions.Add(new JsonObject { ["schema"] = extension.Schema.Id, ["required"] = extension.Required });
            }

            document["schemaExtensions"] = extensions;
        }

        document["meta"] = Meta("ResourceType", Base(baseUri) + "ResourceTypes/" + type.Name);
        return document;
    }

    private static JsonArray Attributes(IEnumerable<ScimAttribute> attributes)
    {
        var list = new JsonArray();
        foreach (var attribute in attributes)
        {
            list.Add(Attribute(attribute));
        }

        return list;
    }

    private static JsonObject Attribute(ScimAttribute attribute)
    {
        var document = new JsonObject
        {
            ["name"] = attribute.Name,
            ["type"] = TypeName(attribute.Type),
            ["multiValued"] = attribute.MultiValued,
        };
        AddIfSet(document, "description", attribute.Description);
        document["required"] = attribute.Required;
        document["caseExact"] = attribute.CaseExact;
        document["mutability"] = MutabilityName(attribute.Mutability);
        document["returned"] = ReturnedName(attribute.Returned);
        document["uniqueness"] = UniquenessName(attribute.Uniqueness);
        if (attribute.CanonicalValues.Count > 0)
        {
            document["canonicalValues"] = Strings(attribute.CanonicalValues);
        }

        if (attribute.ReferenceTypes.Count > 0)
        {
            document["referenceTypes"] = Strings(attribute.ReferenceTypes);
        }

        if (attribute.SubAttributes.Count > 0)
        {
            document["subAttributes"] = Attributes(attribute.SubAttributes);
        }

        return document;
    }

    /// <summary>RFC 7643 §7 spells the data types in lowerCamelCase (<c>dateTime</c>).</summary>
    private static string TypeName(ScimAttributeType type) => type switch
    {
        ScimAttributeType.String => "string",
        ScimAttributeType.Boolean => "boolean",
        ScimAttributeType.Decimal => "decimal",
        ScimAttributeType.Integer => "integer",
        ScimAttributeType.DateTime => "dateTime",
        ScimAttributeType.Binary => "binary",
        ScimAttributeType.Reference => "reference",
        ScimAttributeType.Complex => "complex",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static string MutabilityName(ScimMutability mutability) => mutability switch
    {
        ScimMutability.ReadOnly => "readOnly",
        ScimMutability.ReadWrite => "readWrite",
        ScimMutability.Immutable => "immutable",
        ScimMutability.WriteOnly => "writeOnly",
        _ => throw new ArgumentOutOfRangeException(nameof(mutability), mutability, null),
    };

    private static string ReturnedName(ScimReturned returned) => returned switch
    {
        ScimReturned.Always => "always",
        ScimReturned.Never => "never",
        ScimReturned.Default => "default",
        ScimReturned.Request => "request",
        _ => throw new ArgumentOutOfRangeException(nameof(returned), returned, null),
    };

    private static string UniquenessName(ScimUniqueness uniqueness) => uniqueness switch
    {
        ScimUniqueness.None => "none",
        ScimUniqueness.Server => "server",
        ScimUniqueness.Global => "global",
        _ => throw new ArgumentOutOfRangeException(nameof(uniqueness), uniqueness, null),
    };

    private static JsonArray Strings(IEnumerable<string> values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(value);
        }

        return array;
    }

    private static void AddIfSet(JsonObject document, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            document[name] = value;
        }
    }

    private static JsonObject Meta(string resourceType, string location) =>
        new() { ["resourceType"] = resourceType, ["location"] = location };

    /// <summary>The base URI as text ending in one slash, so that relative names append to it.</summary>
    private static string Base(Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        if (!baseUri.IsAbsoluteUri)
        {
            throw new ArgumentException("The SCIM base URI must be absolute.", nameof(baseUri));
        }

        var text = baseUri.AbsoluteUri;
        return text.EndsWith('/') ? text : text + "/";
    }
}
