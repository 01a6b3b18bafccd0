using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

/// <summary>
/// The per-address limit on the forms that check a password or send e-mail. Each test has a server of its own
/// with a limit of 3 a minute (the limit counts per client address, and every test client has the same one).
/// </summary>
public abstract class RateLimitTests
{
    private const string Limit = "3";

    protected abstract OrgIdentityApp NewApp();

    private Task<OrgIdentityApp> StartAsync() =>
        NewApp().With("OrgIdentity:RateLimits:SignInPerMinute", Limit).EnsureAvailableAsync();

    private static Task<HttpResponseMessage> WrongSignInAsync(Browser browser) =>
        browser.SignInAsync($"nobody-{Guid.NewGuid():N}@example.com", "not-the-password");

    [Fact]
    public async Task The_fourth_sign_in_post_within_a_minute_gets_429()
    {
        await using var app = await StartAsync();
        using var browser = app.CreateBrowser();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var allowed = await WrongSignInAsync(browser);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Contains("Wrong e-mail or password.", await allowed.HtmlAsync(), StringComparison.Ordinal);
        }

        var limited = await browser.SignInAsync(OrgIdentityApp.AdminEmail, OrgIdentityApp.AdminPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Contains("Too many attempts", await limited.HtmlAsync(), StringComparison.Ordinal);
        Assert.Null(limited.Headers.Location);
    }

    [Fact]
    public async Task Viewing_the_login_page_is_never_limited()
    {
        await using var app = await StartAsync();
        using var browser = app.CreateBrowser();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await WrongSignInAsync(browser);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await WrongSignInAsync(browser)).StatusCode);

        for (var view = 1; view <= 10; view++)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/Login")).StatusCode);
        }
    }

    [Fact]
    public async Task Token_requests_over_the_per_client_limit_get_429_before_the_secret_is_checked_and_other_clients_go_on()
    {
        await using var app = await NewApp().With("OrgIdentity:RateLimits:TokenPerClientPerSecond", Limit).EnsureAvailableAsync();
        using var browser = app.CreateBrowser();
        // All at once: the limit is counted as each request arrives, before the (slow) secret check, so a loaded
        // machine cannot spread them over more than one second's allowance.
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, "not-the-secret")));

        Assert.Contains(answers, a => a.Status == HttpStatusCode.TooManyRequests);
        var limited = answers.First(a => a.Status == HttpStatusCode.TooManyRequests);
        Assert.Equal("too_many_requests", limited.Error);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.TooManyRequests), a => Assert.Equal("invalid_client", a.Error));
        var other = await Oidc.ClientCredentialsAsync(browser.Http, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, other.Status);
    }

    [Fact]
    public async Task The_sign_up_and_forgot_password_forms_count_against_the_same_limit()
    {
        await using var app = await StartAsync();
        using var browser = app.CreateBrowser();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(HttpStatusCode.OK, (await WrongSignInAsync(browser)).StatusCode);
        }

        var signUp = await browser.SignUpAsync("Mallory", $"mallory-{Guid.NewGuid():N}@example.com", Users.Password);
        var forgot = await browser.ForgotPasswordAsync(OrgIdentityApp.AdminEmail);

        Assert.Equal(HttpStatusCode.TooManyRequests, signUp.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, forgot.StatusCode);
    }
}

public sealed class RateLimitTestsOnSqlite : RateLimitTests
{
    protected override OrgIdentityApp NewApp() => new SqliteApp();
}

public sealed class RateLimitTestsOnPostgreSql : RateLimitTests
{
    protected override OrgIdentityApp NewApp() => new PostgreSqlApp();
}
