using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Hosting;

/// <summary>
/// Behind a proxy that terminates TLS: X-Forwarded-Proto/Host are believed only from the proxies in
/// <c>OrgIdentity:ForwardedHeaders</c>, and outside Development a request must have arrived over HTTPS.
/// </summary>
public sealed class ForwardedHeadersTests : IAsyncLifetime
{
    private const string ProxyAddress = "10.1.2.3";
    private const string Stranger = "203.0.113.9";
    private SqliteApp _app = null!;

    public ValueTask InitializeAsync()
    {
        _app = new SqliteApp { EnvironmentName = "Production" };
        var keys = Directory.CreateTempSubdirectory("orgidentity-proxy-keys-").FullName;
        _app.With("OrgIdentity:Issuer", "https://id.example.com/")
            .With("OrgIdentity:ForwardedHeaders:KnownNetworks:0", "10.1.0.0/16")
            .With("OrgIdentity:Keys:Signing:0:Path", TestCertificates.WritePfx(TestCertificates.Create("s", System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature), keys, "s", null))
            .With("OrgIdentity:Keys:Encryption:0:Path", TestCertificates.WritePfx(TestCertificates.Create("e", System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.KeyEncipherment), keys, "e", null));
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_trusted_proxy_makes_a_plain_request_https_on_the_public_host()
    {
        var response = await SendAsync("/Account/Profile", ProxyAddress, forwardedProto: "https", forwardedHost: "id.example.com");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("https://id.example.com/Account/Login", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_headers_from_an_untrusted_address_are_ignored_and_the_plain_request_is_refused()
    {
        var response = await SendAsync("/Account/Profile", Stranger, forwardedProto: "https", forwardedHost: "evil.example.net");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("HTTPS", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_of_ours_under_connect_is_refused_over_plain_http_too()
    {
        var response = await SendAsync("/connect/verified", Stranger, forwardedProto: null, forwardedHost: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("HTTPS", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_request_to_the_token_endpoint_gets_the_OAuth_error_outside_development()
    {
        var response = await SendAsync("/connect/token", Stranger, forwardedProto: null, forwardedHost: null, HttpMethod.Post);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_request", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_probes_over_plain_http_are_answered()
    {
        var response = await SendAsync("/health/live", Stranger, forwardedProto: null, forwardedHost: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Discovery_names_the_configured_issuer_whatever_host_the_request_used()
    {
        var response = await SendAsync("/.well-known/openid-configuration", ProxyAddress, forwardedProto: "https", forwardedHost: "internal-name:8080");

        Assert.Contains("\"issuer\": \"https://id.example.com/\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string from, string? forwardedProto, string? forwardedHost, HttpMethod? method = null)
    {
        // A plain-HTTP client, as the proxy talks to the server.
        using var client = _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("http://internal:8080"),
            AllowAutoRedirect = false,
        });
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Add(RemoteAddressFromTestHeader.Header, from);
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            request.Headers.Add("X-Forwarded-For", "198.51.100.7");
        }

        if (forwardedHost is not null)
        {
            request.Headers.Add("X-Forwarded-Host", forwardedHost);
        }

        if (request.Method == HttpMethod.Post)
        {
            request.Content = new FormUrlEncodedContent(Oidc.Form(("grant_type", "client_credentials"), ("client_id", TestClients.Worker), ("client_secret", TestClients.WorkerSecret)));
        }

        return await client.SendAsync(request);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
