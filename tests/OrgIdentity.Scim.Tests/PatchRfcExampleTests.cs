using System.Text.Json.Nodes;
using static OrgIdentity.Scim.Tests.PatchTests;

namespace OrgIdentity.Scim.Tests;

/// <summary>The PATCH examples of RFC 7644 §3.5.2.1–§3.5.2.3, applied to the RFC's own Babs Jensen and Tour Guides.</summary>
public sealed class PatchRfcExampleTests
{
    [Fact]
    public void Add_a_member_to_a_group()
    {
        var group = PatchGroup(Group(), $$"""
            {"op":"add","path":"members","value":[{"display":"James Newcomer","$ref":"https://example.com/v2/Users/{{Newcomer}}","value":"{{Newcomer}}"}]}
            """);

        Assert.Equal([Babs, Mandy, Newcomer], MemberIds(group));

        // members.display is read-only (the server knows the member's name), so the client's copy is not kept.
        Assert.False(group["members"]![2]!.AsObject().ContainsKey("display"));
    }

    [Fact]
    public void Add_without_a_path_adds_each_attribute_of_the_value()
    {
        var user = PatchUser(User(), """
            {"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}
            """);

        Assert.Equal("Babs", (string)user["nickName"]!);
        Assert.Null(user["nickname"]);
        AssertSame(User()["emails"]!, user["emails"]);
    }

    [Fact]
    public void Add_of_a_value_already_there_changes_nothing()
    {
        var user = PatchUser(User(), """
            {"op":"add","path":"emails","value":[{"value":"bjensen@example.com","type":"work"}]}
            """);

        AssertSame(User(), user);
    }

    [Fact]
    public void Add_of_a_new_email_appends_it()
    {
        var user = PatchUser(User(), """
            {"op":"add","path":"emails","value":[{"value":"barbara@example.org","type":"other"}]}
            """);

        Assert.Equal(3, user["emails"]!.AsArray().Count);
        AssertJson("""{"value":"barbara@example.org","type":"other"}""", user["emails"]![2]);
    }

    [Fact]
    public void Remove_one_member_selected_by_a_value_filter()
    {
        var group = PatchGroup(Group(), $$"""
            {"op":"remove","path":"members[value eq \"{{Babs}}\"]"}
            """);

        Assert.Equal([Mandy], MemberIds(group));
    }

    [Fact]
    public void Remove_all_members()
    {
        var group = PatchGroup(Group(), """{"op":"remove","path":"members"}""");

        Assert.Null(group["members"]);
        Assert.Equal("Tour Guides", (string)group["displayName"]!);
    }

    [Fact]
    public void Remove_the_values_a_complex_filter_selects()
    {
        var user = PatchUser(User(), """
            {"op":"remove","path":"emails[type eq \"work\" and value ew \"example.com\"]"}
            """);

        AssertJson("""[{"value":"babs@jensen.org","type":"home"}]""", user["emails"]);
    }

    [Fact]
    public void Replace_all_members_by_removing_them_then_adding_the_new_ones()
    {
        var group = PatchGroup(Group(),
            """{"op":"remove","path":"members"}""",
            $$"""{"op":"add","path":"members","value":[{"display":"Babs Jensen","value":"{{Babs}}"},{"display":"James Newcomer","value":"{{Newcomer}}"}]}""");

        Assert.Equal([Babs, Newcomer], MemberIds(group));
    }

    [Fact]
    public void Replace_the_members_list()
    {
        var group = PatchGroup(Group(), $$"""
            {"op":"replace","path":"members","value":[{"display":"Babs Jensen","value":"{{Babs}}"},{"display":"James Newcomer","value":"{{Newcomer}}"}]}
            """);

        Assert.Equal([Babs, Newcomer], MemberIds(group));
    }

    [Fact]
    public void Replace_the_address_a_value_filter_selects()
    {
        var user = PatchUser(User(), """
            {"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"US","formatted":"911 Universal City Plaza\nHollywood, CA 91608 US","primary":true}}
            """);

        AssertJson("""
            {"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"US","formatted":"911 Universal City Plaza\nHollywood, CA 91608 US","primary":true}
            """, user["addresses"]![0]);
        AssertSame(User()["addresses"]![1]!, user["addresses"]![1]);
    }

