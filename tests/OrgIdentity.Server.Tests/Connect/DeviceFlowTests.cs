using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Connect;

public abstract class DeviceFlowTests(OrgIdentityApp app) : ServerTests(app)
{
    private const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";
    private const string NotValid = "That code is not valid or has expired.";

    /// <summary>
    /// RFC 8628 §3.2: without an <c>interval</c> in the answer (OpenIddict sends none) the client waits 5 seconds
    /// between polls. OpenIddict 7.8 never answers <c>slow_down</c>, but the tests poll like a polite client anyway.
    /// </summary>
    private static readonly TimeSpan PollingInterval = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task The_device_endpoint_answers_a_device_code_a_user_code_and_where_to_enter_it()
    {
        using var device = App.CreateBrowser();

        var answer = await RequestDeviceAuthorizationAsync(device.Http);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.False(string.IsNullOrEmpty(answer.Get("device_code")));
        var userCode = answer.Get("user_code");
        Assert.False(string.IsNullOrEmpty(userCode));
        Assert.Equal("https://localhost/connect/verify", answer.Get("verification_uri"));
        Assert.Equal("https://localhost/connect/verify?user_code=" + Uri.EscapeDataString(userCode!), answer.Get("verification_uri_complete"));
        // Ten minutes; the expiry is kept in whole seconds, so the rounding may give one second less.
        Assert.InRange(long.Parse(answer.Get("expires_in")!, CultureInfo.InvariantCulture), 599, 600);
    }

    [Fact]
    public async Task Polling_before_the_user_has_answered_says_authorization_pending()
    {
        using var device = App.CreateBrowser();
        var deviceCode = (await RequestDeviceAuthorizationAsync(device.Http)).Get("device_code")!;

        var first = await PollAsync(device.Http, deviceCode);
        var second = await PollAsync(device.Http, deviceCode);

        Assert.Equal(HttpStatusCode.BadRequest, first.Status);
        Assert.Equal("authorization_pending", first.Error);
        Assert.Equal("authorization_pending", second.Error);
        Assert.Null(second.AccessToken);
    }

