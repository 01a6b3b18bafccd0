using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// Verified domains through <c>/api/v1/orgs/{orgId}/domains</c> (DESIGN.md §2, §6): a domain is proven by a DNS TXT
/// record (the test server's <see cref="FakeDns"/> answers), or forced by a platform admin; it is verified for one
/// organization at most; only <c>organization-settings:edit</c> changes domains; every change is audited and a
/// refused one changes nothing.
/// </summary>
public abstract class DomainTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_adds_a_domain_it_is_listed_unverified_with_the_record_to_publish_and_audited()
    {
        var org = await OrganizationAsync();
        var name = NewDomain();
        var audit = await AuditIdsAsync(org.Id);

        var response = await org.AdminApi.Http.PostAsJsonAsync(DomainsPath(org.Id), new { domain = $"  {name.ToUpperInvariant()}.  " });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var added = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = added.GetProperty("id").GetGuid();
        Assert.Equal(DomainPath(org.Id, id), response.Headers.Location?.OriginalString);
        Assert.Equal(name, added.GetProperty("domain").GetString());
        Assert.False(added.GetProperty("verified").GetBoolean());
        Assert.Equal(JsonValueKind.Null, added.GetProperty("verifiedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, added.GetProperty("verifiedBy").ValueKind);
        var record = added.GetProperty("txtRecord").GetString()!;
        Assert.Matches("^orgidentity-verification=[0-9a-f]{64}$", record);

        var list = await AssertOkAsync(await org.AdminApi.Http.GetAsync(DomainsPath(org.Id)));
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("next").ValueKind);
        Assert.Equal([name], list.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("domain").GetString()));
        var one = await AssertOkAsync(await org.AdminApi.Http.GetAsync(DomainPath(org.Id, id)));
        Assert.Equal(record, one.GetProperty("txtRecord").GetString());
        var addedEvent = Assert.Single(await NewAuditAsync(org.Id, audit));
        Assert.Equal(("domain.added", "domain", id.ToString(), org.AdminId.ToString()), (addedEvent.Action, addedEvent.TargetType, addedEvent.TargetId, addedEvent.ActorId));
        Assert.Contains(name, addedEvent.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_domains_of_one_organization_get_different_tokens_and_so_do_two_organizations_adding_the_same_domain()
    {
        var first = await OrganizationAsync();
        var second = await OrganizationAsync();
        var name = NewDomain();

        var a = await AddAsync(first, name);
        var b = await AddAsync(first, NewDomain());
        var c = await AddAsync(second, name);

        Assert.Equal(3, new[] { a.Record, b.Record, c.Record }.Distinct().Count());
    }

    [Fact]
    public async Task An_internationalized_domain_is_kept_in_its_ascii_form()
    {
        var org = await OrganizationAsync();

        var added = await org.AdminApi.Http.PostAsJsonAsync(DomainsPath(org.Id), new { domain = "Bücher.example" });

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal("xn--bcher-kva.example", (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("domain").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Publishing_the_txt_record_at_the_domain_or_under_orgidentity_verifies_it(bool underLabel)
    {
        var org = await OrganizationAsync();
        var domain = await AddAsync(org, NewDomain());
        App.Dns.PublishTxt(underLabel ? $"_orgidentity.{domain.Name}" : domain.Name, "v=spf1 -all", domain.Record);
        var audit = await AuditIdsAsync(org.Id);

        // No body at all: the TXT record is checked.
        var response = await org.AdminApi.Http.PostAsync(VerifyPath(org.Id, domain.Id), content: null);

        var verified = await AssertOkAsync(response);
        Assert.True(verified.GetProperty("verified").GetBoolean());
        Assert.Equal("dns", verified.GetProperty("verifiedBy").GetString());
        Assert.Equal(App.Time.GetUtcNow().UtcDateTime, verified.GetProperty("verifiedAt").GetDateTime(), TimeSpan.FromSeconds(1));
        Assert.True((await AssertOkAsync(await org.AdminApi.Http.GetAsync(DomainPath(org.Id, domain.Id)))).GetProperty("verified").GetBoolean());
        var verifiedEvent = Assert.Single(await NewAuditAsync(org.Id, audit));
        Assert.Equal(("domain.verified", domain.Id.ToString(), org.AdminId.ToString()), (verifiedEvent.Action, verifiedEvent.TargetId, verifiedEvent.ActorId));
        Assert.Contains("\"dns\"", verifiedEvent.Details, StringComparison.Ordinal);
        Assert.True(await IsVerifiedForAsync(org.Id, $"Someone@{domain.Name.ToUpperInvariant()}"));
    }

    [Fact]
    public async Task Verifying_a_verified_domain_again_answers_it_as_it_is_and_writes_nothing()
    {
        var org = await OrganizationAsync();
        var domain = await AddAsync(org, NewDomain());
        App.Dns.PublishTxt(domain.Name, domain.Record);
        var first = await AssertOkAsync(await org.AdminApi.Http.PostAsJsonAsync(VerifyPath(org.Id, domain.Id), new { force = false }));
        App.Dns.Clear(domain.Name);
        var audit = await AuditIdsAsync(org.Id);

        var again = await AssertOkAsync(await org.AdminApi.Http.PostAsJsonAsync(VerifyPath(org.Id, domain.Id), new { }));

        Assert.Equal(first.GetProperty("verifiedAt").GetDateTime(), again.GetProperty("verifiedAt").GetDateTime());
        Assert.Equal("dns", again.GetProperty("verifiedBy").GetString());
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task Without_the_right_txt_record_verification_is_refused_with_the_record_to_publish_and_changes_nothing()
    {
        var org = await OrganizationAsync();
        var other = await OrganizationAsync();
        var domain = await AddAsync(org, NewDomain());
        var othersToken = await AddAsync(other, domain.Name);
        var before = await DomainStateAsync(org, domain.Id);
        var audit = await AuditIdsAsync(org.Id);

        var missing = await org.AdminApi.Http.PostAsync(VerifyPath(org.Id, domain.Id), content: null);
        // Another organization's token for the same domain, a mangled one, and ours at a name that is not checked.
        App.Dns.PublishTxt(domain.Name, othersToken.Record, domain.Record + "0", "orgidentity-verification=");
        App.Dns.PublishTxt($"www.{domain.Name}", domain.Record);
        var wrong = await org.AdminApi.Http.PostAsync(VerifyPath(org.Id, domain.Id), content: null);

        foreach (var response in new[] { missing, wrong })
        {
            var detail = (await AssertProblemAsync(response, HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
            Assert.Contains(domain.Record, detail, StringComparison.Ordinal);
            Assert.Contains(domain.Name, detail, StringComparison.Ordinal);
            Assert.Contains("TXT", detail, StringComparison.Ordinal);
        }

        Assert.Contains(domain.Name, App.Dns.Queries);
        Assert.Equal(before, await DomainStateAsync(org, domain.Id));
        await AssertNoNewAuditAsync(org.Id, audit);
        Assert.False(await IsVerifiedForAsync(org.Id, $"someone@{domain.Name}"));
    }

    [Fact]
    public async Task The_real_lookup_answers_no_records_for_a_name_that_cannot_exist_and_does_not_throw()
    {
        // RFC 6761 §6.4: .invalid never resolves; offline, the lookup fails instead. Either way: no records, no exception.
        var lookup = new DnsTxtLookup(NullLogger<DnsTxtLookup>.Instance);

        var records = await lookup.TxtRecordsAsync($"{Guid.NewGuid():N}.invalid", TestContext.Current.CancellationToken);

        Assert.Empty(records);
    }

    [Fact]
    public async Task A_platform_admin_may_mark_a_domain_verified_without_dns()
    {
        var org = await OrganizationAsync();
        var domain = await AddAsync(org, NewDomain());
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        var platformAdminId = await App.UserIdAsync(Infrastructure.Organizations.PlatformAdmin);
        var audit = await AuditIdsAsync(org.Id);

        var forced = await AssertOkAsync(await platform.Http.PostAsJsonAsync(VerifyPath(org.Id, domain.Id), new { force = true }));

        Assert.True(forced.GetProperty("verified").GetBoolean());
        Assert.Equal("forced", forced.GetProperty("verifiedBy").GetString());
        Assert.DoesNotContain(domain.Name, App.Dns.Queries);
        var verifiedEvent = Assert.Single(await NewAuditAsync(org.Id, audit));
        Assert.Equal(("domain.verified", platformAdminId.ToString()), (verifiedEvent.Action, verifiedEvent.ActorId));
        Assert.Contains("\"forced\"", verifiedEvent.Details, StringComparison.Ordinal);
        Assert.True(await IsVerifiedForAsync(org.Id, $"someone@{domain.Name}"));
    }

    [Fact]
    public async Task An_organization_admin_may_not_force_a_domain_verified()
    {
        var org = await OrganizationAsync();
        var domain = await AddAsync(org, NewDomain());
        var before = await DomainStateAsync(org, domain.Id);
        var audit = await AuditIdsAsync(org.Id);

        var response = await org.AdminApi.Http.PostAsJsonAsync(VerifyPath(org.Id, domain.Id), new { force = true });

        var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("platform admin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await DomainStateAsync(org, domain.Id));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_domain_verified_by_one_organization_cannot_be_verified_or_forced_by_another_until_it_lets_go()
    {
        var a = await OrganizationAsync();
        var b = await OrganizationAsync();
        var name = NewDomain();
        // Both may claim it while nobody has proven it.
        var ofA = await AddAsync(a, name);
        var ofB = await AddAsync(b, name);
        App.Dns.PublishTxt(name, ofA.Record, ofB.Record);
        await AssertOkAsync(await a.AdminApi.Http.PostAsync(VerifyPath(a.Id, ofA.Id), content: null));
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        var before = await DomainStateAsync(b, ofB.Id);
        var audit = await AuditIdsAsync(b.Id);

        var byDns = await b.AdminApi.Http.PostAsync(VerifyPath(b.Id, ofB.Id), content: null);
        var forced = await platform.Http.PostAsJsonAsync(VerifyPath(b.Id, ofB.Id), new { force = true });

        foreach (var response in new[] { byDns, forced })
        {
            var detail = (await AssertProblemAsync(response, HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
            Assert.Contains("another organization", detail, StringComparison.Ordinal);
            Assert.DoesNotContain(a.Id.ToString(), detail, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(before, await DomainStateAsync(b, ofB.Id));
        await AssertNoNewAuditAsync(b.Id, audit);
        Assert.False(await IsVerifiedForAsync(b.Id, $"someone@{name}"));
        Assert.True(await IsVerifiedForAsync(a.Id, $"someone@{name}"));

        // Once A removes it, B proves it with its own record.
        Assert.Equal(HttpStatusCode.NoContent, (await a.AdminApi.Http.DeleteAsync(DomainPath(a.Id, ofA.Id))).StatusCode);
        var verified = await AssertOkAsync(await b.AdminApi.Http.PostAsync(VerifyPath(b.Id, ofB.Id), content: null));
        Assert.True(verified.GetProperty("verified").GetBoolean());
        Assert.False(await IsVerifiedForAsync(a.Id, $"someone@{name}"));
    }

    [Fact]
    public async Task When_another_organization_verifies_the_domain_while_dns_is_asked_the_unique_index_makes_it_a_conflict()
    {
        var a = await OrganizationAsync();
        var b = await OrganizationAsync();
        var name = NewDomain();
        var ofA = await AddAsync(a, name);
        var ofB = await AddAsync(b, name);
        App.Dns.PublishTxt(name, ofB.Record);
        var before = await DomainStateAsync(b, ofB.Id);
        var audit = await AuditIdsAsync(b.Id);
        // A's verification lands after B's request checked "verified elsewhere" and before it saves.
        App.Dns.BeforeAnswer = async _ =>
        {
            await using var scope = App.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
            await db.OrganizationDomains.Where(d => d.Id == ofA.Id && d.VerifiedDomain == null).ExecuteUpdateAsync(d => d
                .SetProperty(x => x.VerifiedDomain, name).SetProperty(x => x.VerifiedAt, DateTime.UtcNow).SetProperty(x => x.VerifiedBy, "dns"));
        };

        HttpResponseMessage response;
        try
        {
            response = await b.AdminApi.Http.PostAsync(VerifyPath(b.Id, ofB.Id), content: null);
        }
        finally
        {
            App.Dns.BeforeAnswer = null;
        }

        var detail = (await AssertProblemAsync(response, HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
        Assert.Contains("another organization", detail, StringComparison.Ordinal);
        Assert.Equal(before, await DomainStateAsync(b, ofB.Id));
        await AssertNoNewAuditAsync(b.Id, audit);
        Assert.True((await AssertOkAsync(await a.AdminApi.Http.GetAsync(DomainPath(a.Id, ofA.Id)))).GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task Adding_a_domain_another_organization_has_verified_is_a_conflict_saying_so()
    {
        var a = await OrganizationAsync();
        var c = await OrganizationAsync();
        var ofA = await AddAsync(a, NewDomain());
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        await AssertOkAsync(await platform.Http.PostAsJsonAsync(VerifyPath(a.Id, ofA.Id), new { force = true }));
        var audit = await AuditIdsAsync(c.Id);

        var response = await c.AdminApi.Http.PostAsJsonAsync(DomainsPath(c.Id), new { domain = ofA.Name.ToUpperInvariant() });

        var detail = (await AssertProblemAsync(response, HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
        Assert.Contains("verified by another organization", detail, StringComparison.Ordinal);
        Assert.Equal(0, (await AssertOkAsync(await c.AdminApi.Http.GetAsync(DomainsPath(c.Id)))).GetProperty("total").GetInt32());
        await AssertNoNewAuditAsync(c.Id, audit);
    }

    [Fact]
    public async Task The_same_domain_twice_in_one_organization_is_a_conflict()
    {
        var org = await OrganizationAsync();
        var domain = await AddAsync(org, NewDomain());
        var audit = await AuditIdsAsync(org.Id);

        var again = await org.AdminApi.Http.PostAsJsonAsync(DomainsPath(org.Id), new { domain = domain.Name.ToUpperInvariant() + "." });

        await AssertProblemAsync(again, HttpStatusCode.Conflict);
        Assert.Equal(1, (await AssertOkAsync(await org.AdminApi.Http.GetAsync(DomainsPath(org.Id)))).GetProperty("total").GetInt32());
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task An_invalid_domain_is_a_validation_problem_naming_domain()
    {
        var org = await OrganizationAsync();
        var audit = await AuditIdsAsync(org.Id);
        string[] invalid =
        [
            "", "   ", ".", "localhost", "*.example.com", "*", "exa mple.com", "-example.com", "example-.com", "example..com", ".example.com",
            "example.com..", "10.0.0.1", "[::1]", "user@example.com", "https://example.com", "example.com/path", "example.com:443", "_dmarc.example.com",
            "exam_ple.com", new string('a', 64) + ".com", string.Join('.', Enumerable.Repeat(new string('a', 62), 4)) + ".com",
        ];

        foreach (var domain in invalid)
        {
            await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(DomainsPath(org.Id), new { domain }), "domain");
        }

        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(DomainsPath(org.Id), new { }), "domain");
        Assert.Equal(0, (await AssertOkAsync(await org.AdminApi.Http.GetAsync(DomainsPath(org.Id)))).GetProperty("total").GetInt32());
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task Removing_a_domain_is_audited_and_it_is_gone()
    {
        var org = await OrganizationAsync();
        var domain = await AddAsync(org, NewDomain());
        App.Dns.PublishTxt(domain.Name, domain.Record);
        await AssertOkAsync(await org.AdminApi.Http.PostAsync(VerifyPath(org.Id, domain.Id), content: null));
        var audit = await AuditIdsAsync(org.Id);

        var removed = await org.AdminApi.Http.DeleteAsync(DomainPath(org.Id, domain.Id));

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await AssertProblemAsync(await org.AdminApi.Http.GetAsync(DomainPath(org.Id, domain.Id)), HttpStatusCode.NotFound);
        await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(DomainPath(org.Id, domain.Id)), HttpStatusCode.NotFound);
        var removedEvent = Assert.Single(await NewAuditAsync(org.Id, audit));
        Assert.Equal(("domain.removed", domain.Id.ToString(), org.AdminId.ToString()), (removedEvent.Action, removedEvent.TargetId, removedEvent.ActorId));
        Assert.Contains(domain.Name, removedEvent.Details, StringComparison.Ordinal);
        Assert.False(await IsVerifiedForAsync(org.Id, $"someone@{domain.Name}"));
    }

    [Fact]
    public async Task Another_organizations_domain_named_on_ones_own_routes_is_404_and_untouched()
    {
        var a = await OrganizationAsync();
        var b = await OrganizationAsync();
        var ofB = await AddAsync(b, NewDomain());
        App.Dns.PublishTxt(ofB.Name, ofB.Record);
        var before = await DomainStateAsync(b, ofB.Id);
        var audit = await AuditIdsAsync(b.Id);
        var auditOfA = await AuditIdsAsync(a.Id);

        var get = await a.AdminApi.Http.GetAsync(DomainPath(a.Id, ofB.Id));
        var verify = await a.AdminApi.Http.PostAsync(VerifyPath(a.Id, ofB.Id), content: null);
        var remove = await a.AdminApi.Http.DeleteAsync(DomainPath(a.Id, ofB.Id));
        var list = await a.AdminApi.Http.GetStringAsync(DomainsPath(a.Id));

        foreach (var response in new[] { get, verify, remove })
        {
            var text = (await AssertProblemAsync(response, HttpStatusCode.NotFound)).ToString();
            Assert.DoesNotContain(ofB.Name, text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain(ofB.Name, list, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await DomainStateAsync(b, ofB.Id));
        await AssertNoNewAuditAsync(b.Id, audit);
        await AssertNoNewAuditAsync(a.Id, auditOfA);
    }

    [Fact]
    public async Task Without_organization_settings_edit_a_member_cannot_add_verify_or_remove_domains()
    {
        var org = await OrganizationAsync();
        var domain = await AddAsync(org, NewDomain());
        App.Dns.PublishTxt(domain.Name, domain.Record);
        var created = await org.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/roles",
            new { key = "settings-reader", name = "Settings reader", permissions = new[] { "organization-settings:view" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var member = await MemberAsync(org.Id, "Plain member", "member");
        var reader = await MemberAsync(org.Id, "Settings reader", "viewer", "settings-reader");
        using var memberApi = await App.ApiAsync(member, org.Id.ToString());
        using var readerApi = await App.ApiAsync(reader, org.Id.ToString());
        var before = await DomainStateAsync(org, domain.Id);
        var audit = await AuditIdsAsync(org.Id);

        // A plain member does not even see them; a reader of the settings sees them and changes nothing.
        await AssertProblemAsync(await memberApi.Http.GetAsync(DomainsPath(org.Id)), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await memberApi.Http.GetAsync(DomainPath(org.Id, domain.Id)), HttpStatusCode.Forbidden);
        Assert.Equal(1, (await AssertOkAsync(await readerApi.Http.GetAsync(DomainsPath(org.Id)))).GetProperty("total").GetInt32());
        await AssertOkAsync(await readerApi.Http.GetAsync(DomainPath(org.Id, domain.Id)));
        foreach (var api in new[] { memberApi, readerApi })
        {
            var added = await api.Http.PostAsJsonAsync(DomainsPath(org.Id), new { domain = NewDomain() });
            var verified = await api.Http.PostAsync(VerifyPath(org.Id, domain.Id), content: null);
            var removed = await api.Http.DeleteAsync(DomainPath(org.Id, domain.Id));
            foreach (var response in new[] { added, verified, removed })
            {
                var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
                Assert.Contains("organization-settings:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        Assert.Equal(before, await DomainStateAsync(org, domain.Id));
        Assert.Equal(1, (await AssertOkAsync(await org.AdminApi.Http.GetAsync(DomainsPath(org.Id)))).GetProperty("total").GetInt32());
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task Only_a_verified_domain_of_that_organization_and_exactly_that_domain_makes_an_email_its()
    {
        var org = await OrganizationAsync();
        var other = await OrganizationAsync();
        var verified = await AddAsync(org, NewDomain());
        var unverified = await AddAsync(org, NewDomain());
        App.Dns.PublishTxt(verified.Name, verified.Record);
        await AssertOkAsync(await org.AdminApi.Http.PostAsync(VerifyPath(org.Id, verified.Id), content: null));

        Assert.True(await IsVerifiedForAsync(org.Id, $"ada@{verified.Name}"));
        Assert.True(await IsVerifiedForAsync(org.Id, $"\"odd@name\"@{verified.Name.ToUpperInvariant()}."));
        Assert.False(await IsVerifiedForAsync(org.Id, $"ada@mail.{verified.Name}"));
        Assert.False(await IsVerifiedForAsync(org.Id, $"ada@{unverified.Name}"));
        Assert.False(await IsVerifiedForAsync(other.Id, $"ada@{verified.Name}"));
        Assert.False(await IsVerifiedForAsync(org.Id, verified.Name));
        Assert.False(await IsVerifiedForAsync(org.Id, $"ada@"));
        Assert.False(await IsVerifiedForAsync(org.Id, ""));
    }

    // ---- helpers ----

    private sealed record Org(Guid Id, TestUser Admin, Guid AdminId, Browser AdminApi);

    private sealed record Domain(Guid Id, string Name, string Record);

    private async Task<Org> OrganizationAsync()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Domains");
        return new Org(orgId, admin, await App.UserIdAsync(admin), await App.ApiAsync(admin, orgId.ToString()));
    }

    private async Task<TestUser> MemberAsync(Guid orgId, string name, string role, params string[] customRoles)
    {
        var user = await App.SignUpAsync(name);
        await App.AddMemberAsync(orgId, user, role, customRoles);
        return user;
    }

    private static async Task<Domain> AddAsync(Org org, string name)
    {
        var response = await org.AdminApi.Http.PostAsJsonAsync(DomainsPath(org.Id), new { domain = name });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Adding {name}: {(int)response.StatusCode} {body}");
        var added = JsonDocument.Parse(body).RootElement;
        return new Domain(added.GetProperty("id").GetGuid(), added.GetProperty("domain").GetString()!, added.GetProperty("txtRecord").GetString()!);
    }

    /// <summary>A domain no other test uses: the test server's database (and its unique index) is shared by the class.</summary>
    private static string NewDomain() => $"d{Guid.NewGuid():N}"[..16] + ".example.com";

    private static string DomainsPath(Guid orgId) => $"/api/v1/orgs/{orgId}/domains";

    private static string DomainPath(Guid orgId, Guid id) => $"/api/v1/orgs/{orgId}/domains/{id}";

    private static string VerifyPath(Guid orgId, Guid id) => $"/api/v1/orgs/{orgId}/domains/{id}/verify";

    /// <summary>What a domain is, as its organization's admin sees it.</summary>
    private static async Task<string> DomainStateAsync(Org org, Guid id) =>
        (await AssertOkAsync(await org.AdminApi.Http.GetAsync(DomainPath(org.Id, id)))).ToString();

    private async Task<bool> IsVerifiedForAsync(Guid orgId, string email)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DomainsService>().IsVerifiedForAsync(orgId, email, CancellationToken.None);
    }

    private static async Task<JsonElement> AssertOkAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected 200, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(e => e.Name == field),
            $"Expected an error naming '{field}': {problem}");
    }

    private async Task<HashSet<Guid>> AuditIdsAsync(Guid orgId) => (await App.AuditEventsAsync(orgId)).Select(e => e.Id).ToHashSet();

    private async Task<List<AuditEvent>> NewAuditAsync(Guid orgId, HashSet<Guid> before) =>
        (await App.AuditEventsAsync(orgId)).Where(e => !before.Contains(e.Id)).ToList();

    private async Task AssertNoNewAuditAsync(Guid orgId, HashSet<Guid> before) => Assert.Empty(await NewAuditAsync(orgId, before));
}

public sealed class DomainTestsOnSqlite(SqliteApp app) : DomainTests(app), IClassFixture<SqliteApp>;

public sealed class DomainTestsOnPostgreSql(PostgreSqlApp app) : DomainTests(app), IClassFixture<PostgreSqlApp>;
