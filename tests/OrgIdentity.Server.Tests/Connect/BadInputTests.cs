using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Connect;

/// <summary>Bad requests get the protocol's own error, never a redirect to an unverified address and never a 500.</summary>
public abstract class BadInputTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_unregistered_redirect_uri_shows_an_error_page_and_never_redirects()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, "https://evil.test/callback", "openid", Oidc.Pkce.Create()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("invalid_request", html, StringComparison.Ordinal);
        Assert.Contains("text/html", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_client_shows_an_error_page_and_never_redirects()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync(Oidc.AuthorizeUrl("no-such-client", TestClients.CodeRedirect, "openid", Oidc.Pkce.Create()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("invalid_request", html, StringComparison.Ordinal);
        Assert.Contains("client_id", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authorization_request_without_PKCE_is_refused_with_invalid_request()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", pkce: null));

        await AssertErrorPageAsync(response, "invalid_request", "code_challenge");
    }

    [Fact]
    public async Task The_plain_PKCE_method_is_refused_with_invalid_request()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", pkce: null,
            ("code_challenge", "a-plain-challenge-that-is-long-enough-0123456789"), ("code_challenge_method", "plain")));

        await AssertErrorPageAsync(response, "invalid_request", "code_challenge_method");
    }

    [Fact]
    public async Task A_wrong_code_verifier_is_refused_with_invalid_grant()
    {
        var user = await App.SignUpAsync();
        using var browser = App.CreateBrowser();
        var pkce = Oidc.Pkce.Create();
        var code = await Oidc.AuthorizeCodeAsync(browser, user.Email, user.Password, TestClients.CodeClient, TestClients.CodeRedirect, "openid", pkce);

        var tokens = await Oidc.RedeemCodeAsync(browser.Http, code, Oidc.Pkce.Create(), TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret);

        Assert.Equal(HttpStatusCode.BadRequest, tokens.Status);
        Assert.Equal("invalid_grant", tokens.Error);
    }

    [Fact]
    public async Task A_wrong_client_secret_is_refused_with_invalid_client()
    {
        using var browser = App.CreateBrowser();

        var tokens = await Oidc.RefreshAsync(browser.Http, "whatever", TestClients.CodeClient, "not-the-secret");

        Assert.Equal("invalid_client", tokens.Error);
    }

    [Fact]
    public async Task A_JSON_body_on_the_token_endpoint_is_refused_with_invalid_request()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.Http.PostAsJsonAsync("/connect/token",
            new { grant_type = "client_credentials", client_id = TestClients.Worker, client_secret = TestClients.WorkerSecret });

        await AssertOAuthErrorAsync(response, "invalid_request");
    }

    [Theory]
    [InlineData("\u0000\u0001\u0002garbage&&&===", "invalid_request")]
    [InlineData("grant_type=client_credentials&grant_type=authorization_code&client_id=worker", "invalid_request")]
    [InlineData("", "invalid_request")]
    [InlineData("grant_type=client_credentials&client_id=worker&client_secret=%zz%", "invalid_client")]
    public async Task A_malformed_form_on_the_token_endpoint_gets_an_OAuth_error(string body, string error)
    {
        using var browser = App.CreateBrowser();

        var response = await browser.Http.PostAsync("/connect/token", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));

        // RFC 6749 §5.2: invalid_client may answer 401; everything else here is a 400.
        await AssertOAuthErrorAsync(response, error, error == "invalid_client" ? HttpStatusCode.Unauthorized : HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_oversized_parameter_on_the_token_endpoint_is_a_400_with_an_OAuth_error()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.Http.PostAsync("/connect/token", new FormUrlEncodedContent(Oidc.Form(
            ("grant_type", "client_credentials"), ("client_id", TestClients.Worker), ("client_secret", TestClients.WorkerSecret),
            ("scope", new string('a', 200_000)))));

        await AssertOAuthErrorAsync(response, "invalid_request");
    }

    [Fact]
    public async Task An_oversized_chunked_body_on_the_token_endpoint_is_a_400_with_an_OAuth_error()
    {
        using var browser = App.CreateBrowser();
        var body = "grant_type=client_credentials&client_id=worker&scope=" + new string('a', 200_000);

        var response = await browser.Http.PostAsync("/connect/token", new ChunkedContent(Encoding.ASCII.GetBytes(body)));

        await AssertOAuthErrorAsync(response, "invalid_request");
    }

    /// <summary>A body sent without a Content-Length, as chunked transfer encoding does.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task An_oversized_authorization_request_is_a_400_and_never_a_redirect()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(),
            ("state", new string('s', 20_000))));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task A_GET_on_the_token_endpoint_is_refused_with_an_OAuth_error()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync("/connect/token?grant_type=client_credentials");

        await AssertOAuthErrorAsync(response, "invalid_request");
    }

    [Fact]
    public async Task An_unsupported_grant_type_is_refused_with_unsupported_grant_type()
    {
        using var browser = App.CreateBrowser();

        var tokens = await Oidc.TokenAsync(browser.Http, Oidc.Form(("grant_type", "password"), ("username", "a"), ("password", "b"),
            ("client_id", TestClients.CodeClient), ("client_secret", TestClients.CodeSecret)));

        Assert.Equal("unsupported_grant_type", tokens.Error);
    }

    [Fact]
    public async Task An_implicit_flow_request_is_refused()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync($"/connect/authorize?client_id={TestClients.CodeClient}&redirect_uri={Uri.EscapeDataString(TestClients.CodeRedirect)}&response_type=token&scope=openid&nonce=n");

        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = response.Headers.Location is null
            ? await response.Content.ReadAsStringAsync()
            : response.Headers.Location.ToString();
        Assert.Contains("unsupported_response_type", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Introspection_of_garbage_answers_inactive()
    {
        using var browser = App.CreateBrowser();

        var result = await Oidc.IntrospectAsync(browser.Http, "not-a-token", TestClients.Worker, TestClients.WorkerSecret);

        Assert.False(result.GetProperty("active").GetBoolean());
    }

    /// <summary>Errors found before the redirect URI is checked against the client are shown, not sent back (RFC 6749 §4.1.2.1).</summary>
    private static async Task AssertErrorPageAsync(HttpResponseMessage response, string error, string parameter)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains(error, html, StringComparison.Ordinal);
        Assert.Contains(parameter, html, StringComparison.Ordinal);
    }

    private static async Task AssertOAuthErrorAsync(HttpResponseMessage response, string error, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, body.GetProperty("error").GetString());
    }
}

public sealed class BadInputTestsOnSqlite(SqliteApp app) : BadInputTests(app), IClassFixture<SqliteApp>;

public sealed class BadInputTestsOnPostgreSql(PostgreSqlApp app) : BadInputTests(app), IClassFixture<PostgreSqlApp>;
