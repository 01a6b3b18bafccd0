using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>The console's Members tab (issue 12, first screen), through the real page with the sign-in cookie.</summary>
public abstract class MembersPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_sees_searches_sorts_filters_pages_and_exports_the_members_of_their_organization()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Console Co");
        var zed = await App.SignUpAsync("Zed Zimmer");
        await App.AddMemberAsync(orgId, zed, "viewer");
        var amy = await App.SignUpAsync("Amy Adams");
        await App.AddMemberAsync(orgId, amy, "member");
        using var browser = await App.SignedInBrowserAsync(admin);

        var html = await HtmlAsync(browser, $"/Orgs/{orgId}/Members");
        Assert.Contains("3 member(s)", html, StringComparison.Ordinal);
        Assert.Contains(admin.Email, html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("Amy Adams", StringComparison.Ordinal) < html.IndexOf("Zed Zimmer", StringComparison.Ordinal), "sorted by name");
        Assert.Contains("Export CSV", html, StringComparison.Ordinal);

        var descending = await HtmlAsync(browser, $"/Orgs/{orgId}/Members?sort=-name");
        Assert.True(descending.IndexOf("Zed Zimmer", StringComparison.Ordinal) < descending.IndexOf("Amy Adams", StringComparison.Ordinal), "sorted by name, descending");

        var searched = await HtmlAsync(browser, $"/Orgs/{orgId}/Members?search=Zimmer");
        Assert.Contains("Zed Zimmer", searched, StringComparison.Ordinal);
        Assert.DoesNotContain("Amy Adams", searched, StringComparison.Ordinal);

        var viewers = await HtmlAsync(browser, $"/Orgs/{orgId}/Members?role=viewer");
        Assert.Contains("Zed Zimmer", viewers, StringComparison.Ordinal);
        Assert.DoesNotContain("Amy Adams", viewers, StringComparison.Ordinal);

        var bad = await browser.GetAsync($"/Orgs/{orgId}/Members?sort=shoeSize");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("sort", await bad.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        // The export has every member, whatever the search on the page.
        var csv = await browser.GetAsync($"/Orgs/{orgId}/Members?handler=Export&search=Zimmer");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.Contains(amy.Email, text, StringComparison.Ordinal);
        Assert.Contains(zed.Email, text, StringComparison.Ordinal);

        // The console's start lists the organization.
        Assert.Contains("Console Co", await HtmlAsync(browser, "/Orgs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Someone_outside_the_organization_gets_404_and_nobody_signed_out_gets_in()
    {
        var (_, orgId) = await App.OrganizationWithAdminAsync("Private Co");
        var outsider = await App.SignUpAsync("Outsider");
        using (var browser = await App.SignedInBrowserAsync(outsider))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{orgId}/Members")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{orgId}/Members?handler=Export")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{Guid.NewGuid()}/Members")).StatusCode);
        }

        using var anonymous = App.CreateBrowser();
        var redirected = await anonymous.GetAsync($"/Orgs/{orgId}/Members");
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/Account/Login", Accounts.AccountPages.RedirectPath(redirected));
    }

    private static async Task<string> HtmlAsync(Browser browser, string url)
    {
        var response = await browser.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {html}");
        return html;
    }
}

public sealed class MembersPageTestsOnSqlite(SqliteApp app) : MembersPageTests(app), IClassFixture<SqliteApp>;

public sealed class MembersPageTestsOnPostgreSql(PostgreSqlApp app) : MembersPageTests(app), IClassFixture<PostgreSqlApp>;