    [Fact]
    public async Task A_signed_in_user_who_allows_the_device_gives_it_tokens_for_themselves()
    {
        var user = await App.SignUpAsync("Ada Device");
        using var device = App.CreateBrowser();
        var authorization = await RequestDeviceAuthorizationAsync(device.Http);
        var userCode = authorization.Get("user_code")!;
        using var browser = await App.SignedInBrowserAsync(user);

        var page = await browser.GetAsync(new Uri(authorization.Get("verification_uri_complete")!).PathAndQuery);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Allow Command line on your device?", html, StringComparison.Ordinal);
        Assert.Contains(userCode, html, StringComparison.Ordinal);
        Assert.Contains("Know who you are", html, StringComparison.Ordinal);
        Assert.Contains("See your name and company", html, StringComparison.Ordinal);
        Assert.Contains("Stay signed in when you are away", html, StringComparison.Ordinal);
        var allowed = await browser.SubmitAsync(page, button: "submit.Accept");
        var tokens = (await PollAsync(device.Http, authorization.Get("device_code")!)).EnsureTokens();

        Assert.Equal(HttpStatusCode.Redirect, allowed.StatusCode);
        Assert.Equal("/connect/verified", allowed.Headers.Location!.OriginalString);
        Assert.Contains("Your device is connected", await (await browser.FollowAsync(allowed)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var access = Oidc.Jwt(tokens.AccessToken!);
        Assert.Equal("at+jwt", access.Typ);
        Assert.Equal(await UserIdAsync(user), access.Subject);
        Assert.Equal("user", access.GetClaim("principal_type").Value);
        Assert.Equal(TestClients.DeviceClient, access.GetClaim("client_id").Value);
        Assert.Equal(TimeSpan.FromMinutes(10), access.ValidTo - access.IssuedAt);
        Assert.Equal(access.Subject, Oidc.Jwt(tokens.IdToken!).Subject);
        Assert.Equal("Ada Device", Oidc.Jwt(tokens.IdToken!).GetClaim("name").Value);
        // offline_access was asked for and allowed: the device keeps access with a refresh token.
        Assert.NotNull(tokens.RefreshToken);
        var refreshed = (await Oidc.RefreshAsync(device.Http, tokens.RefreshToken!, TestClients.DeviceClient)).EnsureTokens();
        Assert.Equal(access.Subject, Oidc.Jwt(refreshed.AccessToken!).Subject);
    }

    [Fact]
    public async Task A_device_code_gives_tokens_only_once_and_a_replay_revokes_them()
    {
        var user = await App.SignUpAsync();
        using var device = App.CreateBrowser();
        var authorization = await RequestDeviceAuthorizationAsync(device.Http);
        using var browser = await App.SignedInBrowserAsync(user);
        await browser.SubmitAsync(await OpenVerifyPageAsync(browser, authorization.Get("user_code")!), button: "submit.Accept");
        var tokens = (await PollAsync(device.Http, authorization.Get("device_code")!)).EnsureTokens();

        var again = await PollAsync(device.Http, authorization.Get("device_code")!);

        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal("invalid_grant", again.Error);
        Assert.Null(again.AccessToken);
        // A replayed code may mean a stolen one: what it gave is revoked (RFC 6749 §10.5, applied to device codes).
        Assert.Equal("invalid_grant", (await Oidc.RefreshAsync(device.Http, tokens.RefreshToken!, TestClients.DeviceClient)).Error);
    }

    [Fact]
    public async Task A_user_who_denies_the_device_makes_polling_answer_access_denied()
    {
        var user = await App.SignUpAsync();
        using var device = App.CreateBrowser();
        var authorization = await RequestDeviceAuthorizationAsync(device.Http);
        using var browser = await App.SignedInBrowserAsync(user);
        var page = await OpenVerifyPageAsync(browser, authorization.Get("user_code")!);

        var denied = await browser.SubmitAsync(page, button: "submit.Deny");
        var poll = await PollAsync(device.Http, authorization.Get("device_code")!);

        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.Equal("/connect/verified?denied=true", denied.Headers.Location!.OriginalString);
        Assert.Contains("Access denied", await (await browser.FollowAsync(denied)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, poll.Status);
        Assert.Equal("access_denied", poll.Error);
        Assert.Null(poll.AccessToken);
    }

    [Fact]
    public async Task An_invalid_user_code_shows_the_not_valid_message_and_approves_nothing()
    {
        var user = await App.SignUpAsync();
        using var device = App.CreateBrowser();
        var authorization = await RequestDeviceAuthorizationAsync(device.Http);
        using var browser = await App.SignedInBrowserAsync(user);
        var genuinePage = await OpenVerifyPageAsync(browser, authorization.Get("user_code")!);

        var page = await OpenVerifyPageAsync(browser, "0000-0000-0000");
        var posted = await browser.SubmitAsync(genuinePage, new Dictionary<string, string> { ["user_code"] = "0000-0000-0000" }, button: "submit.Accept");

        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(NotValid, html, StringComparison.Ordinal);
        Assert.DoesNotContain("submit.Accept", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains(NotValid, await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("authorization_pending", (await PollAsync(device.Http, authorization.Get("device_code")!)).Error);
    }

    [Fact]
    public async Task Denying_with_a_code_that_is_no_longer_valid_shows_the_not_valid_message()
    {
        var user = await App.SignUpAsync();
        using var device = App.CreateBrowser();
        var authorization = await RequestDeviceAuthorizationAsync(device.Http);
        using var browser = await App.SignedInBrowserAsync(user);
        var page = await OpenVerifyPageAsync(browser, authorization.Get("user_code")!);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SubmitAsync(page, button: "submit.Deny")).StatusCode);

        // The same form posted again (a double click, or the back button): the code is used up.
        var again = await browser.SubmitAsync(page, button: "submit.Deny");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains(NotValid, await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("access_denied", (await PollAsync(device.Http, authorization.Get("device_code")!)).Error);
    }

    [Fact]
    public async Task A_user_who_is_not_signed_in_is_sent_to_the_login_page_and_back_to_the_code()
    {
        var user = await App.SignUpAsync();
        using var device = App.CreateBrowser();
        var authorization = await RequestDeviceAuthorizationAsync(device.Http);
        var verifyPath = new Uri(authorization.Get("verification_uri_complete")!).PathAndQuery;
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync(verifyPath);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var login = response.Headers.Location!;
        Assert.Equal("/Account/Login", login.AbsolutePath);
        Assert.Equal("?ReturnUrl=" + Uri.EscapeDataString(verifyPath), login.Query);
        var loginPage = await browser.FollowAsync(response);
        var signedIn = await browser.FollowAsync(await browser.SubmitAsync(loginPage,
            new Dictionary<string, string> { ["Input.Email"] = user.Email, ["Input.Password"] = user.Password }));
        Assert.Equal(verifyPath, signedIn.RequestMessage!.RequestUri!.PathAndQuery);
        Assert.Contains("Allow Command line on your device?", await signedIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("authorization_pending", (await PollAsync(device.Http, authorization.Get("device_code")!)).Error);
    }

    [Fact]
    public async Task Allowing_without_the_antiforgery_token_approves_nothing()
    {
        var user = await App.SignUpAsync();
        using var device = App.CreateBrowser();
        var authorization = await RequestDeviceAuthorizationAsync(device.Http);
        using var browser = await App.SignedInBrowserAsync(user);

        // What a page on another site could make the user's browser post.
        var forged = await browser.Http.PostAsync("/connect/verify", new FormUrlEncodedContent(Oidc.Form(
            ("user_code", authorization.Get("user_code")), ("submit.Accept", "yes"))));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("authorization_pending", (await PollAsync(device.Http, authorization.Get("device_code")!)).Error);
    }

    [Fact]
    public async Task After_ten_minutes_the_codes_expire()
    {
        var user = await App.SignUpAsync();
        using var device = App.CreateBrowser();
        var authorization = await RequestDeviceAuthorizationAsync(device.Http);
        using var browser = await App.SignedInBrowserAsync(user);

        App.Time.Advance(TimeSpan.FromMinutes(11));
        var page = await OpenVerifyPageAsync(browser, authorization.Get("user_code")!);
        var poll = await PollAsync(device.Http, authorization.Get("device_code")!);

        Assert.Contains(NotValid, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // RFC 8628 §3.5: the client then starts over.
        Assert.Equal(HttpStatusCode.BadRequest, poll.Status);
        Assert.Equal("expired_token", poll.Error);
    }

    [Fact]
    public async Task A_scope_the_device_client_is_not_permitted_is_refused_with_invalid_scope()
    {
        using var device = App.CreateBrowser();

        var answer = await RequestDeviceAuthorizationAsync(device.Http, "openid email");

        // RFC 8628 §3.2 uses the errors of RFC 6749 §5.2, where a scope beyond the client's is invalid_scope.
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("invalid_scope", answer.Error);
        Assert.Null(answer.Get("device_code"));
    }

    private static async Task<TokenResponse> RequestDeviceAuthorizationAsync(HttpClient http, string scope = "openid profile offline_access") =>
        await TokenResponse.ReadAsync(await http.PostAsync("/connect/device",
            new FormUrlEncodedContent(Oidc.Form(("client_id", TestClients.DeviceClient), ("scope", scope)))));

    private async Task<TokenResponse> PollAsync(HttpClient http, string deviceCode)
    {
        App.Time.Advance(PollingInterval);
        return await Oidc.TokenAsync(http, Oidc.Form(("grant_type", DeviceCodeGrant), ("device_code", deviceCode), ("client_id", TestClients.DeviceClient)));
    }

    private static Task<HttpResponseMessage> OpenVerifyPageAsync(Browser browser, string userCode) =>
        browser.GetAsync("/connect/verify?user_code=" + Uri.EscapeDataString(userCode));

    private async Task<string> UserIdAsync(TestUser user)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var found = await scope.ServiceProvider.GetRequiredService<UserManager<User>>().FindByEmailAsync(user.Email);
        return found!.Id.ToString();
    }
}

public sealed class DeviceFlowTestsOnSqlite(SqliteApp app) : DeviceFlowTests(app), IClassFixture<SqliteApp>;

public sealed class DeviceFlowTestsOnPostgreSql(PostgreSqlApp app) : DeviceFlowTests(app), IClassFixture<PostgreSqlApp>;
