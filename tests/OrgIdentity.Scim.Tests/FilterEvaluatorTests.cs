using System.Text.Json.Nodes;

namespace OrgIdentity.Scim.Tests;

/// <summary>
/// A small User resource type for the filter tests (the schema helper's ScimResourceTypes.User may differ in what it
/// advertises; these tests need fixed attributes), with a test extension holding numbers.
/// </summary>
internal static class FilterTestSchemas
{
    public const string ExtraSchema = "urn:example:params:scim:schemas:extension:test:2.0:User";

    private static ScimAttribute Text(string name, bool caseExact = false) => new() { Name = name, CaseExact = caseExact };

    public static readonly ScimSchema User = new()
    {
        Id = ScimConstants.UserSchema,
        Name = "User",
        Attributes =
        [
            Text("userName"),
            new() { Name = "name", Type = ScimAttributeType.Complex, SubAttributes = [Text("formatted"), Text("familyName"), Text("givenName")] },
            Text("displayName"),
            Text("nickName"),
            Text("title"),
            Text("userType"),
            new() { Name = "active", Type = ScimAttributeType.Boolean },
            new()
            {
                Name = "emails", Type = ScimAttributeType.Complex, MultiValued = true,
                SubAttributes = [Text("value"), Text("type"), new() { Name = "primary", Type = ScimAttributeType.Boolean }],
            },
            new() { Name = "ims", Type = ScimAttributeType.Complex, MultiValued = true, SubAttributes = [Text("value"), Text("type")] },
            new() { Name = "roles", MultiValued = true },
            new() { Name = "photo", Type = ScimAttributeType.Binary, CaseExact = true },
        ],
    };

    public static readonly ScimSchema EnterpriseUser = new()
    {
        Id = ScimConstants.EnterpriseUserSchema,
        Name = "EnterpriseUser",
        Attributes =
        [
            Text("employeeNumber"),
            new() { Name = "manager", Type = ScimAttributeType.Complex, SubAttributes = [new() { Name = "value", CaseExact = true }, Text("displayName")] },
        ],
    };

    public static readonly ScimSchema Extra = new()
    {
        Id = ExtraSchema,
        Name = "Extra",
        Attributes =
        [
            new() { Name = "level", Type = ScimAttributeType.Integer },
            new() { Name = "score", Type = ScimAttributeType.Decimal },
            new() { Name = "hired", Type = ScimAttributeType.DateTime },
            Text("code", caseExact: true),
        ],
    };

    public static readonly ScimResourceType UserType = new()
    {
        Name = "User",
        Endpoint = "/Users",
        Schema = User,
        Extensions = [new(EnterpriseUser, Required: false), new(Extra, Required: false)],
    };

    /// <summary>Barbara Jensen of RFC 7643 §8.2, trimmed.</summary>
    public static JsonObject Bjensen() => JsonNode.Parse("""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
          "id": "2819c223-7f76-453a-919d-413861904646",
          "externalId": "bjensen",
          "meta": { "resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:35Z", "version": "W/\"3694e05e9dff591\"" },
          "userName": "bjensen",
          "name": { "familyName": "O'Malley", "givenName": "Barbara" },
          "title": "Tour Guide",
          "userType": "Employee",
          "active": true,
          "nickName": "",
          "roles": [],
          "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
          ],
          "ims": [ { "value": "someaimhandle", "type": "aim" } ],
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": { "value": "26118915-6090-4610-87e4-49d8ca9f808d" }
          },
          "urn:example:params:scim:schemas:extension:test:2.0:User": { "level": 7, "score": 2.5, "hired": "2019-06-30T22:00:00-02:00", "code": "AbC" }
        }
        """)!.AsObject();
}

public sealed class FilterEvaluatorTests
{
    private static bool Matches(string filter, JsonObject? resource = null) =>
        ScimFilterEvaluator.Matches(resource ?? FilterTestSchemas.Bjensen(), ScimFilterParser.Parse(filter), FilterTestSchemas.UserType);

    private static ScimException Refused(string filter) =>
        Assert.Throws<ScimException>(() => Matches(filter));

