namespace OrgIdentity.Scim.Tests;

/// <summary>The User, EnterpriseUser and Group definitions carry the RFC 7643 characteristics the other parts rely on.</summary>
public sealed class SchemaDefinitionTests
{
    private static ScimAttribute UserAttribute(string name) =>
        ScimSchemas.User.FindAttribute(name) ?? throw new InvalidOperationException($"User has no '{name}'.");

    [Fact]
    public void UserName_is_required_case_insensitive_and_unique_per_server()
    {
        var userName = UserAttribute("userName");

        Assert.True(userName.Required);
        Assert.False(userName.CaseExact);
        Assert.Equal(ScimUniqueness.Server, userName.Uniqueness);
        Assert.Equal(ScimMutability.ReadWrite, userName.Mutability);
    }

    [Fact]
    public void Name_has_the_six_sub_attributes_of_RFC_7643_4_1_1()
    {
        var name = UserAttribute("name");

        Assert.Equal(ScimAttributeType.Complex, name.Type);
        Assert.False(name.MultiValued);
        Assert.Equal(
            ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"],
            name.SubAttributes.Select(a => a.Name));
    }

    [Fact]
    public void Password_is_write_only_and_never_returned()
    {
        var password = UserAttribute("password");

        Assert.Equal(ScimMutability.WriteOnly, password.Mutability);
        Assert.Equal(ScimReturned.Never, password.Returned);
    }

    [Fact]
    public void Active_is_a_boolean() => Assert.Equal(ScimAttributeType.Boolean, UserAttribute("active").Type);

    [Theory]
    [InlineData("emails")]
    [InlineData("phoneNumbers")]
    public void Emails_and_phone_numbers_advertise_only_value_type_and_primary(string attribute)
    {
        // INTEROP D2: Entra's validator flags sub-attributes a provider advertises but does not keep (display).
        var plural = UserAttribute(attribute);

        Assert.True(plural.MultiValued);
        Assert.Equal(["value", "type", "primary"], plural.SubAttributes.Select(a => a.Name));
        Assert.Equal(ScimAttributeType.Boolean, plural.FindSubAttribute("primary")!.Type);
    }

    [Fact]
    public void Addresses_are_multi_valued_with_the_postal_components()
    {
        var addresses = UserAttribute("addresses");

        Assert.True(addresses.MultiValued);
        foreach (var part in new[] { "formatted", "streetAddress", "locality", "region", "postalCode", "country", "type", "primary" })
        {
            Assert.NotNull(addresses.FindSubAttribute(part));
        }
    }

    [Fact]
    public void Groups_of_a_user_are_read_only_with_value_ref_display_and_type()
    {
        var groups = UserAttribute("groups");

        Assert.True(groups.MultiValued);
        Assert.Equal(ScimMutability.ReadOnly, groups.Mutability);
        Assert.Equal(["value", "$ref", "display", "type"], groups.SubAttributes.Select(a => a.Name));
        Assert.All(groups.SubAttributes, a => Assert.Equal(ScimMutability.ReadOnly, a.Mutability));
    }

    [Fact]
    public void Roles_are_accepted_because_Entra_posts_an_empty_list() =>
        Assert.True(UserAttribute("roles").MultiValued);

