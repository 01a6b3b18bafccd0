using System.Text.Json.Nodes;
using static OrgIdentity.Scim.Tests.PatchTests;

namespace OrgIdentity.Scim.Tests;

/// <summary>Every row of SCIM-INTEROP §1.6 (P1–P17), with the payloads Entra ID and Okta send.</summary>
public sealed class PatchInteropTests
{
    private const string ManagerId = "26118915-6090-4610-87e4-49d8ca9f808d";
    private const string OtherManagerId = "6f1d7c2a-8b3e-4f5a-9c0d-1e2f3a4b5c6d";

    [Fact]
    public void P1_capitalised_operations_from_Entra_apply()
    {
        var request = Body("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Add","path":"nickName","value":"Babs"},
              {"op":"Replace","path":"displayName","value":"Barbara Jensen"},
              {"op":"Remove","path":"name.givenName"}]}
            """);

        var user = ScimPatcher.Apply(User(), request, ScimResourceTypes.User);

        Assert.Equal("Babs", (string)user["nickName"]!);
        Assert.Equal("Barbara Jensen", (string)user["displayName"]!);
        AssertJson("""{"familyName":"Jensen"}""", user["name"]);
    }

    [Fact]
    public void P1_lower_case_operations_and_any_case_keys_are_read()
    {
        var request = Body("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"OP":"replace","Path":"title","Value":"Guide"}]}
            """);

        Assert.Equal(ScimPatchOperationType.Replace, request.Operations[0].Type);
        Assert.Equal("title", request.Operations[0].PathText);
        Assert.Equal("Guide", (string)request.Operations[0].Value!);
    }

    [Theory]
    [InlineData("False", false)]
    [InlineData("True", true)]
    [InlineData("false", false)]
    [InlineData("TRUE", true)]
    public void P2_true_and_false_strings_become_booleans(string sent, bool stored)
    {
        var user = PatchUser(User(), $$"""{"op":"Replace","path":"active","value":"{{sent}}"}""");

        AssertJson(stored ? "true" : "false", user["active"]);
    }

    [Fact]
    public void P2_booleans_in_a_path_less_value_and_in_sub_attributes_are_coerced_too()
    {
        var user = PatchUser(User(),
            """{"op":"Replace","value":{"active":"False"}}""",
            """{"op":"Add","path":"emails[type eq \"home\"].primary","value":"True"}""");

        AssertJson("false", user["active"]);
        AssertJson("true", user["emails"]![1]!["primary"]);
    }

    [Fact]
    public void P3_Okta_deactivates_with_a_path_less_replace()
    {
        var deactivated = PatchUser(User(), """{"op":"replace","value":{"active":false}}""");
        var reactivated = PatchUser(deactivated, """{"op":"replace","value":{"active":true}}""");

        AssertJson("false", deactivated["active"]);
        AssertJson("true", reactivated["active"]);
    }

    [Fact]
    public void P4_keys_of_a_path_less_value_may_be_attribute_paths()
    {
        var user = PatchUser(User(), """
            {"op":"replace","value":{"displayName":"x","name.givenName":"y","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"z"}}
            """);

        Assert.Equal("x", (string)user["displayName"]!);
        AssertJson("""{"familyName":"Jensen","givenName":"y"}""", user["name"]);
        AssertJson("""{"employeeNumber":"z"}""", user[Enterprise]);
        Assert.Contains(user["schemas"]!.AsArray(), s => (string)s! == Enterprise);
    }

    [Fact]
    public void P4_a_path_less_value_key_may_carry_a_value_filter()
    {
        var user = PatchUser(User(), """{"op":"replace","value":{"emails[type eq \"work\"].value":"babs@example.com"}}""");

        Assert.Equal("babs@example.com", (string)user["emails"]![0]!["value"]!);
    }

    [Fact]
    public void P5_add_on_a_single_valued_attribute_sets_it()
    {
        var added = PatchUser(User(), """{"op":"Add","path":"nickName","value":"Babs"}""");
        var again = PatchUser(added, """{"op":"Add","path":"nickName","value":"Barb"}""");

        Assert.Equal("Babs", (string)added["nickName"]!);
        Assert.Equal("Barb", (string)again["nickName"]!);
    }

    [Theory]
    [InlineData("Replace")]
    [InlineData("Add")]
    public void P6_a_filtered_write_creates_the_value_when_none_matches(string op)
    {
        var input = User();
        input.Remove("emails");

        var user = PatchUser(input, $$"""{"op":"{{op}}","path":"emails[type eq \"work\"].value","value":"a@b"}""");

        AssertJson("""[{"type":"work","value":"a@b"}]""", user["emails"]);
    }

    [Fact]
    public void P6_a_filtered_write_updates_the_value_that_matches()
    {
        var user = PatchUser(User(), """{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@b"}""");

        AssertJson("""{"value":"a@b","type":"work","primary":true}""", user["emails"]![0]);
        Assert.Equal(2, user["emails"]!.AsArray().Count);
    }

    [Fact]
    public void P6_creation_takes_every_eq_test_of_the_filter()
    {
        var user = PatchUser(User(), """{"op":"Add","path":"phoneNumbers[type eq \"mobile\" and primary eq true].value","value":"+1 555 0100"}""");

        AssertJson("""[{"type":"mobile","primary":true,"value":"+1 555 0100"}]""", user["phoneNumbers"]);
    }

    [Fact]
    public void P7_a_urn_prefixed_path_writes_into_the_extension()
    {
        var user = PatchUser(User(), """
            {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"x"}
            """);

        AssertJson("""{"employeeNumber":"x"}""", user[Enterprise]);
    }

    [Fact]
    public void P7_a_urn_prefixed_sub_attribute_path_writes_into_the_extension()
    {
        var user = PatchUser(User(), $$"""
            {"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"{{ManagerId}}"}
            """);

        AssertJson($$$$"""{"manager":{"value":"{{{{ManagerId}}}}"}}""", user[Enterprise]);
    }

    [Fact]
    public void P8_Entra_gallery_sets_changes_and_clears_the_manager_with_bare_ids()
    {
        var added = PatchUser(User(), $$"""{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"{{ManagerId}}"}""");
        var replaced = PatchUser(added, $$"""{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"{{OtherManagerId}}"}""");
        var cleared = PatchUser(replaced, """{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":""}""");

        Assert.Equal(ManagerId, (string)added[Enterprise]!["manager"]!["value"]!);
        Assert.Equal(OtherManagerId, (string)replaced[Enterprise]!["manager"]!["value"]!);
        Assert.False(cleared.ContainsKey(Enterprise));
        Assert.DoesNotContain(cleared["schemas"]!.AsArray(), s => (string)s! == Enterprise);
    }

    [Fact]
    public void P8_the_old_Entra_tutorial_form_sends_a_one_element_array()
    {
        var user = PatchUser(User(), $$"""
            {"op":"Add","path":"manager","value":[{"$ref":"../Users/{{ManagerId}}","value":"{{ManagerId}}"}]}
            """);

        Assert.Equal(ManagerId, (string)user[Enterprise]!["manager"]!["value"]!);
    }

    [Fact]
    public void P8_a_manager_object_works_and_null_removes_it()
    {
        var added = PatchUser(User(), $$$$"""{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"{{{{ManagerId}}}}"}}""");
        var removed = PatchUser(added, """{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":null}""");

        Assert.Equal(ManagerId, (string)added[Enterprise]!["manager"]!["value"]!);
        Assert.False(removed.ContainsKey(Enterprise));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("null")]
    public void P9_empty_string_and_null_clear_optional_attributes(string empty)
    {
        var input = PatchUser(User(), """{"op":"add","value":{"title":"Tour Guide","nickName":"Babs","preferredLanguage":"en-US"}}""");

        var user = PatchUser(input,
            $$"""{"op":"Replace","path":"title","value":{{empty}}}""",
            $$"""{"op":"Add","path":"nickName","value":{{empty}}}""",
            $$$$"""{"op":"Replace","value":{"preferredLanguage":{{{{empty}}}},"name.givenName":{{{{empty}}}}}}""");

        Assert.False(user.ContainsKey("title"));
        Assert.False(user.ContainsKey("nickName"));
        Assert.False(user.ContainsKey("preferredLanguage"));
        AssertJson("""{"familyName":"Jensen"}""", user["name"]);
    }

    [Fact]
    public void P10_Entra_adds_several_members_at_once_and_existing_ones_are_not_repeated()
    {
        var group = PatchGroup(Group(), $$"""
            {"op":"Add","path":"members","value":[{"$ref":null,"value":"{{Newcomer}}"},{"$ref":null,"value":"{{Babs}}"},{"$ref":null,"value":"{{Newcomer}}"}]}
            """);

        Assert.Equal([Babs, Mandy, Newcomer], MemberIds(group));
        AssertJson($$"""{"value":"{{Newcomer}}"}""", group["members"]![2]);
    }

    [Fact]
    public void P10_display_extras_do_not_make_a_member_new()
    {
        var group = PatchGroup(Group(), $$"""
            {"op":"add","path":"members","value":[{"value":"{{Mandy}}","display":"Mandy P."}]}
            """);

        Assert.Equal([Babs, Mandy], MemberIds(group));
    }

    [Fact]
    public void P11_remove_with_a_value_list_removes_only_the_listed_members()
    {
        var group = PatchGroup(Group(), $$"""{"op":"Remove","path":"members","value":[{"value":"{{Babs}}"}]}""");

        Assert.Equal([Mandy], MemberIds(group));
    }

    [Fact]
    public void P11_removing_every_listed_member_leaves_no_members()
    {
        var group = PatchGroup(Group(), $$"""{"op":"Remove","path":"members","value":[{"value":"{{Babs}}"},{"value":"{{Mandy}}"},{"value":"{{Newcomer}}"}]}""");

        Assert.False(group.ContainsKey("members"));
    }

    [Fact]
    public void P12_remove_by_filter_removes_the_member()
    {
        var group = PatchGroup(Group(), $$"""{"op":"remove","path":"members[value eq \"{{Mandy}}\"]"}""");

        Assert.Equal([Babs], MemberIds(group));
    }

    [Fact]
    public void P12_removing_an_absent_member_by_filter_succeeds_and_changes_nothing()
    {
        var group = PatchGroup(Group(), $$"""{"op":"remove","path":"members[value eq \"{{Newcomer}}\"]"}""");

        AssertSame(Group(), group);
    }

    [Fact]
    public void P13_Okta_pushes_the_whole_member_list_with_replace()
    {
        var group = PatchGroup(Group(), $$"""{"op":"replace","path":"members","value":[{"value":"{{Newcomer}}","display":"James"}]}""");

        Assert.Equal([Newcomer], MemberIds(group));
    }

    [Fact]
    public void P13_remove_members_without_a_value_removes_them_all()
    {
        var group = PatchGroup(Group(), """{"op":"remove","path":"members"}""");

        Assert.False(group.ContainsKey("members"));
    }

    [Fact]
    public void P13_replace_members_with_an_empty_list_removes_them_all()
    {
        var group = PatchGroup(Group(), """{"op":"replace","path":"members","value":[]}""");

        Assert.False(group.ContainsKey("members"));
    }

    [Fact]
    public void P14_Okta_renames_a_group_with_its_own_id_in_the_value()
    {
        var group = PatchGroup(Group(), $$$$"""{"op":"replace","value":{"id":"{{{{GroupId}}}}","displayName":"New"}}""");

        Assert.Equal("New", (string)group["displayName"]!);
        Assert.Equal(GroupId, (string)group["id"]!);
    }

    [Fact]
    public void P14_another_id_in_the_value_is_a_mutability_error()
    {
        var error = Fails(ScimErrorType.Mutability,
            () => PatchGroup(Group(), """{"op":"replace","value":{"id":"someone-else","displayName":"New"}}"""));

        Assert.StartsWith("Operations[0]:", error.Detail, StringComparison.Ordinal);
        Assert.Contains("'id'", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void P15_a_bare_member_id_string_adds_that_member()
    {
        var group = PatchGroup(Group(), $$"""{"op":"add","path":"members","value":"{{Newcomer}}"}""");

        Assert.Equal([Babs, Mandy, Newcomer], MemberIds(group));
    }

    [Fact]
    public void P16_primary_eq_true_matches_a_primary_stored_as_the_string_true()
    {
        var input = User();
        input["emails"] = JsonNode.Parse("""[{"value":"old@example.com","type":"work","primary":"true"},{"value":"babs@jensen.org","type":"home"}]""");

        var user = PatchUser(input, """{"op":"replace","path":"emails[primary eq true].value","value":"new@example.com"}""");

        Assert.Equal("new@example.com", (string)user["emails"]![0]!["value"]!);
        Assert.Equal(2, user["emails"]!.AsArray().Count);
    }

    [Fact]
    public void P16_primary_eq_true_matches_a_boolean_primary()
    {
        var user = PatchUser(User(), """{"op":"replace","path":"addresses[primary eq true].locality","value":"Los Angeles"}""");

        Assert.Equal("Los Angeles", (string)user["addresses"]![0]!["locality"]!);
        Assert.Equal("Hollywood", (string)user["addresses"]![1]!["locality"]!);
    }

    [Fact]
    public void P16_a_primary_sent_as_the_string_true_is_stored_as_a_boolean()
    {
        var user = PatchUser(User(), """{"op":"add","path":"phoneNumbers","value":[{"value":"+1 555 0100","type":"work","primary":"true"}]}""");

        AssertJson("""[{"value":"+1 555 0100","type":"work","primary":true}]""", user["phoneNumbers"]);
    }

    [Fact]
    public void P17_when_the_third_operation_fails_nothing_changes_and_the_error_names_it()
    {
        var input = User();

        var error = Fails(ScimErrorType.InvalidPath, () => PatchUser(input,
            """{"op":"replace","path":"displayName","value":"Changed"}""",
            """{"op":"remove","path":"emails"}""",
            """{"op":"replace","path":"favouriteColour","value":"blue"}"""));

        Assert.StartsWith("Operations[2]: ", error.Detail, StringComparison.Ordinal);
        Assert.Contains("favouriteColour", error.Detail, StringComparison.Ordinal);
        AssertSame(User(), input);
    }

    [Fact]
    public void P17_later_operations_see_the_changes_of_earlier_ones()
    {
        var group = PatchGroup(Group(),
            $$"""{"op":"add","path":"members","value":[{"value":"{{Newcomer}}"}]}""",
            $$"""{"op":"remove","path":"members[value eq \"{{Newcomer}}\"]"}""",
            """{"op":"replace","path":"displayName","value":"Guides"}""");

        Assert.Equal([Babs, Mandy], MemberIds(group));
        Assert.Equal("Guides", (string)group["displayName"]!);
    }
}
