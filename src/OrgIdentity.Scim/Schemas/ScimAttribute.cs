namespace OrgIdentity.Scim;

/// <summary>The data type of an attribute (RFC 7643 §2.3).</summary>
public enum ScimAttributeType
{
    /// <summary>A string (compared per <see cref="ScimAttribute.CaseExact"/>).</summary>
    String,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A real number.</summary>
    Decimal,

    /// <summary>A whole number.</summary>
    Integer,

    /// <summary>An xsd:dateTime string, compared as an instant.</summary>
    DateTime,

    /// <summary>Base64 binary data.</summary>
    Binary,

    /// <summary>A URI or resource id (compared case-exact).</summary>
    Reference,

    /// <summary>A complex attribute with <see cref="ScimAttribute.SubAttributes"/>.</summary>
    Complex,
}

/// <summary>When a service provider lets a client change an attribute (RFC 7643 §2.2).</summary>
public enum ScimMutability
{
    /// <summary>Set by the service provider only; client values are ignored (or refused by PATCH).</summary>
    ReadOnly,

    /// <summary>Clients may change it at any time.</summary>
    ReadWrite,

    /// <summary>Set once on creation, never changed afterwards.</summary>
    Immutable,

    /// <summary>Clients may set it but it is never returned (a password).</summary>
    WriteOnly,
}

/// <summary>When an attribute appears in a response (RFC 7643 §2.2).</summary>
public enum ScimReturned
{
    /// <summary>Always returned, whatever <c>attributes</c>/<c>excludedAttributes</c> say.</summary>
    Always,

    /// <summary>Never returned.</summary>
    Never,

    /// <summary>Returned unless excluded, or unless <c>attributes</c> names others only.</summary>
    Default,

    /// <summary>Returned only when named in <c>attributes</c>.</summary>
    Request,
}

/// <summary>The uniqueness a service provider enforces for an attribute (RFC 7643 §2.2).</summary>
public enum ScimUniqueness
{
    /// <summary>No uniqueness.</summary>
    None,

    /// <summary>Unique within the service provider's tenant.</summary>
    Server,

    /// <summary>Globally unique.</summary>
    Global,
}

/// <summary>
/// The definition of one attribute of a schema (RFC 7643 §7): its name, type, whether it holds many values,
/// how strings compare, who may change it and when it is returned. Names compare case-insensitively.
/// </summary>
public sealed record ScimAttribute
{
    /// <summary>The attribute's name as the schema spells it (for example <c>userName</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The data type.</summary>
    public ScimAttributeType Type { get; init; } = ScimAttributeType.String;

    /// <summary>Whether the attribute holds a list of values.</summary>
    public bool MultiValued { get; init; }

    /// <summary>A description for <c>/Schemas</c>.</summary>
    public string Description { get; init; } = "";

    /// <summary>Whether a client must supply it on creation and replacement.</summary>
    public bool Required { get; init; }

    /// <summary>Whether string comparisons are case-sensitive.</summary>
    public bool CaseExact { get; init; }

    /// <summary>Who may change the attribute.</summary>
    public ScimMutability Mutability { get; init; } = ScimMutability.ReadWrite;

    /// <summary>When the attribute is returned.</summary>
    public ScimReturned Returned { get; init; } = ScimReturned.Default;

    /// <summary>The uniqueness the service provider enforces.</summary>
    public ScimUniqueness Uniqueness { get; init; } = ScimUniqueness.None;

    /// <summary>The sub-attributes of a complex attribute; empty otherwise.</summary>
    public IReadOnlyList<ScimAttribute> SubAttributes { get; init; } = [];

    /// <summary>Suggested values (for example <c>work</c>, <c>home</c> for <c>emails.type</c>).</summary>
    public IReadOnlyList<string> CanonicalValues { get; init; } = [];

    /// <summary>For references: the resource types or <c>external</c>/<c>uri</c> it may point to.</summary>
    public IReadOnlyList<string> ReferenceTypes { get; init; } = [];

    /// <summary>The sub-attribute named <paramref name="name"/> (case-insensitive), or null.</summary>
    public ScimAttribute? FindSubAttribute(string name)
    {
        foreach (var attribute in SubAttributes)
        {
            if (string.Equals(attribute.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return attribute;
            }
        }

        return null;
    }
}
