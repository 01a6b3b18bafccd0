using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;
using static OrgIdentity.Server.Tests.Console.AdminConsolePages;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>The console's SSO and domains tab, through the real pages with the sign-in cookie.</summary>
public abstract class SsoDomainsPageTests(OrgIdentityApp app, UpstreamProvider upstream) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_adds_a_domain_sees_its_txt_record_verifies_it_by_dns_and_removes_it()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Domain Co");
        var domain = $"d{Guid.NewGuid():N}.example";
        using var browser = await App.SignedInBrowserAsync(admin);
        var page = await browser.GetAsync($"/Orgs/{orgId}/SsoDomains");
        Assert.Contains("No domains yet.", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var added = await AfterRedirectAsync(browser, await browser.SubmitAsync(page, new Dictionary<string, string> { ["Domain"] = domain.ToUpperInvariant() }, action: "handler=AddDomain"));
        Assert.Contains($"{domain} was added.", added, StringComparison.Ordinal);
        var stored = await DomainAsync(domain);
        var txt = "orgidentity-verification=" + stored.VerificationToken;
        Assert.Contains(txt, added, StringComparison.Ordinal);
        Assert.Contains("Pending", added, StringComparison.Ordinal);

        // Not published yet: the verification says what to publish, and nothing changes.
        var page2 = await browser.GetAsync($"/Orgs/{orgId}/SsoDomains");
        var notYet = await AfterRedirectAsync(browser, await browser.SubmitAsync(page2, action: "handler=VerifyDomain"));
        Assert.Contains("No TXT record", notYet, StringComparison.Ordinal);
        Assert.Null((await DomainAsync(domain)).VerifiedAt);

        App.Dns.PublishTxt(domain, txt);
        var page3 = await browser.GetAsync($"/Orgs/{orgId}/SsoDomains");
        var verified = await AfterRedirectAsync(browser, await browser.SubmitAsync(page3, action: "handler=VerifyDomain"));
        Assert.Contains($"{domain} is verified.", verified, StringComparison.Ordinal);
        Assert.NotNull((await DomainAsync(domain)).VerifiedAt);
        Assert.DoesNotContain(txt, verified, StringComparison.Ordinal);

        var page4 = await browser.GetAsync($"/Orgs/{orgId}/SsoDomains");
        var removed = await AfterRedirectAsync(browser, await browser.SubmitAsync(page4, action: "handler=RemoveDomain"));
        Assert.Contains("The domain was removed.", removed, StringComparison.Ordinal);
        Assert.False(await DomainExistsAsync(domain));
        Assert.Equal(["domain.added", "domain.verified", "domain.removed"],
            (await App.AuditEventsAsync(orgId)).Where(e => e.Action.StartsWith("domain.", StringComparison.Ordinal)).Select(e => e.Action));
    }

    [Fact]
    public async Task Only_a_platform_admin_marks_a_domain_verified_without_dns()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Forced Co");
        var domain = $"f{Guid.NewGuid():N}.example";
        using (var browser = await App.SignedInBrowserAsync(admin))
        {
            var page = await browser.GetAsync($"/Orgs/{orgId}/SsoDomains");
            await AfterRedirectAsync(browser, await browser.SubmitAsync(page, new Dictionary<string, string> { ["Domain"] = domain }, action: "handler=AddDomain"));
            var html = await HtmlAsync(browser, $"/Orgs/{orgId}/SsoDomains");
            Assert.DoesNotContain("Mark verified", html, StringComparison.Ordinal);
            var id = (await DomainAsync(domain)).Id;
            var refused = await AfterRedirectAsync(browser, await PostAsync(browser, $"/Orgs/{orgId}/SsoDomains?handler=VerifyDomain&id={id}&force=true"));
            Assert.Contains("Only a platform admin", refused, StringComparison.Ordinal);
            Assert.Null((await DomainAsync(domain)).VerifiedAt);
        }

        using var platform = await App.SignedInBrowserAsync(Infrastructure.Organizations.PlatformAdmin);
        var adminPage = await platform.GetAsync($"/Orgs/{orgId}/SsoDomains");
        Assert.Contains("Mark verified", await adminPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var forced = await AfterRedirectAsync(platform, await platform.SubmitAsync(adminPage, action: "force=true"));
        Assert.Contains($"{domain} is verified.", forced, StringComparison.Ordinal);
        Assert.Contains("by a platform admin", forced, StringComparison.Ordinal);
        Assert.Equal("forced", (await DomainAsync(domain)).VerifiedBy);
    }

    [Fact]
    public async Task A_bad_domain_is_refused_next_to_the_field()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Bad Domain Co");
        using var browser = await App.SignedInBrowserAsync(admin);
        var page = await browser.GetAsync($"/Orgs/{orgId}/SsoDomains");
        var refused = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Domain"] = "not a domain" }, action: "handler=AddDomain");
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Matches("id=\"domain-error\" class=\"field-error\">[^<]+", html);
        Assert.Contains("value=\"not a domain\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(await App.AuditEventsAsync(orgId), e => e.Action == "domain.added");
    }

    [Fact]
    public async Task An_admin_adds_tests_disables_edits_and_removes_an_sso_connection_whose_secret_is_never_shown()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Sso Console Co");
        const string secret = "console-secret-value-1";
        using var browser = await App.SignedInBrowserAsync(admin);
        var page = await browser.GetAsync($"/Orgs/{orgId}/SsoDomains");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("SSO connections", html, StringComparison.Ordinal);
        Assert.Contains("/sso/callback", html, StringComparison.Ordinal);

        var added = await AfterRedirectAsync(browser, await browser.SubmitAsync(page, new Dictionary<string, string>
        {
            ["Connection.Name"] = "Upstream IdP",
            ["Connection.Authority"] = upstream.Issuer,
            ["Connection.ClientId"] = UpstreamProvider.ClientId,
            ["Connection.ClientSecret"] = secret,
            ["Connection.Enabled"] = "true",
        }, action: "handler=AddConnection"));
        Assert.Contains("The connection Upstream IdP was added.", added, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, added, StringComparison.Ordinal);
        var connection = await ConnectionAsync(orgId);
        Assert.True(connection.Enabled);
        Assert.NotNull(connection.ProtectedClientSecret);

        var tested = await AfterRedirectAsync(browser, await browser.SubmitAsync(await browser.GetAsync($"/Orgs/{orgId}/SsoDomains"), action: "handler=TestConnection"));
        Assert.True(tested.Contains("Test passed", StringComparison.Ordinal), System.Text.RegularExpressions.Regex.Match(tested, "<p class=\"flash[^>]*>[^<]*").Value);

        var disabled = await AfterRedirectAsync(browser, await browser.SubmitAsync(await browser.GetAsync($"/Orgs/{orgId}/SsoDomains"), action: "handler=EnableConnection"));
        Assert.Contains("Upstream IdP is disabled.", disabled, StringComparison.Ordinal);
        Assert.False((await ConnectionAsync(orgId)).Enabled);

        // Testing from the connection's own page reports what would stop a sign-in: here, that it is disabled.
        var problems = await AfterRedirectAsync(browser, await browser.SubmitAsync(await browser.GetAsync($"/Orgs/{orgId}/SsoDomains/{connection.Id}"), action: "handler=Test"));
        Assert.Contains("Test found problems", problems, StringComparison.Ordinal);
        Assert.Contains("The connection is disabled", problems, StringComparison.Ordinal);

        // The edit page: the secret field stays empty; saving without one keeps the stored secret.
        var edit = await browser.GetAsync($"/Orgs/{orgId}/SsoDomains/{connection.Id}");
        var editHtml = await edit.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        Assert.DoesNotContain(secret, editHtml, StringComparison.Ordinal);
        Assert.Contains("id=\"sso-client-secret\" name=\"Connection.ClientSecret\" type=\"password\" maxlength", editHtml, StringComparison.Ordinal);
        var renamed = await AfterRedirectAsync(browser, await browser.SubmitAsync(edit, new Dictionary<string, string> { ["Connection.Name"] = "Renamed IdP", ["Connection.Enabled"] = "true" }, action: "handler=Save"));
        Assert.Contains("Renamed IdP was saved.", renamed, StringComparison.Ordinal);
        var after = await ConnectionAsync(orgId);
        Assert.Equal("Renamed IdP", after.Name);
        Assert.True(after.Enabled);
        Assert.Equal(connection.ProtectedClientSecret, after.ProtectedClientSecret);

        // An unticked box sends nothing but its hidden "false": saving the edit page with it turns the connection off.
        var unticked = await AfterRedirectAsync(browser, await browser.SubmitAsync(await browser.GetAsync($"/Orgs/{orgId}/SsoDomains/{connection.Id}"), action: "handler=Save"));
        Assert.Contains("Renamed IdP was saved.", unticked, StringComparison.Ordinal);
        Assert.False((await ConnectionAsync(orgId)).Enabled);

        var bad = await browser.SubmitAsync(await browser.GetAsync($"/Orgs/{orgId}/SsoDomains/{connection.Id}"),
            new Dictionary<string, string> { ["Connection.Authority"] = "ftp://nowhere", ["Connection.ClientSecret"] = "typed-secret-2" }, action: "handler=Save");
        var badHtml = await bad.Content.ReadAsStringAsync();
        Assert.Matches("id=\"sso-authority-error\" class=\"field-error\">The authority is", badHtml);
        Assert.DoesNotContain("typed-secret-2", badHtml, StringComparison.Ordinal);
        Assert.Equal(upstream.Issuer, (await ConnectionAsync(orgId)).Authority);

        var removed = await AfterRedirectAsync(browser, await browser.SubmitAsync(await browser.GetAsync($"/Orgs/{orgId}/SsoDomains"), action: "handler=DeleteConnection"));
        Assert.Contains("The SSO connection was removed.", removed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{orgId}/SsoDomains/{connection.Id}")).StatusCode);
    }

    [Fact]
    public async Task Without_sso_in_the_plan_the_sso_section_is_absent_and_its_actions_404()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("No Sso Co");
        await SetPlanAsync(App, orgId, plan => plan.Sso = false);
        using var browser = await App.SignedInBrowserAsync(admin);
        var html = await HtmlAsync(browser, $"/Orgs/{orgId}/SsoDomains");
        Assert.Contains("Domains", html, StringComparison.Ordinal);
        Assert.DoesNotContain("SSO connections", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection.Authority", html, StringComparison.Ordinal);

        var posted = await PostAsync(browser, $"/Orgs/{orgId}/SsoDomains?handler=AddConnection", new Dictionary<string, string>
        {
            ["Connection.Name"] = "Sneaky", ["Connection.Authority"] = upstream.Issuer, ["Connection.ClientId"] = "x",
        });
        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
        await using var scope = App.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().SsoConnections.AnyAsync(c => c.OrganizationId == orgId));
    }

    [Fact]
    public async Task Who_may_only_view_sees_no_actions_and_a_forged_post_changes_nothing()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Viewing Co");
        await CreateRoleAsync(App, admin, orgId, "settings-reader", "organization-settings:view");
        var reader = await App.SignUpAsync("Domains Reader");
        await App.AddMemberAsync(orgId, reader, "viewer", "settings-reader");
        var member = await App.SignUpAsync("Domains Member");
        await App.AddMemberAsync(orgId, member, "member");
        var (_, otherOrg) = await App.OrganizationWithAdminAsync("Elsewhere Co");
        var domain = $"v{Guid.NewGuid():N}.example";

        using (var browser = await App.SignedInBrowserAsync(reader))
        {
            var html = await HtmlAsync(browser, $"/Orgs/{orgId}/SsoDomains");
            Assert.DoesNotContain("Add domain", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Add connection", html, StringComparison.Ordinal);
            var refused = await AfterRedirectAsync(browser, await PostAsync(browser, $"/Orgs/{orgId}/SsoDomains?handler=AddDomain", new Dictionary<string, string> { ["Domain"] = domain }));
            Assert.Contains("organization-settings:edit", refused, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{otherOrg}/SsoDomains")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(browser, $"/Orgs/{otherOrg}/SsoDomains?handler=AddDomain", new Dictionary<string, string> { ["Domain"] = domain })).StatusCode);
        }

        using (var browser = await App.SignedInBrowserAsync(member))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync($"/Orgs/{orgId}/SsoDomains")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(browser, $"/Orgs/{orgId}/SsoDomains?handler=AddDomain", new Dictionary<string, string> { ["Domain"] = domain })).StatusCode);
        }

        using (var browser = await App.SignedInBrowserAsync(admin))
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await PostWithoutTokenAsync(browser, $"/Orgs/{orgId}/SsoDomains?handler=AddDomain", new Dictionary<string, string> { ["Domain"] = domain })).StatusCode);
        }

        Assert.False(await DomainExistsAsync(domain));
    }

    private async Task<global::OrgIdentity.Server.Domains.OrganizationDomain> DomainAsync(string domain)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().OrganizationDomains.AsNoTracking().SingleAsync(d => d.Domain == domain);
    }

    private async Task<bool> DomainExistsAsync(string domain)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().OrganizationDomains.AnyAsync(d => d.Domain == domain);
    }

    private async Task<global::OrgIdentity.Server.Sso.SsoConnection> ConnectionAsync(Guid orgId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().SsoConnections.AsNoTracking().SingleAsync(c => c.OrganizationId == orgId);
    }
}

public sealed class SsoDomainsPageTestsOnSqlite(SqliteApp app, UpstreamProvider upstream) : SsoDomainsPageTests(app, upstream), IClassFixture<SqliteApp>, IClassFixture<UpstreamProvider>;

public sealed class SsoDomainsPageTestsOnPostgreSql(PostgreSqlApp app, UpstreamProvider upstream) : SsoDomainsPageTests(app, upstream), IClassFixture<PostgreSqlApp>, IClassFixture<UpstreamProvider>;
