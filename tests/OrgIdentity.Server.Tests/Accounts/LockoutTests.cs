using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

public abstract class LockoutTests(OrgIdentityApp app) : ServerTests(app)
{
    private const string WrongPassword = "not-the-password";
    private const string Locked = "this account is locked for a while";
    private const string Wrong = "Wrong e-mail or password.";

    /// <summary>Posts the login form and answers the page's message, or null when the user was signed in.</summary>
    private async Task<string?> SignInMessageAsync(TestUser user, string password)
    {
        using var browser = App.CreateBrowser();
        var response = await browser.SignInAsync(user.Email, password);
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.HtmlAsync();
        return html.Contains(Locked, StringComparison.Ordinal) ? Locked
            : html.Contains(Wrong, StringComparison.Ordinal) ? Wrong
            : throw new InvalidOperationException($"Neither refused nor signed in: {html}");
    }

    private async Task LockOutAsync(TestUser user)
    {
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            Assert.Equal(Wrong, await SignInMessageAsync(user, WrongPassword));
        }

        Assert.Equal(Locked, await SignInMessageAsync(user, WrongPassword));
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_and_then_even_the_right_password_is_refused()
    {
        var user = await App.SignUpAsync();

        await LockOutAsync(user);

        Assert.Equal(Locked, await SignInMessageAsync(user, user.Password));
    }

    [Fact]
    public async Task A_successful_sign_in_starts_the_count_of_wrong_passwords_again()
    {
        var user = await App.SignUpAsync();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await SignInMessageAsync(user, WrongPassword);
        }

        Assert.Null(await SignInMessageAsync(user, user.Password));

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            Assert.Equal(Wrong, await SignInMessageAsync(user, WrongPassword));
        }

        Assert.Null(await SignInMessageAsync(user, user.Password));
    }

    [Fact]
    public async Task The_lockout_ends_after_fifteen_minutes()
    {
        var user = await App.SignUpAsync();
        await LockOutAsync(user);

        App.Time.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(Locked, await SignInMessageAsync(user, user.Password));

        App.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(5));
        Assert.Null(await SignInMessageAsync(user, user.Password));
    }

    [Fact]
    public async Task A_password_reset_ends_the_lockout()
    {
        var user = await App.SignUpAsync();
        await LockOutAsync(user);
        using var browser = App.CreateBrowser();
        await browser.ForgotPasswordAsync(user.Email);
        var link = (await App.Mail.WaitForAsync(user.Email, "Reset your password")).Link("/Account/ResetPassword");

        await browser.ResetPasswordAsync(link, "a-brand-new-password");

        Assert.Null(await SignInMessageAsync(user, "a-brand-new-password"));
    }
}

public sealed class LockoutTestsOnSqlite(SqliteApp app) : LockoutTests(app), IClassFixture<SqliteApp>;

public sealed class LockoutTestsOnPostgreSql(PostgreSqlApp app) : LockoutTests(app), IClassFixture<PostgreSqlApp>;
