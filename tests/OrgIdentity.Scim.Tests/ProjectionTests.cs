using System.Text.Json.Nodes;

namespace OrgIdentity.Scim.Tests;

public sealed class ProjectionTests
{
    private const string Enterprise = ScimConstants.EnterpriseUserSchema;

    private static JsonObject User() => JsonNode.Parse($$"""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"],
          "id": "2819c223",
          "externalId": "701984",
          "userName": "bjensen@example.com",
          "name": { "formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara" },
          "displayName": "Babs Jensen",
          "active": true,
          "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
          ],
          "groups": [{ "value": "e9e30dba", "display": "Tour Guides" }],
          "{{Enterprise}}": { "employeeNumber": "701984", "department": "Tour Operations", "manager": { "value": "26118915", "displayName": "John Smith" } },
          "meta": { "resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e\"", "location": "https://example.com/v2/Users/2819c223" }
        }
        """)!.AsObject();

    private static JsonObject Group() => JsonNode.Parse("""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
          "id": "e9e30dba",
          "displayName": "Tour Guides",
          "members": [{ "value": "2819c223", "display": "Babs Jensen", "type": "User" }],
          "meta": { "resourceType": "Group", "version": "W/\"1\"" }
        }
        """)!.AsObject();

    private static JsonObject Project(JsonObject resource, ScimResourceType type, string[] attributes, string[]? excluded = null) =>
        ScimProjection.Apply(resource, type, new ScimAttributeSelection(attributes, excluded ?? []));

