using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

/// <summary>
/// The one-time setup link of an installation without a bootstrap admin. Each test has a server of its own:
/// the first use of a link ends every link of that server.
/// </summary>
public abstract class SetupTests
{
    private const string AdminEmail = "first-admin@test.example";
    private const string AdminPassword = "first-admin-password";

    protected abstract OrgIdentityApp NewApp();

    /// <summary>A server with no platform admin (skips when its database is not there).</summary>
    private Task<OrgIdentityApp> StartWithoutAdminAsync() =>
        NewApp()
            .With("OrgIdentity:Bootstrap:AdminEmail", null)
            .With("OrgIdentity:Bootstrap:AdminPassword", null)
            .EnsureAvailableAsync();

    /// <summary>A setup link as the server prints it at start (the console is not captured, so ask the server's own service).</summary>
    private static string SetupLink(OrgIdentityApp app)
    {
        using var scope = app.Services.CreateScope();
        var token = scope.ServiceProvider.GetRequiredService<BootstrapAdmin>().CreateSetupToken();
        return "/setup?token=" + Uri.EscapeDataString(token);
    }

    private static async Task<HttpResponseMessage> CompleteSetupAsync(Browser browser, HttpResponseMessage form, string email) =>
        await browser.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.Name"] = "Grace Hopper",
            ["Input.Email"] = email,
            ["Input.Password"] = AdminPassword,
        });

    [Fact]
    public async Task The_setup_link_creates_a_platform_admin_who_is_signed_in()
    {
        await using var app = await StartWithoutAdminAsync();
        using var browser = app.CreateBrowser();
        var form = await browser.GetAsync(SetupLink(app));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Contains("Input.Email", AccountPages.FormFieldNames(await form.HtmlAsync()));

        var created = await CompleteSetupAsync(browser, form, AdminEmail);

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var home = await browser.FollowAsync(created);
        Assert.Contains("You are signed in as <strong>Grace Hopper</strong>", await home.HtmlAsync(), StringComparison.Ordinal);
        // A platform admin: the admin API accepts the new account's token (enabling itself is a no-op).
        var tokens = await app.TokensAsync(new TestUser(AdminEmail, AdminPassword, "Grace Hopper"));
        var enabled = await app.PostToApiAsync($"/api/v1/users/{Oidc.Jwt(tokens.AccessToken!).Subject}/enable", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, enabled.StatusCode);
    }

    [Fact]
    public async Task A_used_setup_link_answers_400_and_creates_nobody_else()
    {
        await using var app = await StartWithoutAdminAsync();
        var link = SetupLink(app);
        using var browser = app.CreateBrowser();
        using var late = app.CreateBrowser();
        var lateForm = await late.GetAsync(link);
        Assert.Equal(HttpStatusCode.Redirect, (await CompleteSetupAsync(browser, await browser.GetAsync(link), AdminEmail)).StatusCode);

        var again = await browser.GetAsync(link);
        // Someone who opened the form before the link was used and posts it afterwards.
        var secondUse = await CompleteSetupAsync(late, lateForm, "second-admin@test.example");

        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("This setup link has expired or was already used.", await again.HtmlAsync(), StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.Redirect, secondUse.StatusCode);
        Assert.Contains("This setup link has expired or was already used.", await secondUse.HtmlAsync(), StringComparison.Ordinal);
        Assert.False(await app.CanSignInAsync("second-admin@test.example", AdminPassword));
    }

    [Fact]
    public async Task A_garbled_setup_link_answers_400()
    {
        await using var app = await StartWithoutAdminAsync();
        var token = Uri.UnescapeDataString(SetupLink(app)["/setup?token=".Length..]);
        var tampered = token[..^4] + (token[^4] == 'A' ? 'B' : 'A') + token[^3..];
        using var browser = app.CreateBrowser();

        var garbled = await browser.GetAsync("/setup?token=garbled");
        var altered = await browser.GetAsync("/setup?token=" + Uri.EscapeDataString(tampered));
        var missing = await browser.GetAsync("/setup");

        Assert.Equal(HttpStatusCode.BadRequest, garbled.StatusCode);
        Assert.Contains("This setup link has expired or was already used.", await garbled.HtmlAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Input.Email", AccountPages.FormFieldNames(await garbled.HtmlAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, altered.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task A_setup_link_older_than_a_day_answers_400()
    {
        await using var app = await StartWithoutAdminAsync();
        var link = SetupLink(app);
        using var browser = app.CreateBrowser();

        app.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        var response = await browser.GetAsync(link);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task With_a_bootstrap_admin_configured_a_setup_link_answers_400()
    {
        await using var app = NewApp();
        await app.Database.EnsureAvailable();
        var link = SetupLink(app);
        using var browser = app.CreateBrowser();

        var response = await browser.GetAsync(link);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}

public sealed class SetupTestsOnSqlite : SetupTests
{
    protected override OrgIdentityApp NewApp() => new SqliteApp();
}

public sealed class SetupTestsOnPostgreSql : SetupTests
{
    protected override OrgIdentityApp NewApp() => new PostgreSqlApp();
}
