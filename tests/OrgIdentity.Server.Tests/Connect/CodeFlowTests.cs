using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Connect;

public abstract class CodeFlowTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task The_code_flow_with_PKCE_through_the_login_form_issues_a_signed_access_token_and_an_id_token()
    {
        var user = await App.SignUpAsync("Grace Hopper");
        using var browser = App.CreateBrowser();
        var pkce = Oidc.Pkce.Create();

        var code = await Oidc.AuthorizeCodeAsync(browser, user.Email, user.Password,
            TestClients.CodeClient, TestClients.CodeRedirect, "openid profile email offline_access orgidentity.api", pkce);
        var tokens = (await Oidc.RedeemCodeAsync(browser.Http, code, pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret)).EnsureTokens();

        var access = Oidc.Jwt(tokens.AccessToken!);
        Assert.Equal("at+jwt", access.Typ);
        Assert.Equal("RS256", access.Alg);
        Assert.Equal("https://localhost/", access.Issuer);
        Assert.Equal(["orgidentity"], access.Audiences);
        Assert.Equal("user", access.GetClaim("principal_type").Value);
        Assert.Equal(TimeSpan.FromMinutes(10), access.ValidTo - access.IssuedAt);
        Assert.False(access.TryGetClaim("AspNet.Identity.SecurityStamp", out _), "The security stamp must stay inside the server.");
        Assert.NotNull(tokens.RefreshToken);

        var id = Oidc.Jwt(tokens.IdToken!);
        Assert.Equal(access.Subject, id.Subject);
        Assert.Equal(user.Email, id.GetClaim("email").Value);
        Assert.Equal("Grace Hopper", id.GetClaim("name").Value);
        Assert.True(id.TryGetClaim("auth_time", out _));
        Assert.False(id.TryGetClaim("AspNet.Identity.SecurityStamp", out _));
    }

    [Fact]
    public async Task An_access_token_without_the_api_scope_has_no_orgidentity_audience()
    {
        var user = await App.SignUpAsync();

        var tokens = await App.TokensAsync(user, "openid profile");

        Assert.DoesNotContain("orgidentity", Oidc.Jwt(tokens.AccessToken!).Audiences);
    }

    [Fact]
    public async Task Userinfo_answers_the_profile_and_email_the_scopes_allow()
    {
        var user = await App.SignUpAsync("Katherine Johnson");
        var tokens = await App.TokensAsync(user, "openid profile email");
        using var browser = App.CreateBrowser();
        browser.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);

        var info = await browser.Http.GetFromJsonAsync<JsonElement>("/connect/userinfo");

        Assert.Equal(Oidc.Jwt(tokens.AccessToken!).Subject, info.GetProperty("sub").GetString());
        Assert.Equal("Katherine Johnson", info.GetProperty("name").GetString());
        Assert.Equal(user.Email, info.GetProperty("email").GetString());
        Assert.True(info.GetProperty("email_verified").GetBoolean());
    }

    [Fact]
    public async Task Userinfo_without_a_token_is_refused()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync("/connect/userinfo");

        // RFC 6750 §3.1: a request without a token gets 401 and a Bearer challenge, not an HTML page.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_refresh_rotates_the_refresh_token_and_a_replay_after_the_leeway_revokes_the_chain()
    {
        var user = await App.SignUpAsync();
        var first = await App.TokensAsync(user);
        using var browser = App.CreateBrowser();

        var second = (await Oidc.RefreshAsync(browser.Http, first.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal(Oidc.Jwt(first.AccessToken!).Subject, Oidc.Jwt(second.AccessToken!).Subject);

        App.Time.Advance(TimeSpan.FromSeconds(31));
        var replay = await Oidc.RefreshAsync(browser.Http, first.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.Equal(HttpStatusCode.BadRequest, replay.Status);
        Assert.Equal("invalid_grant", replay.Error);

        // The replay revoked every token of that authorization, the newest refresh token included.
        var afterReplay = await Oidc.RefreshAsync(browser.Http, second.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.Equal("invalid_grant", afterReplay.Error);
        var introspection = await Oidc.IntrospectAsync(browser.Http, second.AccessToken!, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.False(introspection.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_refreshed_token_carries_the_profile_as_it_is_now()
    {
        var user = await App.SignUpAsync("Old Name");
        var tokens = await App.TokensAsync(user);
        using var browser = await App.SignedInBrowserAsync(user);
        var profile = await browser.GetAsync("/Account/Profile");
        await browser.SubmitAsync(profile, new Dictionary<string, string> { ["Input.Name"] = "New Name" });

        var refreshed = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();

        Assert.Equal("New Name", Oidc.Jwt(refreshed.IdToken!).GetClaim("name").Value);
    }

    [Fact]
    public async Task A_replayed_code_is_refused_and_the_tokens_it_gave_are_revoked()
    {
        var user = await App.SignUpAsync();
        using var browser = App.CreateBrowser();
        var pkce = Oidc.Pkce.Create();
        var code = await Oidc.AuthorizeCodeAsync(browser, user.Email, user.Password,
            TestClients.CodeClient, TestClients.CodeRedirect, "openid offline_access", pkce);
        var tokens = (await Oidc.RedeemCodeAsync(browser.Http, code, pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret)).EnsureTokens();

        var replay = await Oidc.RedeemCodeAsync(browser.Http, code, pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret);

        Assert.Equal(HttpStatusCode.BadRequest, replay.Status);
        Assert.Equal("invalid_grant", replay.Error);
        var introspection = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.False(introspection.GetProperty("active").GetBoolean());
        Assert.Equal("invalid_grant", (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).Error);
    }

    [Fact]
    public async Task Prompt_none_without_a_session_answers_login_required()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(), ("prompt", "none")));
        response = await browser.FollowAsync(response);

        Assert.Equal("login_required", Oidc.CallbackParameters(response, TestClients.CodeRedirect)["error"]);
    }

    [Fact]
    public async Task Prompt_none_with_a_session_issues_a_code_without_a_page()
    {
        var user = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(user);

        var response = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(), ("prompt", "none")));

        Assert.True(Oidc.CallbackParameters(response, TestClients.CodeRedirect).ContainsKey("code"));
    }

    [Fact]
    public async Task Prompt_login_asks_for_the_password_again_even_with_a_session()
    {
        var user = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(user);
        var pkce = Oidc.Pkce.Create();

        var response = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", pkce, ("prompt", "login")));
        Assert.Equal("/Account/Login", response.RequestMessage!.RequestUri!.AbsolutePath);
        response = await browser.FollowAsync(await browser.SubmitAsync(response,
            new Dictionary<string, string> { ["Input.Email"] = user.Email, ["Input.Password"] = user.Password }));

        Assert.True(Oidc.CallbackParameters(response, TestClients.CodeRedirect).ContainsKey("code"));
    }

    [Fact]
    public async Task Max_age_older_than_the_session_asks_for_the_password_again()
    {
        var user = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(user);

        var fresh = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(), ("max_age", "300")));
        Assert.True(Oidc.CallbackParameters(fresh, TestClients.CodeRedirect).ContainsKey("code"));

        App.Time.Advance(TimeSpan.FromMinutes(6));
        var stale = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(), ("max_age", "300")));

        Assert.Equal("/Account/Login", stale.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Max_age_counts_from_the_sign_in_not_from_the_last_cookie_renewal()
    {
        var user = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(user);
        var signedInAt = App.Time.GetUtcNow().ToUnixTimeSeconds();

        // The cookie is re-issued when its security stamp is checked again (every minute).
        App.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/Profile")).StatusCode);
        var pkce = Oidc.Pkce.Create();
        var code = Oidc.CallbackParameters(await browser.OpenAsync(
            Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", pkce)), TestClients.CodeRedirect)["code"];
        var stale = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(), ("max_age", "60")));

        Assert.Equal("/Account/Login", stale.RequestMessage!.RequestUri!.AbsolutePath);
        var tokens = (await Oidc.RedeemCodeAsync(browser.Http, code, pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret)).EnsureTokens();
        Assert.Equal(signedInAt.ToString(System.Globalization.CultureInfo.InvariantCulture), Oidc.Jwt(tokens.IdToken!).GetClaim("auth_time").Value);
    }

    [Fact]
    public async Task Prompt_login_cannot_be_skipped_by_coming_back_without_signing_in()
    {
        var user = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(user);
        App.Time.Advance(TimeSpan.FromSeconds(5));

        var login = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(), ("prompt", "login")));
        Assert.Equal("/Account/Login", login.RequestMessage!.RequestUri!.AbsolutePath);
        var returnUrl = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(login.RequestMessage.RequestUri.Query)["ReturnUrl"].ToString();
        var back = await browser.OpenAsync(returnUrl);

        Assert.Equal("/Account/Login", back.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task A_refresh_that_narrows_the_scopes_narrows_the_audience_too()
    {
        var user = await App.SignUpAsync();
        var tokens = await App.TokensAsync(user, "openid offline_access orgidentity.api");
        using var browser = App.CreateBrowser();

        var narrowed = (await Oidc.TokenAsync(browser.Http, Oidc.Form(("grant_type", "refresh_token"), ("refresh_token", tokens.RefreshToken),
            ("scope", "openid offline_access"), ("client_id", TestClients.CodeClient), ("client_secret", TestClients.CodeSecret)))).EnsureTokens();

        Assert.Contains("orgidentity", Oidc.Jwt(tokens.AccessToken!).Audiences);
        Assert.DoesNotContain("orgidentity", Oidc.Jwt(narrowed.AccessToken!).Audiences);
    }

    [Fact]
    public async Task An_explicit_client_asks_for_consent_once_and_remembers_it()
    {
        var user = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(user);

        var consent = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.ConsentClient, TestClients.ConsentRedirect, "openid profile", Oidc.Pkce.Create()));
        var html = await consent.Content.ReadAsStringAsync();
        Assert.Contains("Third-party app", html, StringComparison.Ordinal);
        Assert.Contains("See your name and company", html, StringComparison.Ordinal);
        var allowed = await browser.FollowAsync(await browser.SubmitAsync(consent, button: "submit.Accept"));
        Assert.True(Oidc.CallbackParameters(allowed, TestClients.ConsentRedirect).ContainsKey("code"));

        var again = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.ConsentClient, TestClients.ConsentRedirect, "openid profile", Oidc.Pkce.Create()));
        Assert.True(Oidc.CallbackParameters(again, TestClients.ConsentRedirect).ContainsKey("code"));

        var forced = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.ConsentClient, TestClients.ConsentRedirect, "openid profile", Oidc.Pkce.Create(), ("prompt", "consent")));
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
    }

    [Fact]
    public async Task Denying_consent_answers_access_denied()
    {
        var user = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(user);

        var consent = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.ConsentClient, TestClients.ConsentRedirect, "openid", Oidc.Pkce.Create()));
        var denied = await browser.FollowAsync(await browser.SubmitAsync(consent, button: "submit.Deny"));

        Assert.Equal("access_denied", Oidc.CallbackParameters(denied, TestClients.ConsentRedirect)["error"]);
    }

    [Fact]
    public async Task Prompt_none_for_an_explicit_client_without_consent_answers_consent_required()
    {
        var user = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(user);

        var response = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.ConsentClient, TestClients.ConsentRedirect, "openid", Oidc.Pkce.Create(), ("prompt", "none")));

        Assert.Equal("consent_required", Oidc.CallbackParameters(response, TestClients.ConsentRedirect)["error"]);
    }

    [Fact]
    public async Task End_session_asks_signs_out_and_returns_to_the_registered_address()
    {
        var user = await App.SignUpAsync();
        using var browser = App.CreateBrowser();
        var pkce = Oidc.Pkce.Create();
        var code = await Oidc.AuthorizeCodeAsync(browser, user.Email, user.Password, TestClients.CodeClient, TestClients.CodeRedirect, "openid", pkce);
        var tokens = (await Oidc.RedeemCodeAsync(browser.Http, code, pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret)).EnsureTokens();

        var confirm = await browser.OpenAsync($"/connect/logout?id_token_hint={tokens.IdToken}&post_logout_redirect_uri={Uri.EscapeDataString(TestClients.CodePostLogout)}&state=bye");
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var signedOut = await browser.FollowAsync(await browser.SubmitAsync(confirm, button: "submit.Accept"));

        Assert.Equal("bye", Oidc.CallbackParameters(signedOut, TestClients.CodePostLogout)["state"]);
        var silent = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(), ("prompt", "none")));
        Assert.Equal("login_required", Oidc.CallbackParameters(silent, TestClients.CodeRedirect)["error"]);
    }

    [Fact]
    public async Task End_session_refuses_an_unregistered_return_address()
    {
        var user = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(user);

        var response = await browser.GetAsync($"/connect/logout?post_logout_redirect_uri={Uri.EscapeDataString("https://evil.test/")}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }
}

public sealed class CodeFlowTestsOnSqlite(SqliteApp app) : CodeFlowTests(app), IClassFixture<SqliteApp>;

public sealed class CodeFlowTestsOnPostgreSql(PostgreSqlApp app) : CodeFlowTests(app), IClassFixture<PostgreSqlApp>;
