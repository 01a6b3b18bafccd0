using System.Text.Json.Nodes;
using static OrgIdentity.Scim.Tests.PatchTests;

namespace OrgIdentity.Scim.Tests;

/// <summary>
/// Thousands of random operations built from awkward paths and values: each request either succeeds or fails with a
/// <see cref="ScimException"/>, and the input document never changes.
/// </summary>
public sealed class PatchRobustnessTests
{
    private static readonly string[] Ops = ["add", "Replace", "remove", "REMOVE"];

    private static readonly string?[] Paths =
    [
        null, "", "userName", "name", "name.givenName", "NAME.FamilyName", "emails", "emails.value", "emails.primary",
        "emails[type eq \"work\"]", "emails[type eq \"work\"].value", "emails[primary eq true].primary",
        "emails[value ew \"example.com\" or type eq \"home\"]", "emails[type eq \"other\" and value eq \"x@y\"].display",
        "addresses[type eq \"home\"].locality", "phoneNumbers[type eq \"mobile\"].value", "active", "title", "id",
        "meta", "meta.created", "groups", "externalId", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "manager", "employeeNumber",
        "unknown", "name.unknown", "emails[unknown eq 1]", "userName[value eq \"x\"]", "schemas",
    ];

    private static readonly string[] Values =
    [
        "null", "\"\"", "\"x\"", "\"True\"", "false", "0", "1.5", "[]", "{}", "[\"a\"]", "[null]", "[[]]",
        """{"value":"a@b","type":"work","primary":true}""", """[{"value":"a@b"},{"value":"A@B","type":"work"}]""",
        """{"givenName":"x","unknown":1}""", """{"active":"False","name.givenName":"y"}""",
        """{"id":"2819c223-7f76-453a-919d-413861904646","displayName":"d"}""", """{"id":"other"}""",
        """{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1"}}""",
        """{"emails":[{"value":"p@q","primary":"true"}],"nickName":null}""", """[{"$ref":null,"display":"d"}]""",
        """{"value":{"nested":[1,{"deeper":true}]}}""",
    ];

    [Fact]
    public void Random_requests_succeed_or_fail_with_a_scim_error_and_never_touch_the_input()
    {
        var random = new Random(20240501);
        var input = User();
        var before = input.DeepClone();
        var failures = 0;

        for (var round = 0; round < 3000; round++)
        {
            var operations = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Operation(random)).ToArray();
            try
            {
                var output = PatchUser(input, operations);
                Assert.NotNull(output["userName"]);
            }
            catch (ScimException exception)
            {
                Assert.Equal(400, exception.Status);
                Assert.StartsWith("Operations[", exception.Detail, StringComparison.Ordinal);
                failures++;
            }

            AssertSame(before, input);
        }

        Assert.InRange(failures, 1, 2999);
    }

    private static readonly string?[] GroupPaths =
    [
        null, "members", "members[value eq \"a\"]", "members[value eq \"a\" or value eq \"b\"]",
        "members[display eq \"x\"]", "members[value eq \"a\"].display", "members.value", "displayName", "id",
        "externalId", "meta.version", "urn:ietf:params:scim:schemas:core:2.0:Group:members",
        "urn:ietf:params:scim:schemas:core:2.0:Group", "owners",
    ];

    private static readonly string[] GroupValues =
    [
        "null", "\"\"", "\"a\"", "[]", "[\"a\",\"b\"]", """[{"value":"a"},{"$ref":null,"value":"b"}]""",
        """{"value":"a","display":"A"}""", """[{"display":"no id"}]""", """[{"value":7}]""",
        """{"id":"e9e30dba-f08f-4109-8486-d5c6a331660a","displayName":"n"}""", """{"members":[{"value":"c"}]}""",
        """{"displayName":null}""", "true",
    ];

    [Fact]
    public void Random_group_requests_give_member_changes_or_a_scim_error_and_never_touch_the_input()
    {
        var random = new Random(20240502);
        var input = Group();
        input.Remove("members");
        var before = input.DeepClone();

        for (var round = 0; round < 3000; round++)
        {
            var operations = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Operation(random, GroupPaths, GroupValues)).ToArray();
            try
            {
                var result = ScimPatcher.ApplyToGroup(input, Operations(operations));
                Assert.False(result.Resource.ContainsKey("members"));
                Assert.All(result.MemberChanges, change => Assert.All(change.MemberIds, id => Assert.NotEmpty(id)));
            }
            catch (ScimException exception)
            {
                Assert.Equal(400, exception.Status);
                Assert.StartsWith("Operations[", exception.Detail, StringComparison.Ordinal);
            }

            AssertSame(before, input);
        }
    }

    private static string Operation(Random random) => Operation(random, Paths, Values);

    private static string Operation(Random random, string?[] paths, string[] values)
    {
        var op = Ops[random.Next(Ops.Length)];
        var path = paths[random.Next(paths.Length)];
        var value = values[random.Next(values.Length)];
        var pathPart = path is null ? "" : $",\"path\":{JsonValue.Create(path)!.ToJsonString()}";
        var valuePart = random.Next(5) == 0 ? "" : $",\"value\":{value}";
        return $$"""{"op":"{{op}}"{{pathPart}}{{valuePart}}}""";
    }
}
