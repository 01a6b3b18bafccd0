using System.Text.Json.Nodes;
using static OrgIdentity.Scim.Tests.PatchTests;

namespace OrgIdentity.Scim.Tests;

/// <summary>Every PATCH error, with its status, scimType and the operation it names.</summary>
public sealed class PatchErrorTests
{
    /// <summary>A resource type with what the standard schemas lack: immutables, numbers, dates, simple lists.</summary>
    private static readonly ScimResourceType Device = new()
    {
        Name = "Device",
        Endpoint = "/Devices",
        Schema = new ScimSchema
        {
            Id = "urn:example:scim:schemas:Device",
            Name = "Device",
            Attributes =
            [
                new() { Name = "label", Required = true },
                new() { Name = "serialNumber", Mutability = ScimMutability.Immutable, CaseExact = true },
                new() { Name = "ports", Type = ScimAttributeType.Integer },
                new() { Name = "weight", Type = ScimAttributeType.Decimal },
                new() { Name = "installedAt", Type = ScimAttributeType.DateTime },
                new() { Name = "tags", MultiValued = true },
                new()
                {
                    Name = "owner", Type = ScimAttributeType.Complex,
                    SubAttributes = [new() { Name = "value" }, new() { Name = "displayName", Mutability = ScimMutability.ReadOnly }],
                },
                new()
                {
                    Name = "slots", Type = ScimAttributeType.Complex, MultiValued = true,
                    SubAttributes =
                    [
                        new() { Name = "value", Required = true, Mutability = ScimMutability.Immutable },
                        new() { Name = "type" },
                    ],
                },
            ],
        },
    };

    private static JsonObject NewDevice() => Json("""
        {"schemas":["urn:example:scim:schemas:Device"],"id":"d1","label":"Router","slots":[{"value":"a","type":"fast"}]}
        """);

    private static JsonObject PatchDevice(JsonObject device, params string[] operations) =>
        ScimPatcher.Apply(device, Operations(operations), Device);

    [Theory]
    [InlineData("[]")]
    [InlineData("\"Operations\"")]
    [InlineData("{}")]
    [InlineData("""{"Operations":{}}""")]
    [InlineData("""{"Operations":[]}""")]
    [InlineData("""{"Operations":[42]}""")]
    [InlineData("""{"Operations":[{"path":"title","value":"x"}]}""")]
    [InlineData("""{"Operations":[{"op":7,"path":"title"}]}""")]
    [InlineData("""{"Operations":[{"op":"add","path":7,"value":"x"}]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"add","path":"title","value":"x"}]}""")]
    public void A_malformed_body_is_invalid_syntax(string body)
    {
        Fails(ScimErrorType.InvalidSyntax, () => Body(body));
    }

    [Fact]
    public void A_missing_body_is_invalid_syntax()
    {
        Fails(ScimErrorType.InvalidSyntax, () => ScimPatchRequest.Parse(null));
    }