    [Fact]
    public void The_user_schema_names_each_attribute_once_whatever_the_case()
    {
        var names = ScimSchemas.User.Attributes.Select(a => a.Name.ToUpperInvariant()).ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Enterprise_user_has_the_attributes_of_RFC_7643_4_3()
    {
        var enterprise = ScimSchemas.EnterpriseUser;

        Assert.Equal(ScimConstants.EnterpriseUserSchema, enterprise.Id);
        Assert.Equal(
            ["employeeNumber", "costCenter", "organization", "division", "department", "manager"],
            enterprise.Attributes.Select(a => a.Name));
        var manager = enterprise.FindAttribute("manager")!;
        Assert.Equal(ScimAttributeType.Complex, manager.Type);
        Assert.False(manager.MultiValued);
        Assert.Equal(["value", "$ref", "displayName"], manager.SubAttributes.Select(a => a.Name));
        Assert.Equal(ScimMutability.ReadOnly, manager.FindSubAttribute("displayName")!.Mutability);
    }

    [Fact]
    public void Group_display_name_is_required_and_member_values_are_immutable()
    {
        var group = ScimSchemas.Group;

        Assert.True(group.FindAttribute("displayName")!.Required);
        var members = group.FindAttribute("members")!;
        Assert.True(members.MultiValued);
        Assert.Equal(ScimMutability.Immutable, members.FindSubAttribute("value")!.Mutability);
        Assert.True(members.FindSubAttribute("value")!.CaseExact);
        Assert.Equal(["User", "Group"], members.FindSubAttribute("type")!.CanonicalValues);
    }

    [Fact]
    public void Schema_lookups_ignore_case()
    {
        Assert.Same(ScimSchemas.User.FindAttribute("userName"), ScimSchemas.User.FindAttribute("USERNAME"));
        Assert.NotNull(ScimSchemas.User.FindAttribute("name")!.FindSubAttribute("GIVENNAME"));
        Assert.Same(ScimSchemas.EnterpriseUser, ScimResourceTypes.User.FindSchema(ScimConstants.EnterpriseUserSchema.ToUpperInvariant()));
    }

    [Fact]
    public void The_user_resource_type_has_the_enterprise_extension_not_required()
    {
        var user = ScimResourceTypes.User;

        Assert.Equal("/Users", user.Endpoint);
        Assert.Same(ScimSchemas.User, user.Schema);
        var extension = Assert.Single(user.Extensions);
        Assert.Same(ScimSchemas.EnterpriseUser, extension.Schema);
        Assert.False(extension.Required);
    }

    [Fact]
    public void The_group_resource_type_has_no_extension()
    {
        Assert.Equal("/Groups", ScimResourceTypes.Group.Endpoint);
        Assert.Same(ScimSchemas.Group, ScimResourceTypes.Group.Schema);
        Assert.Empty(ScimResourceTypes.Group.Extensions);
    }

    [Fact]
    public void All_lists_every_schema_and_resource_type()
    {
        Assert.Equal([ScimConstants.UserSchema, ScimConstants.EnterpriseUserSchema, ScimConstants.GroupSchema], ScimSchemas.All.Select(s => s.Id));
        Assert.Equal(["User", "Group"], ScimResourceTypes.All.Select(t => t.Name));
    }

    [Theory]
    [InlineData(null, "userName", "userName", null)]
    [InlineData(null, "name", "name", "givenName")]
    [InlineData(null, "employeeNumber", "employeeNumber", null)]
    [InlineData(ScimConstants.EnterpriseUserSchema, "manager", "manager", "value")]
    [InlineData(ScimConstants.UserSchema, "emails", "emails", "value")]
    [InlineData(null, "meta", "meta", "lastModified")]
    [InlineData(null, "ID", "id", null)]
    public void Paths_resolve_against_the_user_resource_type(string? urn, string attribute, string expected, string? sub)
    {
        var resolved = ScimResourceTypes.User.Resolve(new ScimPath(urn, attribute, null, sub));

        Assert.NotNull(resolved);
        Assert.Equal(expected, resolved.Attribute.Name);
        Assert.Equal(sub, resolved.SubAttribute?.Name, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void Extension_attributes_resolve_as_extensions()
    {
        var employeeNumber = ScimResourceTypes.User.Resolve(new ScimPath(null, "employeeNumber", null, null))!;
        var userName = ScimResourceTypes.User.Resolve(new ScimPath(null, "userName", null, null))!;

        Assert.True(employeeNumber.IsExtension(ScimResourceTypes.User));
        Assert.False(userName.IsExtension(ScimResourceTypes.User));
    }

    [Theory]
    [InlineData(null, "nickname2", null)]
    [InlineData(null, "name", "nope")]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0User", "employeeNumber", null)]
    [InlineData(ScimConstants.GroupSchema, "displayName", null)]
    public void Unknown_paths_do_not_resolve(string? urn, string attribute, string? sub) =>
        Assert.Null(ScimResourceTypes.User.Resolve(new ScimPath(urn, attribute, null, sub)));
}
