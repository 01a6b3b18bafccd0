using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

/// <summary>DESIGN.md §2: disabling blocks every login and revokes every token and session; enabling restores the same account.</summary>
public abstract class DisabledUserTests(OrgIdentityApp app) : ServerTests(app)
{
    private static readonly TestUser Admin = new(OrgIdentityApp.AdminEmail, OrgIdentityApp.AdminPassword, "admin");

    private async Task<string> AdminTokenAsync() => (await App.TokensAsync(Admin)).AccessToken!;

    private static string SubjectOf(TokenResponse tokens) => Oidc.Jwt(tokens.AccessToken!).Subject;

    private async Task DisableAsync(string userId)
    {
        var response = await App.PostToApiAsync($"/api/v1/users/{userId}/disable", await AdminTokenAsync());
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private async Task<(TestUser User, TokenResponse Tokens)> UserWithTokensAsync()
    {
        var user = await App.SignUpAsync();
        return (user, await App.TokensAsync(user));
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in()
    {
        var (user, tokens) = await UserWithTokensAsync();
        await DisableAsync(SubjectOf(tokens));
        using var browser = App.CreateBrowser();

        var response = await browser.SignInAsync(user.Email, user.Password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("This account is disabled", await response.HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disabled_users_browser_session_gets_no_code_from_the_authorize_endpoint()
    {
        var (user, tokens) = await UserWithTokensAsync();
        using var browser = await App.SignedInBrowserAsync(user);
        await DisableAsync(SubjectOf(tokens));

        var response = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/Account/Login", response.RequestMessage!.RequestUri!.AbsolutePath);
        var silent = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(), ("prompt", "none")));
        Assert.Equal("login_required", Oidc.CallbackParameters(silent, TestClients.CodeRedirect)["error"]);
    }

    [Fact]
    public async Task A_disabled_users_refresh_token_is_refused_with_invalid_grant()
    {
        var (_, tokens) = await UserWithTokensAsync();
        await DisableAsync(SubjectOf(tokens));
        using var browser = App.CreateBrowser();

        var refreshed = await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret);

        Assert.Equal(HttpStatusCode.BadRequest, refreshed.Status);
        Assert.Equal("invalid_grant", refreshed.Error);
    }

    [Fact]
    public async Task A_disabled_users_access_token_is_refused_at_userinfo_and_introspects_as_inactive()
    {
        var (_, tokens) = await UserWithTokensAsync();
        using var browser = App.CreateBrowser();
        browser.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/connect/userinfo")).StatusCode);
        await DisableAsync(SubjectOf(tokens));

        var userinfo = await browser.GetAsync("/connect/userinfo");

        Assert.Equal(HttpStatusCode.Unauthorized, userinfo.StatusCode);
        Assert.Contains("invalid_token", userinfo.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        browser.Http.DefaultRequestHeaders.Authorization = null;
        var introspection = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.False(introspection.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_disabled_users_access_token_is_refused_by_the_api()
    {
        var (_, tokens) = await UserWithTokensAsync();
        await DisableAsync(SubjectOf(tokens));

        var response = await App.PostToApiAsync($"/api/v1/users/{Guid.NewGuid()}/disable", tokens.AccessToken);

        // Refused as a dead token (401), not merely as a caller who is no platform admin (403).
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disabled_users_cookie_stops_working_within_a_minute()
    {
        var (user, tokens) = await UserWithTokensAsync();
        using var browser = await App.SignedInBrowserAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/Profile")).StatusCode);
        await DisableAsync(SubjectOf(tokens));

        App.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var profile = await browser.GetAsync("/Account/Profile");

        Assert.Equal(HttpStatusCode.Redirect, profile.StatusCode);
        Assert.Equal("/Account/Login", AccountPages.RedirectPath(profile));
    }

    [Fact]
    public async Task Enabling_restores_the_same_account_but_not_its_old_tokens()
    {
        var (user, tokens) = await UserWithTokensAsync();
        var subject = SubjectOf(tokens);
        await DisableAsync(subject);

        var enabled = await App.PostToApiAsync($"/api/v1/users/{subject}/enable", await AdminTokenAsync());

        Assert.Equal(HttpStatusCode.NoContent, enabled.StatusCode);
        Assert.True(await App.CanSignInAsync(user.Email, user.Password));
        var fresh = await App.TokensAsync(user);
        Assert.Equal(subject, SubjectOf(fresh));
        using var browser = App.CreateBrowser();
        Assert.Equal("invalid_grant", (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).Error);
    }

    [Fact]
    public async Task A_user_who_is_not_a_platform_admin_may_not_disable_anyone()
    {
        var (_, callerTokens) = await UserWithTokensAsync();
        var (target, targetTokens) = await UserWithTokensAsync();

        var response = await App.PostToApiAsync($"/api/v1/users/{SubjectOf(targetTokens)}/disable", callerTokens.AccessToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(403, problem.GetProperty("status").GetInt32());
        Assert.True(await App.CanSignInAsync(target.Email, target.Password));
    }

    [Fact]
    public async Task A_call_without_a_token_gets_401()
    {
        var (target, targetTokens) = await UserWithTokensAsync();

        var disable = await App.PostToApiAsync($"/api/v1/users/{SubjectOf(targetTokens)}/disable", accessToken: null);
        var enable = await App.PostToApiAsync($"/api/v1/users/{SubjectOf(targetTokens)}/enable", accessToken: null);

        Assert.Equal(HttpStatusCode.Unauthorized, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, enable.StatusCode);
        Assert.True(await App.CanSignInAsync(target.Email, target.Password));
    }

    [Fact]
    public async Task Disabling_or_enabling_an_unknown_user_answers_404()
    {
        var token = await AdminTokenAsync();

        var disable = await App.PostToApiAsync($"/api/v1/users/{Guid.NewGuid()}/disable", token);
        var enable = await App.PostToApiAsync($"/api/v1/users/{Guid.NewGuid()}/enable", token);

        Assert.Equal(HttpStatusCode.NotFound, disable.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, enable.StatusCode);
    }
}

public sealed class DisabledUserTestsOnSqlite(SqliteApp app) : DisabledUserTests(app), IClassFixture<SqliteApp>;

public sealed class DisabledUserTestsOnPostgreSql(PostgreSqlApp app) : DisabledUserTests(app), IClassFixture<PostgreSqlApp>;
