using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrgIdentity.Scim.Tests;

public sealed class DiscoveryTests
{
    private static readonly Uri BaseUri = new("https://idp.example.com/scim/v2/");

    private static readonly HashSet<string> Types = ["string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"];
    private static readonly HashSet<string> Mutabilities = ["readOnly", "readWrite", "immutable", "writeOnly"];
    private static readonly HashSet<string> Returns = ["always", "never", "default", "request"];
    private static readonly HashSet<string> Uniquenesses = ["none", "server", "global"];

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"Expected {expected}\nbut got {actual?.ToJsonString()}");

    private static IEnumerable<JsonNode?> Descendants(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Descendants(p.Value).Prepend(p.Value)),
        JsonArray a => a.SelectMany(e => Descendants(e).Prepend(e)),
        _ => [],
    };

    private static JsonObject Attribute(JsonObject schema, string name) =>
        schema["attributes"]!.AsArray().Single(a => (string?)a!["name"] == name)!.AsObject();

    [Fact]
    public void Service_provider_config_tells_what_is_supported()
    {
        var options = new ScimServiceOptions
        {
            MaxCount = 200, SortSupported = false, ETagSupported = true, MaxPayloadSize = 65536,
            DocumentationUri = new Uri("https://idp.example.com/docs/scim"),
        };

        var config = ScimDiscovery.ServiceProviderConfig(options, BaseUri);

        AssertJson("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
              "documentationUri": "https://idp.example.com/docs/scim",
              "patch": { "supported": true },
              "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 65536 },
              "filter": { "supported": true, "maxResults": 200 },
              "changePassword": { "supported": false },
              "sort": { "supported": false },
              "etag": { "supported": true },
              "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with an OAuth 2.0 bearer token in the Authorization header.",
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                "primary": true
              }],
              "meta": { "resourceType": "ServiceProviderConfig", "location": "https://idp.example.com/scim/v2/ServiceProviderConfig" }
            }
            """, config);
    }

    [Fact]
    public void Service_provider_config_without_documentation_omits_it_and_follows_the_options()
    {
        var config = ScimDiscovery.ServiceProviderConfig(new ScimServiceOptions { ETagSupported = false }, new Uri("https://h/scim/v2"));

        Assert.False(config.ContainsKey("documentationUri"));
        Assert.True((bool?)config["sort"]!["supported"]);
        Assert.False((bool?)config["etag"]!["supported"]);
        Assert.Equal(1000, (int?)config["filter"]!["maxResults"]);
        Assert.Equal("https://h/scim/v2/ServiceProviderConfig", (string?)config["meta"]!["location"]);
    }

    [Fact]
    public void Schemas_is_a_list_response_with_user_enterprise_user_and_group()
    {
        // SCIM-INTEROP D1 (a ListResponse, not a bare array) and D3 (Group must be there).
        var list = ScimDiscovery.Schemas(ScimSchemas.All, BaseUri);

        AssertJson("""["urn:ietf:params:scim:api:messages:2.0:ListResponse"]""", list["schemas"]);
        Assert.Equal(3, (int?)list["totalResults"]);
        Assert.Equal(3, (int?)list["itemsPerPage"]);
        Assert.Equal(1, (int?)list["startIndex"]);
        Assert.Equal(
            [ScimConstants.UserSchema, ScimConstants.EnterpriseUserSchema, ScimConstants.GroupSchema],
            list["Resources"]!.AsArray().Select(r => (string?)r!["id"]));
    }

    [Fact]
    public void Resource_types_is_a_list_response_of_user_and_group()
    {
        var list = ScimDiscovery.ResourceTypes(ScimResourceTypes.All, BaseUri);

        AssertJson("""["urn:ietf:params:scim:api:messages:2.0:ListResponse"]""", list["schemas"]);
        Assert.Equal(2, (int?)list["totalResults"]);
        Assert.Equal(["User", "Group"], list["Resources"]!.AsArray().Select(r => (string?)r!["name"]));
    }

    [Fact]
    public void The_user_resource_type_names_its_schema_and_optional_extension()
    {
        var document = ScimDiscovery.ResourceType(ScimResourceTypes.User, BaseUri);

        AssertJson("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
              "id": "User",
              "name": "User",
              "endpoint": "/Users",
              "description": "User Account",
              "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
              "schemaExtensions": [{ "schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false }],
              "meta": { "resourceType": "ResourceType", "location": "https://idp.example.com/scim/v2/ResourceTypes/User" }
            }
            """, document);
    }

    [Fact]
    public void The_group_resource_type_has_no_extensions()
    {
        var document = ScimDiscovery.ResourceType(ScimResourceTypes.Group, BaseUri);

        Assert.False(document.ContainsKey("schemaExtensions"));
        Assert.Equal("/Groups", (string?)document["endpoint"]);
        Assert.Equal("https://idp.example.com/scim/v2/ResourceTypes/Group", (string?)document["meta"]!["location"]);
    }

    [Fact]
    public void A_schema_document_has_its_id_name_and_location()
    {
        var document = ScimDiscovery.Schema(ScimSchemas.EnterpriseUser, BaseUri);

        AssertJson("""["urn:ietf:params:scim:schemas:core:2.0:Schema"]""", document["schemas"]);
        Assert.Equal(ScimConstants.EnterpriseUserSchema, (string?)document["id"]);
        Assert.Equal("EnterpriseUser", (string?)document["name"]);
        AssertJson($$"""{ "resourceType": "Schema", "location": "https://idp.example.com/scim/v2/Schemas/{{ScimConstants.EnterpriseUserSchema}}" }""", document["meta"]);
    }

    [Fact]
    public void Attributes_carry_every_characteristic_in_camel_case()
    {
        var user = ScimDiscovery.Schema(ScimSchemas.User, BaseUri);

        AssertJson("""
            {
              "name": "userName", "type": "string", "multiValued": false,
              "description": "The unique identifier the user signs in with, unique per tenant whatever its case.",
              "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "server"
            }
            """, Attribute(user, "userName"));
        Assert.Equal("writeOnly", (string?)Attribute(user, "password")["mutability"]);
        Assert.Equal("never", (string?)Attribute(user, "password")["returned"]);
        Assert.Equal("readOnly", (string?)Attribute(user, "groups")["mutability"]);
        Assert.Equal("boolean", (string?)Attribute(user, "active")["type"]);
        Assert.Equal("reference", (string?)Attribute(user, "profileUrl")["type"]);
        AssertJson("""["external"]""", Attribute(user, "profileUrl")["referenceTypes"]);
    }

    [Fact]
    public void Complex_attributes_list_their_sub_attributes_and_canonical_values()
    {
        var user = ScimDiscovery.Schema(ScimSchemas.User, BaseUri);
        var emails = Attribute(user, "emails");

        Assert.Equal("complex", (string?)emails["type"]);
        Assert.True((bool?)emails["multiValued"]);
        Assert.Equal(["value", "type", "primary"], emails["subAttributes"]!.AsArray().Select(s => (string?)s!["name"]));
        AssertJson("""["work", "home", "other"]""", emails["subAttributes"]![1]!["canonicalValues"]);
        Assert.False(emails["subAttributes"]![0]!.AsObject().ContainsKey("canonicalValues"));
        Assert.False(Attribute(user, "userName").ContainsKey("subAttributes"));
    }

    [Fact]
    public void The_group_schema_lists_members_with_their_references()
    {
        var group = ScimDiscovery.Schema(ScimSchemas.Group, BaseUri);
        var members = Attribute(group, "members");
        var reference = members["subAttributes"]!.AsArray().Single(s => (string?)s!["name"] == "$ref")!;

        Assert.Equal("Group", (string?)group["name"]);
        AssertJson("""["User", "Group"]""", reference["referenceTypes"]);
        Assert.Equal("immutable", (string?)reference["mutability"]);
    }

    [Fact]
    public void Discovery_documents_contain_no_nulls_and_only_rfc_enum_values()
    {
        // SCIM-INTEROP D2: camelCase values, null properties omitted.
        JsonNode[] documents =
        [
            ScimDiscovery.Schemas(ScimSchemas.All, BaseUri),
            ScimDiscovery.ResourceTypes(ScimResourceTypes.All, BaseUri),
            ScimDiscovery.ServiceProviderConfig(new ScimServiceOptions(), BaseUri),
        ];

        foreach (var node in documents.SelectMany(d => Descendants(d)))
        {
            Assert.NotNull(node);
            if (node is JsonObject attribute && attribute.ContainsKey("mutability"))
            {
                Assert.Contains((string)attribute["type"]!, Types);
                Assert.Contains((string)attribute["mutability"]!, Mutabilities);
                Assert.Contains((string)attribute["returned"]!, Returns);
                Assert.Contains((string)attribute["uniqueness"]!, Uniquenesses);
                Assert.True(attribute["multiValued"]!.GetValueKind() is JsonValueKind.True or JsonValueKind.False);
                if (attribute["description"] is { } description)
                {
                    Assert.NotEqual("", (string?)description);
                }
            }
        }
    }

    [Fact]
    public void Discovery_documents_serialise_to_plain_json()
    {
        var text = ScimDiscovery.Schemas(ScimSchemas.All, BaseUri).ToJsonString();

        Assert.DoesNotContain("null", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"ReadWrite\"", text, StringComparison.Ordinal);
        Assert.Contains("\"readWrite\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_base_uri_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ScimDiscovery.Schema(ScimSchemas.User, new Uri("/scim/v2/", UriKind.Relative)));
    }
}
