using System.Diagnostics;
using System.Text.Json.Nodes;
using static OrgIdentity.Scim.Tests.PatchTests;

namespace OrgIdentity.Scim.Tests;

/// <summary>
/// Whole-document PATCH of a group with 100,000 members stays linear: de-duplication and removal look values up
/// by their <c>value</c> instead of comparing every pair (which would take minutes here).
/// </summary>
public sealed class PatchLargeGroupTests
{
    private const int Size = 100_000;

    private static JsonObject LargeGroup()
    {
        var members = new JsonArray();
        for (var number = 0; number < Size; number++)
        {
            members.Add(new JsonObject { ["value"] = $"user-{number}" });
        }

        var group = Group();
        group["members"] = members;
        return group;
    }

    private static string MemberList(int from, int count) =>
        "[" + string.Join(",", Enumerable.Range(from, count).Select(number => $$"""{"value":"user-{{number}}"}""")) + "]";

    [Fact]
    public void Replacing_adding_and_removing_many_members_of_a_large_group_is_fast()
    {
        var group = LargeGroup();
        var stopwatch = Stopwatch.StartNew();

        var replaced = PatchGroup(group, $$"""{"op":"replace","path":"members","value":{{MemberList(0, Size)}}}""");
        var added = PatchGroup(replaced, $$"""{"op":"add","path":"members","value":{{MemberList(Size - 500, 1_000)}}}""");
        var removed = PatchGroup(added, $$"""{"op":"remove","path":"members","value":{{MemberList(0, 1_000)}}}""");
        var filtered = PatchGroup(removed, """{"op":"remove","path":"members[value eq \"user-5000\"]"}""");

        Assert.Equal(Size, replaced["members"]!.AsArray().Count);
        Assert.Equal(Size + 500, added["members"]!.AsArray().Count);
        Assert.Equal(Size - 500, removed["members"]!.AsArray().Count);
        Assert.Equal(Size - 501, filtered["members"]!.AsArray().Count);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}");
    }
}
