namespace OrgIdentity.Scim;

/// <summary>
/// The schemas of RFC 7643 §4 as this library serves them: core User, the EnterpriseUser extension and Group.
/// Only what a host stores is advertised (SCIM-INTEROP D2: Entra's validator flags sub-attributes a provider lists
/// but drops), so <c>display</c> appears only where the RFC gives it a use (<c>groups</c>, <c>members</c>,
/// <c>manager.displayName</c>).
/// </summary>
public static class ScimSchemas
{
    private static ScimAttribute Text(string name, string description, bool caseExact = false) =>
        new() { Name = name, Description = description, CaseExact = caseExact };

    private static ScimAttribute Flag(string name, string description) =>
        new() { Name = name, Type = ScimAttributeType.Boolean, Description = description };

    /// <summary>A multi-valued <c>value</c>/<c>type</c>/<c>primary</c> attribute such as <c>emails</c>.</summary>
    private static ScimAttribute Plural(string name, string description, IReadOnlyList<string> types) => new()
    {
        Name = name,
        Type = ScimAttributeType.Complex,
        MultiValued = true,
        Description = description,
        SubAttributes =
        [
            Text("value", $"The value of one of the user's {name}."),
            new() { Name = "type", Description = "A label: " + string.Join(", ", types) + ".", CanonicalValues = types },
            Flag("primary", "Whether this is the user's primary value; at most one is."),
        ],
    };

    /// <summary>The core User schema (RFC 7643 §4.1).</summary>
    public static ScimSchema User { get; } = new()
    {
        Id = ScimConstants.UserSchema,
        Name = "User",
        Description = "User Account",
        Attributes =
        [
            new()
            {
                Name = "userName", Required = true, Uniqueness = ScimUniqueness.Server,
                Description = "The unique identifier the user signs in with, unique per tenant whatever its case.",
            },
            new()
            {
                Name = "name", Type = ScimAttributeType.Complex, Description = "The components of the user's name.",
                SubAttributes =
                [
                    Text("formatted", "The full name, formatted for display."),
                    Text("familyName", "The family name."),
                    Text("givenName", "The given name."),
                    Text("middleName", "The middle name(s)."),
                    Text("honorificPrefix", "The honorific prefix, such as Ms."),
                    Text("honorificSuffix", "The honorific suffix, such as III."),
                ],
            },
            Text("displayName", "The name displayed for the user."),
            Text("nickName", "The casual name of the user."),
            new() { Name = "profileUrl", Type = ScimAttributeType.Reference, ReferenceTypes = ["external"], Description = "The user's online profile." },
            Text("title", "The user's title, such as Vice President."),
            Text("userType", "The relationship to the organization, such as Employee or Contractor."),
            Text("preferredLanguage", "The preferred written or spoken language, as in Accept-Language."),
            Text("locale", "The default location for localizing, such as en-US."),
            Text("timezone", "The time zone, in IANA format, such as America/Los_Angeles."),
            Flag("active", "Whether the user may use the service."),
            new()
            {
                Name = "password", Mutability = ScimMutability.WriteOnly, Returned = ScimReturned.Never,
                Description = "Accepted and ignored: never stored, never returned.",
            },
            Plural("emails", "E-mail addresses.", ["work", "home", "other"]),
            Plural("phoneNumbers", "Phone numbers.", ["work", "home", "mobile", "fax", "pager", "other"]),
            new()
            {
                Name = "addresses", Type = ScimAttributeType.Complex, MultiValued = true, Description = "Physical mailing addresses.",
                SubAttributes =
                [
                    Text("formatted", "The full address, formatted for display."),
                    Text("streetAddress", "The street address."),
                    Text("locality", "The city or locality."),
                    Text("region", "The state or region."),
                    Text("postalCode", "The postal code."),
                    Text("country", "The country, as an ISO 3166-1 alpha-2 code."),
                    new() { Name = "type", Description = "A label: work, home, other.", CanonicalValues = ["work", "home", "other"] },
                    Flag("primary", "Whether this is the primary address."),
                ],
            },
            new()
            {
                Name = "groups", Type = ScimAttributeType.Complex, MultiValued = true, Mutability = ScimMutability.ReadOnly,
                Description = "The groups the user is in, derived from group membership; never set through the user.",
                SubAttributes =
                [
                    new() { Name = "value", CaseExact = true, Mutability = ScimMutability.ReadOnly, Description = "The group's id." },
                    new() { Name = "$ref", Type = ScimAttributeType.Reference, CaseExact = true, Mutability = ScimMutability.ReadOnly, ReferenceTypes = ["Group"], Description = "The group's URI." },
                    new() { Name = "display", Mutability = ScimMutability.ReadOnly, Description = "The group's display name." },
                    new() { Name = "type", Mutability = ScimMutability.ReadOnly, CanonicalValues = ["direct", "indirect"], Description = "direct or indirect." },
                ],
            },
            new()
            {
                Name = "roles", Type = ScimAttributeType.Complex, MultiValued = true,
                Description = "Roles as the directory names them; stored as sent (they grant nothing: group mappings do).",
                SubAttributes =
                [
                    Text("value", "The role."),
                    Text("display", "A label for the role."),
                    Text("type", "A label for the kind of role."),
                    Flag("primary", "Whether this is the primary role."),
                ],
            },
        ],
    };

