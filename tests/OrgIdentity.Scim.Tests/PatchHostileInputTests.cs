using static OrgIdentity.Scim.Tests.PatchTests;

namespace OrgIdentity.Scim.Tests;

/// <summary>Hostile or broken bodies end in a <see cref="ScimException"/>, never in anything else.</summary>
public sealed class PatchHostileInputTests
{
    [Theory]
    [InlineData("""{"Operations":[{"op":"add","path":"title","value":"x"}],"Operations":[]}""")]
    [InlineData("""{"Operations":[{"op":"add","op":"remove","path":"title"}]}""")]
    [InlineData("""{"Operations":[{"op":"add","value":{"title":"x","title":"y"}}]}""")]
    [InlineData("""{"Operations":[{"op":"add","path":"emails","value":[{"value":"a@b","value":"c@d"}]}]}""")]
    public void Duplicate_keys_are_invalid_syntax(string body)
    {
        Fails(ScimErrorType.InvalidSyntax, () => ScimPatcher.Apply(User(), Body(body), ScimResourceTypes.User));
    }

    [Fact]
    public void A_body_nested_too_deep_is_invalid_syntax()
    {
        var value = new System.Text.Json.Nodes.JsonObject();
        var innermost = value;
        for (var level = 0; level < 100; level++)
        {
            var next = new System.Text.Json.Nodes.JsonObject();
            innermost["a"] = next;
            innermost = next;
        }

        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["Operations"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["op"] = "add", ["value"] = value }),
        };

        var error = Fails(ScimErrorType.InvalidSyntax, () => ScimPatchRequest.Parse(body));
        Assert.Contains("64", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"op":"add","path":"name","value":{"givenName":{"a":{"b":[1,2,{"c":null}]}}}}""")]
    [InlineData("""{"op":"add","value":{"name":[[[["x"]]]]}}""")]
    [InlineData("""{"op":"add","path":"emails","value":[[{"value":"a@b"},{"value":"c@d"}]]}""")]
    [InlineData("""{"op":"replace","path":"active","value":{"true":true}}""")]
    [InlineData("""{"op":"replace","path":"emails[type eq \"work\"].value","value":["a","b"]}""")]
    public void Values_in_shapes_no_schema_has_are_invalid_value(string operation)
    {
        Fails(ScimErrorType.InvalidValue, () => PatchUser(User(), operation));
    }
}
