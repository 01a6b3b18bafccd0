using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Connect;

public abstract class ClientCredentialsTests(OrgIdentityApp app) : ServerTests(app)
{
    private static readonly string[] OrganizationClaims = ["org_id", "org_slug", "org_role", "org_roles", "permissions", "units", "authz_ver", "act"];

    [Fact]
    public async Task The_worker_gets_a_signed_ten_minute_client_token_for_the_api_without_organization_claims()
    {
        using var browser = App.CreateBrowser();

        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();

        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.Equal("Bearer", tokens.Get("token_type"));
        Assert.Null(tokens.RefreshToken);
        Assert.Null(tokens.IdToken);
        var access = Oidc.Jwt(tokens.AccessToken!);
        Assert.Equal("at+jwt", access.Typ);
        Assert.Equal("RS256", access.Alg);
        Assert.Equal("https://localhost/", access.Issuer);
        Assert.Equal(["orgidentity"], access.Audiences);
        Assert.Equal(TestClients.Worker, access.Subject);
        Assert.Equal(TestClients.Worker, access.GetClaim("client_id").Value);
        Assert.Equal("client", access.GetClaim("principal_type").Value);
        Assert.Equal("Billing worker", access.GetClaim("name").Value);
        Assert.Equal("orgidentity.api", access.GetClaim("scope").Value);
        Assert.Equal(TimeSpan.FromMinutes(10), access.ValidTo - access.IssuedAt);
        // DESIGN.md §3: clients declared in configuration are no member of any organization.
        Assert.All(OrganizationClaims, claim => Assert.False(access.TryGetClaim(claim, out _), $"Unexpected claim {claim}."));
    }

