using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json.Nodes;
using CsCheck;

namespace OrgIdentity.Scim.Tests;

/// <summary>
/// A stored user as a host might keep it: case-insensitive attributes also in an upper-cased copy (what the
/// translator compares), one email on the entity itself and instant messengers as a child collection.
/// </summary>
public sealed class Person
{
    public string UserName { get; set; } = "";
    public string UserNameNormalized => UserName.ToUpperInvariant();
    public string? NickName { get; set; }
    public string? NickNameNormalized => NickName?.ToUpperInvariant();
    public string? Code { get; set; }
    public bool Active { get; set; }
    public int Level { get; set; }
    public decimal? Score { get; set; }
    public DateTime Hired { get; set; }
    public DateTimeOffset? LastModified { get; set; }
    public string? Email { get; set; }
    public string? EmailNormalized => Email?.ToUpperInvariant();
    public List<Messenger> Ims { get; set; } = [];

    /// <summary>The SCIM document of this person, as a store would return it.</summary>
    public JsonObject ToDocument()
    {
        var document = new JsonObject
        {
            ["userName"] = UserName,
            ["active"] = Active,
            // Always a work email element: the map says emails.type is "work" for every person.
            ["emails"] = new JsonArray(Email is null ? new JsonObject { ["type"] = "work" } : new JsonObject { ["value"] = Email, ["type"] = "work" }),
            ["ims"] = new JsonArray([.. Ims.Select(i => new JsonObject { ["value"] = i.Value, ["type"] = i.Type })]),
            [FilterTestSchemas.ExtraSchema] = new JsonObject
            {
                ["level"] = Level,
                ["score"] = Score,
                ["hired"] = Hired.ToString("O", CultureInfo.InvariantCulture),
                ["code"] = Code,
            },
        };
        if (NickName is not null)
        {
            document["nickName"] = NickName;
        }

        if (LastModified is { } lastModified)
        {
            document["meta"] = new JsonObject { ["lastModified"] = lastModified.ToString("O", CultureInfo.InvariantCulture) };
        }

        return document;
    }
}

public sealed class Messenger
{
    public string Value { get; set; } = "";
    public string ValueNormalized => Value.ToUpperInvariant();
    public string Type { get; set; } = "aim";
    public string TypeNormalized => Type.ToUpperInvariant();
}

public sealed class FilterTranslatorTests
{
    private static string Upper(string value) => value.ToUpperInvariant();

    private static readonly ScimAttributeMap<Person> Map = new ScimAttributeMap<Person>(FilterTestSchemas.UserType)
        .Map("userName", p => p.UserNameNormalized, normalize: Upper)
        .Map("nickName", p => p.NickNameNormalized, normalize: Upper)
        .Map("active", p => p.Active)
        .Map("emails.value", p => p.EmailNormalized, normalize: Upper)
        .Map("emails.type", p => "WORK", normalize: Upper)
        .Map("meta.lastModified", p => p.LastModified)
        .Map("urn:example:params:scim:schemas:extension:test:2.0:User:level", p => p.Level)
        .Map("score", p => p.Score)
        .Map("hired", p => p.Hired)
        .Map("code", p => p.Code)
        .MapCollection("ims", p => p.Ims, ims => ims
            .Map("value", i => i.ValueNormalized, normalize: Upper)
            .Map("type", i => i.TypeNormalized, normalize: Upper));

    private static readonly Person Barbara = new()
    {
        UserName = "bjensen", NickName = "Babs", Code = "AbC", Active = true, Level = 7, Score = 2.5m,
        Hired = new DateTime(2019, 7, 1, 0, 0, 0, DateTimeKind.Utc), LastModified = new DateTimeOffset(2011, 5, 13, 4, 42, 35, TimeSpan.Zero),
        Email = "bjensen@example.com", Ims = [new() { Value = "someaimhandle", Type = "aim" }, new() { Value = "babs@jabber.org", Type = "xmpp" }],
    };

