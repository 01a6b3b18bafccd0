using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>cc</c>: client-credentials tokens per second from <c>--concurrency</c> callers for <c>--duration</c> seconds, with
/// latency percentiles and the server's CPU. <c>--client service-account</c> (the default) creates an organization and a
/// service account first; <c>--client configured</c> uses the Development client <c>dev-worker</c> (also present in
/// builds without service accounts, so <c>--server-dll</c> of an older build gives a "before" figure).
/// </summary>
internal static class ClientCredentialsBenchmark
{
    public static async Task RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var concurrency = Math.Max(1, arguments.Int("concurrency", 16));
        var duration = TimeSpan.FromSeconds(Math.Max(1, arguments.Int("duration", 20)));
        var warmup = TimeSpan.FromSeconds(Math.Max(0, arguments.Int("warmup", 5)));
        var client = arguments.Optional("client") ?? "service-account";
        var provider = arguments.Provider();
        var connection = arguments.Optional("connection") ?? $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("orgidentity-cc-").FullName, "orgidentity.db")}";
        // The per-client limit would cap the figure itself.
        var environment = "OrgIdentity__RateLimits__TokenPerClientPerSecond=1000000" + (arguments.Optional("server-env") is { } extra ? ";" + extra : "");
        await using var host = await ServerHost.StartAsync(provider, connection, arguments.Optional("server-dll"), arguments.Optional("configuration") ?? "Release",
            environment, arguments.Optional("email"), arguments.Optional("password"), cancellationToken);

        var (clientId, secret, scope) = client switch
        {
            "configured" => ("dev-worker", "dev-worker-secret-change-me", "orgidentity.api"),
            "service-account" => await ServiceAccountAsync(host, cancellationToken),
            _ => throw new UsageException("--client is service-account or configured."),
        };

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false }) { BaseAddress = host.Url };
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = scope };

        async Task<(List<double> Times, Dictionary<int, int> Errors)> LoadAsync(TimeSpan length)
        {
            var times = new List<double>();
            var errors = new Dictionary<int, int>();
            var end = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                var mine = new List<double>();
                while (Stopwatch.GetTimestamp() < end)
                {
                    var clock = Stopwatch.StartNew();
                    using var response = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(form), cancellationToken);
                    await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        mine.Add(clock.Elapsed.TotalMilliseconds);
                    }
                    else
                    {
                        lock (errors)
                        {
                            errors[(int)response.StatusCode] = errors.GetValueOrDefault((int)response.StatusCode) + 1;
                        }
                    }
                }

                lock (times)
                {
                    times.AddRange(mine);
                }
            }, cancellationToken)));
            return (times, errors);
        }

        await LoadAsync(warmup);
        var cpuBefore = CpuSeconds(host.ProcessId);
        var wall = Stopwatch.StartNew();
        var (measured, failures) = await LoadAsync(duration);
        var elapsed = wall.Elapsed.TotalSeconds;
        var cpu = (CpuSeconds(host.ProcessId) - cpuBefore) / elapsed * 100;
        measured.Sort();
        Console.WriteLine($"cc: client {client} ({clientId}), {provider}, {concurrency} callers, {duration.TotalSeconds:0} s after {warmup.TotalSeconds:0} s of warm-up; " +
                          $"{Environment.ProcessorCount} CPU(s).");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tokens/s {measured.Count / elapsed:0}   p50 {MembersBenchmark.Median(measured):0.0} ms   p95 {MembersBenchmark.Percentile(measured, 0.95):0.0} ms   " +
            $"p99 {MembersBenchmark.Percentile(measured, 0.99):0.0} ms   errors {(failures.Count == 0 ? "0" : string.Join(", ", failures.Select(f => $"{f.Key}×{f.Value}")))}   " +
            $"server CPU {cpu:0}%   RSS {host.ResidentMegabytes():0} MiB"));
        if (failures.Count > 0)
        {
            throw new InvalidOperationException("Some token requests failed.");
        }
    }

    /// <summary>An organization and a viewer service account in it, made through the admin API as the bootstrap admin.</summary>
    private static async Task<(string ClientId, string Secret, string Scope)> ServiceAccountAsync(ServerHost host, CancellationToken cancellationToken)
    {
        var tokens = new TokenClient(host.Url, host.Email, host.Password);
        using var admin = new HttpClient { BaseAddress = host.Url };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(cancellationToken));
        var organization = await admin.PostAsJsonAsync("/api/v1/orgs", new { name = "Benchmark machines " + Guid.NewGuid().ToString("N")[..6] }, cancellationToken);
        var organizationId = (await organization.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString();
        var created = await admin.PostAsJsonAsync($"/api/v1/orgs/{organizationId}/service-accounts", new { name = "cc benchmark", role = "member" }, cancellationToken);
        var body = await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return (body.GetProperty("clientId").GetString()!, body.GetProperty("clientSecret").GetString()!, "orgidentity.api");
    }

    /// <summary>User and system CPU time of a process, from /proc (Linux).</summary>
    private static double CpuSeconds(int processId)
    {
        var path = $"/proc/{processId}/stat";
        if (!File.Exists(path))
        {
            return 0;
        }

        var fields = File.ReadAllText(path).Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // utime and stime are fields 14 and 15 of stat; after the ')' split they are at 11 and 12. Clock ticks: 100 per second.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
