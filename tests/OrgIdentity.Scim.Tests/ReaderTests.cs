using System.Text.Json.Nodes;

namespace OrgIdentity.Scim.Tests;

public sealed class ReaderTests
{
    private const string Enterprise = ScimConstants.EnterpriseUserSchema;

    private static JsonObject ReadUser(string json) =>
        ScimResourceReader.Read(ScimResourceReader.ParseJson(json), ScimResourceTypes.User);

    private static JsonObject ReadGroup(string json) =>
        ScimResourceReader.Read(ScimResourceReader.ParseJson(json), ScimResourceTypes.Group);

    private static ScimException Refused(Action read)
    {
        var exception = Assert.Throws<ScimException>(read);
        Assert.Equal(400, exception.Status);
        return exception;
    }

    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"Expected {expected}\nbut got {actual.ToJsonString()}");

    [Fact]
    public void Entra_user_post_with_the_typo_schema_explicit_nulls_meta_and_empty_roles_is_read()
    {
        // The shape of Entra's user POST (SCIM-INTEROP §1.4): the misspelled enterprise URN in schemas, explicit nulls,
        // client meta, roles:[] and a null manager in the extension.
        var document = ReadUser("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
              "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
              "userName": "Test_User_ab6490ee@testuser.com",
              "active": true,
              "addresses": null,
              "displayName": "Test User",
              "emails": [{ "primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com" }],
              "meta": { "resourceType": "User" },
              "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
              "roles": [],
              "title": null,
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": "701984", "department": null, "manager": null }
            }
            """);

        AssertJson($$"""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"],
              "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
              "userName": "Test_User_ab6490ee@testuser.com",
              "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
              "displayName": "Test User",
              "active": true,
              "emails": [{ "value": "Test_User_fd0ea19b@testuser.com", "type": "work", "primary": true }],
              "{{Enterprise}}": { "employeeNumber": "701984" }
            }
            """, document);
    }

    [Fact]
    public void Entra_group_post_with_the_ADSCIM_schema_uri_is_read()
    {
        var document = ReadGroup("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
              "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
              "displayName": "Group1DisplayName",
              "meta": { "resourceType": "Group" },
              "members": [{ "value": "7d2a4d4f", "display": "Someone", "$ref": null }]
            }
            """);

        AssertJson("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
              "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
              "displayName": "Group1DisplayName",
              "members": [{ "value": "7d2a4d4f" }]
            }
            """, document);
    }

    [Fact]
    public void Okta_user_post_drops_the_password_and_empty_groups()
    {
        // Okta's create request (SCIM-INTEROP §1.4): displayName, locale, externalId, groups:[] and a password.
        var document = ReadUser("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
              "userName": "test.user@okta.local",
              "name": { "givenName": "Test", "familyName": "User" },
              "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work" }],
              "displayName": "Test User",
              "locale": "en-US",
              "externalId": "00ujl29u0le5T6Aj10h7",
              "groups": [],
              "password": "1mz050nq",
              "active": true
            }
            """);

        Assert.False(document.ContainsKey("password"));
        Assert.False(document.ContainsKey("groups"));
        Assert.Equal("test.user@okta.local", (string?)document["userName"]);
        Assert.Equal("en-US", (string?)document["locale"]);
        Assert.Equal("00ujl29u0le5T6Aj10h7", (string?)document["externalId"]);
        Assert.Equal("Test", (string?)document["name"]!["givenName"]);
        Assert.True((bool?)document["active"]);
    }

    [Fact]
    public void Okta_put_with_id_meta_and_groups_keeps_only_writable_attributes()
    {
        // SCIM-INTEROP §1.5: Okta GETs then PUTs the whole body back, read-only attributes included.
        var document = ReadUser("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
              "id": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
              "userName": "test.user@okta.local",
              "name": { "givenName": "Another", "familyName": "User" },
              "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work" }],
              "active": false,
              "groups": [{ "value": "g1", "display": "Group One" }],
              "meta": { "resourceType": "User", "created": "2024-01-01T00:00:00Z", "location": "https://x/Users/23a35c27" }
            }
            """);

        Assert.False(document.ContainsKey("id"));
        Assert.False(document.ContainsKey("meta"));
        Assert.False(document.ContainsKey("groups"));
        Assert.False((bool?)document["active"]);
        Assert.Equal("Another", (string?)document["name"]!["givenName"]);
    }

    [Theory]
    [InlineData("\"True\"", true)]
    [InlineData("\"False\"", false)]
    [InlineData("\"true\"", true)]
    [InlineData("\"FALSE\"", false)]
    [InlineData("true", true)]
    public void Booleans_are_read_from_strings_in_any_case(string active, bool expected)
    {
        // The MS test suite posts "active":"True" and expects active:true (SCIM-INTEROP §1.4).
        var document = ReadUser($$"""{ "userName": "u", "active": {{active}} }""");

        Assert.Equal(expected, (bool?)document["active"]);
    }

    [Fact]
    public void Boolean_sub_attributes_such_as_primary_are_read_from_strings()
    {
        var document = ReadUser("""{ "userName": "u", "emails": [{ "value": "a@b.c", "primary": "true" }] }""");

        Assert.True((bool?)document["emails"]![0]!["primary"]);
    }

    [Fact]
    public void Attribute_and_sub_attribute_names_match_in_any_case_and_are_rewritten()
    {
        var document = ReadUser("""
            { "USERNAME": "u", "Name": { "GivenName": "Barbara" }, "Emails": [{ "VALUE": "a@b.c", "Type": "work" }], "ExternalID": "x1" }
            """);

        AssertJson("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
              "externalId": "x1",
              "userName": "u",
              "name": { "givenName": "Barbara" },
              "emails": [{ "value": "a@b.c", "type": "work" }]
            }
            """, document);
    }

    [Fact]
    public void Extension_attributes_are_read_under_their_urn_whatever_its_case_and_their_names()
    {
        var document = ReadUser("""
            { "userName": "u", "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": { "Department": "Sales" } }
            """);

        AssertJson($$"""
            { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"], "userName": "u", "{{Enterprise}}": { "department": "Sales" } }
            """, document);
    }

    [Fact]
    public void Urn_qualified_top_level_keys_go_into_their_schema()
    {
        var document = ReadUser("""
            {
              "urn:ietf:params:scim:schemas:core:2.0:User:userName": "u",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "costCenter": "CC1" }
            }
            """);

        Assert.Equal("u", (string?)document["userName"]);
        AssertJson("""{ "employeeNumber": "42", "costCenter": "CC1" }""", document[Enterprise]!);
    }

    [Fact]
    public void Bare_extension_attribute_names_at_the_top_level_go_into_their_extension()
    {
        var document = ReadUser("""{ "userName": "u", "department": "Sales" }""");

        Assert.Equal("Sales", (string?)document[Enterprise]!["department"]);
        Assert.False(document.ContainsKey("department"));
    }

    [Fact]
    public void Dotted_keys_set_one_sub_attribute()
    {
        var document = ReadUser("""{ "userName": "u", "name.givenName": "Barbara", "name.familyName": "Jensen" }""");

        AssertJson("""{ "givenName": "Barbara", "familyName": "Jensen" }""", document["name"]!);
    }

    [Theory]
    [InlineData("\"7d2a4d4f\"")]
    [InlineData("{ \"value\": \"7d2a4d4f\" }")]
    [InlineData("[{ \"value\": \"7d2a4d4f\", \"$ref\": null }]")]
    [InlineData("{ \"value\": \"7d2a4d4f\", \"displayName\": \"read-only, dropped\" }")]
    public void Manager_is_read_from_a_string_an_object_or_a_one_element_array(string manager)
    {
        // SCIM-INTEROP P8.
        var document = ReadUser($$"""{ "userName": "u", "{{Enterprise}}": { "manager": {{manager}} } }""");

        AssertJson("""{ "manager": { "value": "7d2a4d4f" } }""", document[Enterprise]!);
    }

    [Fact]
    public void An_empty_manager_is_unassigned()
    {
        var document = ReadUser($$"""{ "userName": "u", "{{Enterprise}}": { "manager": "" } }""");

        Assert.False(document.ContainsKey(Enterprise));
        Assert.Equal(new JsonArray(ScimConstants.UserSchema).ToJsonString(), document["schemas"]!.ToJsonString());
    }

    [Fact]
    public void Empty_strings_nulls_empty_arrays_and_empty_objects_are_unassigned()
    {
        var document = ReadUser("""
            { "userName": "u", "title": "", "nickName": null, "phoneNumbers": [], "name": { "givenName": "", "familyName": null }, "emails": [null, { "value": "" }] }
            """);

        AssertJson("""{ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u" }""", document);
    }

    [Fact]
    public void A_single_object_for_a_multi_valued_attribute_becomes_a_one_element_array()
    {
        var document = ReadUser("""{ "userName": "u", "emails": { "value": "a@b.c", "type": "work" } }""");

        AssertJson("""[{ "value": "a@b.c", "type": "work" }]""", document["emails"]!);
    }

    [Fact]
    public void Unknown_attributes_sub_attributes_and_urns_are_ignored()
    {
        var document = ReadUser("""
            {
              "userName": "u", "usrNme": "typo", "emails": [{ "value": "a@b.c", "display": "A" }],
              "urn:example:custom:1.0:User": { "shoeSize": 44 },
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0User": { "department": "typo URN" }
            }
            """);

        AssertJson("""
            { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u", "emails": [{ "value": "a@b.c" }] }
            """, document);
    }

    [Fact]
    public void Numbers_for_string_attributes_are_kept_as_their_text()
    {
        var document = ReadUser($$"""{ "userName": "u", "externalId": 1234, "{{Enterprise}}": { "employeeNumber": 701984 } }""");

        Assert.Equal("1234", (string?)document["externalId"]);
        Assert.Equal("701984", (string?)document[Enterprise]!["employeeNumber"]);
    }

    [Fact]
    public void Values_are_kept_as_sent()
    {
        var document = ReadUser("""{ "userName": "Bjensen@Example.COM", "phoneNumbers": [{ "value": "+1 (555) 555-5555", "type": "work" }] }""");

        Assert.Equal("Bjensen@Example.COM", (string?)document["userName"]);
        Assert.Equal("+1 (555) 555-5555", (string?)document["phoneNumbers"]![0]!["value"]);
    }

    [Fact]
    public void The_body_is_not_changed()
    {
        var body = ScimResourceReader.ParseJson("""{ "userName": "u", "id": "1", "Name": { "givenName": "B" }, "emails": { "value": "a@b.c" } }""");
        var before = body.ToJsonString();

        ScimResourceReader.Read(body, ScimResourceTypes.User);

        Assert.Equal(before, body.ToJsonString());
    }

    [Theory]
    [InlineData("""{ "userName": "u", "name": "Barbara Jensen" }""", "'name' must be an object, not a string.")]
    [InlineData("""{ "userName": { "value": "u" } }""", "'userName' must be a string, not an object.")]
    [InlineData("""{ "userName": "u", "active": 1 }""", "'active' must be a boolean, not a number.")]
    [InlineData("""{ "userName": "u", "active": "yes" }""", "'active' must be a boolean, not a string.")]
    [InlineData("""{ "userName": "u", "emails": ["a@b.c"] }""", "'emails' must be an object, not a string.")]
    [InlineData("""{ "userName": "u", "emails": [{ "value": ["a@b.c"] }] }""", "'emails.value' must be a string, not an array.")]
    [InlineData("""{ "userName": "u", "emails": [{ "value": "a@b.c", "primary": "1" }] }""", "'emails.primary' must be a boolean, not a string.")]
    [InlineData("""{ "userName": true }""", "'userName' must be a string, not a boolean.")]
    [InlineData("""{ "userName": "u", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "Sales" }""", "'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' must be an object of the schema's attributes.")]
    [InlineData("""{ "userName": "u", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "manager": { "value": {} } } }""", "'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value' must be a string, not an object.")]
    public void Values_of_the_wrong_type_are_invalid_values_naming_the_attribute(string json, string detail)
    {
        var exception = Refused(() => ReadUser(json));

        Assert.Equal(ScimErrorType.InvalidValue, exception.ScimType);
        Assert.Equal(detail, exception.Detail);
    }

    [Theory]
    [InlineData("""{ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "name": { "givenName": "B" } }""")]
    [InlineData("""{ "userName": "" }""")]
    [InlineData("""{ "userName": null }""")]
    [InlineData("""{ "id": "1", "meta": { "resourceType": "User" } }""")]
    public void A_user_without_userName_is_an_invalid_value(string json)
    {
        var exception = Refused(() => ReadUser(json));

        Assert.Equal(ScimErrorType.InvalidValue, exception.ScimType);
        Assert.Equal("'userName' is required.", exception.Detail);
    }

    [Fact]
    public void A_group_without_displayName_is_an_invalid_value()
    {
        var exception = Refused(() => ReadGroup("""{ "members": [{ "value": "1" }] }"""));

        Assert.Equal(ScimErrorType.InvalidValue, exception.ScimType);
        Assert.Equal("'displayName' is required.", exception.Detail);
    }

    [Fact]
    public void One_attribute_given_twice_in_different_cases_is_an_invalid_value()
    {
        var exception = Refused(() => ReadUser("""{ "userName": "a", "UserName": "b" }"""));

        Assert.Equal(ScimErrorType.InvalidValue, exception.ScimType);
        Assert.Contains("'userName' is given more than once", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_required_extension_must_be_present()
    {
        var type = ScimResourceTypes.User with
        {
            Extensions = [new ScimSchemaExtension(ScimSchemas.EnterpriseUser, Required: true)],
        };

        var exception = Refused(() => ScimResourceReader.Read(JsonNode.Parse("""{ "userName": "u" }""")!, type));

        Assert.Equal(ScimErrorType.InvalidValue, exception.ScimType);
        Assert.Contains(ScimConstants.EnterpriseUserSchema, exception.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "The request body is empty; a JSON object was expected.")]
    [InlineData("", "The request body is empty; a JSON object was expected.")]
    [InlineData("  ", "The request body is empty; a JSON object was expected.")]
    [InlineData("[1, 2]", "The request body must be a JSON object, not array.")]
    [InlineData("\"text\"", "The request body must be a JSON object, not string.")]
    [InlineData("null", "The request body must be a JSON object, not null.")]
    public void Bodies_that_are_not_json_objects_are_invalid_syntax(string? body, string detail)
    {
        var exception = Refused(() => ScimResourceReader.ParseJson(body));

        Assert.Equal(ScimErrorType.InvalidSyntax, exception.ScimType);
        Assert.Equal(detail, exception.Detail);
    }

    [Fact]
    public void Malformed_json_is_invalid_syntax_saying_where()
    {
        var exception = Refused(() => ScimResourceReader.ParseJson("{\n  \"userName\": \"u\",\n  \"active\": tru\n}"));

        Assert.Equal(ScimErrorType.InvalidSyntax, exception.ScimType);
        Assert.StartsWith("The request body cannot be read at line 3, column ", exception.Detail, StringComparison.Ordinal);
        Assert.EndsWith("it is not valid JSON.", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_nested_deeper_than_64_levels_is_invalid_syntax()
    {
        var body = "{\"a\":" + string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100)) + "}";

        var exception = Refused(() => ScimResourceReader.ParseJson(body));

        Assert.Equal(ScimErrorType.InvalidSyntax, exception.ScimType);
        Assert.Contains("deeper than 64 levels", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_values_under_unknown_names_are_ignored_and_under_known_names_refused()
    {
        var nested = string.Concat(Enumerable.Repeat("{\"x\":", 60)) + "1" + string.Concat(Enumerable.Repeat("}", 60));

        var ignored = ReadUser($$"""{ "userName": "u", "name": {{nested}}, "emails": [{{nested}}], "unknown": {{nested}} }""");
        var exception = Refused(() => ReadUser($$"""{ "userName": "u", "name": { "givenName": {{nested}} } }"""));

        AssertJson("""{ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u" }""", ignored);
        Assert.Equal(ScimErrorType.InvalidValue, exception.ScimType);
        Assert.Equal("'name.givenName' must be a string, not an object.", exception.Detail);
    }

    [Fact]
    public void A_body_that_is_not_an_object_is_refused_by_Read_too()
    {
        var exception = Refused(() => ScimResourceReader.Read(new JsonArray(), ScimResourceTypes.User));

        Assert.Equal(ScimErrorType.InvalidSyntax, exception.ScimType);
    }

    [Theory]
    [InlineData("{\"userName\": \"a\", \"userName\": \"b\"}")]
    [InlineData("{\"userName\": \"a\", \"name\": { \"givenName\": \"x\", \"givenName\": \"y\" } }")]
    public void Json_with_a_property_name_twice_is_invalid_syntax(string body)
    {
        var exception = Refused(() => ScimResourceReader.ParseJson(body));

        Assert.Equal(ScimErrorType.InvalidSyntax, exception.ScimType);
        Assert.Contains("the same property name twice", exception.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Integer_decimal_and_date_time_attributes_are_read_and_checked()
    {
        var schema = new ScimSchema
        {
            Id = "urn:example:scim:schemas:core:1.0:Device",
            Name = "Device",
            Attributes =
            [
                new() { Name = "serial", Required = true },
                new() { Name = "ports", Type = ScimAttributeType.Integer },
                new() { Name = "weight", Type = ScimAttributeType.Decimal },
                new() { Name = "installed", Type = ScimAttributeType.DateTime },
                new() { Name = "tags", MultiValued = true },
            ],
        };
        var type = new ScimResourceType { Name = "Device", Endpoint = "/Devices", Schema = schema };

        var read = ScimResourceReader.Read(
            JsonNode.Parse("""{ "serial": "s1", "ports": "4", "weight": "1.5", "installed": "2024-05-01T10:00:00Z", "tags": "one" }""")!, type);
        var fromCode = ScimResourceReader.Read(new JsonObject { ["serial"] = JsonValue.Create(Guid.Empty), ["ports"] = 8 }, type);
        var badInteger = Refused(() => ScimResourceReader.Read(JsonNode.Parse("""{ "serial": "s1", "ports": 1.5 }""")!, type));
        var badDate = Refused(() => ScimResourceReader.Read(JsonNode.Parse("""{ "serial": "s1", "installed": "yesterday" }""")!, type));

        AssertJson("""
            { "schemas": ["urn:example:scim:schemas:core:1.0:Device"], "serial": "s1", "ports": 4, "weight": 1.5, "installed": "2024-05-01T10:00:00Z", "tags": ["one"] }
            """, read);
        Assert.Equal(Guid.Empty.ToString(), (string?)fromCode["serial"]);
        Assert.Equal(8, (long?)fromCode["ports"]);
        Assert.Equal("'ports' must be an integer, not a number.", badInteger.Detail);
        Assert.Equal("'installed' must be a date and time (xsd:dateTime), not a string.", badDate.Detail);
    }
}
