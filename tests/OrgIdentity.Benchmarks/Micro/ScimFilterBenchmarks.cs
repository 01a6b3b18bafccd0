using System.Linq.Expressions;
using BenchmarkDotNet.Attributes;
using OrgIdentity.Scim;
using OrgIdentity.Server.Scim;

namespace OrgIdentity.Benchmarks.Micro;

/// <summary>
/// A SCIM list request's filter: parsed by the protocol library (RFC 7644 §3.4.2.2), then translated to the LINQ
/// predicate EF Core turns into SQL (ScimAttributes.Users, as ScimUserStore.ListAsync). The filters a directory sends
/// to match an account (Entra ID, Okta) and a complex one.
/// </summary>
public class ScimFilterBenchmarks
{
    private static readonly Dictionary<string, string> Filters = new(StringComparer.Ordinal)
    {
        ["userName eq"] = "userName eq \"ada.lovelace@northwind.example\"",
        ["externalId eq"] = "externalId eq \"00u1a2b3c4d5e6f7g8h9\"",
        ["emails[work] eq"] = "emails[type eq \"work\"].value eq \"ada.lovelace@northwind.example\"",
        ["complex and/or"] = "(userName sw \"ada\" or emails[type eq \"work\"].value co \"northwind\") and active eq true " +
                             "and not (externalId pr) and meta.lastModified gt \"2026-01-01T00:00:00Z\"",
    };

    private ScimFilter parsed = null!;

    [Params("userName eq", "externalId eq", "emails[work] eq", "complex and/or")]
    public string Filter { get; set; } = "";

    [GlobalSetup]
    public void Setup() => parsed = ScimFilterParser.Parse(Filters[Filter]);

    [Benchmark(Description = "Parse")]
    public ScimFilter Parse() => ScimFilterParser.Parse(Filters[Filter]);

    [Benchmark(Description = "Translate to LINQ")]
    public Expression<Func<ScimProfile, bool>> Translate() => ScimFilterTranslator.Translate(parsed, ScimAttributes.Users);

    [Benchmark(Description = "Parse + translate")]
    public Expression<Func<ScimProfile, bool>> ParseAndTranslate() => ScimFilterTranslator.Translate(ScimFilterParser.Parse(Filters[Filter]), ScimAttributes.Users);
}
