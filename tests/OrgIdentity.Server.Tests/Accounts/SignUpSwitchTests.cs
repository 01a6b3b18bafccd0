using System.Net;
using System.Text.RegularExpressions;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

/// <summary>
/// The platform's public sign-up switch, <c>OrgIdentity:SignUp:Enabled</c>: off, the sign-up page answers 404 to a view
/// and to a post (no account, no e-mail) and the login page offers no "Create an account" link; on (the default), it does.
/// </summary>
public abstract partial class SignUpSwitchTests
{
    protected abstract OrgIdentityApp NewApp();

    [Fact]
    public async Task With_public_sign_up_off_the_page_is_404_a_post_makes_no_account_and_the_login_page_has_no_link()
    {
        await using var app = NewApp().With("OrgIdentity:SignUp:Enabled", "false");
        await app.Database.EnsureAvailable();
        using var browser = app.CreateBrowser();
        var email = $"switch-{Guid.NewGuid():N}@example.com";

        var page = await browser.GetAsync("/Account/SignUp");
        var login = await browser.GetAsync("/Account/Login");
        var posted = await browser.Http.PostAsync("/Account/SignUp", new FormUrlEncodedContent(
        [
            new("__RequestVerificationToken", Token(await login.HtmlAsync())),
            new("Input.Name", "Not Allowed"),
            new("Input.Email", email),
            new("Input.Password", Users.Password),
        ]));

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.DoesNotContain("/Account/SignUp", await login.HtmlAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Create an account", await login.HtmlAsync(), StringComparison.Ordinal);
        await app.AllMailDeliveredAsync();
        Assert.Empty(app.Mail.For(email, ""));
        Assert.False(await app.CanSignInAsync(email, Users.Password));
        // Existing accounts still sign in.
        Assert.True(await app.CanSignInAsync(OrgIdentityApp.AdminEmail, OrgIdentityApp.AdminPassword));
    }

    [Fact]
    public async Task With_public_sign_up_on_the_login_page_links_to_the_sign_up_page()
    {
        await using var app = NewApp();
        await app.Database.EnsureAvailable();
        using var browser = app.CreateBrowser();

        var login = await browser.GetAsync("/Account/Login?ReturnUrl=%2FAccount%2FProfile");

        Assert.Contains("href=\"/Account/SignUp?returnUrl=%2FAccount%2FProfile\"", await login.HtmlAsync(), StringComparison.Ordinal);
        Assert.Contains("Create an account", await login.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/SignUp")).StatusCode);
    }

    private static string Token(string html) => TokenPattern().Match(html) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException("No antiforgery token on the page.");

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}

public sealed class SignUpSwitchTestsOnSqlite : SignUpSwitchTests
{
    protected override OrgIdentityApp NewApp() => new SqliteApp();
}

public sealed class SignUpSwitchTestsOnPostgreSql : SignUpSwitchTests
{
    protected override OrgIdentityApp NewApp() => new PostgreSqlApp();
}