    [Fact]
    public async Task Without_the_api_scope_the_token_has_no_orgidentity_audience()
    {
        using var browser = App.CreateBrowser();

        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret)).EnsureTokens();

        var access = Oidc.Jwt(tokens.AccessToken!);
        Assert.Equal(TestClients.Worker, access.Subject);
        Assert.DoesNotContain("orgidentity", access.Audiences);
    }

    [Fact]
    public async Task The_worker_may_authenticate_with_HTTP_Basic()
    {
        using var browser = App.CreateBrowser();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(Oidc.Form(("grant_type", "client_credentials"), ("scope", "orgidentity.api"))),
        };
        // RFC 6749 §2.3.1: the server MUST support the Basic scheme for clients with a password.
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestClients.Worker}:{TestClients.WorkerSecret}")));

        var tokens = (await TokenResponse.ReadAsync(await browser.Http.SendAsync(request))).EnsureTokens();

        Assert.Equal(TestClients.Worker, Oidc.Jwt(tokens.AccessToken!).Subject);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_with_invalid_client()
    {
        using var browser = App.CreateBrowser();

        var response = await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, "not-the-worker-secret", "orgidentity.api");

        // RFC 6749 §5.2: invalid_client may answer 401.
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("invalid_client", response.Error);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task An_unknown_client_is_refused_with_invalid_client()
    {
        using var browser = App.CreateBrowser();

        var response = await Oidc.ClientCredentialsAsync(browser.Http, "no-such-client", TestClients.WorkerSecret, "orgidentity.api");

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("invalid_client", response.Error);
        Assert.Null(response.AccessToken);
    }

    [Theory]
    [InlineData("openid profile")]
    [InlineData("organizations")]
    [InlineData("orgidentity.api organizations")]
    public async Task A_scope_the_worker_is_not_permitted_is_refused_with_invalid_scope(string scope)
    {
        using var browser = App.CreateBrowser();

        var response = await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, scope);

        // RFC 6749 §5.2: a scope that "exceeds the scope granted by the resource owner" (for this grant, the
        // scopes the client is registered for) is invalid_scope, not invalid_request.
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_scope", response.Error);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task A_scope_the_server_does_not_know_is_refused_with_invalid_scope()
    {
        using var browser = App.CreateBrowser();

        var response = await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api no-such-scope");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_scope", response.Error);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task The_openid_scope_is_refused_because_no_person_signs_in_with_client_credentials()
    {
        using var browser = App.CreateBrowser();

        var response = await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "openid orgidentity.api");

        // An ID token asserts that an end user authenticated (OpenID Connect Core §2); the worker is not registered
        // for openid, and an ID token whose subject is a client would be a false statement.
        Assert.Null(response.IdToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_scope", response.Error);
    }

    [Fact]
    public async Task Introspection_by_the_worker_of_its_own_token_answers_active_with_its_claims()
    {
        using var browser = App.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();
        var access = Oidc.Jwt(tokens.AccessToken!);

        var introspection = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.Worker, TestClients.WorkerSecret);

        Assert.True(introspection.GetProperty("active").GetBoolean());
        Assert.Equal("https://localhost/", introspection.GetProperty("iss").GetString());
        Assert.Equal(TestClients.Worker, introspection.GetProperty("sub").GetString());
        Assert.Equal(TestClients.Worker, introspection.GetProperty("client_id").GetString());
        Assert.Equal("orgidentity", introspection.GetProperty("aud").GetString());
        Assert.Equal("access_token", introspection.GetProperty("token_usage").GetString());
        Assert.Equal("Bearer", introspection.GetProperty("token_type").GetString());
        Assert.Equal(access.Id, introspection.GetProperty("jti").GetString());
        Assert.Equal(access.GetPayloadValue<long>("exp"), introspection.GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Another_client_can_neither_introspect_nor_revoke_the_workers_token()
    {
        using var browser = App.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();

        var introspection = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.CodeClient, TestClients.CodeSecret);
        await browser.Http.PostAsync("/connect/revoke", new FormUrlEncodedContent(Oidc.Form(
            ("token", tokens.AccessToken), ("client_id", TestClients.CodeClient), ("client_secret", TestClients.CodeSecret))));

        Assert.False(introspection.GetProperty("active").GetBoolean());
        var own = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.Worker, TestClients.WorkerSecret);
        Assert.True(own.GetProperty("active").GetBoolean(), "Another client's revocation request must not revoke the worker's token.");
    }

    [Fact]
    public async Task A_revoked_token_introspects_as_inactive()
    {
        using var browser = App.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();
        var before = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.Worker, TestClients.WorkerSecret);
        Assert.True(before.GetProperty("active").GetBoolean());

        var revoked = await browser.Http.PostAsync("/connect/revoke", new FormUrlEncodedContent(Oidc.Form(
            ("token", tokens.AccessToken), ("token_type_hint", "access_token"), ("client_id", TestClients.Worker), ("client_secret", TestClients.WorkerSecret))));

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var after = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.Worker, TestClients.WorkerSecret);
        Assert.False(after.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_tampered_token_introspects_as_inactive()
    {
        using var browser = App.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();
        var parts = tokens.AccessToken!.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]);
        Assert.Contains("\"principal_type\":\"client\"", payload, StringComparison.Ordinal);
        var forgedPayload = string.Join('.', parts[0],
            Base64UrlEncoder.Encode(payload.Replace("\"principal_type\":\"client\"", "\"principal_type\":\"user\"", StringComparison.Ordinal)), parts[2]);
        // A character in the middle of the signature: every bit of it counts (the last one carries padding bits).
        var middle = parts[2].Length / 2;
        var forgedSignature = string.Join('.', parts[0], parts[1],
            parts[2][..middle] + (parts[2][middle] == 'A' ? 'B' : 'A') + parts[2][(middle + 1)..]);

        var payloadIntrospection = await Oidc.IntrospectAsync(browser.Http, forgedPayload, TestClients.Worker, TestClients.WorkerSecret);
        var signatureIntrospection = await Oidc.IntrospectAsync(browser.Http, forgedSignature, TestClients.Worker, TestClients.WorkerSecret);

        Assert.False(payloadIntrospection.GetProperty("active").GetBoolean());
        Assert.False(signatureIntrospection.GetProperty("active").GetBoolean());
        var genuine = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.Worker, TestClients.WorkerSecret);
        Assert.True(genuine.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task An_expired_token_introspects_as_inactive()
    {
        using var browser = App.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();
        App.Time.Advance(TimeSpan.FromMinutes(9));
        var nearlyExpired = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.Worker, TestClients.WorkerSecret);
        Assert.True(nearlyExpired.GetProperty("active").GetBoolean());

        App.Time.Advance(TimeSpan.FromMinutes(2));
        var expired = await Oidc.IntrospectAsync(browser.Http, tokens.AccessToken!, TestClients.Worker, TestClients.WorkerSecret);

        Assert.False(expired.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_public_client_cannot_use_client_credentials()
    {
        using var browser = App.CreateBrowser();

        var withoutSecret = await Oidc.TokenAsync(browser.Http, Oidc.Form(
            ("grant_type", "client_credentials"), ("client_id", TestClients.ConsentClient)));
        var withMadeUpSecret = await Oidc.ClientCredentialsAsync(browser.Http, TestClients.ConsentClient, "made-up-secret");

        // RFC 6749 §4.4: only confidential clients use this grant. Without credentials the request lacks a
        // required parameter; with some, the client is not allowed the grant type (§5.2 unauthorized_client).
        Assert.Equal(HttpStatusCode.BadRequest, withoutSecret.Status);
        Assert.Equal("invalid_request", withoutSecret.Error);
        Assert.Null(withoutSecret.AccessToken);
        Assert.Equal(HttpStatusCode.BadRequest, withMadeUpSecret.Status);
        Assert.Equal("unauthorized_client", withMadeUpSecret.Error);
        Assert.Null(withMadeUpSecret.AccessToken);
    }

    [Fact]
    public async Task A_client_token_gets_no_user_info()
    {
        using var browser = App.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();
        browser.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);

        var response = await browser.GetAsync("/connect/userinfo");

        // No person stands behind a client token: it is refused like a stale one, never answered with a 500.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_JSON_body_instead_of_a_form_is_refused_with_invalid_request()
    {
        using var browser = App.CreateBrowser();
        var json = JsonContent.Create(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = TestClients.Worker,
            ["client_secret"] = TestClients.WorkerSecret,
            ["scope"] = "orgidentity.api",
        });

        var response = await TokenResponse.ReadAsync(await browser.Http.PostAsync("/connect/token", json));

        // RFC 6749 §3.2: token requests are application/x-www-form-urlencoded.
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_request", response.Error);
        Assert.Null(response.AccessToken);
        Assert.Equal(JsonValueKind.Object, response.Json.ValueKind);
    }
}

public sealed class ClientCredentialsTestsOnSqlite(SqliteApp app) : ClientCredentialsTests(app), IClassFixture<SqliteApp>;

public sealed class ClientCredentialsTestsOnPostgreSql(PostgreSqlApp app) : ClientCredentialsTests(app), IClassFixture<PostgreSqlApp>;