    private static readonly Person Nobody = new() { UserName = "nobody", Hired = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc) };

    private static bool Translated(string filter, Person person) =>
        ScimFilterTranslator.Translate(ScimFilterParser.Parse(filter), Map).Compile()(person);

    [Theory]
    [InlineData("userName eq \"BJensen\"", true, false)]
    [InlineData("userName ne \"bjensen\"", false, true)]
    [InlineData("userName sw \"bj\" and active eq true", true, false)]
    [InlineData("active eq \"False\"", false, true)]
    [InlineData("nickName pr", true, false)]
    [InlineData("nickName eq null", false, true)]
    [InlineData("nickName co \"AB\"", true, false)]
    [InlineData("code eq \"abc\"", false, false)]
    [InlineData("code eq \"AbC\"", true, false)]
    [InlineData("level gt 6 and score le 2.5", true, false)]
    [InlineData("level eq \"0\"", false, true)]
    [InlineData("score eq null", false, true)]
    [InlineData("hired lt \"2019-07-01T02:00:00+01:00\"", true, false)]
    [InlineData("meta.lastModified gt \"2011-05-13T04:42:34Z\"", true, false)]
    [InlineData("meta.lastModified pr", true, false)]
    [InlineData("emails.value ew \"@EXAMPLE.COM\"", true, false)]
    [InlineData("emails eq \"bjensen@example.com\"", true, false)]
    [InlineData("emails[type eq \"work\"].value eq \"bjensen@example.com\"", true, false)]
    [InlineData("emails[type eq \"home\"].value eq \"bjensen@example.com\"", false, false)]
    [InlineData("emails[type eq \"work\" and value co \"@example\"]", true, false)]
    [InlineData("ims[type eq \"xmpp\" and value co \"@jabber\"]", true, false)]
    [InlineData("ims[type eq \"xmpp\"].value sw \"babs\"", true, false)]
    [InlineData("ims[type eq \"xmpp\"].value sw \"some\"", false, false)]
    [InlineData("ims.value eq \"SOMEAIMHANDLE\"", true, false)]
    [InlineData("ims eq \"someaimhandle\"", true, false)]
    [InlineData("ims pr", true, false)]
    [InlineData("ims.type ne \"aim\"", false, true)]
    [InlineData("not (ims[type eq \"icq\"])", true, true)]
    public void Translated_filters_select_what_the_evaluator_matches(string filter, bool barbara, bool nobody)
    {
        Assert.Equal(barbara, Translated(filter, Barbara));
        Assert.Equal(nobody, Translated(filter, Nobody));
        Assert.Equal(barbara, ScimFilterEvaluator.Matches(Barbara.ToDocument(), ScimFilterParser.Parse(filter), FilterTestSchemas.UserType));
        Assert.Equal(nobody, ScimFilterEvaluator.Matches(Nobody.ToDocument(), ScimFilterParser.Parse(filter), FilterTestSchemas.UserType));
    }

    [Fact]
    public void A_case_insensitive_attribute_compares_the_stored_normalized_member_with_the_normalized_value()
    {
        var predicate = ScimFilterTranslator.Translate(ScimFilterParser.Parse("userName eq \"bjensen\""), Map);

        Assert.Equal("resource => (resource.UserNameNormalized == value(System.Runtime.CompilerServices.StrongBox`1[System.String]).Value)", predicate.ToString());
        Assert.Equal("BJENSEN", Evaluate(((BinaryExpression)predicate.Body).Right));
    }

    [Fact]
    public void A_collection_becomes_Any_with_the_value_filter_and_the_comparison()
    {
        var predicate = ScimFilterTranslator.Translate(ScimFilterParser.Parse("ims[type eq \"xmpp\"].value co \"x\""), Map);

        Assert.StartsWith("resource => resource.Ims.Any(element => ((element.TypeNormalized == ", predicate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("displayName eq \"x\"", "The attribute 'displayName' cannot be filtered.")]
    [InlineData("userName eq \"x\" or title pr", "The attribute 'title' cannot be filtered.")]
    [InlineData("name.familyName eq \"x\"", "The attribute 'name.familyName' cannot be filtered.")]
    [InlineData("emails[primary eq true]", "The attribute 'emails.primary' cannot be filtered.")]
    [InlineData("unknown pr", "The attribute 'unknown' is not known.")]
    [InlineData("ims[kind eq \"x\"]", "The attribute 'ims.kind' is not known.")]
    [InlineData("level eq 1.5", "The value 1.5 compared with 'level' is not a integer.")]
    [InlineData("level eq 99999999999", "The value 99999999999 compared with 'level' is not a Int32.")]
    [InlineData("hired gt \"soon\"", "The value \"soon\" compared with 'hired' is not a dateTime.")]
    [InlineData("active eq \"yes\"", "The value \"yes\" compared with 'active' is not a boolean.")]
    [InlineData("active co \"t\"", "The operator 'co' cannot be used with 'active', a boolean attribute.")]
    [InlineData("userName gt null", "The value null can only be compared with 'eq' or 'ne', not 'gt'.")]
    public void Unmapped_attributes_and_unconvertible_values_are_invalidFilter(string filter, string detail)
    {
        var error = Assert.Throws<ScimException>(() => ScimFilterTranslator.Translate(ScimFilterParser.Parse(filter), Map));

        Assert.Equal(400, error.Status);
        Assert.Equal(ScimErrorType.InvalidFilter, error.ScimType);
        Assert.Equal(detail, error.Detail);
    }

    [Fact]
    public void SortExpression_gives_the_mapped_member_and_invalidPath_otherwise()
    {
        Assert.Equal("p => p.UserNameNormalized", Map.SortExpression(ScimFilterParser.ParsePath("UserName")).ToString());
        Assert.Equal("p => p.EmailNormalized", Map.SortExpression(ScimFilterParser.ParsePath("emails")).ToString());
        Assert.Equal("p => p.Level", Map.SortExpression(ScimFilterParser.ParsePath("urn:example:params:scim:schemas:extension:test:2.0:User:level")).ToString());

        foreach (var path in new[] { "title", "ims.value", "unknown", "emails[type eq \"work\"].value" })
        {
            var error = Assert.Throws<ScimException>(() => Map.SortExpression(ScimFilterParser.ParsePath(path)));
            Assert.Equal(ScimErrorType.InvalidPath, error.ScimType);
        }
    }

    [Fact]
    public void Mapping_an_unknown_path_or_an_unsupported_type_is_a_programming_error()
    {
        var map = new ScimAttributeMap<Person>(FilterTestSchemas.UserType);

        Assert.Throws<ArgumentException>(() => map.Map("nope", p => p.UserName));
        Assert.Throws<ArgumentException>(() => map.Map("emails[type eq \"work\"].value", p => p.Email));
        Assert.Throws<ArgumentException>(() => map.Map("userName", p => p.Ims));
        Assert.Throws<ArgumentException>(() => map.MapCollection("userName", p => p.Ims, _ => { }));
    }

    private static object? Evaluate(Expression expression) => Expression.Lambda(expression).Compile().DynamicInvoke();

    // ---- Property-based: the translation agrees with the reference evaluator ----

    private static readonly Gen<string> Word = Gen.String[Gen.Char["abAB0_"], 0, 3];
    private static readonly DateTime[] Instants =
    [
        new(2019, 7, 1, 0, 0, 0, DateTimeKind.Utc), new(2019, 7, 1, 0, 0, 1, DateTimeKind.Utc), new(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc),
    ];

    private static readonly Gen<Person> GenPerson =
        Gen.Select(Word, Word.Null(), Word.Null(), Gen.Bool, Gen.Int[-2, 2], Gen.Decimal[-2m, 2m].Select(d => Math.Round(d, 1)).Nullable(), Gen.Int[0, 2],
            (userName, nickName, code, active, level, score, hired) => (userName, nickName, code, active, level, score, hired))
        .Select(Gen.Int[0, 2].Nullable(), Word.Null(), Gen.Select(Word, Gen.OneOf("aim", "AIM", "xmpp")).List[0, 2], (basics, lastModified, email, ims) => new Person
        {
            UserName = basics.userName, NickName = basics.nickName, Code = basics.code, Active = basics.active, Level = basics.level,
            Score = basics.score, Hired = Instants[basics.hired],
            LastModified = lastModified is { } i ? new DateTimeOffset(Instants[i]).ToOffset(TimeSpan.FromHours(2)) : null,
            Email = email, Ims = [.. ims.Select(m => new Messenger { Value = m.Item1, Type = m.Item2 })],
        });

    private static readonly Gen<ScimComparisonOperator> GenOperator = Gen.Enum<ScimComparisonOperator>();

    /// <summary>Values of every kind for every attribute: most compare, some must be refused by both sides alike.</summary>
    private static Gen<ScimLiteral> GenLiteral(string attribute) => attribute switch
    {
        "active" => Gen.OneOf(Literal(ScimLiteralKind.Boolean, "true"), Literal(ScimLiteralKind.Boolean, "false"),
            Literal(ScimLiteralKind.String, "False"), Literal(ScimLiteralKind.String, "yes"), Literal(ScimLiteralKind.Null, "null")),
        "level" or "score" => Gen.Frequency(
            (6, Gen.Int[-3, 3].Select(i => Literal(ScimLiteralKind.Number, i.ToString(CultureInfo.InvariantCulture)))),
            (1, Gen.OneOf(Literal(ScimLiteralKind.Number, "0.5"), Literal(ScimLiteralKind.String, "1"), Literal(ScimLiteralKind.Null, "null"),
                Literal(ScimLiteralKind.String, "x")))),
        "hired" or "meta.lastModified" => Gen.Frequency(
            (6, Gen.Int[0, 2].Select(i => Literal(ScimLiteralKind.String, new DateTimeOffset(Instants[i]).ToOffset(TimeSpan.FromHours(-3)).ToString("O", CultureInfo.InvariantCulture)))),
            (1, Gen.OneOf(Literal(ScimLiteralKind.String, "2019-07-01T00:00:00Z"), Literal(ScimLiteralKind.Null, "null"), Literal(ScimLiteralKind.String, "x")))),
        _ => Gen.Frequency((8, Word.Select(w => Literal(ScimLiteralKind.String, w))), (1, Gen.Const(Literal(ScimLiteralKind.Null, "null"))),
            (1, Gen.Const(Literal(ScimLiteralKind.Number, "0")))),
    };

    private static ScimLiteral Literal(ScimLiteralKind kind, string text) => new(kind, text, kind == ScimLiteralKind.String);

    private static readonly string[] TopPaths =
        ["userName", "UserName", "nickName", "code", "active", "level", "score", "hired", "meta.lastModified", "emails.value", "emails.type", "emails", "ims.value", "ims.type", "ims",
         "urn:example:params:scim:schemas:extension:test:2.0:User:Level"];

    private static ScimPath Path(string text) => ScimFilterParser.ParsePath(text);

    private static Gen<ScimFilter> GenComparison(string[] paths, Func<string, ScimPath> toPath) =>
        Gen.OneOf(paths).SelectMany(path => Gen.Select(GenOperator, GenLiteral(path.Split(':').Last() is var last && last.StartsWith("Level", StringComparison.Ordinal) ? "level" : path), Gen.Int[0, 9],
            (op, literal, presence) => presence == 0
                ? new ScimPresentFilter(toPath(path), 0)
                : (ScimFilter)new ScimComparisonFilter(toPath(path), op, literal, 0)));

    private static Gen<ScimFilter> GenLogic(Gen<ScimFilter> leaf) => Gen.Recursive<ScimFilter>((depth, self) => depth >= 3
        ? leaf
        : Gen.Frequency(
            (4, leaf),
            (2, Gen.Select(self, self, Gen.Bool, (left, right, and) => (ScimFilter)new ScimLogicalFilter(and ? ScimLogicalOperator.And : ScimLogicalOperator.Or, left, right, 0))),
            (1, self.Select(operand => (ScimFilter)new ScimNotFilter(operand, 0)))));

    private static readonly Gen<ScimFilter> GenElementFilter = GenLogic(GenComparison(["value", "type"], name => new ScimPath(null, name, null, null)));

    private static readonly Gen<ScimFilter> GenValuePath =
        Gen.Select(Gen.OneOf("emails", "ims"), GenElementFilter, Gen.Int[0, 2], GenOperator, Word, (attribute, inner, shape, op, word) => shape switch
        {
            0 => new ScimValuePathFilter(new ScimPath(null, attribute, inner, null), 0),
            1 => (ScimFilter)new ScimComparisonFilter(new ScimPath(null, attribute, inner, "value"), op, Literal(ScimLiteralKind.String, word), 0),
            _ => new ScimPresentFilter(new ScimPath(null, attribute, inner, "value"), 0),
        });

    private static readonly Gen<ScimFilter> GenFilter =
        GenLogic(Gen.Frequency((4, GenComparison(TopPaths, Path)), (1, GenValuePath)))
            // "emails pr" alone: the evaluator sees the work element the document always has; the map has no member for the whole email.
            .Where(filter => !filter.ToString().Contains("emails pr", StringComparison.Ordinal));

    [Fact]
    public void The_translated_predicate_agrees_with_the_reference_evaluator_on_random_filters_and_people()
    {
        var people = GenPerson.Array[40].Single();
        var documents = people.Select(p => p.ToDocument()).ToArray();
        var (compared, selective) = (0, 0);

        GenFilter.Sample(filter =>
        {
            Func<Person, bool> predicate;
            Func<JsonObject, bool> reference;
            ScimException? translatorError = null, evaluatorError = null;
            try
            {
                predicate = OrdinalStrings.Apply(ScimFilterTranslator.Translate(filter, Map)).Compile(preferInterpretation: true);
            }
            catch (ScimException e)
            {
                translatorError = e;
                predicate = _ => false;
            }

            try
            {
                reference = ScimFilterEvaluator.Compile(filter, FilterTestSchemas.UserType);
            }
            catch (ScimException e)
            {
                evaluatorError = e;
                reference = _ => false;
            }

            Assert.Equal(evaluatorError?.ScimType, translatorError?.ScimType);
            for (var i = 0; i < people.Length; i++)
            {
                if (predicate(people[i]) != reference(documents[i]))
                {
                    throw new InvalidOperationException($"'{filter}' on {documents[i].ToJsonString()}: translated {predicate(people[i])}, evaluated {reference(documents[i])}");
                }
            }

            if (evaluatorError is null)
            {
                Interlocked.Increment(ref compared);
                Interlocked.Add(ref selective, documents.Any(reference) && !documents.All(reference) ? 1 : 0);
            }
        }, iter: 2000, print: filter => filter.ToString());

        // At least 1,000 filters compared (the others were refused alike by both), most of them telling people apart.
        Assert.True(compared >= 1000, $"{compared} filters compared");
        Assert.True(selective >= compared / 2, $"{selective} of {compared} filters select some people only");
    }

    [Fact]
    public void Random_filters_print_as_canonical_text_that_parses_back_to_the_same_tree()
    {
        GenFilter.Sample(filter =>
        {
            var text = filter.ToString();
            var parsed = ScimFilterParser.Parse(text);
            Assert.Equal(filter, parsed);
            Assert.Equal(text, parsed.ToString());
        }, iter: 3000, print: filter => filter.ToString());
    }

    /// <summary>
    /// Run in memory, string.Compare, StartsWith and EndsWith are culture-sensitive (a &lt; B), while the reference
    /// evaluator compares ordinally, as a database with a binary collation (SQLite's default) would. This rewrites
    /// the compiled predicate to the ordinal forms, so the test compares the translation's logic, not cultures.
    /// </summary>
    private sealed class OrdinalStrings : ExpressionVisitor
    {
        private static readonly MethodInfo CompareOrdinal = typeof(string).GetMethod(nameof(string.CompareOrdinal), [typeof(string), typeof(string)])!;
        private static readonly MethodInfo StartsWith = typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string), typeof(StringComparison)])!;
        private static readonly MethodInfo EndsWith = typeof(string).GetMethod(nameof(string.EndsWith), [typeof(string), typeof(StringComparison)])!;

        public static Expression<Func<Person, bool>> Apply(Expression<Func<Person, bool>> predicate) =>
            (Expression<Func<Person, bool>>)new OrdinalStrings().Visit(predicate);

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            var visited = (MethodCallExpression)base.VisitMethodCall(node);
            var ordinal = Expression.Constant(StringComparison.Ordinal);
            return visited.Method.DeclaringType != typeof(string) ? visited : visited.Method.Name switch
            {
                nameof(string.Compare) => Expression.Call(CompareOrdinal, visited.Arguments),
                nameof(string.StartsWith) => Expression.Call(visited.Object, StartsWith, visited.Arguments[0], ordinal),
                nameof(string.EndsWith) => Expression.Call(visited.Object, EndsWith, visited.Arguments[0], ordinal),
                _ => visited,
            };
        }
    }
}
