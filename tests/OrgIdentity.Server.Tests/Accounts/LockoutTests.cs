using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

public abstract class LockoutTests(OrgIdentityApp app) : ServerTests(app)
{
    private const string WrongPassword = "not-the-password";

    /// <summary>Posts the login form: true when signed in; when refused, the page must say the one generic message.</summary>
    private async Task<bool> SignsInAsync(string email, string password)
    {
        using var browser = App.CreateBrowser();
        var response = await browser.SignInAsync(email, password);
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            return true;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Wrong e-mail or password.", await response.HtmlAsync(), StringComparison.Ordinal);
        return false;
    }

    private Task<bool> SignsInAsync(TestUser user, string password) => SignsInAsync(user.Email, password);

    private async Task LockOutAsync(TestUser user)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            Assert.False(await SignsInAsync(user, WrongPassword));
        }
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_and_then_even_the_right_password_is_refused()
    {
        var user = await App.SignUpAsync();

        await LockOutAsync(user);

        Assert.False(await SignsInAsync(user, user.Password));
    }

    [Fact]
    public async Task A_locked_account_answers_exactly_like_an_address_without_an_account()
    {
        // Otherwise five tries would tell a stranger which addresses have accounts.
        var user = await App.SignUpAsync();
        await LockOutAsync(user);
        using var browser = App.CreateBrowser();

        var locked = await (await browser.SignInAsync(user.Email, user.Password)).HtmlAsync();
        var unknown = await (await browser.SignInAsync($"nobody-{Guid.NewGuid():N}@example.com", user.Password)).HtmlAsync();

        Assert.Equal(ErrorsOf(unknown), ErrorsOf(locked));
    }

    private static string ErrorsOf(string html) =>
        System.Text.RegularExpressions.Regex.Match(html, "<div class=\"errors[^>]*>(.*?)</div>", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;

    [Fact]
    public async Task A_successful_sign_in_starts_the_count_of_wrong_passwords_again()
    {
        var user = await App.SignUpAsync();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            Assert.False(await SignsInAsync(user, WrongPassword));
        }

        Assert.True(await SignsInAsync(user, user.Password));

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            Assert.False(await SignsInAsync(user, WrongPassword));
        }

        Assert.True(await SignsInAsync(user, user.Password));
    }

    [Fact]
    public async Task The_lockout_ends_after_fifteen_minutes()
    {
        var user = await App.SignUpAsync();
        await LockOutAsync(user);

        App.Time.Advance(TimeSpan.FromMinutes(14));
        Assert.False(await SignsInAsync(user, user.Password));

        App.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(5));
        Assert.True(await SignsInAsync(user, user.Password));
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

        Assert.True(await SignsInAsync(user, "a-brand-new-password"));
    }
}

public sealed class LockoutTestsOnSqlite(SqliteApp app) : LockoutTests(app), IClassFixture<SqliteApp>;

public sealed class LockoutTestsOnPostgreSql(PostgreSqlApp app) : LockoutTests(app), IClassFixture<PostgreSqlApp>;
