using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// The token verbs on the load runner: <c>cc</c>, <c>refresh</c>, <c>code</c>, <c>introspect</c>, <c>userinfo</c>. Each
/// starts the server (Production, driver-generated keys) unless <c>--target</c>, seeds what it needs through the API,
/// checks the access token's signing algorithm and measures.
/// </summary>
internal static class TokenBenchmarks
{
    private static readonly Uri TokenEndpoint = new("/connect/token", UriKind.Relative);
    private static readonly Uri IntrospectionEndpoint = new("/connect/introspect", UriKind.Relative);
    private static readonly Uri UserInfoEndpoint = new("/connect/userinfo", UriKind.Relative);

    /// <summary>
    /// <c>cc</c>: client-credentials tokens. <c>--client service-account</c> (the default) creates an organization and a
    /// service account first; <c>--client configured</c> uses the configured client <c>dev-worker</c> (also present in
    /// builds without service accounts, so <c>--server-dll</c> of an older build gives a "before" figure).
    /// </summary>
    public static async Task ClientCredentialsAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var settings = LoadSettings.From(arguments);
        var client = arguments.Optional("client") ?? "service-account";
        await using var target = await LoadTarget.StartAsync(arguments, tokenVerb: true, cancellationToken);
        var (clientId, secret) = await MachineClientAsync(target, client, cancellationToken);
        using var http = target.Client(maxConnections: settings.Concurrency);
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "orgidentity.api" };
        var algorithm = target.CheckAlgorithm(await ClientCredentialsTokenAsync(http, form, cancellationToken));

        if (arguments.Flag("compare"))
        {
            var (peer, peerHttp) = await PeerComparison.StartAsync(arguments, algorithm, settings.Concurrency, cancellationToken);
            await using (peer)
            using (peerHttp)
            {
                await PeerComparison.RunAsync("cc", target.Label, settings, new("OrgIdentity", ClientCredentials(http, form), target.ServerProcessId),
                    new($"oidc-provider {peer.Version}", PeerComparison.ClientCredentials(peerHttp, peer), peer.ProcessId), "tokens/s",
                    target.Describe(new { client, clientId, algorithm, peer = new { peer.Version, peer.NodeVersion, peer.Algorithm } }), cancellationToken);
            }

            return;
        }

        var runs = await LoadRunner.RunAsync("cc", settings, ClientCredentials(http, form), target.ServerProcessId, cancellationToken);
        LoadRunner.Report("cc", target.Label, settings, runs, "tokens/s", target.Describe(new { client, clientId, algorithm }));
    }

    /// <summary>
    /// The request of <c>cc</c>: a caller posts the client-credentials form to <paramref name="tokenEndpoint"/> (ours:
    /// /connect/token); usable against any token endpoint (a peer's).
    /// </summary>
    public static LoadCaller ClientCredentials(HttpClient http, IReadOnlyDictionary<string, string> form, Uri? tokenEndpoint = null) => _ => async cancellationToken =>
    {
        using var response = await http.PostAsync(tokenEndpoint ?? TokenEndpoint, new FormUrlEncodedContent(form), cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return (int)response.StatusCode;
    };

    /// <summary>
    /// <c>refresh</c>: each caller signs in once (code flow of <c>spa</c>, scope with <c>offline_access</c>) and then
    /// refreshes its own chain: every answer's new refresh token is the next request's (rotation, persisted).
    /// </summary>
    public static async Task RefreshAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var settings = LoadSettings.From(arguments);
        await using var target = await LoadTarget.StartAsync(arguments, tokenVerb: true, cancellationToken);
        var chains = new string[settings.Concurrency];
        string? algorithm = null;
        for (var i = 0; i < chains.Length; i++)
        {
            var tokens = await target.Tokens().SignInAsync(cancellationToken);
            algorithm ??= target.CheckAlgorithm(tokens.AccessToken);
            chains[i] = tokens.RefreshToken ?? throw new InvalidOperationException("The code flow gave no refresh token (is offline_access granted?).");
        }

        Console.WriteLine($"{chains.Length} refresh token chains, one per caller.");
        using var http = target.Client(maxConnections: settings.Concurrency);
        if (arguments.Flag("compare"))
        {
            var (peer, peerHttp) = await PeerComparison.StartAsync(arguments, algorithm!, settings.Concurrency, cancellationToken);
            await using (peer)
            using (peerHttp)
            {
                await PeerComparison.RunAsync("refresh", target.Label, settings, new("OrgIdentity", RefreshChains(http, chains), target.ServerProcessId),
                    new($"oidc-provider {peer.Version}", await PeerComparison.RefreshChainsAsync(peerHttp, peer, settings.Concurrency, cancellationToken), peer.ProcessId),
                    "tokens/s", target.Describe(new { client = TokenClient.ClientId, algorithm, chains = chains.Length, peer = new { peer.Version, peer.NodeVersion, peer.Algorithm } }),
                    cancellationToken);
            }

            return;
        }

        var runs = await LoadRunner.RunAsync("refresh", settings, RefreshChains(http, chains), target.ServerProcessId, cancellationToken);
        LoadRunner.Report("refresh", target.Label, settings, runs, "tokens/s", target.Describe(new { client = TokenClient.ClientId, algorithm, chains = chains.Length }));
    }

    /// <summary>
    /// The request of <c>refresh</c>: caller i redeems <c>chains[i]</c> (a public client's refresh token; a peer's with its
    /// client id and token endpoint) and keeps the refresh token it gets back.
    /// </summary>
    public static LoadCaller RefreshChains(HttpClient http, string[] chains, string clientId = TokenClient.ClientId, Uri? tokenEndpoint = null) =>
        index => async cancellationToken =>
    {
        var (status, tokens) = await TokenClient.RefreshAsync(http, chains[index], cancellationToken, clientId, tokenEndpoint);
        if (tokens?.RefreshToken is { } next)
        {
            chains[index] = next;
        }

        return status;
    };

    /// <summary>
    /// <c>code</c>: the whole authorization code + PKCE flow per iteration as a new browser (authorize, login form with
    /// antiforgery and the password check, redirect with the code, token request); <c>--reuse-session</c> keeps each
    /// caller's login cookie, so an iteration is authorize → code → token (a returning user).
    /// </summary>
    public static async Task CodeAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var settings = LoadSettings.From(arguments);
        var reuse = arguments.Flag("reuse-session");
        await using var target = await LoadTarget.StartAsync(arguments, tokenVerb: true, cancellationToken);
        var algorithm = target.CheckAlgorithm((await target.Tokens().SignInAsync(cancellationToken)).AccessToken);
        var clients = new List<HttpClient>();
        var flows = new List<TokenClient>();
        try
        {
            var runs = await LoadRunner.RunAsync(reuse ? "code --reuse-session" : "code", settings, _ =>
            {
                var cookies = new CookieJar();
                var http = target.Client(cookies);
                clients.Add(http);
                var flow = target.Tokens();
                flows.Add(flow);
                return async cancellationToken =>
                {
                    if (!reuse)
                    {
                        cookies.Clear();
                    }

                    return (await flow.CodeFlowAsync(http, cancellationToken)).Status;
                };
            }, target.ServerProcessId, cancellationToken);
            // Proof of what was measured: a new browser signs in on every flow, a returning one once per caller.
            var logins = flows.Sum(f => f.Logins);
            Console.WriteLine($"Login form posted {logins} time(s) by {flows.Count} callers (warm-up and runs included).");
            LoadRunner.Report(reuse ? "code-reuse-session" : "code", target.Label, settings, runs, "flows/s",
                target.Describe(new { client = TokenClient.ClientId, algorithm, reuseSession = reuse, logins }));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>
    /// <c>introspect</c>: a confidential client (the service account, or <c>--client configured</c>: dev-worker)
    /// introspects its own valid client-credentials access token; an answer without <c>"active":true</c> is an error.
    /// </summary>
    public static async Task IntrospectAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var settings = LoadSettings.From(arguments);
        var client = arguments.Optional("client") ?? "service-account";
        await using var target = await LoadTarget.StartAsync(arguments, tokenVerb: true, cancellationToken);
        var (clientId, secret) = await MachineClientAsync(target, client, cancellationToken);
        using var http = target.Client(maxConnections: settings.Concurrency);
        var token = await ClientCredentialsTokenAsync(http, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "orgidentity.api",
        }, cancellationToken);
        var algorithm = target.CheckAlgorithm(token);
        var form = new Dictionary<string, string> { ["token"] = token, ["token_type_hint"] = "access_token", ["client_id"] = clientId, ["client_secret"] = secret };

        if (arguments.Flag("compare"))
        {
            var (peer, peerHttp) = await PeerComparison.StartAsync(arguments, algorithm, settings.Concurrency, cancellationToken);
            await using (peer)
            using (peerHttp)
            {
                await PeerComparison.RunAsync("introspect", target.Label, settings, new("OrgIdentity", Introspection(http, form), target.ServerProcessId),
                    new($"oidc-provider {peer.Version}", await PeerComparison.IntrospectionAsync(peerHttp, peer, cancellationToken), peer.ProcessId),
                    "tokens/s", target.Describe(new { client, clientId, algorithm, peer = new { peer.Version, peer.NodeVersion, peer.Algorithm } }), cancellationToken);
            }

            return;
        }

        var runs = await LoadRunner.RunAsync("introspect", settings, Introspection(http, form), target.ServerProcessId, cancellationToken);
        LoadRunner.Report("introspect", target.Label, settings, runs, "tokens/s", target.Describe(new { client, clientId, algorithm }));
    }

    /// <summary>The request of <c>introspect</c> (ours: /connect/introspect); an inactive answer fails as "inactive".</summary>
    public static LoadCaller Introspection(HttpClient http, IReadOnlyDictionary<string, string> form, Uri? introspectionEndpoint = null) => _ => async cancellationToken =>
    {
        using var response = await http.PostAsync(introspectionEndpoint ?? IntrospectionEndpoint, new FormUrlEncodedContent(form), cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.IsSuccessStatusCode && !Active(body) ? throw new FlowFailedException("inactive", "The token was introspected as inactive.") : (int)response.StatusCode;
    };

    /// <summary><c>userinfo</c>: GET /connect/userinfo with the signed-in user's access token (one token for all callers).</summary>
    public static async Task UserInfoAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var settings = LoadSettings.From(arguments);
        await using var target = await LoadTarget.StartAsync(arguments, tokenVerb: true, cancellationToken);
        var token = (await target.Tokens().SignInAsync(cancellationToken)).AccessToken;
        var algorithm = target.CheckAlgorithm(token);
        using var http = target.Client(maxConnections: settings.Concurrency);
        var runs = await LoadRunner.RunAsync("userinfo", settings, BearerGet(http, UserInfoEndpoint, token), target.ServerProcessId, cancellationToken);
        LoadRunner.Report("userinfo", target.Label, settings, runs, "requests/s", target.Describe(new { client = TokenClient.ClientId, algorithm }));
    }

    /// <summary>A GET with a bearer token (userinfo, an API endpoint).</summary>
    public static LoadCaller BearerGet(HttpClient http, Uri path, string token) => _ => async cancellationToken =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return (int)response.StatusCode;
    };

    private static bool Active(byte[] body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("active", out var active) && active.ValueKind == JsonValueKind.True;
    }

    internal static async Task<string> ClientCredentialsTokenAsync(HttpClient http, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(TokenEndpoint, new FormUrlEncodedContent(form), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!
            : throw new InvalidOperationException($"The token endpoint answered {(int)response.StatusCode}: {body}");
    }

    /// <summary>A machine client: a new organization's service account made through the admin API, or the configured dev-worker.</summary>
    private static async Task<(string ClientId, string Secret)> MachineClientAsync(LoadTarget target, string client, CancellationToken cancellationToken) => client switch
    {
        "configured" => ("dev-worker", "dev-worker-secret-change-me"),
        "service-account" => await ServiceAccountAsync(target, cancellationToken),
        _ => throw new UsageException("--client is service-account or configured."),
    };

    /// <summary>An organization and a member service account in it, made through the admin API as the platform admin.</summary>
    private static async Task<(string ClientId, string Secret)> ServiceAccountAsync(LoadTarget target, CancellationToken cancellationToken)
    {
        using var admin = target.Client();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await target.Tokens().GetAsync(cancellationToken));
        using var organization = await admin.PostAsJsonAsync("/api/v1/orgs", new { name = "Benchmark machines " + Guid.NewGuid().ToString("N")[..6] }, cancellationToken);
        var organizationId = (await (await EnsureAsync(organization, cancellationToken)).Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString();
        using var created = await admin.PostAsJsonAsync($"/api/v1/orgs/{organizationId}/service-accounts", new { name = "load benchmark", role = "member" }, cancellationToken);
        var body = await (await EnsureAsync(created, cancellationToken)).Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Console.WriteLine($"Service account {body.GetProperty("clientId").GetString()} in organization {organizationId}.");
        return (body.GetProperty("clientId").GetString()!, body.GetProperty("clientSecret").GetString()!);
    }

    private static async Task<HttpResponseMessage> EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        response.IsSuccessStatusCode
            ? response
            : throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: " +
                                                  await response.Content.ReadAsStringAsync(cancellationToken));
}