    [Fact]
    public void Replace_a_sub_attribute_of_the_address_a_value_filter_selects()
    {
        var user = PatchUser(User(), """
            {"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1010 Broadway Ave"}
            """);

        Assert.Equal("1010 Broadway Ave", (string)user["addresses"]![0]!["streetAddress"]!);
        Assert.Equal("Hollywood", (string)user["addresses"]![0]!["locality"]!);
        Assert.Equal("456 Hollywood Blvd", (string)user["addresses"]![1]!["streetAddress"]!);
    }

    [Fact]
    public void Replace_without_a_path_replaces_each_attribute_of_the_value()
    {
        var user = PatchUser(User(), """
            {"op":"replace","value":{"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}
            """);

        AssertJson("""
            [{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}]
            """, user["emails"]);
        Assert.Equal("Babs", (string)user["nickName"]!);
    }

    [Fact]
    public void Replace_of_a_complex_attribute_keeps_the_sub_attributes_the_value_leaves_out()
    {
        var user = PatchUser(User(), """{"op":"replace","path":"name","value":{"givenName":"Babs","middleName":"Jane"}}""");

        AssertJson("""{"familyName":"Jensen","givenName":"Babs","middleName":"Jane"}""", user["name"]);
    }

    [Fact]
    public void Replace_of_an_attribute_without_a_value_adds_it()
    {
        var user = PatchUser(User(), """{"op":"replace","path":"title","value":"Tour Guide"}""");

        Assert.Equal("Tour Guide", (string)user["title"]!);
    }

    [Fact]
    public void Replace_of_a_multi_valued_attribute_without_a_filter_replaces_every_value()
    {
        var user = PatchUser(User(), """{"op":"replace","path":"emails","value":[{"value":"only@example.com","type":"work"}]}""");

        AssertJson("""[{"value":"only@example.com","type":"work"}]""", user["emails"]);
    }

    [Fact]
    public void Remove_a_single_valued_attribute_a_sub_attribute_and_a_whole_complex_attribute()
    {
        var user = PatchUser(User(),
            """{"op":"remove","path":"displayName"}""",
            """{"op":"remove","path":"name.givenName"}""",
            """{"op":"remove","path":"addresses"}""");

        Assert.False(user.ContainsKey("displayName"));
        AssertJson("""{"familyName":"Jensen"}""", user["name"]);
        Assert.False(user.ContainsKey("addresses"));
    }

    [Fact]
    public void Removing_the_last_sub_attribute_removes_the_complex_attribute()
    {
        var user = PatchUser(User(),
            """{"op":"remove","path":"name.givenName"}""",
            """{"op":"remove","path":"name.familyName"}""");

        Assert.False(user.ContainsKey("name"));
    }

    [Fact]
    public void Removing_an_attribute_without_a_value_succeeds()
    {
        var user = PatchUser(User(), """{"op":"remove","path":"title"}""");

        AssertSame(User(), user);
    }

    [Fact]
    public void The_input_document_is_never_changed()
    {
        var input = User();

        var output = PatchUser(input, """{"op":"replace","path":"displayName","value":"Barbara"}""", """{"op":"remove","path":"emails"}""");

        AssertSame(User(), input);
        Assert.NotSame(input, output);
        Assert.Equal("Barbara", (string)output["displayName"]!);
    }

    [Fact]
    public void Operations_apply_in_order()
    {
        var user = PatchUser(User(),
            """{"op":"replace","path":"displayName","value":"First"}""",
            """{"op":"replace","path":"displayName","value":"Second"}""",
            """{"op":"remove","path":"nickName"}""",
            """{"op":"add","path":"nickName","value":"Babs"}""");

        Assert.Equal("Second", (string)user["displayName"]!);
        Assert.Equal("Babs", (string)user["nickName"]!);
    }

    [Fact]
    public void Extension_attributes_live_under_the_extension_urn_which_joins_schemas()
    {
        var user = PatchUser(User(), $$"""{"op":"add","path":"{{Enterprise}}:department","value":"Tour Operations"}""");

        AssertJson($$"""{"department":"Tour Operations"}""", user[Enterprise]);
        AssertJson($$"""["urn:ietf:params:scim:schemas:core:2.0:User","{{Enterprise}}"]""", user["schemas"]);
    }

    [Fact]
    public void Removing_the_last_extension_attribute_drops_the_extension_and_its_urn()
    {
        var user = PatchUser(User(),
            $$"""{"op":"add","path":"{{Enterprise}}:department","value":"Tour Operations"}""",
            $$"""{"op":"remove","path":"{{Enterprise}}:department"}""");

        Assert.False(user.ContainsKey(Enterprise));
        AssertJson("""["urn:ietf:params:scim:schemas:core:2.0:User"]""", user["schemas"]);
    }

