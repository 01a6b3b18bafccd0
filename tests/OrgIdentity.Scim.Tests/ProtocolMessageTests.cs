using System.Text.Json.Nodes;

namespace OrgIdentity.Scim.Tests;

/// <summary>The error body, list responses, ETags and attribute selection: the small messages every response uses.</summary>
public sealed class ProtocolMessageTests
{
    private const string EmptyList =
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}""";

    [Fact]
    public void An_error_body_has_the_status_as_a_string_and_the_scim_type()
    {
        var body = ScimError.From(ScimException.Uniqueness("userName 'bjensen' is taken.")).ToJson();

        Assert.Equal(
            """{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName \u0027bjensen\u0027 is taken."}""",
            body.ToJsonString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, body["status"]!.GetValueKind());
    }

    [Fact]
    public void An_error_without_scim_type_leaves_it_out()
    {
        var body = ScimError.From(ScimException.NotFound("No user 'x'.")).ToJson();

        Assert.Equal("404", body["status"]!.GetValue<string>());
        Assert.False(body.ContainsKey("scimType"));
        Assert.Equal("No user 'x'.", body["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(ScimErrorType.InvalidFilter, "invalidFilter")]
    [InlineData(ScimErrorType.TooMany, "tooMany")]
    [InlineData(ScimErrorType.Uniqueness, "uniqueness")]
    [InlineData(ScimErrorType.Mutability, "mutability")]
    [InlineData(ScimErrorType.InvalidSyntax, "invalidSyntax")]
    [InlineData(ScimErrorType.InvalidPath, "invalidPath")]
    [InlineData(ScimErrorType.NoTarget, "noTarget")]
    [InlineData(ScimErrorType.InvalidValue, "invalidValue")]
    [InlineData(ScimErrorType.InvalidVersion, "invalidVers")]
    [InlineData(ScimErrorType.Sensitive, "sensitive")]
    public void Every_scim_type_has_its_wire_name(ScimErrorType type, string wire)
    {
        var body = ScimError.From(ScimException.BadRequest(type, "d")).ToJson();

        Assert.Equal(wire, body["scimType"]!.GetValue<string>());
        Assert.Equal("400", body["status"]!.GetValue<string>());
    }

    [Fact]
    public void The_factories_give_the_RFC_statuses()
    {
        Assert.Equal(412, ScimException.PreconditionFailed("d").Status);
        Assert.Null(ScimException.PreconditionFailed("d").ScimType);
        Assert.Equal(409, ScimException.Uniqueness("d").Status);
        Assert.Equal(ScimErrorType.InvalidSyntax, ScimException.InvalidSyntax("d").ScimType);
        Assert.Equal("d", ScimException.InvalidValue("d").Detail);
    }

    [Fact]
    public void An_empty_result_is_exactly_the_list_Entra_expects()
    {
        // INTEROP Q4: Entra's "Test Connection" filters on a random GUID and expects this body, integers included.
        Assert.Equal(EmptyList, ScimListResponse.Create(0, 1, []).ToJsonString());
    }

    [Fact]
    public void A_page_echoes_the_start_index_and_counts_what_it_returns()
    {
        var page = ScimListResponse.Create(12, 6, [new JsonObject { ["id"] = "6" }, new JsonObject { ["id"] = "7" }]);

        Assert.Equal(12, page["totalResults"]!.GetValue<int>());
        Assert.Equal(6, page["startIndex"]!.GetValue<int>());
        Assert.Equal(2, page["itemsPerPage"]!.GetValue<int>());
        Assert.Equal(["6", "7"], page["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal(System.Text.Json.JsonValueKind.Number, page["totalResults"]!.GetValueKind());
    }

    [Fact]
    public void A_version_becomes_a_weak_etag()
    {
        Assert.Equal("W/\"3\"", ScimETag.Format("3"));
        Assert.Equal("W/\"ab\"", ScimETag.Format("a\"b"));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("*", true)]
    [InlineData("W/\"3\"", true)]
    [InlineData("\"3\"", true)]
    [InlineData("3", true)]
    [InlineData("w/\"3\"", true)]
    [InlineData("W/\"2\", W/\"3\"", true)]
    [InlineData("W/\"2\",W/\"4\"", false)]
    [InlineData("W/\"2\"", false)]
    [InlineData("W/\"33\"", false)]
    public void If_match_compares_weakly_with_lists_and_star(string? ifMatch, bool expected) =>
        Assert.Equal(expected, ScimETag.Matches(ifMatch, "W/\"3\""));

    [Fact]
    public void A_comma_inside_a_tag_does_not_split_it()
    {
        var current = ScimETag.Format("1,2");

        Assert.True(ScimETag.Matches("W/\"0\", W/\"1,2\"", current));
        Assert.False(ScimETag.Matches("W/\"1\"", current));
    }

    [Fact]
    public void A_stale_if_match_is_a_412()
    {
        var refused = Assert.Throws<ScimException>(() => ScimETag.ThrowIfNotMatched("W/\"2\"", "W/\"3\""));

        Assert.Equal(412, refused.Status);
        Assert.Null(refused.ScimType);
        ScimETag.ThrowIfNotMatched("W/\"3\"", "W/\"3\"");
        ScimETag.ThrowIfNotMatched(null, "W/\"3\"");
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("*", true)]
    [InlineData("W/\"3\"", true)]
    [InlineData("W/\"1\", \"3\"", true)]
    [InlineData("W/\"4\"", false)]
    public void If_none_match_hits_the_current_tag_or_star(string? ifNoneMatch, bool expected) =>
        Assert.Equal(expected, ScimETag.NoneMatchHits(ifNoneMatch, "W/\"3\""));

    [Fact]
    public void The_default_selection_returns_everything() =>
        Assert.True(ScimAttributeSelection.Default.MayReturn("members"));

    [Fact]
    public void Excluding_members_leaves_them_out_but_not_their_sub_attribute()
    {
        // INTEROP Q6: Entra reads groups with excludedAttributes=members.
        Assert.False(new ScimAttributeSelection([], ["members"]).MayReturn("members"));
        Assert.False(new ScimAttributeSelection([], ["MEMBERS"]).MayReturn("members"));
        Assert.True(new ScimAttributeSelection([], ["members.display"]).MayReturn("members"));
        Assert.True(new ScimAttributeSelection([], ["members"]).MayReturn("displayName"));
    }

    [Theory]
    [InlineData("members", true)]
    [InlineData("members.value", true)]
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:Group:members", true)]
    [InlineData("members[value eq \"x\"]", true)]
    [InlineData("displayName", false)]
    public void Attributes_name_an_attribute_in_any_form(string attribute, bool expected) =>
        Assert.Equal(expected, new ScimAttributeSelection([attribute], []).MayReturn("members"));

    [Fact]
    public void A_URN_qualified_extension_attribute_names_the_attribute_after_the_last_colon() =>
        Assert.True(new ScimAttributeSelection(["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"], []).MayReturn("manager"));
}
