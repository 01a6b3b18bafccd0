using System.Text.Json.Nodes;

namespace OrgIdentity.Scim.Tests;

/// <summary>
/// <see cref="ScimRequestHandler"/> end to end over an in-memory store: the answers Entra and Okta rely on
/// (SCIM-INTEROP §1), routing, paging, ETags and errors as SCIM bodies.
/// </summary>
public sealed class ProtocolHandlerTests
{
    private static readonly Uri BaseUri = new("https://idp.example/scim/v2/");

    private const string EmptyList =
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}""";

    // What Entra posts (INTEROP §1.4): a schema URN typo, explicit nulls, roles:[], client meta, a password from Okta.
    private const string EntraUser = """
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
          "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
          "userName": "Test_User_ab6490ee@example.com",
          "active": "True",
          "emails": [{ "primary": true, "type": "work", "value": "Test_User_ab6490ee@example.com" }],
          "meta": { "resourceType": "User" },
          "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
          "roles": [],
          "addresses": null,
          "title": null,
          "password": "t1meMa$heen"
        }
        """;

    private readonly ProtocolHandlerTestStore users = new(ScimResourceTypes.User);
    private readonly ProtocolHandlerTestStore groups = new(ScimResourceTypes.Group);
    private readonly ScimRequestHandler handler = new(new ScimServiceOptions { DefaultCount = 20, MaxCount = 50 });

    private Task<ScimResponse> Send(string method, string pathAndQuery, string? body = null, string? ifMatch = null, string? ifNoneMatch = null)
    {
        var question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? pathAndQuery : pathAndQuery[..question];
        var query = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (question >= 0)
        {
            foreach (var pair in pathAndQuery[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                query[Uri.UnescapeDataString(pair[..equals])] = Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            }
        }

        return handler.HandleAsync(new ScimRequest(method, path, query, body, ifMatch, ifNoneMatch, BaseUri), users, groups, TestContext.Current.CancellationToken);
    }

    private async Task<JsonObject> CreateUser(string userName)
    {
        var response = await Send("POST", "/Users", $$"""{"userName":"{{userName}}","displayName":"{{userName}} Display"}""");
        Assert.Equal(201, response.Status);
        return response.Body!;
    }

    private async Task<JsonObject> CreateGroup(string displayName, params string[] memberIds)
    {
        var members = string.Join(',', memberIds.Select(id => $$"""{"value":"{{id}}"}"""));
        var response = await Send("POST", "/Groups", $$"""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"{{displayName}}","members":[{{members}}]}""");
        Assert.Equal(201, response.Status);
        return response.Body!;
    }

    private static void AssertError(ScimResponse response, int status, string? scimType)
    {
        Assert.Equal(status, response.Status);
        var body = Assert.IsType<JsonObject>(response.Body);
        Assert.Equal(ScimConstants.ErrorSchema, body["schemas"]![0]!.GetValue<string>());
        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), body["status"]!.GetValue<string>());
        Assert.Equal(scimType, body["scimType"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(body["detail"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Creating_an_Entra_user_answers_201_with_location_etag_and_the_full_resource()
    {
        var response = await Send("POST", "/Users", EntraUser);

        Assert.Equal(201, response.Status);
        var user = response.Body!;
        var id = user["id"]!.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal($"https://idp.example/scim/v2/Users/{id}", response.Headers["Location"]);
        Assert.Equal(response.Headers["Location"], user["meta"]!["location"]!.GetValue<string>());
        Assert.Equal(response.Headers["ETag"], user["meta"]!["version"]!.GetValue<string>());
        Assert.Equal("User", user["meta"]!["resourceType"]!.GetValue<string>());
        Assert.NotNull(user["meta"]!["created"]);
        Assert.NotNull(user["meta"]!["lastModified"]);
        Assert.Equal("Test_User_ab6490ee@example.com", user["userName"]!.GetValue<string>());
        Assert.True(user["active"]!.GetValue<bool>());
        Assert.Equal("Test_User_ab6490ee@example.com", user["emails"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("givenName", user["name"]!["givenName"]!.GetValue<string>());
        Assert.Equal([ScimConstants.UserSchema], user["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.False(user.ContainsKey("password"));
        Assert.False(user.ContainsKey("title"));
        Assert.DoesNotContain("t1meMa$heen", user.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("t1meMa$heen", users.Single().Document.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_base_url_without_a_trailing_slash_keeps_its_last_segment_in_locations()
    {
        var request = new ScimRequest("POST", "/Users", new Dictionary<string, string?>(), """{"userName":"bjensen"}""", null, null, new Uri("https://idp.example/scim/v2"));

        var response = await handler.HandleAsync(request, users, groups, TestContext.Current.CancellationToken);

        Assert.Equal("https://idp.example/scim/v2/Users/user-1", response.Headers["Location"]);
        Assert.Equal("https://idp.example/scim/v2/Users/user-1", response.Body!["meta"]!["location"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_second_user_with_the_same_userName_in_another_case_is_a_409_uniqueness()
    {
        await CreateUser("bjensen@example.com");

        AssertError(await Send("POST", "/Users", """{"userName":"BJensen@Example.com"}"""), 409, "uniqueness");
    }

    [Fact]
    public async Task Malformed_JSON_is_invalidSyntax_and_a_missing_userName_is_invalidValue()
    {
        AssertError(await Send("POST", "/Users", """{"userName": """), 400, "invalidSyntax");
        AssertError(await Send("POST", "/Users", ""), 400, "invalidSyntax");
        AssertError(await Send("POST", "/Users", """{"displayName":"No Name"}"""), 400, "invalidValue");
        AssertError(await Send("POST", "/Groups", """{"members":[]}"""), 400, "invalidValue");
    }

    [Fact]
    public async Task A_filter_that_matches_nothing_is_200_and_exactly_the_empty_list()
    {
        await CreateUser("bjensen@example.com");

        var response = await Send("GET", "/Users?filter=userName+eq+%22" + Guid.NewGuid() + "%22");

        Assert.Equal(200, response.Status);
        Assert.Equal(EmptyList, response.Body!.ToJsonString());
    }

    [Fact]
    public async Task A_filter_hit_is_a_list_of_one_with_integer_counts()
    {
        await CreateUser("bjensen@example.com");
        await CreateUser("jsmith@example.com");

        var response = await Send("GET", "/Users?filter=userName%20eq%20%22BJENSEN@example.com%22");

        Assert.Equal(200, response.Status);
        var list = response.Body!;
        Assert.Equal(1, list["totalResults"]!.GetValue<int>());
        Assert.Equal(1, list["itemsPerPage"]!.GetValue<int>());
        Assert.Equal(1, list["startIndex"]!.GetValue<int>());
        Assert.Equal("bjensen@example.com", list["Resources"]![0]!["userName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pages_of_five_echo_their_start_index_and_stay_in_a_stable_order()
    {
        // INTEROP §1.8: Entra's gallery test pages with count=5 over at least 11 users and asserts startIndex == page*5+1.
        for (var i = 0; i < 11; i++)
        {
            await CreateUser($"user{i:00}@example.com");
        }

        var seen = new List<string>();
        foreach (var (startIndex, expectedItems) in new[] { (1, 5), (6, 5), (11, 1) })
        {
            var page = (await Send("GET", $"/Users?startIndex={startIndex}&count=5")).Body!;
            Assert.Equal(11, page["totalResults"]!.GetValue<int>());
            Assert.Equal(startIndex, page["startIndex"]!.GetValue<int>());
            Assert.Equal(expectedItems, page["itemsPerPage"]!.GetValue<int>());
            seen.AddRange(page["Resources"]!.AsArray().Select(r => r!["userName"]!.GetValue<string>()));
        }

        Assert.Equal(Enumerable.Range(0, 11).Select(i => $"user{i:00}@example.com"), seen);
    }

    [Fact]
    public async Task Count_zero_gives_the_total_only_and_out_of_range_values_are_clamped()
    {
        await CreateUser("a@example.com");
        await CreateUser("b@example.com");

        var totals = (await Send("GET", "/Users?count=0")).Body!;
        Assert.Equal(2, totals["totalResults"]!.GetValue<int>());
        Assert.Equal(0, totals["itemsPerPage"]!.GetValue<int>());
        Assert.Empty(totals["Resources"]!.AsArray());

        var clamped = (await Send("GET", "/Users?startIndex=0&count=-3")).Body!;
        Assert.Equal(1, clamped["startIndex"]!.GetValue<int>());
        Assert.Equal(0, clamped["itemsPerPage"]!.GetValue<int>());

        // A count above the maximum is lowered to it (RFC 7644 §3.4.2.4); no count means the default page size.
        await Send("GET", "/Users?count=5000");
        Assert.Equal(50, users.LastQuery!.Count);
        await Send("GET", "/Users");
        Assert.Equal(20, users.LastQuery.Count);
    }

    [Fact]
    public async Task Search_requests_run_like_queries()
    {
        await CreateUser("bjensen@example.com");

        var response = await Send("POST", "/Users/.search", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"bjensen@example.com\"","attributes":["userName"],"startIndex":1,"count":10}""");

        Assert.Equal(200, response.Status);
        var hit = Assert.IsType<JsonObject>(Assert.Single(response.Body!["Resources"]!.AsArray()));
        Assert.Equal("bjensen@example.com", hit["userName"]!.GetValue<string>());
        Assert.False(hit.ContainsKey("displayName"));
        Assert.True(hit.ContainsKey("id"));
    }

    [Fact]
    public async Task An_invalid_filter_is_400_invalidFilter() =>
        AssertError(await Send("GET", "/Users?filter=userName+eq"), 400, "invalidFilter");

    [Fact]
    public async Task Attributes_and_excludedAttributes_shape_every_response()
    {
        var created = await CreateUser("bjensen@example.com");
        var id = created["id"]!.GetValue<string>();

        var only = (await Send("GET", $"/Users/{id}?attributes=userName")).Body!;
        Assert.Equal(["id", "schemas", "userName"], only.Select(p => p.Key).Order(StringComparer.Ordinal));

        var group = await CreateGroup("Admins", id);
        var groupId = group["id"]!.GetValue<string>();
        var withoutMembers = (await Send("GET", $"/Groups/{groupId}?excludedAttributes=members")).Body!;
        Assert.False(withoutMembers.ContainsKey("members"));
        Assert.Equal("Admins", withoutMembers["displayName"]!.GetValue<string>());
        Assert.Equal(groupId, withoutMembers["id"]!.GetValue<string>());

        var listed = (await Send("GET", "/Groups?filter=displayName+eq+%22Admins%22&excludedAttributes=members")).Body!;
        Assert.False(listed["Resources"]![0]!.AsObject().ContainsKey("members"));
    }

    [Fact]
    public async Task An_unknown_id_is_a_404_with_a_scim_body()
    {
        AssertError(await Send("GET", "/Users/nope"), 404, null);
        AssertError(await Send("PUT", "/Users/nope", """{"userName":"x"}"""), 404, null);
        AssertError(await Send("PATCH", "/Groups/nope", """{"Operations":[{"op":"add","path":"displayName","value":"x"}]}"""), 404, null);
        AssertError(await Send("DELETE", "/Groups/nope"), 404, null);
    }

    [Fact]
    public async Task Put_replaces_and_honours_if_match()
    {
        var created = await CreateUser("bjensen@example.com");
        var id = created["id"]!.GetValue<string>();
        var etag = created["meta"]!["version"]!.GetValue<string>();
        var okta = $$"""{"id":"{{id}}","userName":"bjensen@example.com","active":false,"groups":[],"meta":{"resourceType":"User"} }""";

        AssertError(await Send("PUT", $"/Users/{id}", okta, ifMatch: "W/\"stale\""), 412, null);

        var replaced = await Send("PUT", $"/Users/{id}", okta, ifMatch: etag);
        Assert.Equal(200, replaced.Status);
        Assert.False(replaced.Body!["active"]!.GetValue<bool>());
        Assert.False(replaced.Body.ContainsKey("displayName"));
        Assert.NotEqual(etag, replaced.Headers["ETag"]);

        AssertError(await Send("PUT", $"/Users/{id}", """{"id":"other","userName":"x"}"""), 400, "mutability");
    }

    [Fact]
    public async Task If_none_match_on_the_current_version_is_304()
    {
        var created = await CreateUser("bjensen@example.com");
        var id = created["id"]!.GetValue<string>();

        var response = await Send("GET", $"/Users/{id}", ifNoneMatch: created["meta"]!["version"]!.GetValue<string>());

        Assert.Equal(304, response.Status);
        Assert.Null(response.Body);
    }

    [Fact]
    public async Task Patching_a_user_answers_200_with_the_resource()
    {
        var id = (await CreateUser("bjensen@example.com"))["id"]!.GetValue<string>();

        var response = await Send("PATCH", $"/Users/{id}", """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}""");

        Assert.Equal(200, response.Status);
        Assert.False(response.Body!["active"]!.GetValue<bool>());
        Assert.Equal(id, response.Body["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patching_a_group_answers_204_unless_attributes_are_asked()
    {
        var userId = (await CreateUser("bjensen@example.com"))["id"]!.GetValue<string>();
        var groupId = (await CreateGroup("Admins"))["id"]!.GetValue<string>();
        var add = $$"""{"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"{{userId}}"}]}]}""";

        var quiet = await Send("PATCH", $"/Groups/{groupId}", add);
        Assert.Equal(204, quiet.Status);
        Assert.Null(quiet.Body);

        var shown = await Send("PATCH", $"/Groups/{groupId}?attributes=members", """{"Operations":[{"op":"replace","path":"displayName","value":"Owners"}]}""");
        Assert.Equal(200, shown.Status);
        Assert.Equal(userId, shown.Body!["members"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_answers_204_then_404()
    {
        var id = (await CreateUser("bjensen@example.com"))["id"]!.GetValue<string>();

        var deleted = await Send("DELETE", $"/Users/{id}");
        Assert.Equal(204, deleted.Status);
        Assert.Null(deleted.Body);
        AssertError(await Send("DELETE", $"/Users/{id}"), 404, null);
        AssertError(await Send("GET", $"/Users/{id}"), 404, null);
        Assert.Equal(EmptyList, (await Send("GET", "/Users?filter=userName+eq+%22bjensen@example.com%22")).Body!.ToJsonString());
    }

    [Theory]
    [InlineData("GET", "/Me", 501)]
    [InlineData("POST", "/Bulk", 501)]
    [InlineData("GET", "/Nope", 404)]
    [InlineData("GET", "/Users/a/b", 404)]
    [InlineData("DELETE", "/Users", 405)]
    [InlineData("POST", "/ServiceProviderConfig", 405)]
    [InlineData("GET", "/Schemas?filter=id+eq+%22x%22", 403)]
    [InlineData("GET", "/Schemas/urn:nope", 404)]
    [InlineData("GET", "/ResourceTypes/Nope", 404)]
    public async Task Unsupported_unknown_and_refused_requests_are_scim_errors(string method, string path, int status) =>
        AssertError(await Send(method, path, method == "POST" ? "{}" : null), status, null);

    [Theory]
    [InlineData("GET", "/Users?count=ten", null, "invalidValue")]
    [InlineData("GET", "/Users?sortOrder=sideways", null, "invalidValue")]
    [InlineData("GET", "/Users?filter=((((", null, "invalidFilter")]
    [InlineData("POST", "/Users", "[1,2]", "invalidSyntax")]
    [InlineData("POST", "/Users", "{\"userName\":\"a\",\"userName\":\"b\"}", "invalidSyntax")]
    [InlineData("POST", "/Users", "{\"userName\":{\"nested\":true}}", "invalidValue")]
    [InlineData("POST", "/Users/.search", "{\"filter\":{}}", "invalidFilter")]
    [InlineData("POST", "/Users/.search", "{\"count\":1e999}", "invalidValue")]
    [InlineData("POST", "/.search", "null", "invalidSyntax")]
    public async Task Hostile_requests_are_400s_with_a_scim_type(string method, string path, string? body, string scimType) =>
        AssertError(await Send(method, path, body), 400, scimType);

    [Fact]
    public async Task Nesting_beyond_64_levels_is_invalidSyntax()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100);

        AssertError(await Send("POST", "/Users", deep), 400, "invalidSyntax");
    }

    [Fact]
    public async Task An_error_a_store_throws_becomes_a_scim_body()
    {
        // The host authenticates; a store or a host wrapper may still refuse with any status (401 here).
        users.Refusal = new ScimException(401, null, "The bearer token is not valid.");

        AssertError(await Send("GET", "/Users"), 401, null);
    }

    [Fact]
    public async Task Discovery_lists_are_list_responses()
    {
        var schemas = (await Send("GET", "/Schemas")).Body!;
        Assert.Equal(ScimConstants.ListResponseSchema, schemas["schemas"]![0]!.GetValue<string>());
        Assert.Equal(3, schemas["totalResults"]!.GetValue<int>());
        Assert.Equal(
            [ScimConstants.UserSchema, ScimConstants.EnterpriseUserSchema, ScimConstants.GroupSchema],
            schemas["Resources"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));

        var types = (await Send("GET", "/ResourceTypes")).Body!;
        Assert.Equal(["User", "Group"], types["Resources"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));

        var enterprise = await Send("GET", "/Schemas/" + ScimConstants.EnterpriseUserSchema);
        Assert.Equal(200, enterprise.Status);
        Assert.Equal("EnterpriseUser", enterprise.Body!["name"]!.GetValue<string>());

        var userType = (await Send("GET", "/ResourceTypes/user")).Body!;
        Assert.Equal("/Users", userType["endpoint"]!.GetValue<string>());

        var config = (await Send("GET", "/ServiceProviderConfig")).Body!;
        Assert.True(config["patch"]!["supported"]!.GetValue<bool>());
        Assert.False(config["bulk"]!["supported"]!.GetValue<bool>());
        Assert.Equal(50, config["filter"]!["maxResults"]!.GetValue<int>());
        Assert.Equal("oauthbearertoken", config["authenticationSchemes"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_response_is_a_json_object_or_nothing()
    {
        // The content type is the host's job (always application/scim+json); the body is either a SCIM object or null.
        var response = await Send("GET", "/ServiceProviderConfig");

        Assert.Equal(ScimConstants.ServiceProviderConfigSchema, response.Body!["schemas"]![0]!.GetValue<string>());
    }
}