    [Fact]
    public void A_path_that_is_an_extension_urn_targets_its_attributes()
    {
        var user = PatchUser(User(), $$$"""{"op":"add","path":"{{{Enterprise}}}","value":{"employeeNumber":"701984","costCenter":"4130"}}""");
        var removed = PatchUser(user, $$"""{"op":"remove","path":"{{Enterprise}}"}""");

        AssertJson("""{"employeeNumber":"701984","costCenter":"4130"}""", user[Enterprise]);
        Assert.False(removed.ContainsKey(Enterprise));
    }

    [Fact]
    public void An_extension_object_in_a_path_less_value_is_merged()
    {
        var user = PatchUser(User(), """{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":"Theme Park","manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d"}}}}""");

        AssertJson("""{"division":"Theme Park","manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d"}}""", user[Enterprise]);
    }

    [Fact]
    public void Names_match_in_any_case_and_are_written_as_the_schema_spells_them()
    {
        var input = User();
        input.Remove("name");
        input["Name"] = new JsonObject { ["GivenName"] = "Barbara" };

        var user = PatchUser(input,
            """{"op":"replace","path":"NAME.givenname","value":"Babs"}""",
            """{"op":"replace","path":"USERNAME","value":"babs@example.com"}""",
            """{"op":"add","path":"Emails[TYPE eq \"work\"].VALUE","value":"babs@example.com"}""");

        AssertJson("""{"givenName":"Babs"}""", user["name"]);
        Assert.False(user.ContainsKey("Name"));
        Assert.Equal("babs@example.com", (string)user["userName"]!);
        Assert.Equal("babs@example.com", (string)user["emails"]![0]!["value"]!);
    }

    [Fact]
    public void Setting_a_primary_value_clears_the_other_primary()
    {
        var user = PatchUser(User(), """
            {"op":"add","path":"emails","value":[{"value":"babs@example.org","type":"other","primary":true}]}
            """);

        Assert.False((bool)user["emails"]![0]!["primary"]!);
        Assert.True((bool)user["emails"]![2]!["primary"]!);
    }

    [Fact]
    public void Making_a_selected_value_primary_clears_the_other_primary()
    {
        var user = PatchUser(User(), """{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}""");

        Assert.False((bool)user["emails"]![0]!["primary"]!);
        Assert.True((bool)user["emails"]![1]!["primary"]!);
    }

    [Fact]
    public void Add_at_a_value_filter_merges_into_the_selected_value()
    {
        var user = PatchUser(User(), """{"op":"add","path":"addresses[type eq \"home\"]","value":{"postalCode":"90028"}}""");

        Assert.Equal("90028", (string)user["addresses"]![1]!["postalCode"]!);
        Assert.Equal("456 Hollywood Blvd", (string)user["addresses"]![1]!["streetAddress"]!);
    }

    [Fact]
    public void Replace_at_a_value_filter_keeps_what_the_filter_tests()
    {
        var user = PatchUser(User(), """{"op":"replace","path":"addresses[type eq \"home\"]","value":{"streetAddress":"1 Vine St"}}""");

        AssertJson("""{"type":"home","streetAddress":"1 Vine St"}""", user["addresses"]![1]);
    }

    [Fact]
    public void Remove_at_a_value_filter_with_a_sub_attribute_removes_only_that_sub_attribute()
    {
        var user = PatchUser(User(), """{"op":"remove","path":"addresses[type eq \"home\"].postalCode"}""");

        Assert.False(user["addresses"]![1]!.AsObject().ContainsKey("postalCode"));
        Assert.Equal("91608", (string)user["addresses"]![0]!["postalCode"]!);
    }

    [Fact]
    public void A_path_that_is_the_core_schema_urn_targets_the_core_attributes()
    {
        var user = PatchUser(User(), """{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User","value":{"displayName":"Barbara","name":{"givenName":"Barb"}}}""");

        Assert.Equal("Barbara", (string)user["displayName"]!);
        AssertJson("""{"familyName":"Jensen","givenName":"Barb"}""", user["name"]);
    }

    [Fact]
    public void A_urn_qualified_core_path_is_the_core_attribute()
    {
        var user = PatchUser(User(),
            """{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName","value":"Barb"}""",
            $$"""{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:id","value":"{{UserId}}"}""");

        Assert.Equal("Barb", (string)user["name"]!["givenName"]!);
    }
}
