using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// The peer of <c>--compare</c>: node <c>oidc-provider</c> 9.x as configured in peers/oidc-provider/server.js
/// (peers/README.md), run with <c>NODE_ENV=production</c> on a free loopback port. Installs its packages with
/// <c>npm ci</c> once when node_modules is missing, reads the JSON line the server prints when it listens and stops it
/// on dispose. Its output goes to a log file.
/// </summary>
internal sealed class PeerHost : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;
    private readonly HttpClient http;

    private PeerHost(Process process, StreamWriter log, string logPath, Started started)
    {
        this.process = process;
        this.log = log;
        LogPath = logPath;
        Url = new Uri(started.Issuer.TrimEnd('/') + "/");
        TokenEndpoint = new Uri(started.TokenEndpoint);
        IntrospectionEndpoint = new Uri(started.IntrospectionEndpoint);
        Algorithm = started.Alg;
        Version = started.OidcProvider;
        NodeVersion = started.Node;
        Resource = started.Resource;
        OpaqueResource = started.OpaqueResource;
        Scope = started.Scope;
        ClientId = started.ClientId;
        ClientSecret = started.ClientSecret;
        PublicClientId = started.PublicClientId;
        IntrospectionClientId = started.IntrospectionClientId;
        IntrospectionClientSecret = started.IntrospectionClientSecret;
        http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The issuer, with a trailing slash.</summary>
    public Uri Url { get; }
    public Uri TokenEndpoint { get; }
    public Uri IntrospectionEndpoint { get; }
    /// <summary>RS256 or ES256: the algorithm of its signing key (RSA 2048 or P-256, generated at start).</summary>
    public string Algorithm { get; }
    /// <summary>The oidc-provider version that runs (package-lock.json pins it).</summary>
    public string Version { get; }
    public string NodeVersion { get; }
    /// <summary>The audience of its JWT access tokens, the default resource of every grant.</summary>
    public string Resource { get; }
    /// <summary>A resource whose access tokens are opaque: oidc-provider only introspects stored tokens, not its JWTs.</summary>
    public string OpaqueResource { get; }
    public string Scope { get; }
    /// <summary>The confidential client: client_credentials with client_secret_basic or client_secret_post.</summary>
    public string ClientId { get; }
    public string ClientSecret { get; }
    /// <summary>A public client (no secret), as OrgIdentity's <c>spa</c>, for refresh tokens.</summary>
    public string PublicClientId { get; }
    /// <summary>The resource server allowed to introspect every token.</summary>
    public string IntrospectionClientId { get; }
    public string IntrospectionClientSecret { get; }
    public string LogPath { get; }
    public int ProcessId => process.Id;

    /// <summary>
    /// Starts the peer. <paramref name="algorithm"/>: RS256 or ES256. <paramref name="node"/>: the node executable (null:
    /// <c>ORGIDENTITY_BENCH_NODE</c>, else <c>node</c> on the PATH). <paramref name="peerDirectory"/>: peers/oidc-provider
    /// (null: found above this tool's directory).
    /// </summary>
    public static async Task<PeerHost> StartAsync(string algorithm, string? node, string? peerDirectory, CancellationToken cancellationToken)
    {
        if (algorithm is not ("RS256" or "ES256"))
        {
            throw new UsageException($"The peer signs with RS256 or ES256, not '{algorithm}'.");
        }

        var directory = peerDirectory ?? FindPeerDirectory();
        node ??= Environment.GetEnvironmentVariable("ORGIDENTITY_BENCH_NODE") ?? "node";
        await InstallAsync(directory, cancellationToken);

        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("server.js");
        // Port 0: the server binds a free loopback port itself and says which (no race with another process).
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        start.ArgumentList.Add("--host");
        start.ArgumentList.Add("127.0.0.1");
        start.ArgumentList.Add("--alg");
        start.ArgumentList.Add(algorithm);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PEER_", StringComparison.Ordinal) || k is "DEBUG" or "NODE_OPTIONS").ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["NODE_ENV"] = "production";

        var logPath = Path.Combine(Directory.CreateTempSubdirectory("orgidentity-bench-peer-").FullName, "peer.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var firstLine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{node} did not start.");
        }
        catch (System.ComponentModel.Win32Exception problem)
        {
            await log.DisposeAsync();
            throw new UsageException($"Cannot run '{node}' ({problem.Message}): install Node.js 20 or later, or set ORGIDENTITY_BENCH_NODE.");
        }

        process.OutputDataReceived += (_, e) =>
        {
            Write(log, e.Data);
            if (e.Data is { } line && line.StartsWith('{'))
            {
                firstLine.TrySetResult(line);
            }
        };
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var exited = process.WaitForExitAsync(cancellationToken);
            var ready = await Task.WhenAny(firstLine.Task, exited, Task.Delay(TimeSpan.FromSeconds(60), cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            if (ready != firstLine.Task)
            {
                throw new InvalidOperationException(process.HasExited
                    ? $"The peer exited with {process.ExitCode}: {await File.ReadAllTextAsync(logPath, cancellationToken)}"
                    : $"The peer did not say it listens within 60 s; see {logPath}.");
            }

            var started = JsonSerializer.Deserialize<Started>(await firstLine.Task, JsonOptions)
                          ?? throw new InvalidOperationException("The peer printed an empty line.");
            var host = new PeerHost(process, log, logPath, started);
            Console.WriteLine($"Started the peer oidc-provider {host.Version} on node {host.NodeVersion} (pid {process.Id}) at {host.Url}, {host.Algorithm}; log: {logPath}");
            return host;
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }

            process.Dispose();
            await log.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="count"/> fresh refresh tokens (openid offline_access api, one grant each), minted through the
    /// provider's own models by the bench-only route <c>GET /bench/refresh-tokens</c>; <paramref name="publicClient"/>
    /// picks the client that redeems them (no secret) instead of the confidential one.
    /// </summary>
    public async Task<IReadOnlyList<string>> GetRefreshTokensAsync(int count, bool publicClient, CancellationToken cancellationToken)
    {
        var client = publicClient ? PublicClientId : ClientId;
        var tokens = new List<string>(count);
        // The route mints at most 200 at a time (the in-memory store keeps 1,000 entries in all).
        while (tokens.Count < count)
        {
            var batch = Math.Min(200, count - tokens.Count);
            var uri = new Uri(string.Create(CultureInfo.InvariantCulture, $"bench/refresh-tokens?n={batch}&client={Uri.EscapeDataString(client)}"), UriKind.Relative);
            using var response = await http.GetAsync(uri, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The peer answered {(int)response.StatusCode} to {uri}: {body}");
            }

            using var json = JsonDocument.Parse(body);
            tokens.AddRange(json.RootElement.GetProperty("refresh_tokens").EnumerateArray().Select(t => t.GetString()!));
        }

        return tokens;
    }

    /// <summary>An access token the peer can introspect (client_credentials for <see cref="OpaqueResource"/>: opaque, stored).</summary>
    public async Task<string> GetIntrospectableTokenAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint)
        {
            Content = new FormUrlEncodedContent([
                new("grant_type", "client_credentials"),
                new("scope", Scope),
                new("resource", OpaqueResource),
            ]),
        };
        request.Headers.Authorization = BasicAuthentication(ClientId, ClientSecret);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The peer's token endpoint answered {(int)response.StatusCode}: {body}");
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>RFC 6749 §2.3.1: client id and secret form-encoded, then Base64.</summary>
    public static AuthenticationHeaderValue BasicAuthentication(string clientId, string clientSecret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}")));

    /// <summary>The peer's resident set size in MiB (Linux: /proc/&lt;pid&gt;/status VmRSS), or null where unknown.</summary>
    public double? ResidentMegabytes()
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The CPU time the peer has used so far (user and system, all its threads): sample before and after a run.</summary>
    public TimeSpan CpuTime()
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        await log.DisposeAsync();
        Console.WriteLine($"Stopped the peer; its log stays at {LogPath}.");
    }

    /// <summary><c>npm ci</c> once when node_modules/oidc-provider is missing: the versions of package-lock.json, nothing else.</summary>
    private static async Task InstallAsync(string directory, CancellationToken cancellationToken)
    {
        if (Directory.Exists(Path.Combine(directory, "node_modules", "oidc-provider")))
        {
            return;
        }

        Console.WriteLine($"Installing the peer's packages: npm ci in {directory}");
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("ci");
        start.ArgumentList.Add("--no-audit");
        start.ArgumentList.Add("--no-fund");
        using var npm = Process.Start(start) ?? throw new InvalidOperationException("npm did not start.");
        var output = npm.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = npm.StandardError.ReadToEndAsync(cancellationToken);
        await npm.WaitForExitAsync(cancellationToken);
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci failed ({npm.ExitCode}) in {directory}:{Environment.NewLine}{await output}{await errors}");
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    /// <summary>tests/OrgIdentity.Benchmarks/peers/oidc-provider of the checkout this tool runs from.</summary>
    private static string FindPeerDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            foreach (var candidate in new[]
                     {
                         Path.Combine(directory.FullName, "peers", "oidc-provider"),
                         Path.Combine(directory.FullName, "tests", "OrgIdentity.Benchmarks", "peers", "oidc-provider"),
                     })
            {
                if (File.Exists(Path.Combine(candidate, "server.js")))
                {
                    return candidate;
                }
            }
        }

        throw new UsageException($"No tests/OrgIdentity.Benchmarks/peers/oidc-provider/server.js above {AppContext.BaseDirectory}.");
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The line server.js prints when it listens.</summary>
    private sealed record Started(
        int Port,
        string Issuer,
        string Alg,
        string Node,
        string OidcProvider,
        string TokenEndpoint,
        string IntrospectionEndpoint,
        string Resource,
        string OpaqueResource,
        string Scope,
        string ClientId,
        string ClientSecret,
        string PublicClientId,
        string IntrospectionClientId,
        string IntrospectionClientSecret);
}