    private static string[] Keys(JsonObject document) => [.. document.Select(p => p.Key)];

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"Expected {expected}\nbut got {actual?.ToJsonString()}");

    [Fact]
    public void The_default_selection_returns_everything_a_resource_has()
    {
        var user = User();

        var projected = ScimProjection.Apply(user, ScimResourceTypes.User, ScimAttributeSelection.Default);

        Assert.True(JsonNode.DeepEquals(user, projected));
        Assert.NotSame(user, projected);
    }

    [Fact]
    public void Never_attributes_are_never_returned_even_when_asked_for()
    {
        var user = User();
        user["password"] = "t1meMa$heen";

        var byDefault = ScimProjection.Apply(user, ScimResourceTypes.User, ScimAttributeSelection.Default);
        var asked = Project(user, ScimResourceTypes.User, ["password", "userName"]);

        Assert.False(byDefault.ContainsKey("password"));
        Assert.Equal(["schemas", "id", "userName"], Keys(asked));
    }

    [Fact]
    public void Attributes_returns_the_named_ones_plus_id_and_schemas()
    {
        // The MS suite's attributes=userName,emails (SCIM-INTEROP Q6).
        var projected = Project(User(), ScimResourceTypes.User, ["userName", "emails"]);

        Assert.Equal(["schemas", "id", "userName", "emails"], Keys(projected));
        Assert.Equal(2, projected["emails"]!.AsArray().Count);
        AssertJson("""["urn:ietf:params:scim:schemas:core:2.0:User"]""", projected["schemas"]);
    }

    [Fact]
    public void Meta_is_a_default_attribute_left_out_when_others_are_named_and_returned_when_named()
    {
        var without = Project(User(), ScimResourceTypes.User, ["userName"]);
        var with = Project(User(), ScimResourceTypes.User, ["userName", "meta.version"]);

        Assert.False(without.ContainsKey("meta"));
        AssertJson("""{ "version": "W/\"3694e05e\"" }""", with["meta"]);
    }

    [Fact]
    public void Names_are_case_insensitive_and_keep_the_document_spelling()
    {
        var projected = Project(User(), ScimResourceTypes.User, ["USERNAME", "Name.GivenName", "EMAILS.value"]);

        Assert.Equal(["schemas", "id", "userName", "name", "emails"], Keys(projected));
        AssertJson("""{ "givenName": "Barbara" }""", projected["name"]);
        AssertJson("""[{ "value": "bjensen@example.com" }, { "value": "babs@jensen.org" }]""", projected["emails"]);
    }

    [Fact]
    public void A_value_filter_in_attributes_selects_its_attribute()
    {
        // The MS suite sends attributes=emails[type eq "work"]; the bracket part is read as "emails" (SCIM-INTEROP Q6).
        var projected = Project(User(), ScimResourceTypes.User, ["emails[type eq \"work\"]"]);
        var sub = Project(User(), ScimResourceTypes.User, ["emails[type eq \"work\"].value"]);

        Assert.Equal(2, projected["emails"]!.AsArray().Count);
        AssertJson("""[{ "value": "bjensen@example.com" }, { "value": "babs@jensen.org" }]""", sub["emails"]);
    }

    [Fact]
    public void Urn_qualified_attributes_select_inside_their_schema()
    {
        var projected = Project(User(), ScimResourceTypes.User, [$"{Enterprise}:department", "urn:ietf:params:scim:schemas:core:2.0:User:userName"]);

        Assert.Equal(["schemas", "id", "userName", Enterprise], Keys(projected));
        AssertJson("""{ "department": "Tour Operations" }""", projected[Enterprise]);
        AssertJson($$"""["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"]""", projected["schemas"]);
    }

    [Fact]
    public void Urn_qualified_sub_attributes_select_one_part()
    {
        var projected = Project(User(), ScimResourceTypes.User, [$"{Enterprise}:manager.value"]);

        AssertJson("""{ "manager": { "value": "26118915" } }""", projected[Enterprise]);
    }

    [Fact]
    public void A_bare_extension_urn_means_the_whole_extension()
    {
        var selected = Project(User(), ScimResourceTypes.User, [Enterprise.ToUpperInvariant()]);
        var excluded = Project(User(), ScimResourceTypes.User, [], [Enterprise]);

        Assert.Equal(["schemas", "id", Enterprise], Keys(selected));
        Assert.True(JsonNode.DeepEquals(User()[Enterprise], selected[Enterprise]));
        Assert.False(excluded.ContainsKey(Enterprise));
        AssertJson("""["urn:ietf:params:scim:schemas:core:2.0:User"]""", excluded["schemas"]);
        Assert.True(excluded.ContainsKey("userName"));
    }

    [Fact]
    public void Excluding_members_leaves_the_rest_of_a_group()
    {
        // Entra: GET /Groups/{id}?excludedAttributes=members (SCIM-INTEROP Q6).
        var projected = Project(Group(), ScimResourceTypes.Group, [], ["members"]);

        Assert.Equal(["schemas", "id", "displayName", "meta"], Keys(projected));
    }

    [Fact]
    public void Excluding_a_sub_attribute_removes_it_from_every_element()
    {
        var projected = Project(User(), ScimResourceTypes.User, [], ["emails.primary", "name.formatted", "Name.FamilyName", "name.givenName"]);

        AssertJson("""[{ "value": "bjensen@example.com", "type": "work" }, { "value": "babs@jensen.org", "type": "home" }]""", projected["emails"]);
        Assert.False(projected.ContainsKey("name"));
    }

    [Fact]
    public void Always_attributes_cannot_be_excluded()
    {
        var projected = Project(User(), ScimResourceTypes.User, [], ["id", "schemas", "userName"]);

        Assert.Equal("2819c223", (string?)projected["id"]);
        Assert.True(projected.ContainsKey("schemas"));
        Assert.False(projected.ContainsKey("userName"));
    }

    [Fact]
    public void Request_attributes_appear_only_when_named()
    {
        var type = ScimResourceTypes.User with
        {
            Schema = ScimSchemas.User with
            {
                Attributes = [.. ScimSchemas.User.Attributes.Select(a => a.Name == "title" ? a with { Returned = ScimReturned.Request } : a)],
            },
        };
        var user = User();
        user["title"] = "Tour Guide";

        var byDefault = ScimProjection.Apply(user, type, ScimAttributeSelection.Default);
        var asked = Project(user, type, ["title"]);

        Assert.False(byDefault.ContainsKey("title"));
        Assert.Equal("Tour Guide", (string?)asked["title"]);
    }

    [Fact]
    public void Sub_attribute_returned_rules_apply_inside_complex_values()
    {
        var name = ScimSchemas.User.FindAttribute("name")!;
        var strictName = name with
        {
            SubAttributes =
            [
                .. name.SubAttributes.Select(s => s.Name switch
                {
                    "formatted" => s with { Returned = ScimReturned.Always },
                    "familyName" => s with { Returned = ScimReturned.Never },
                    "givenName" => s with { Returned = ScimReturned.Request },
                    _ => s,
                }),
            ],
        };
        var type = ScimResourceTypes.User with
        {
            Schema = ScimSchemas.User with { Attributes = [.. ScimSchemas.User.Attributes.Select(a => a.Name == "name" ? strictName : a)] },
        };

        var byDefault = ScimProjection.Apply(User(), type, ScimAttributeSelection.Default);
        var givenName = Project(User(), type, ["name.givenName"]);
        var excludedFormatted = Project(User(), type, [], ["name.formatted"]);

        AssertJson("""{ "formatted": "Ms. Barbara J Jensen III" }""", byDefault["name"]);
        AssertJson("""{ "formatted": "Ms. Barbara J Jensen III", "givenName": "Barbara" }""", givenName["name"]);
        AssertJson("""{ "formatted": "Ms. Barbara J Jensen III" }""", excludedFormatted["name"]);
    }

    [Fact]
    public void Unknown_names_are_ignored()
    {
        var attributes = Project(User(), ScimResourceTypes.User, ["userName", "shoeSize", "name.shoeSize", "urn:example:x:1.0:User:y", "emails[type eq \"work\"", ""]);
        var excluded = Project(User(), ScimResourceTypes.User, [], ["shoeSize", "urn:example:x:1.0:User"]);

        Assert.Equal(["schemas", "id", "userName"], Keys(attributes));
        Assert.True(JsonNode.DeepEquals(User(), excluded));
    }

    [Fact]
    public void When_both_lists_are_given_attributes_select_then_excludedAttributes_remove()
    {
        var projected = Project(User(), ScimResourceTypes.User, ["name", "emails"], ["name.formatted", "emails"]);

        Assert.Equal(["schemas", "id", "name"], Keys(projected));
        AssertJson("""{ "familyName": "Jensen", "givenName": "Barbara" }""", projected["name"]);
    }

    [Fact]
    public void The_resource_is_never_changed()
    {
        var user = User();
        var before = user.ToJsonString();

        Project(user, ScimResourceTypes.User, ["emails.value", $"{Enterprise}:manager.value"], ["name"]);
        Project(user, ScimResourceTypes.User, [], ["emails.type", Enterprise]);

        Assert.Equal(before, user.ToJsonString());
    }

    [Fact]
    public void Common_attributes_can_be_selected()
    {
        var projected = Project(User(), ScimResourceTypes.User, ["externalId", "meta"]);

        Assert.Equal(["schemas", "id", "externalId", "meta"], Keys(projected));
    }

    [Fact]
    public void Read_only_groups_of_a_user_are_returned_by_default_and_can_be_excluded()
    {
        var byDefault = ScimProjection.Apply(User(), ScimResourceTypes.User, ScimAttributeSelection.Default);
        var excluded = Project(User(), ScimResourceTypes.User, [], ["groups"]);

        Assert.True(byDefault.ContainsKey("groups"));
        Assert.False(excluded.ContainsKey("groups"));
    }
}
