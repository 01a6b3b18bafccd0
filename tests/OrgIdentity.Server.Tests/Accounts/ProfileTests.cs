using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

public abstract class ProfileTests(OrgIdentityApp app) : ServerTests(app)
{
    private static Dictionary<string, string> Settings(string name, string givenName, string familyName, string company) => new()
    {
        ["Input.Name"] = name,
        ["Input.GivenName"] = givenName,
        ["Input.FamilyName"] = familyName,
        ["Input.Company"] = company,
    };

    private static async Task<HttpResponseMessage> SaveAsync(Browser browser, Dictionary<string, string> settings)
    {
        var page = await browser.GetAsync("/Account/Profile");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await browser.SubmitAsync(page, settings);
    }

    [Fact]
    public async Task The_user_settings_page_requires_sign_in()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync("/Account/Profile");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login", AccountPages.RedirectPath(response));
        Assert.Contains("ReturnUrl=%2FAccount%2FProfile", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Saving_the_settings_shows_them_again_and_changes_the_name_in_the_header()
    {
        var user = await App.SignUpAsync("Ada Lovelace");
        using var browser = await App.SignedInBrowserAsync(user);
        var before = await (await browser.GetAsync("/Account/Profile")).HtmlAsync();
        Assert.Contains("User settings", before, StringComparison.Ordinal);
        Assert.Contains("Ada Lovelace", AccountPages.Header(before), StringComparison.Ordinal);

        var saved = await SaveAsync(browser, Settings("Augusta Ada King", "Augusta Ada", "King", "Analytical Engines Ltd"));

        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var html = await (await browser.FollowAsync(saved)).HtmlAsync();
        Assert.Contains("Your settings have been saved.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Augusta Ada King\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Augusta Ada\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"King\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Analytical Engines Ltd\"", html, StringComparison.Ordinal);
        Assert.Contains("Augusta Ada King", AccountPages.Header(html), StringComparison.Ordinal);
        Assert.DoesNotContain("Ada Lovelace", html, StringComparison.Ordinal);
        // Saved in the account, not only in this session.
        using var other = await App.SignedInBrowserAsync(user);
        Assert.Contains("value=\"Analytical Engines Ltd\"", await (await other.GetAsync("/Account/Profile")).HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_name_the_header_shows_the_given_and_family_name()
    {
        var user = await App.SignUpAsync("Ada Lovelace");
        using var browser = await App.SignedInBrowserAsync(user);

        var saved = await SaveAsync(browser, Settings("", "Augusta Ada", "King", ""));

        var html = await (await browser.FollowAsync(saved)).HtmlAsync();
        Assert.Contains("Augusta Ada King", AccountPages.Header(html), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_account_with_no_name_shows_its_legacy_user_name_in_the_header_and_in_tokens()
    {
        var user = await App.SignUpAsync("Ada Lovelace");
        await using (var scope = App.Services.CreateAsyncScope())
        {
            // Imported accounts arrive with only the user name of their old system.
            await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Users
                .Where(u => u.Email == user.Email)
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.Name, (string?)null).SetProperty(x => x.LegacyUserName, "alovelace"));
        }

        using var browser = await App.SignedInBrowserAsync(user);
        var tokens = await App.TokensAsync(user, "openid profile");

        Assert.Contains("alovelace", AccountPages.Header(await (await browser.GetAsync("/")).HtmlAsync()), StringComparison.Ordinal);
        Assert.Equal("alovelace", Oidc.Jwt(tokens.IdToken!).GetClaim("name").Value);
    }

    [Fact]
    public async Task Userinfo_and_a_refreshed_id_token_carry_the_new_settings()
    {
        var user = await App.SignUpAsync("Ada Lovelace");
        var tokens = await App.TokensAsync(user, "openid profile email offline_access");
        using var browser = await App.SignedInBrowserAsync(user);

        await SaveAsync(browser, Settings("Augusta Ada King", "Augusta Ada", "King", "Analytical Engines Ltd"));

        using var api = App.CreateBrowser();
        api.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        var info = await api.Http.GetFromJsonAsync<JsonElement>("/connect/userinfo");
        Assert.Equal("Augusta Ada King", info.GetProperty("name").GetString());
        Assert.Equal("Augusta Ada", info.GetProperty("given_name").GetString());
        Assert.Equal("King", info.GetProperty("family_name").GetString());
        Assert.Equal("Analytical Engines Ltd", info.GetProperty("company").GetString());
        var refreshed = (await Oidc.RefreshAsync(api.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        var id = Oidc.Jwt(refreshed.IdToken!);
        Assert.Equal("Augusta Ada King", id.GetClaim("name").Value);
        Assert.Equal("Augusta Ada", id.GetClaim("given_name").Value);
        Assert.Equal("King", id.GetClaim("family_name").Value);
        Assert.Equal("Analytical Engines Ltd", id.GetClaim("company").Value);
    }

    [Fact]
    public async Task The_page_lists_the_memberships_and_signing_out_of_all_sessions_ends_every_session_and_token()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Profile Memberships Co");
        var tokens = await App.TokensAsync(admin, "openid profile email offline_access");
        using var here = await App.SignedInBrowserAsync(admin);
        using var elsewhere = await App.SignedInBrowserAsync(admin);
        var page = await here.GetAsync("/Account/Profile");
        var html = await page.HtmlAsync();
        Assert.Contains("Profile Memberships Co", html, StringComparison.Ordinal);
        Assert.Contains($"/Orgs/{orgId}/Members", html, StringComparison.Ordinal);

        // Without the antiforgery token nothing happens.
        var forged = await here.Http.PostAsync("/Account/Profile?handler=SignOutEverywhere", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("/Account/Profile")).StatusCode);

        var signedOut = await here.SubmitAsync(page, action: "handler=SignOutEverywhere");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal("/Account/SignedOut?everywhere=true", signedOut.Headers.Location!.OriginalString);
        Assert.Contains("signed out of every session", await (await here.FollowAsync(signedOut)).HtmlAsync(), StringComparison.Ordinal);

        // This browser at once; any other at its next security-stamp check (a minute); the applications' tokens at once.
        Assert.Equal("/Account/Login", AccountPages.RedirectPath(await here.GetAsync("/Account/Profile")));
        App.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal("/Account/Login", AccountPages.RedirectPath(await elsewhere.GetAsync("/Account/Profile")));
        using var api = App.CreateBrowser();
        Assert.Equal("invalid_grant", (await Oidc.RefreshAsync(api.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).Error);
        var userId = (await App.UserIdAsync(admin)).ToString();
        Assert.Contains(await App.AuditEventsAsync(null), e => e.Action == "user.signed_out_everywhere" && e.TargetId == userId);
        // The account itself still works.
        Assert.True(await App.CanSignInAsync(admin.Email, admin.Password));
    }
}

public sealed class ProfileTestsOnSqlite(SqliteApp app) : ProfileTests(app), IClassFixture<SqliteApp>;

public sealed class ProfileTestsOnPostgreSql(PostgreSqlApp app) : ProfileTests(app), IClassFixture<PostgreSqlApp>;
