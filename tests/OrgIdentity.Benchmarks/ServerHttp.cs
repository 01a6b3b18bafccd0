using System.Net;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// HTTP to our server from the driver. Outside Development the server refuses plain HTTP unless a trusted proxy says the
/// request came over HTTPS; loopback is a trusted proxy by default (ForwardedHeadersOptions, see
/// src/OrgIdentity.Server/Hosting/ForwardedHeadersSetup.cs), so with <c>forwardedHttps</c> every request carries
/// <c>X-Forwarded-Proto: https</c>, as a TLS-terminating proxy on the same machine would send. The server then builds
/// https:// redirects to itself and sets Secure cookies: those redirects are sent back to its plain-HTTP port, and the
/// optional cookie jar keeps cookies as if the scheme were https.
/// </summary>
internal static class ServerHttp
{
    public static HttpMessageHandler Handler(Uri server, bool forwardedHttps, CookieJar? cookies = null, int maxConnections = int.MaxValue) =>
        !forwardedHttps && cookies is null
            ? new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = maxConnections }
            : new ForwardingHandler(server, forwardedHttps, cookies)
            {
                InnerHandler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = maxConnections },
            };

    public static HttpClient Client(Uri server, bool forwardedHttps, CookieJar? cookies = null, int maxConnections = int.MaxValue) =>
        new(Handler(server, forwardedHttps, cookies, maxConnections)) { BaseAddress = server };

    private sealed class ForwardingHandler(Uri server, bool forwardedHttps, CookieJar? cookies) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (uri.Scheme == Uri.UriSchemeHttps && uri.Authority == server.Authority)
            {
                uri = new UriBuilder(uri) { Scheme = Uri.UriSchemeHttp, Port = server.Port }.Uri;
                request.RequestUri = uri;
            }

            // The address the server believes it was called at, for the cookies' Secure flag.
            var seen = forwardedHttps ? new UriBuilder(uri) { Scheme = Uri.UriSchemeHttps, Port = server.Port }.Uri : uri;
            if (forwardedHttps)
            {
                request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
            }

            if (cookies is not null && cookies.Container.GetCookieHeader(seen) is { Length: > 0 } header)
            {
                request.Headers.TryAddWithoutValidation("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (cookies is not null && response.Headers.TryGetValues("Set-Cookie", out var values))
            {
                foreach (var value in values)
                {
                    cookies.Container.SetCookies(seen, value);
                }
            }

            return response;
        }
    }
}

/// <summary>A caller's cookies; <see cref="Clear"/> forgets them all (a new browser).</summary>
internal sealed class CookieJar
{
    public CookieContainer Container { get; private set; } = new();

    public void Clear() => Container = new CookieContainer();
}