    /// <summary>Every example of RFC 7644 §3.4.2.2 against Barbara Jensen.</summary>
    [Theory]
    [InlineData("userName eq \"bjensen\"", true)]
    [InlineData("name.familyName co \"O'Malley\"", true)]
    [InlineData("userName sw \"J\"", false)]
    [InlineData("userName sw \"B\"", true)]
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"", false)]
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"bj\"", true)]
    [InlineData("title pr", true)]
    [InlineData("meta.lastModified gt \"2011-05-13T04:42:34Z\"", true)]
    [InlineData("meta.lastModified ge \"2011-05-13T04:42:34Z\"", true)]
    [InlineData("meta.lastModified lt \"2011-05-13T04:42:34Z\"", false)]
    [InlineData("meta.lastModified le \"2011-05-13T04:42:34Z\"", false)]
    [InlineData("title pr and userType eq \"Employee\"", true)]
    [InlineData("title pr or userType eq \"Intern\"", true)]
    [InlineData("schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"", true)]
    [InlineData("userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")", true)]
    [InlineData("userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")", false)]
    [InlineData("userType eq \"Employee\" and (emails.type eq \"work\")", true)]
    [InlineData("userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]", true)]
    [InlineData("emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]", true)]
    public void The_RFC_examples_evaluate_against_a_sample_user(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
        Assert.Equal(expected, Matches(ScimFilterParser.Parse(filter).ToString()));
    }

    [Theory]
    [InlineData("userName eq \"BJENSEN\"", true)]
    [InlineData("USERNAME Eq BJensen", true)]
    [InlineData("externalId eq \"bjensen\"", true)]
    [InlineData("externalId eq \"BJENSEN\"", false)]
    [InlineData("externalId eq jyoung", false)]
    [InlineData("id eq \"2819C223-7F76-453A-919D-413861904646\"", false)]
    [InlineData("name.FamilyName eq \"o'malley\"", true)]
    [InlineData("urn:example:params:scim:schemas:extension:test:2.0:User:code eq \"abc\"", false)]
    [InlineData("code eq \"AbC\"", true)]
    [InlineData("title co \"guide\"", true)]
    [InlineData("title ew \"GUIDE\"", true)]
    [InlineData("title gt \"tour\"", true)]
    [InlineData("title lt \"TOUR GUIDE\"", false)]
    [InlineData("title le \"TOUR GUIDE\"", true)]
    [InlineData("code gt \"ABC\"", true)]
    [InlineData("code lt \"a\"", true)]
    public void Strings_compare_by_caseExact_ordinally(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Fact]
    public void Document_keys_match_in_any_case()
    {
        var resource = JsonNode.Parse("""
            { "UserName": "bjensen", "NAME": { "GIVENNAME": "Barbara" }, "Emails": [ { "Value": "x@y.z", "TYPE": "work" } ],
              "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": { "EmployeeNumber": "42" } }
            """)!.AsObject();

        Assert.True(Matches("userName eq \"bjensen\" and name.givenName eq \"barbara\" and emails[type eq \"work\"].value eq \"x@y.z\"", resource));
        Assert.True(Matches("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"42\"", resource));
    }

    [Theory]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"", true)]
    [InlineData("employeeNumber eq \"701984\"", true)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"", true)]
    [InlineData("manager.value sw \"26118915\"", true)]
    [InlineData("manager.displayName pr", false)]
    public void Extension_attributes_are_read_under_their_schema_urn(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    /// <summary>SCIM-INTEROP P16: booleans also as strings, in the document and in the filter.</summary>
    [Theory]
    [InlineData("active eq true", true)]
    [InlineData("active eq True", true)]
    [InlineData("active eq \"true\"", true)]
    [InlineData("active eq false", false)]
    [InlineData("active ne false", true)]
    [InlineData("emails[primary eq true].value eq \"bjensen@example.com\"", true)]
    [InlineData("emails[primary eq true].value eq \"babs@jensen.org\"", false)]
    public void Booleans_compare_as_booleans(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Fact]
    public void Boolean_data_sent_as_strings_matches_boolean_filters()
    {
        var resource = JsonNode.Parse("""{ "active": "True", "emails": [ { "value": "a@b.c", "primary": "true" } ] }""")!.AsObject();

        Assert.True(Matches("active eq true", resource));
        Assert.True(Matches("emails[primary eq true].value eq \"a@b.c\"", resource));
        Assert.False(Matches("active eq false", resource));
    }

    [Theory]
    [InlineData("level eq 7", true)]
    [InlineData("level eq 7.0", true)]
    [InlineData("level gt 6", true)]
    [InlineData("level ge 7", true)]
    [InlineData("level lt 7", false)]
    [InlineData("level le \"7\"", true)]
    [InlineData("score gt 2.49", true)]
    [InlineData("score lt 2.5e0", false)]
    [InlineData("score eq 2.50", true)]
    public void Numbers_compare_as_numbers(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("meta.created eq \"2010-01-23T05:56:22+01:00\"", true)]
    [InlineData("meta.created eq \"2010-01-23T04:56:22.000Z\"", true)]
    [InlineData("meta.created eq \"2010-01-23T04:56:22\"", true)]
    [InlineData("hired eq \"2019-07-01T00:00:00Z\"", true)]
    [InlineData("hired gt \"2019-06-30T23:59:59Z\"", true)]
    [InlineData("hired lt \"2019-07-01T00:00:01+00:00\"", true)]
    [InlineData("meta.lastModified ne \"2011-05-13T04:42:35Z\"", false)]
    public void Dates_compare_as_instants(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("nickName pr", false)]
    [InlineData("roles pr", false)]
    [InlineData("displayName pr", false)]
    [InlineData("name pr", true)]
    [InlineData("emails pr", true)]
    [InlineData("emails[type eq \"work\"].value pr", true)]
    [InlineData("emails[type eq \"other\"].value pr", false)]
    [InlineData("displayName eq null", true)]
    [InlineData("nickName eq null", true)]
    [InlineData("title eq null", false)]
    [InlineData("title ne null", true)]
    [InlineData("displayName ne \"x\"", true)]
    [InlineData("displayName eq \"x\"", false)]
    [InlineData("displayName gt \"a\"", false)]
    [InlineData("nickName eq \"\"", true)]
    public void Present_means_not_null_not_empty_and_null_compares_with_eq_and_ne(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Fact]
    public void A_JSON_null_is_absent()
    {
        var resource = JsonNode.Parse("""{ "title": null, "emails": [ null, { "value": null } ] }""")!.AsObject();

        Assert.False(Matches("title pr", resource));
        Assert.True(Matches("title eq null", resource));
        Assert.False(Matches("emails pr", resource));
        Assert.False(Matches("emails.value eq \"x\"", resource));
    }

    [Theory]
    [InlineData("emails.type eq \"home\"", true)]
    [InlineData("emails.type ne \"home\"", false)]
    [InlineData("emails.type ne \"other\"", true)]
    [InlineData("emails eq \"babs@jensen.org\"", true)]
    [InlineData("emails[type eq \"work\"].value eq \"bjensen@example.com\"", true)]
    [InlineData("emails[type eq \"work\"].value eq \"babs@jensen.org\"", false)]
    [InlineData("emails[type eq \"work\" and value ew \".org\"]", false)]
    [InlineData("emails[not (type eq \"work\")]", true)]
    [InlineData("ims[type eq \"xmpp\"]", false)]
    [InlineData("roles eq \"x\"", false)]
    public void A_multi_valued_attribute_matches_when_any_value_does_and_ne_when_none_is_equal(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("nickName eq \"x\" or title eq \"tour guide\"", true)]
    [InlineData("nickName eq \"x\" or title eq \"x\"", false)]
    [InlineData("not (title pr) or userName eq \"bjensen\"", true)]
    [InlineData("not (title pr and userName eq \"bjensen\")", false)]
    [InlineData("title pr and not (userName eq \"x\") and (nickName pr or active eq true)", true)]
    public void Logic_combines_as_expected(string filter, bool expected) =>
        Assert.Equal(expected, Matches(filter));

    [Theory]
    [InlineData("unknown eq \"x\"", "The attribute 'unknown' is not known.")]
    [InlineData("userName eq \"bjensen\" or foo pr", "The attribute 'foo' is not known.")]
    [InlineData("name.middle eq \"x\"", "The attribute 'name.middle' is not known.")]
    [InlineData("urn:example:unknown:User:userName eq \"x\"", "The attribute 'urn:example:unknown:User:userName' is not known.")]
    [InlineData("emails[kind eq \"work\"]", "The attribute 'emails.kind' is not known.")]
    [InlineData("emails[type eq \"work\"].label eq \"x\"", "The attribute 'emails.label' is not known.")]
    [InlineData("active co \"t\"", "The operator 'co' cannot be used with 'active', a boolean attribute.")]
    [InlineData("active gt true", "The operator 'gt' cannot be used with 'active', a boolean attribute.")]
    [InlineData("level sw 1", "The operator 'sw' cannot be used with 'level', a integer attribute.")]
    [InlineData("meta.created co \"2010\"", "The operator 'co' cannot be used with 'meta.created', a dateTime attribute.")]
    [InlineData("photo gt \"AA\"", "The operator 'gt' cannot be used with 'photo', a binary attribute.")]
    [InlineData("active eq \"yes\"", "The value \"yes\" compared with 'active' is not a boolean.")]
    [InlineData("level eq 7.5", "The value 7.5 compared with 'level' is not a integer.")]
    [InlineData("score eq abc", "The value \"abc\" compared with 'score' is not a number.")]
    [InlineData("meta.created gt \"yesterday\"", "The value \"yesterday\" compared with 'meta.created' is not a dateTime.")]
    [InlineData("meta.created gt 2010", "The value 2010 compared with 'meta.created' is not a dateTime.")]
    [InlineData("title gt null", "The value null can only be compared with 'eq' or 'ne', not 'gt'.")]
    [InlineData("name eq \"x\"", "The attribute 'name' is complex: name one of its sub-attributes.")]
    public void Refused_filters_are_invalidFilter_naming_the_attribute(string filter, string detail)
    {
        var error = Refused(filter);

        Assert.Equal(400, error.Status);
        Assert.Equal(ScimErrorType.InvalidFilter, error.ScimType);
        Assert.Equal(detail, error.Detail);
    }

    [Fact]
    public void MatchesElement_reads_the_paths_as_sub_attributes_of_the_multi_valued_attribute()
    {
        var emails = FilterTestSchemas.User.FindAttribute("emails")!;
        var work = JsonNode.Parse("""{ "value": "a@b.c", "type": "Work", "primary": "true" }""")!;

        Assert.True(ScimFilterEvaluator.MatchesElement(work, ScimFilterParser.ParsePath("emails[type eq \"work\"]").ValueFilter!, emails));
        Assert.True(ScimFilterEvaluator.MatchesElement(work, ScimFilterParser.Parse("primary eq true and value co \"@b\""), emails));
        Assert.False(ScimFilterEvaluator.MatchesElement(work, ScimFilterParser.Parse("type eq \"home\""), emails));
        var error = Assert.Throws<ScimException>(() => ScimFilterEvaluator.MatchesElement(work, ScimFilterParser.Parse("display eq \"x\""), emails));
        Assert.Equal(ScimErrorType.InvalidFilter, error.ScimType);
        Assert.Equal("The attribute 'emails.display' is not known.", error.Detail);
    }

    [Fact]
    public void MatchesElement_on_simple_values_names_the_element_value()
    {
        var roles = FilterTestSchemas.User.FindAttribute("roles")!;

        Assert.True(ScimFilterEvaluator.MatchesElement(JsonValue.Create("Admin"), ScimFilterParser.Parse("value eq \"admin\""), roles));
        Assert.False(ScimFilterEvaluator.MatchesElement(JsonValue.Create("Admin"), ScimFilterParser.Parse("value sw \"x\""), roles));
    }

    [Fact]
    public void Documents_built_from_CLR_values_are_read_like_parsed_ones()
    {
        var resource = new JsonObject
        {
            ["userName"] = "bjensen",
            ["active"] = true,
            ["meta"] = new JsonObject { ["created"] = JsonValue.Create(new DateTime(2010, 1, 23, 4, 56, 22, DateTimeKind.Utc)) },
            [FilterTestSchemas.ExtraSchema] = new JsonObject { ["level"] = 7, ["score"] = 2.5m },
        };

        Assert.True(Matches("userName eq \"bjensen\" and active eq true and level ge 7 and score lt 3 and meta.created eq \"2010-01-23T04:56:22Z\"", resource));
    }
}

public sealed class FilterOnPublishedSchemasTests
{
    /// <summary>SCIM-INTEROP Q1: the matching filters Entra and Okta send, against the library's own User and Group types.</summary>
    [Theory]
    [InlineData("userName eq \"BJensen@Example.com\"", true)]
    [InlineData("externalId eq bj-1", true)]
    [InlineData("emails[type eq \"work\"].value eq \"bjensen@example.com\"", true)]
    [InlineData("active eq true and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"", true)]
    [InlineData("emails[primary eq true].value pr", true)]
    public void User_matching_filters_work_on_ScimResourceTypes_User(string filter, bool expected)
    {
        var user = JsonNode.Parse("""
            { "userName": "bjensen@example.com", "externalId": "bj-1", "active": "True",
              "emails": [ { "value": "bjensen@example.com", "type": "work", "primary": "true" } ],
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": "701984" } }
            """)!.AsObject();

        Assert.Equal(expected, ScimFilterEvaluator.Matches(user, ScimFilterParser.Parse(filter), ScimResourceTypes.User));
    }

    [Fact]
    public void Group_matching_and_member_value_filters_work_on_ScimResourceTypes_Group()
    {
        var group = JsonNode.Parse("""{ "displayName": "Sales", "members": [ { "value": "2819c223" } ] }""")!.AsObject();
        var members = ScimSchemas.Group.FindAttribute("members")!;

        Assert.True(ScimFilterEvaluator.Matches(group, ScimFilterParser.Parse("displayName eq \"sales\""), ScimResourceTypes.Group));
        Assert.True(ScimFilterEvaluator.MatchesElement(group["members"]![0]!, ScimFilterParser.ParsePath("members[value eq \"2819c223\"]").ValueFilter!, members));
    }
}