    /// <summary>The EnterpriseUser extension (RFC 7643 §4.3).</summary>
    public static ScimSchema EnterpriseUser { get; } = new()
    {
        Id = ScimConstants.EnterpriseUserSchema,
        Name = "EnterpriseUser",
        Description = "Enterprise User",
        Attributes =
        [
            Text("employeeNumber", "A number that identifies the user in the organization."),
            Text("costCenter", "The cost center."),
            Text("organization", "The organization."),
            Text("division", "The division."),
            Text("department", "The department."),
            new()
            {
                Name = "manager", Type = ScimAttributeType.Complex, Description = "The user's manager.",
                SubAttributes =
                [
                    new() { Name = "value", CaseExact = true, Description = "The manager's id." },
                    new() { Name = "$ref", Type = ScimAttributeType.Reference, CaseExact = true, ReferenceTypes = ["User"], Description = "The manager's URI." },
                    new() { Name = "displayName", Mutability = ScimMutability.ReadOnly, Description = "The manager's display name." },
                ],
            },
        ],
    };

    /// <summary>The core Group schema (RFC 7643 §4.2).</summary>
    public static ScimSchema Group { get; } = new()
    {
        Id = ScimConstants.GroupSchema,
        Name = "Group",
        Description = "Group",
        Attributes =
        [
            new() { Name = "displayName", Required = true, Uniqueness = ScimUniqueness.Server, Description = "The group's name, unique per tenant (Entra matches groups by it)." },
            new()
            {
                Name = "members", Type = ScimAttributeType.Complex, MultiValued = true, Returned = ScimReturned.Default,
                Description = "The group's members.",
                SubAttributes =
                [
                    new() { Name = "value", CaseExact = true, Mutability = ScimMutability.Immutable, Description = "The member's id." },
                    new() { Name = "$ref", Type = ScimAttributeType.Reference, CaseExact = true, Mutability = ScimMutability.Immutable, ReferenceTypes = ["User", "Group"], Description = "The member's URI." },
                    new() { Name = "display", Mutability = ScimMutability.ReadOnly, Description = "The member's display name." },
                    new() { Name = "type", Mutability = ScimMutability.Immutable, CanonicalValues = ["User", "Group"], Description = "User or Group." },
                ],
            },
        ],
    };

    /// <summary>Every schema, for <c>/Schemas</c>.</summary>
    public static IReadOnlyList<ScimSchema> All { get; } = [User, EnterpriseUser, Group];
}

/// <summary>The resource types of RFC 7643 §6 this library serves.</summary>
public static class ScimResourceTypes
{
    /// <summary><c>User</c> at <c>/Users</c>, with the EnterpriseUser extension (not required).</summary>
    public static ScimResourceType User { get; } = new()
    {
        Name = "User",
        Endpoint = "/Users",
        Description = "User Account",
        Schema = ScimSchemas.User,
        Extensions = [new ScimSchemaExtension(ScimSchemas.EnterpriseUser, Required: false)],
    };

    /// <summary><c>Group</c> at <c>/Groups</c>.</summary>
    public static ScimResourceType Group { get; } = new()
    {
        Name = "Group",
        Endpoint = "/Groups",
        Description = "Group",
        Schema = ScimSchemas.Group,
    };

    /// <summary>Both, for <c>/ResourceTypes</c>.</summary>
    public static IReadOnlyList<ScimResourceType> All { get; } = [User, Group];
}