    [Fact]
    public void An_unknown_operation_is_invalid_syntax_naming_its_index()
    {
        var error = Fails(ScimErrorType.InvalidSyntax, () => Operations(
            """{"op":"add","path":"title","value":"x"}""",
            """{"op":"merge","path":"title","value":"x"}"""));

        Assert.StartsWith("Operations[1]: ", error.Detail, StringComparison.Ordinal);
        Assert.Contains("merge", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_PatchOp_envelope_may_be_missing()
    {
        var request = Body("""{"Operations":[{"op":"add","path":"title","value":"x"}]}""");

        Assert.Single(request.Operations);
    }

    [Fact]
    public void A_blank_path_counts_as_none()
    {
        var request = Operations("""{"op":"replace","path":" ","value":{"title":"x"}}""");

        Assert.Null(request.Operations[0].Path);
        Assert.Null(request.Operations[0].PathText);
    }

    [Fact]
    public void Operations_keep_their_index_path_and_value()
    {
        var request = Operations(
            """{"op":"add","path":"title","value":"x"}""",
            """{"op":"remove","path":"emails[type eq \"work\"].value"}""");

        var operation = request.Operations[1];
        Assert.Equal(1, operation.Index);
        Assert.Equal(ScimPatchOperationType.Remove, operation.Type);
        Assert.Equal("emails[type eq \"work\"].value", operation.PathText);
        Assert.Equal("emails", operation.Path!.AttributeName);
        Assert.NotNull(operation.Path.ValueFilter);
        Assert.Equal("value", operation.Path.SubAttributeName);
        Assert.Null(operation.Value);
    }

    [Fact]
    public void A_malformed_path_is_invalid_path_naming_its_index()
    {
        var error = Fails(ScimErrorType.InvalidPath, () => Operations(
            """{"op":"add","path":"title","value":"x"}""",
            """{"op":"add","path":"emails[type eq","value":"x"}"""));

        Assert.StartsWith("Operations[1]: ", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"op":"add","path":"favouriteColour","value":"blue"}""")]
    [InlineData("""{"op":"replace","path":"name.nickname","value":"x"}""")]
    [InlineData("""{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize"}""")]
    [InlineData("""{"op":"replace","path":"urn:example:unknown:2.0:User:title","value":"x"}""")]
    [InlineData("""{"op":"remove","path":"urn:example:unknown:2.0:User"}""")]
    [InlineData("""{"op":"replace","value":{"favouriteColour":"blue"}}""")]
    [InlineData("""{"op":"replace","path":"userName[value eq \"x\"]","value":"y"}""")]
    [InlineData("""{"op":"replace","path":"emails[colour eq \"red\"].value","value":"y"}""")]
    public void An_unknown_attribute_or_a_wrong_path_is_invalid_path(string operation)
    {
        var error = Fails(ScimErrorType.InvalidPath, () => PatchUser(User(), operation));

        Assert.StartsWith("Operations[0]: ", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Remove_without_a_path_is_no_target()
    {
        var error = Fails(ScimErrorType.NoTarget, () => PatchUser(User(), """{"op":"remove","value":{"title":"x"}}"""));

        Assert.StartsWith("Operations[0]: ", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filter_that_matches_nothing_and_describes_no_value_is_no_target()
    {
        Fails(ScimErrorType.NoTarget,
            () => PatchUser(User(), """{"op":"replace","path":"emails[value ew \"example.net\"].type","value":"work"}"""));
    }

    [Theory]
    [InlineData("""{"op":"replace","value":"x"}""")]
    [InlineData("""{"op":"replace","value":[{"title":"x"}]}""")]
    [InlineData("""{"op":"replace","path":"active","value":"maybe"}""")]
    [InlineData("""{"op":"replace","path":"active","value":1}""")]
    [InlineData("""{"op":"replace","path":"title","value":42}""")]
    [InlineData("""{"op":"replace","path":"title","value":{"text":"x"}}""")]
    [InlineData("""{"op":"replace","path":"name","value":"Babs"}""")]
    [InlineData("""{"op":"add","path":"emails","value":[{"value":{"address":"x"}}]}""")]
    [InlineData("""{"op":"add","path":"emails","value":[{"display":"no known sub-attribute"}]}""")]
    [InlineData("""{"op":"replace","path":"emails[type eq \"work\"].primary","value":"yes"}""")]
    public void A_value_of_the_wrong_type_is_invalid_value(string operation)
    {
        var error = Fails(ScimErrorType.InvalidValue, () => PatchUser(User(), operation));

        Assert.StartsWith("Operations[0]: ", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"op":"replace","path":"meta","value":{"created":"2020-01-01T00:00:00Z"}}""")]
    [InlineData("""{"op":"replace","path":"meta.lastModified","value":"2020-01-01T00:00:00Z"}""")]
    [InlineData("""{"op":"add","path":"groups","value":[{"value":"g1"}]}""")]
    [InlineData("""{"op":"replace","path":"id","value":"another"}""")]
    [InlineData("""{"op":"remove","path":"id"}""")]
    [InlineData("""{"op":"replace","value":{"meta":{"version":"W/\"1\""}}}""")]
    public void A_read_only_attribute_is_a_mutability_error(string operation)
    {
        var error = Fails(ScimErrorType.Mutability, () => PatchUser(User(), operation));

        Assert.StartsWith("Operations[0]: ", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeating_the_own_id_at_the_id_path_changes_nothing()
    {
        var user = PatchUser(User(), $$"""{"op":"replace","path":"id","value":"{{UserId}}"}""");

        AssertSame(User(), user);
    }

    [Theory]
    [InlineData("""{"op":"remove","path":"userName"}""")]
    [InlineData("""{"op":"replace","path":"userName","value":""}""")]
    [InlineData("""{"op":"replace","value":{"userName":null}}""")]
    public void Removing_a_required_attribute_is_a_mutability_error(string operation)
    {
        Fails(ScimErrorType.Mutability, () => PatchUser(User(), operation));
    }

    [Fact]
    public void An_immutable_attribute_may_be_set_while_it_has_no_value()
    {
        var device = PatchDevice(NewDevice(), """{"op":"add","path":"serialNumber","value":"SN-1"}""");
        var again = PatchDevice(device, """{"op":"replace","path":"serialNumber","value":"SN-1"}""");

        Assert.Equal("SN-1", (string)device["serialNumber"]!);
        AssertSame(device, again);
    }

    [Theory]
    [InlineData("""{"op":"replace","path":"serialNumber","value":"SN-2"}""")]
    [InlineData("""{"op":"add","path":"serialNumber","value":"SN-2"}""")]
    [InlineData("""{"op":"remove","path":"serialNumber"}""")]
    [InlineData("""{"op":"replace","path":"serialNumber","value":""}""")]
    [InlineData("""{"op":"replace","path":"slots[value eq \"a\"].value","value":"b"}""")]
    [InlineData("""{"op":"replace","path":"slots[value eq \"a\"]","value":{"value":"b","type":"fast"}}""")]
    public void An_immutable_value_cannot_change(string operation)
    {
        var device = PatchDevice(NewDevice(), """{"op":"add","path":"serialNumber","value":"SN-1"}""");

        Fails(ScimErrorType.Mutability, () => PatchDevice(device, operation));
    }

    [Fact]
    public void Values_holding_an_immutable_sub_attribute_can_still_be_added_and_removed()
    {
        var device = PatchDevice(NewDevice(),
            """{"op":"add","path":"slots","value":[{"value":"b"}]}""",
            """{"op":"remove","path":"slots[value eq \"a\"]"}""",
            """{"op":"replace","path":"slots[value eq \"b\"].type","value":"slow"}""");

        AssertJson("""[{"value":"b","type":"slow"}]""", device["slots"]);
    }

    [Fact]
    public void A_new_value_must_carry_its_required_sub_attributes()
    {
        Fails(ScimErrorType.InvalidValue, () => PatchDevice(NewDevice(), """{"op":"add","path":"slots","value":[{"type":"slow"}]}"""));
    }

    [Fact]
    public void Numbers_and_dates_are_checked_and_numeric_strings_accepted()
    {
        var device = PatchDevice(NewDevice(),
            """{"op":"add","path":"ports","value":"8"}""",
            """{"op":"add","path":"weight","value":1.25}""",
            """{"op":"add","path":"installedAt","value":"2024-05-01T10:00:00Z"}""");

        AssertJson("8", device["ports"]);
        AssertJson("1.25", device["weight"]);
        Assert.Equal("2024-05-01T10:00:00Z", (string)device["installedAt"]!);
        Fails(ScimErrorType.InvalidValue, () => PatchDevice(NewDevice(), """{"op":"add","path":"ports","value":8.5}"""));
        Fails(ScimErrorType.InvalidValue, () => PatchDevice(NewDevice(), """{"op":"add","path":"installedAt","value":"yesterday"}"""));
    }

    [Fact]
    public void A_read_only_sub_attribute_inside_a_value_is_ignored_but_refused_as_a_path()
    {
        var device = PatchDevice(NewDevice(), """{"op":"add","path":"owner","value":{"value":"u1","displayName":"Someone"}}""");

        AssertJson("""{"value":"u1"}""", device["owner"]);
        Fails(ScimErrorType.Mutability, () => PatchDevice(device, """{"op":"replace","path":"owner.displayName","value":"x"}"""));
    }

    [Fact]
    public void Simple_multi_valued_attributes_add_without_repeats_and_remove_listed_values()
    {
        var device = PatchDevice(NewDevice(),
            """{"op":"add","path":"tags","value":["edge","core"]}""",
            """{"op":"add","path":"tags","value":"EDGE"}""",
            """{"op":"remove","path":"tags","value":["core"]}""");

        AssertJson("""["edge"]""", device["tags"]);
    }

    [Fact]
    public void A_failure_in_a_path_less_value_names_the_operation()
    {
        var error = Fails(ScimErrorType.InvalidValue, () => PatchUser(User(),
            """{"op":"replace","value":{"displayName":"x"}}""",
            """{"op":"replace","value":{"displayName":"y","active":"sometimes"}}"""));

        Assert.StartsWith("Operations[1]: ", error.Detail, StringComparison.Ordinal);
        Assert.Contains("active", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_request_leaves_the_document_unchanged()
    {
        var input = User();
        var before = input.DeepClone();

        Fails(ScimErrorType.Mutability, () => PatchUser(input,
            """{"op":"add","path":"emails","value":[{"value":"new@example.com","type":"other"}]}""",
            """{"op":"replace","path":"name.givenName","value":"Babs"}""",
            """{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}"""));

        AssertSame(before, input);
    }
}
