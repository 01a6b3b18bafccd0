using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>--compare</c> for <c>cc</c>, <c>refresh</c> and <c>introspect</c>: the same load (this driver, the same callers,
/// the same settings) against OrgIdentity and against the peer (peers/oidc-provider, <see cref="PeerHost"/>) in one run,
/// interleaved: each side is warmed up and measured once, then the runs alternate (ours, the peer's, ours, ...), so a
/// slower moment of the machine falls on both. Prints each pair, the median of each side and the ratio of the medians.
/// </summary>
internal static class PeerComparison
{
    public sealed record Side(string Label, LoadCaller Caller, int? ProcessId);

    public static async Task RunAsync(string verb, string provider, LoadSettings settings, Side ours, Side peer, string unit, object details,
        CancellationToken cancellationToken)
    {
        var first = settings with { Runs = 1 };
        var next = settings with { Runs = 1, Warmup = TimeSpan.Zero };
        var oursRuns = new List<LoadRun>();
        var peerRuns = new List<LoadRun>();
        for (var run = 1; run <= settings.Runs; run++)
        {
            oursRuns.Add(Numbered((await LoadRunner.RunAsync($"{verb} {ours.Label}", run == 1 ? first : next, ours.Caller, ours.ProcessId, cancellationToken))[0], run));
            peerRuns.Add(Numbered((await LoadRunner.RunAsync($"{verb} {peer.Label}", run == 1 ? first : next, peer.Caller, peer.ProcessId, cancellationToken))[0], run));
        }

        var oursMedian = LoadRunner.Median(oursRuns);
        var peerMedian = LoadRunner.Median(peerRuns);
        var ratio = peerMedian.RequestsPerSecond > 0 ? oursMedian.RequestsPerSecond / peerMedian.RequestsPerSecond : double.NaN;
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| {verb} ({provider}) | ours {unit} | peer {unit} | ratio | ours p99 ms | peer p99 ms | ours CPU % | peer CPU % | ours RSS MiB | peer RSS MiB |");
        table.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var rows = oursRuns.Zip(peerRuns).ToList();
        if (settings.Runs > 1)
        {
            rows.Add((oursMedian with { Run = 0 }, peerMedian with { Run = 0 }));
        }

        foreach (var (o, p) in rows)
        {
            table.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {(o.Run == 0 ? "**median**" : $"run {o.Run}")} | {o.RequestsPerSecond:0} | {p.RequestsPerSecond:0} | " +
                $"{(p.RequestsPerSecond > 0 ? o.RequestsPerSecond / p.RequestsPerSecond : double.NaN):0.00} | {o.P99Ms:0.0} | {p.P99Ms:0.0} | " +
                $"{Optional(o.CpuPercent)} | {Optional(p.CpuPercent)} | {Optional(o.RssMaxMiB)} | {Optional(p.RssMaxMiB)} |"));
        }

        Console.WriteLine();
        Console.Write(table);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{verb}: OrgIdentity / peer = {ratio:0.00} (medians of {settings.Runs} interleaved run(s))."));
        var path = Artifacts.Write(verb + "-compare", provider, new
        {
            verb,
            provider,
            unit,
            settings = settings.ToJson(),
            details,
            ratio,
            ours = new { median = oursMedian, runs = oursRuns },
            peer = new { median = peerMedian, runs = peerRuns },
        });
        Console.WriteLine($"JSON: {path}");
        var failed = oursRuns.Concat(peerRuns).Sum(r => r.Errors.Values.Sum());
        if (failed > 0 && !settings.AllowErrors)
        {
            throw new LoadFailedException($"{failed} request(s) failed in the comparison; pass --allow-errors to accept them.");
        }
    }

    /// <summary>The peer's client-credentials request: its confidential client, the secret in the body, the API's scope.</summary>
    public static LoadCaller ClientCredentials(HttpClient http, PeerHost peer) =>
        TokenBenchmarks.ClientCredentials(http, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = peer.ClientId, ["client_secret"] = peer.ClientSecret, ["scope"] = peer.Scope,
        }, peer.TokenEndpoint);

    /// <summary>The peer's refresh load: one chain per caller, minted by the peer for its public client (as our <c>spa</c>).</summary>
    public static async Task<LoadCaller> RefreshChainsAsync(HttpClient http, PeerHost peer, int callers, CancellationToken cancellationToken)
    {
        var chains = (await peer.GetRefreshTokensAsync(callers, publicClient: true, cancellationToken)).ToArray();
        return index => async token =>
        {
            using var response = await http.PostAsync(peer.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token", ["refresh_token"] = chains[index], ["client_id"] = peer.PublicClientId,
            }), token);
            var body = await response.Content.ReadAsByteArrayAsync(token);
            if (response.IsSuccessStatusCode)
            {
                using var json = JsonDocument.Parse(body);
                chains[index] = json.RootElement.GetProperty("refresh_token").GetString()!;
            }

            return (int)response.StatusCode;
        };
    }

    /// <summary>The peer's introspection load: its resource server introspects one stored (opaque) access token.</summary>
    public static async Task<LoadCaller> IntrospectionAsync(HttpClient http, PeerHost peer, CancellationToken cancellationToken)
    {
        var token = await peer.GetIntrospectableTokenAsync(cancellationToken);
        return TokenBenchmarks.Introspection(http, new Dictionary<string, string>
        {
            ["token"] = token, ["client_id"] = peer.IntrospectionClientId, ["client_secret"] = peer.IntrospectionClientSecret,
        }, peer.IntrospectionEndpoint);
    }

    /// <summary>Starts the peer with the algorithm our server signs with, and a client for it.</summary>
    public static async Task<(PeerHost Peer, HttpClient Http)> StartAsync(Arguments arguments, string algorithm, int concurrency, CancellationToken cancellationToken)
    {
        var peer = await PeerHost.StartAsync(algorithm, arguments.Optional("node"), arguments.Optional("peer-dir"), cancellationToken);
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false }) { BaseAddress = peer.Url };
        return (peer, http);
    }

    private static LoadRun Numbered(LoadRun run, int number) => run with { Run = number };

    private static string Optional(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "–";
}
