using System.Text.Json.Nodes;
using static OrgIdentity.Scim.Tests.PatchTests;

namespace OrgIdentity.Scim.Tests;

/// <summary>
/// <see cref="ScimPatcher.ApplyToGroup"/>: a group store gets member changes as deltas instead of loading and
/// rewriting a member list that may hold 100,000 ids.
/// </summary>
public sealed class PatchGroupDeltaTests
{
    private static JsonObject GroupWithoutMembers()
    {
        var group = Group();
        group.Remove("members");
        return group;
    }

    private static ScimGroupPatchResult Patch(params string[] operations) =>
        ScimPatcher.ApplyToGroup(GroupWithoutMembers(), Operations(operations));

    private static void AssertChanges(ScimGroupPatchResult result, params string[] expected) =>
        Assert.Equal(expected, result.MemberChanges.Select(change => change.ToString()));

    [Fact]
    public void Adding_members_is_an_add_of_their_ids_and_the_document_stays_without_members()
    {
        var result = Patch($$"""{"op":"add","path":"members","value":[{"display":"Babs Jensen","$ref":"https://example.com/v2/Users/{{Babs}}","value":"{{Babs}}"},{"value":"{{Mandy}}"}]}""");

        AssertChanges(result, $"Add [{Babs}, {Mandy}]");
        AssertSame(GroupWithoutMembers(), result.Resource);
    }

    [Fact]
    public void P10_Entra_multi_member_add_with_null_refs_is_one_add_without_repeats()
    {
        var result = Patch($$"""{"op":"Add","path":"members","value":[{"$ref":null,"value":"{{Babs}}"},{"$ref":null,"value":"{{Mandy}}"},{"$ref":null,"value":"{{Babs}}"}]}""");

        AssertChanges(result, $"Add [{Babs}, {Mandy}]");
    }

    [Fact]
    public void P11_remove_with_a_value_list_is_a_remove_of_those_ids()
    {
        var result = Patch($$"""{"op":"Remove","path":"members","value":[{"value":"{{Babs}}"}]}""");

        AssertChanges(result, $"Remove [{Babs}]");
    }

    [Fact]
    public void P12_remove_by_filter_is_a_remove_of_the_filtered_ids()
    {
        var result = Patch(
            $$"""{"op":"remove","path":"members[value eq \"{{Babs}}\"]"}""",
            $$"""{"op":"remove","path":"members[value eq \"{{Mandy}}\" or value eq \"{{Newcomer}}\"]"}""");

        AssertChanges(result, $"Remove [{Babs}]", $"Remove [{Mandy}, {Newcomer}]");
    }

    [Fact]
    public void P13_replace_is_a_replace_all_and_remove_without_value_a_remove_all()
    {
        var result = Patch(
            $$"""{"op":"replace","path":"members","value":[{"value":"{{Newcomer}}"}]}""",
            """{"op":"remove","path":"members"}""",
            """{"op":"replace","path":"members","value":[]}""");

        AssertChanges(result, $"ReplaceAll [{Newcomer}]", "RemoveAll []", "RemoveAll []");
    }

    [Fact]
    public void P15_a_bare_id_string_is_an_add()
    {
        var result = Patch($$"""{"op":"add","path":"members","value":"{{Newcomer}}"}""");

        AssertChanges(result, $"Add [{Newcomer}]");
    }

    [Fact]
    public void P6_a_write_at_a_member_filter_adds_that_member()
    {
        var result = Patch($$$$"""{"op":"add","path":"members[value eq \"{{{{Newcomer}}}}\"]","value":{"value":"{{{{Newcomer}}}}"}}""");

        AssertChanges(result, $"Add [{Newcomer}]");
    }

    [Fact]
    public void P14_Okta_rename_with_the_groups_own_id_renames_and_changes_no_member()
    {
        var result = Patch($$$$"""{"op":"replace","value":{"id":"{{{{GroupId}}}}","displayName":"New"}}""");

        Assert.Empty(result.MemberChanges);
        Assert.Equal("New", (string)result.Resource["displayName"]!);
    }

    [Fact]
    public void Members_inside_a_path_less_value_become_changes_and_the_rest_is_applied()
    {
        var result = Patch($$$$"""{"op":"replace","value":{"displayName":"Guides","members":[{"value":"{{{{Babs}}}}"}]}}""");

        AssertChanges(result, $"ReplaceAll [{Babs}]");
        Assert.Equal("Guides", (string)result.Resource["displayName"]!);
        Assert.False(result.Resource.ContainsKey("members"));
    }

    [Fact]
    public void Changes_keep_the_order_of_the_operations()
    {
        var result = Patch(
            """{"op":"remove","path":"members"}""",
            $$"""{"op":"add","path":"members","value":[{"value":"{{Babs}}"},{"value":"{{Newcomer}}"}]}""",
            """{"op":"replace","path":"displayName","value":"Guides"}""",
            $$"""{"op":"remove","path":"members[value eq \"{{Babs}}\"]"}""");

        AssertChanges(result, "RemoveAll []", $"Add [{Babs}, {Newcomer}]", $"Remove [{Babs}]");
        Assert.Equal("Guides", (string)result.Resource["displayName"]!);
    }

    [Fact]
    public void Adding_nothing_is_no_change()
    {
        var result = Patch("""{"op":"add","path":"members","value":[]}""");

        Assert.Empty(result.MemberChanges);
    }

    [Theory]
    [InlineData("""{"op":"remove","path":"members[display eq \"Babs Jensen\"]"}""")]
    [InlineData("""{"op":"remove","path":"members[value sw \"2819\"]"}""")]
    [InlineData("""{"op":"replace","path":"members[value eq \"x\"].type","value":"User"}""")]
    [InlineData("""{"op":"replace","path":"members.value","value":"x"}""")]
    public void Member_paths_that_need_the_member_list_are_invalid_path(string operation)
    {
        var error = Fails(ScimErrorType.InvalidPath, () => Patch(operation));

        Assert.StartsWith("Operations[0]: ", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"op":"add","path":"members","value":[{"display":"no id"}]}""")]
    [InlineData("""{"op":"add","path":"members","value":[{"value":42}]}""")]
    [InlineData("""{"op":"add","path":"members","value":[{"value":""}]}""")]
    public void A_member_without_a_string_id_is_invalid_value(string operation)
    {
        Fails(ScimErrorType.InvalidValue, () => Patch(operation));
    }

    [Fact]
    public void A_failing_operation_yields_no_changes_at_all()
    {
        var input = GroupWithoutMembers();

        var error = Fails(ScimErrorType.Mutability, () => ScimPatcher.ApplyToGroup(input, Operations(
            $$"""{"op":"add","path":"members","value":[{"value":"{{Babs}}"}]}""",
            """{"op":"replace","path":"displayName","value":"Guides"}""",
            """{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}""")));

        Assert.StartsWith("Operations[2]: ", error.Detail, StringComparison.Ordinal);
        AssertSame(GroupWithoutMembers(), input);
    }

    [Fact]
    public void A_members_key_in_the_document_is_neither_read_nor_changed()
    {
        var result = ScimPatcher.ApplyToGroup(Group(), Operations("""{"op":"remove","path":"members"}"""));

        AssertChanges(result, "RemoveAll []");
        Assert.Equal([Babs, Mandy], MemberIds(result.Resource));
    }
}
