namespace OrgIdentity.Scim.Tests;

public sealed class FilterParserTests
{
    /// <summary>Every example filter of RFC 7644 §3.4.2.2, with its canonical text.</summary>
    public static TheoryData<string, string> RfcExamples => new()
    {
        { "userName eq \"bjensen\"", "userName eq \"bjensen\"" },
        { "name.familyName co \"O'Malley\"", "name.familyName co \"O'Malley\"" },
        { "userName sw \"J\"", "userName sw \"J\"" },
        { "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"", "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"" },
        { "title pr", "title pr" },
        { "meta.lastModified gt \"2011-05-13T04:42:34Z\"", "meta.lastModified gt \"2011-05-13T04:42:34Z\"" },
        { "meta.lastModified ge \"2011-05-13T04:42:34Z\"", "meta.lastModified ge \"2011-05-13T04:42:34Z\"" },
        { "meta.lastModified lt \"2011-05-13T04:42:34Z\"", "meta.lastModified lt \"2011-05-13T04:42:34Z\"" },
        { "meta.lastModified le \"2011-05-13T04:42:34Z\"", "meta.lastModified le \"2011-05-13T04:42:34Z\"" },
        { "title pr and userType eq \"Employee\"", "title pr and userType eq \"Employee\"" },
        { "title pr or userType eq \"Intern\"", "title pr or userType eq \"Intern\"" },
        {
            "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"",
            "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\""
        },
        {
            "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")",
            "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")"
        },
        {
            "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
            "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")"
        },
        { "userType eq \"Employee\" and (emails.type eq \"work\")", "userType eq \"Employee\" and emails.type eq \"work\"" },
        {
            "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
            "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]"
        },
        {
            "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
            "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]"
        },
    };

    [Theory]
    [MemberData(nameof(RfcExamples))]
    public void The_RFC_examples_parse_to_canonical_text_that_parses_back_to_the_same_tree(string filter, string canonical)
    {
        var parsed = ScimFilterParser.Parse(filter);

        Assert.Equal(canonical, parsed.ToString());
        Assert.Equal(parsed, ScimFilterParser.Parse(parsed.ToString()));
    }

    [Fact]
    public void A_comparison_keeps_its_path_operator_value_and_position()
    {
        var filter = ScimFilterParser.Parse("  userName eq \"bjensen\"");

        var comparison = Assert.IsType<ScimComparisonFilter>(filter);
        Assert.Equal(new ScimPath(null, "userName", null, null), comparison.Path);
        Assert.Equal(ScimComparisonOperator.Equal, comparison.Operator);
        Assert.Equal(new ScimLiteral(ScimLiteralKind.String, "bjensen", Quoted: true), comparison.Value);
        Assert.True(comparison.Value.Quoted);
        Assert.Equal(2, comparison.Position);
    }

    [Theory]
    [InlineData("userName eq \"x\"", ScimComparisonOperator.Equal)]
    [InlineData("userName NE \"x\"", ScimComparisonOperator.NotEqual)]
    [InlineData("userName Co \"x\"", ScimComparisonOperator.Contains)]
    [InlineData("userName sW \"x\"", ScimComparisonOperator.StartsWith)]
    [InlineData("userName ew \"x\"", ScimComparisonOperator.EndsWith)]
    [InlineData("userName gt \"x\"", ScimComparisonOperator.GreaterThan)]
    [InlineData("userName GE \"x\"", ScimComparisonOperator.GreaterThanOrEqual)]
    [InlineData("userName lt \"x\"", ScimComparisonOperator.LessThan)]
    [InlineData("userName le \"x\"", ScimComparisonOperator.LessThanOrEqual)]
    public void Every_operator_parses_in_any_case(string filter, ScimComparisonOperator expected) =>
        Assert.Equal(expected, Assert.IsType<ScimComparisonFilter>(ScimFilterParser.Parse(filter)).Operator);

    [Fact]
    public void And_binds_tighter_than_or()
    {
        var filter = ScimFilterParser.Parse("a eq 1 or b eq 2 and c eq 3");

        var or = Assert.IsType<ScimLogicalFilter>(filter);
        Assert.Equal(ScimLogicalOperator.Or, or.Operator);
        Assert.Equal(ScimLogicalOperator.And, Assert.IsType<ScimLogicalFilter>(or.Right).Operator);
        Assert.Equal("a eq 1 or b eq 2 and c eq 3", filter.ToString());
    }

    [Fact]
    public void Parentheses_group_and_stay_in_the_canonical_text_only_where_needed()
    {
        var filter = ScimFilterParser.Parse("(a eq 1 or b eq 2) and ((c eq 3))");

        var and = Assert.IsType<ScimLogicalFilter>(filter);
        Assert.Equal(ScimLogicalOperator.And, and.Operator);
        Assert.Equal(ScimLogicalOperator.Or, Assert.IsType<ScimLogicalFilter>(and.Left).Operator);
        Assert.Equal("(a eq 1 or b eq 2) and c eq 3", filter.ToString());
    }

    [Fact]
    public void Logical_operators_group_left_to_right_and_a_right_group_keeps_its_parentheses()
    {
        var leftToRight = ScimFilterParser.Parse("a pr or b pr or c pr");
        var rightGroup = ScimFilterParser.Parse("a pr or (b pr or c pr)");

        Assert.IsType<ScimLogicalFilter>(Assert.IsType<ScimLogicalFilter>(leftToRight).Left);
        Assert.Equal("a pr or b pr or c pr", leftToRight.ToString());
        Assert.IsType<ScimLogicalFilter>(Assert.IsType<ScimLogicalFilter>(rightGroup).Right);
        Assert.Equal("a pr or (b pr or c pr)", rightGroup.ToString());
        Assert.NotEqual(leftToRight, rightGroup);
    }

    [Fact]
    public void Not_binds_tightest_and_accepts_any_case_and_no_space()
    {
        var filter = ScimFilterParser.Parse("NOT(a pr) and b pr");

        var and = Assert.IsType<ScimLogicalFilter>(filter);
        Assert.IsType<ScimNotFilter>(and.Left);
        Assert.Equal("not (a pr) and b pr", filter.ToString());
    }

    [Fact]
    public void Whitespace_is_tolerated_everywhere_between_tokens()
    {
        var filter = ScimFilterParser.Parse("\t( userName   eq\"x\" )AND emails[ type eq \"work\" ]  or  not   ( title  pr )  ");

        Assert.Equal("userName eq \"x\" and emails[type eq \"work\"] or not (title pr)", filter.ToString());
    }

    [Fact]
    public void A_value_path_is_a_filter_of_its_own()
    {
        var filter = ScimFilterParser.Parse("emails[type eq \"work\" and value co \"@example.com\"]");

        var valuePath = Assert.IsType<ScimValuePathFilter>(filter);
        Assert.Equal("emails", valuePath.Path.AttributeName);
        Assert.Null(valuePath.Path.SubAttributeName);
        var inner = Assert.IsType<ScimLogicalFilter>(valuePath.Path.ValueFilter);
        Assert.Equal(7, inner.Position);
    }

    [Fact]
    public void Entra_sends_a_value_path_followed_by_a_sub_attribute_and_a_comparison()
    {
        var filter = ScimFilterParser.Parse("emails[type eq \"work\"].value eq \"x@example.com\"");

        var comparison = Assert.IsType<ScimComparisonFilter>(filter);
        Assert.Equal("emails", comparison.Path.AttributeName);
        Assert.Equal("value", comparison.Path.SubAttributeName);
        Assert.Equal("type eq \"work\"", comparison.Path.ValueFilter!.ToString());
        Assert.Equal("emails[type eq \"work\"].value eq \"x@example.com\"", filter.ToString());
    }

    [Theory]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915\"",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "value")]
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"x\"",
        "urn:ietf:params:scim:schemas:core:2.0:User", "userName", null)]
    [InlineData("URN:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"7\"",
        "URN:ietf:params:scim:schemas:extension:enterprise:2.0:User", "employeeNumber", null)]
    public void A_URN_ends_at_the_last_colon_before_the_attribute_name(string filter, string urn, string attribute, string? subAttribute)
    {
        var path = Assert.IsType<ScimComparisonFilter>(ScimFilterParser.Parse(filter)).Path;

        Assert.Equal(new ScimPath(urn, attribute, null, subAttribute), path);
    }

    [Fact]
    public void A_URN_qualified_value_path_parses()
    {
        var filter = ScimFilterParser.Parse("urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value pr");

        var path = Assert.IsType<ScimPresentFilter>(filter).Path;
        Assert.Equal("urn:ietf:params:scim:schemas:core:2.0:User", path.SchemaUrn);
        Assert.Equal("emails", path.AttributeName);
        Assert.Equal("value", path.SubAttributeName);
    }

    /// <summary>SCIM-INTEROP §1.3 Q2: unquoted values from Entra's tutorial and Microsoft's Postman suite.</summary>
    [Theory]
    [InlineData("externalId eq jyoung", "externalId", "jyoung")]
    [InlineData("userName sw O", "userName", "O")]
    [InlineData("name.FamilyName eq Employee", "name.FamilyName", "Employee")]
    [InlineData("userName eq x@example.com", "userName", "x@example.com")]
    public void Unquoted_words_are_strings(string filter, string path, string value)
    {
        var comparison = Assert.IsType<ScimComparisonFilter>(ScimFilterParser.Parse(filter));

        Assert.Equal(path, comparison.Path.ToString());
        Assert.Equal(ScimLiteralKind.String, comparison.Value.Kind);
        Assert.Equal(value, comparison.Value.Text);
        Assert.False(comparison.Value.Quoted);
        Assert.Equal(ScimFilterParser.Parse($"{path} {ScimFilterText.Operator(comparison.Operator)} \"{value}\""), comparison);
    }

    [Fact]
    public void An_unquoted_word_stops_at_a_closing_parenthesis_or_bracket()
    {
        var filter = ScimFilterParser.Parse("(externalId eq jyoung) and emails[value eq a@b.c]");

        Assert.Equal("externalId eq \"jyoung\" and emails[value eq \"a@b.c\"]", filter.ToString());
    }

    /// <summary>SCIM-INTEROP §1.3 Q3: attribute names, operators and keywords in any case.</summary>
    [Fact]
    public void Names_operators_and_keywords_are_case_insensitive_and_keep_their_spelling()
    {
        var filter = ScimFilterParser.Parse("DisplayName Eq \"x\" AND emails.Value PR Or meta.Created GT \"2020-01-01T00:00:00Z\"");

        Assert.Equal("DisplayName eq \"x\" and emails.Value pr or meta.Created gt \"2020-01-01T00:00:00Z\"", filter.ToString());
    }

    [Theory]
    [InlineData("active eq true", ScimLiteralKind.Boolean, "true")]
    [InlineData("active eq False", ScimLiteralKind.Boolean, "false")]
    [InlineData("title eq null", ScimLiteralKind.Null, "null")]
    [InlineData("age gt 42", ScimLiteralKind.Number, "42")]
    [InlineData("age gt -1.5e3", ScimLiteralKind.Number, "-1.5e3")]
    [InlineData("age gt 0.25", ScimLiteralKind.Number, "0.25")]
    [InlineData("title eq \"true\"", ScimLiteralKind.String, "true")]
    [InlineData("title eq 01", ScimLiteralKind.String, "01")]
    [InlineData("title eq 1.", ScimLiteralKind.String, "1.")]
    public void Literals_have_their_kind(string filter, ScimLiteralKind kind, string text)
    {
        var value = Assert.IsType<ScimComparisonFilter>(ScimFilterParser.Parse(filter)).Value;

        Assert.Equal(kind, value.Kind);
        Assert.Equal(text, value.Text);
    }

    /// <summary>SCIM-INTEROP §1.3 Q7: quotes and backslashes in values.</summary>
    [Theory]
    [InlineData(@"displayName eq ""say \""hi\""""", "say \"hi\"", @"displayName eq ""say \""hi\""""")]
    [InlineData(@"displayName eq ""C:\\temp""", @"C:\temp", @"displayName eq ""C:\\temp""")]
    [InlineData(@"displayName eq ""caf\u00e9 \/ \t""", "café / \t", @"displayName eq ""café / \t""")]
    [InlineData(@"displayName eq ""a\nb\u0001""", "a\nb\u0001", @"displayName eq ""a\nb\u0001""")]
    [InlineData(@"displayName eq ""(x) and [y] or ]""", "(x) and [y] or ]", @"displayName eq ""(x) and [y] or ]""")]
    public void Json_escapes_are_read_and_written_back(string filter, string value, string canonical)
    {
        var parsed = Assert.IsType<ScimComparisonFilter>(ScimFilterParser.Parse(filter));

        Assert.Equal(value, parsed.Value.Text);
        Assert.Equal(canonical, parsed.ToString());
        Assert.Equal(parsed, ScimFilterParser.Parse(parsed.ToString()));
    }

    [Fact]
    public void Sub_attributes_and_ref_names_parse()
    {
        var filter = ScimFilterParser.Parse("members.$ref eq \"https://x/Users/1\" and x-y_z.a1 pr");

        Assert.Equal("members.$ref eq \"https://x/Users/1\" and x-y_z.a1 pr", filter.ToString());
    }

    [Fact]
    public void Equality_ignores_positions_and_quoting()
    {
        Assert.Equal(ScimFilterParser.Parse("  a   eq   x"), ScimFilterParser.Parse("a eq \"x\""));
        Assert.Equal(ScimFilterParser.Parse("a eq \"x\"").GetHashCode(), ScimFilterParser.Parse("   a eq x").GetHashCode());
        Assert.NotEqual(ScimFilterParser.Parse("a eq \"x\""), ScimFilterParser.Parse("a eq \"X\""));
        Assert.NotEqual<ScimFilter>(ScimFilterParser.Parse("a pr"), ScimFilterParser.Parse("not (a pr)"));
    }

    [Theory]
    [InlineData("", "The filter is empty.")]
    [InlineData("   ", "The filter is empty.")]
    [InlineData("userName", "Invalid filter: Expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after 'userName' at position 8.")]
    [InlineData("userName xx \"a\"", "Invalid filter: Expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after 'userName' at position 9.")]
    [InlineData("userName eq", "Invalid filter: Expected a value (a quoted string, true, false, null or a number) at position 11.")]
    [InlineData("userName eq \"bjensen", "Invalid filter: Expected a closing '\"' for the string at position 12.")]
    [InlineData("userName eq \"a\\qb\"", "Invalid filter: Expected a valid escape sequence (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX) at position 14.")]
    [InlineData("userName eq \"\\u12\"", "Invalid filter: Expected a valid escape sequence (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX) at position 13.")]
    [InlineData("userName eq \"a\" and", "Invalid filter: Expected an attribute path, 'not' or '(' at position 19.")]
    [InlineData("userName eq \"a\" xor title pr", "Invalid filter: Expected 'and', 'or' or the end of the filter at position 16.")]
    [InlineData("(userName eq \"a\"", "Invalid filter: Expected ')' (opened at position 0) at position 16.")]
    [InlineData("userName eq \"a\")", "Invalid filter: Expected 'and', 'or' or the end of the filter at position 15.")]
    [InlineData("not title pr", "Invalid filter: Expected '(' after 'not' at position 4.")]
    [InlineData("emails[type eq \"work\"", "Invalid filter: Expected ']' (opened at position 6) at position 21.")]
    [InlineData("emails[type eq \"work\"] eq \"x\"", "Invalid filter: Expected 'and', 'or' or the end of the filter at position 23.")]
    [InlineData("emails[type[value eq 1] pr]", "Invalid filter: Expected no '[' (value filters cannot be nested) at position 11.")]
    [InlineData("1abc eq 1", "Invalid filter: Expected an attribute name at position 0.")]
    [InlineData("name. eq 1", "Invalid filter: Expected a sub-attribute name at position 5.")]
    [InlineData("name.givenName.x eq 1", "Invalid filter: Expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after 'name.givenName' at position 14.")]
    [InlineData("urn:ietf:params:scim:schemas:core:2.0:User: eq 1", "Invalid filter: Expected an attribute name at position 43.")]
    [InlineData("\"userName\" eq 1", "Invalid filter: Expected an attribute name at position 0.")]
    public void Errors_are_invalidFilter_with_the_position_and_what_was_expected(string filter, string detail)
    {
        var error = Assert.Throws<ScimException>(() => ScimFilterParser.Parse(filter));

        Assert.Equal(400, error.Status);
        Assert.Equal(ScimErrorType.InvalidFilter, error.ScimType);
        Assert.Equal(detail, error.Detail);
    }

    [Fact]
    public void Nesting_deeper_than_64_levels_is_refused()
    {
        var deep = new string('(', 64) + "a pr" + new string(')', 64);
        var tooDeep = new string('(', 65) + "a pr" + new string(')', 65);
        var tooManyNots = string.Concat(Enumerable.Repeat("not (", 65)) + "a pr" + new string(')', 65);

        Assert.Equal("a pr", ScimFilterParser.Parse(deep).ToString());
        var error = Assert.Throws<ScimException>(() => ScimFilterParser.Parse(tooDeep));
        Assert.Equal(ScimErrorType.InvalidFilter, error.ScimType);
        Assert.Contains("deeper than 64 levels at position 64", error.Detail, StringComparison.Ordinal);
        Assert.Equal(ScimErrorType.InvalidFilter, Assert.Throws<ScimException>(() => ScimFilterParser.Parse(tooManyNots)).ScimType);
    }

    [Fact]
    public void Hostile_nesting_far_beyond_the_limit_is_an_error_not_a_stack_overflow()
    {
        var hostile = new string('(', 4000) + "a pr" + new string(')', 4000);

        Assert.Equal(ScimErrorType.InvalidFilter, Assert.Throws<ScimException>(() => ScimFilterParser.Parse(hostile)).ScimType);
    }

    [Fact]
    public void A_filter_longer_than_8_KiB_is_refused()
    {
        var longFilter = "userName eq \"" + new string('a', 8192) + "\"";

        var error = Assert.Throws<ScimException>(() => ScimFilterParser.Parse(longFilter));

        Assert.Equal(ScimErrorType.InvalidFilter, error.ScimType);
        Assert.Equal("The filter is longer than 8192 characters.", error.Detail);
    }

    [Fact]
    public void A_long_chain_of_terms_within_the_length_limit_parses_and_prints()
    {
        var chain = string.Join(" and ", Enumerable.Range(0, 600).Select(i => $"a eq {i}"));

        var filter = ScimFilterParser.Parse(chain);

        Assert.Equal(chain, filter.ToString());
    }

    [Theory]
    [InlineData("userName", null, "userName", null, null)]
    [InlineData("name.givenName", null, "name", null, "givenName")]
    [InlineData("members[value eq \"2819c223\"]", null, "members", "value eq \"2819c223\"", null)]
    [InlineData("emails[type eq \"work\"].value", null, "emails", "type eq \"work\"", "value")]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "employeeNumber", null, null)]
    [InlineData("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", null, "value")]
    [InlineData(" addresses[type eq \"work\" and primary eq true].locality ", null, "addresses", "type eq \"work\" and primary eq true", "locality")]
    [InlineData("members[value eq 2819c223-7f76]", null, "members", "value eq \"2819c223-7f76\"", null)]
    public void PATCH_paths_parse(string text, string? urn, string attribute, string? valueFilter, string? subAttribute)
    {
        var path = ScimFilterParser.ParsePath(text);

        Assert.Equal(urn, path.SchemaUrn);
        Assert.Equal(attribute, path.AttributeName);
        Assert.Equal(valueFilter, path.ValueFilter?.ToString());
        Assert.Equal(subAttribute, path.SubAttributeName);
        Assert.Equal(path, ScimFilterParser.ParsePath(path.ToString()));
    }

    [Theory]
    [InlineData("", "The path is empty.")]
    [InlineData("userName eq \"x\"", "Invalid path: Expected the end of the path at position 9.")]
    [InlineData("name.givenName[type eq 1]", "Invalid path: Expected the end of the path at position 14.")]
    [InlineData("emails[type eq", "Invalid path: Expected a value (a quoted string, true, false, null or a number) at position 14.")]
    [InlineData("emails[]", "Invalid path: Expected an attribute name at position 7.")]
    [InlineData(".value", "Invalid path: Expected an attribute name at position 0.")]
    public void Path_errors_are_invalidPath_with_the_position(string text, string detail)
    {
        var error = Assert.Throws<ScimException>(() => ScimFilterParser.ParsePath(text));

        Assert.Equal(400, error.Status);
        Assert.Equal(ScimErrorType.InvalidPath, error.ScimType);
        Assert.Equal(detail, error.Detail);
    }
}
