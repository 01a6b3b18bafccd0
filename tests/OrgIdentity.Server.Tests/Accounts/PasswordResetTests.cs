using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

public abstract class PasswordResetTests(OrgIdentityApp app) : ServerTests(app)
{
    private const string NewPassword = "a-brand-new-password";

    private async Task<string> ResetLinkAsync(TestUser user, int count = 1)
    {
        using var browser = App.CreateBrowser();
        await browser.ForgotPasswordAsync(user.Email);
        return (await App.Mail.WaitForAsync(user.Email, "Reset your password", count)).Link("/Account/ResetPassword");
    }

    [Fact]
    public async Task Forgot_password_for_an_unknown_address_answers_the_same_redirect_and_sends_nothing()
    {
        var user = await App.SignUpAsync();
        var unknown = $"nobody-{Guid.NewGuid():N}@example.com";
        using var browser = App.CreateBrowser();
        var known = await browser.ForgotPasswordAsync(user.Email);

        var response = await browser.ForgotPasswordAsync(unknown);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/CheckEmail", response.Headers.Location!.OriginalString);
        Assert.Equal(known.Headers.Location, response.Headers.Location);
        await App.AllMailDeliveredAsync();
        Assert.Empty(App.Mail.For(unknown, ""));
    }

    [Fact]
    public async Task The_reset_link_sets_a_new_password_and_the_old_one_stops_working()
    {
        var user = await App.SignUpAsync("Ada Lovelace");
        using var browser = App.CreateBrowser();
        await browser.ForgotPasswordAsync(user.Email);
        var mail = await App.Mail.WaitForAsync(user.Email, "Reset your password");
        Assert.Contains("Hello Ada Lovelace", mail.Body, StringComparison.Ordinal);

        var reset = await browser.ResetPasswordAsync(mail.Link("/Account/ResetPassword"), NewPassword);

        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        var login = await browser.FollowAsync(reset);
        Assert.Equal("/Account/Login", login.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("Your password has been changed", await login.HtmlAsync(), StringComparison.Ordinal);
        Assert.False(await App.CanSignInAsync(user.Email, user.Password));
        Assert.True(await App.CanSignInAsync(user.Email, NewPassword));
    }

    [Fact]
    public async Task A_refresh_token_issued_before_the_reset_is_refused_afterwards()
    {
        var user = await App.SignUpAsync();
        var tokens = await App.TokensAsync(user);
        using var browser = App.CreateBrowser();
        var link = await ResetLinkAsync(user);

        await browser.ResetPasswordAsync(link, NewPassword);

        var refreshed = await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.Equal(HttpStatusCode.BadRequest, refreshed.Status);
        Assert.Equal("invalid_grant", refreshed.Error);
        // Tokens from the new password work.
        Assert.NotNull((await App.TokensAsync(user with { Password = NewPassword })).RefreshToken);
    }

    [Fact]
    public async Task A_reset_link_works_only_once()
    {
        var user = await App.SignUpAsync();
        using var browser = App.CreateBrowser();
        var link = await ResetLinkAsync(user);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.ResetPasswordAsync(link, NewPassword)).StatusCode);

        var again = await browser.ResetPasswordAsync(link, "yet-another-password-3");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("This link has expired or was already used", await again.HtmlAsync(), StringComparison.Ordinal);
        Assert.False(await App.CanSignInAsync(user.Email, "yet-another-password-3"));
        Assert.True(await App.CanSignInAsync(user.Email, NewPassword));
    }

    [Fact]
    public async Task A_too_short_new_password_is_refused_and_the_link_still_works()
    {
        var user = await App.SignUpAsync();
        using var browser = App.CreateBrowser();
        var link = await ResetLinkAsync(user);

        var refused = await browser.ResetPasswordAsync(link, "short");

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("at least 8 characters", await refused.HtmlAsync(), StringComparison.Ordinal);
        Assert.True(await App.CanSignInAsync(user.Email, user.Password));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.ResetPasswordAsync(link, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task A_reset_link_without_a_code_answers_400()
    {
        var user = await App.SignUpAsync();
        var link = await ResetLinkAsync(user);
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync(link[..link.IndexOf("&code=", StringComparison.Ordinal)]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_browser_session_from_before_the_reset_ends_within_a_minute()
    {
        var user = await App.SignUpAsync();
        using var session = await App.SignedInBrowserAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/Account/Profile")).StatusCode);
        using var browser = App.CreateBrowser();
        await browser.ResetPasswordAsync(await ResetLinkAsync(user), NewPassword);

        App.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var profile = await session.GetAsync("/Account/Profile");

        Assert.Equal(HttpStatusCode.Redirect, profile.StatusCode);
        Assert.Equal("/Account/Login", AccountPages.RedirectPath(profile));
    }
}

public sealed class PasswordResetTestsOnSqlite(SqliteApp app) : PasswordResetTests(app), IClassFixture<SqliteApp>;

public sealed class PasswordResetTestsOnPostgreSql(PostgreSqlApp app) : PasswordResetTests(app), IClassFixture<PostgreSqlApp>;
