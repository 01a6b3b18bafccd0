using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Connect;

public abstract class DiscoveryTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task Discovery_names_the_issuer_endpoints_flows_and_S256_only()
    {
        using var browser = App.CreateBrowser();

        var document = await browser.Http.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");

        Assert.Equal("https://localhost/", document.GetProperty("issuer").GetString());
        Assert.Equal("https://localhost/connect/authorize", document.GetProperty("authorization_endpoint").GetString());
        Assert.Equal("https://localhost/connect/token", document.GetProperty("token_endpoint").GetString());
        Assert.Equal("https://localhost/connect/userinfo", document.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal("https://localhost/connect/introspect", document.GetProperty("introspection_endpoint").GetString());
        Assert.Equal("https://localhost/connect/revoke", document.GetProperty("revocation_endpoint").GetString());
        Assert.Equal("https://localhost/connect/logout", document.GetProperty("end_session_endpoint").GetString());
        Assert.Equal("https://localhost/connect/device", document.GetProperty("device_authorization_endpoint").GetString());
        Assert.Equal("https://localhost/.well-known/jwks", document.GetProperty("jwks_uri").GetString());
        Assert.Equal(["S256"], Strings(document, "code_challenge_methods_supported"));
        Assert.Equal(["code"], Strings(document, "response_types_supported"));
        Assert.Equal(
            ["authorization_code", "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange"],
            Strings(document, "grant_types_supported").Order());
        Assert.Superset(new HashSet<string> { "openid", "profile", "email", "offline_access", "organizations", "orgidentity.api" },
            Strings(document, "scopes_supported").ToHashSet());
        Assert.Superset(new HashSet<string> { "org_id", "org_slug", "org_role", "org_roles", "permissions", "units", "authz_ver", "principal_type" },
            Strings(document, "claims_supported").ToHashSet());
    }

    [Fact]
    public async Task The_key_set_publishes_an_RSA_signing_key()
    {
        using var browser = App.CreateBrowser();

        var keys = await browser.Http.GetFromJsonAsync<JsonElement>("/.well-known/jwks");

        var key = Assert.Single(keys.GetProperty("keys").EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.False(key.TryGetProperty("d", out _), "The private exponent must never be published.");
    }

    [Fact]
    public async Task Health_answers_live_and_ready()
    {
        using var browser = App.CreateBrowser();

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/health/live")).StatusCode);
        var ready = await browser.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pages_carry_the_security_headers()
    {
        using var browser = App.CreateBrowser();

        var page = await browser.GetAsync("/Account/Login");

        var csp = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(page.Headers.GetValues("Referrer-Policy")));
    }

    private static string[] Strings(JsonElement document, string name) =>
        document.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();
}

public sealed class DiscoveryTestsOnSqlite(SqliteApp app) : DiscoveryTests(app), IClassFixture<SqliteApp>;

public sealed class DiscoveryTestsOnPostgreSql(PostgreSqlApp app) : DiscoveryTests(app), IClassFixture<PostgreSqlApp>;
