using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>scim</c>: times the SCIM API over HTTP as a directory uses it, in an organization whose members have SCIM
/// profiles (<c>seed --scim-profiles</c>): <c>userName eq</c> and <c>externalId eq</c> lookups of different users, pages
/// of 100 (first, middle, last), a PATCH of one user, and creating N users one request at a time (users/s).
/// A directory token is made through the admin API first; the server must run with a SCIM rate limit above the
/// rate measured (<c>--server-env OrgIdentity__RateLimits__ScimPerTokenPerSecond=100000</c>, set by <c>--start</c>).
/// </summary>
internal static class ScimBenchmark
{
    public static async Task RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var runs = Math.Max(1, arguments.Int("runs", 20));
        var warmup = arguments.Int("warmup", 3);
        var creates = Math.Max(0, arguments.Int("create", 10_000));
        var createConcurrency = Math.Max(1, arguments.Int("create-concurrency", 1));
        var warmupRequests = Math.Max(0, arguments.Int("warmup-requests", 500));
        var org = arguments.Required("org");
        var provider = arguments.Provider();
        var connection = arguments.Required("connection");
        var environment = "OrgIdentity__RateLimits__ScimPerTokenPerSecond=1000000" + (arguments.Optional("server-env") is { } extra ? ";" + extra : "");
        await using var host = await ServerHost.StartAsync(provider, connection, arguments.Optional("server-dll"), arguments.Optional("configuration") ?? "Release",
            environment, arguments.Optional("email"), arguments.Optional("password"), cancellationToken);

        // Who to look up: profiles spread over the organization, read from the database (not part of the timing).
        List<(string UserName, string? ExternalId, Guid UserId)> sample;
        int profiles;
        await using (var db = Database.Open(provider, connection))
        {
            var organizationId = Guid.TryParse(org, out var id) ? id : await db.Organizations.Where(o => o.Slug == org).Select(o => o.Id).SingleAsync(cancellationToken);
            profiles = await db.ScimProfiles.CountAsync(p => p.OrganizationId == organizationId, cancellationToken);
            var step = Math.Max(1, profiles / (runs + warmup + 1));
            sample = (await db.ScimProfiles.Where(p => p.OrganizationId == organizationId).OrderBy(p => p.UserId)
                    .Select(p => new { p.UserName, p.ExternalId, p.UserId }).ToListAsync(cancellationToken))
                .Where((_, index) => index % step == 0).Take(runs + warmup).Select(p => (p.UserName, p.ExternalId, p.UserId)).ToList();
            org = organizationId.ToString();
        }

        if (sample.Count == 0)
        {
            throw new UsageException("The organization has no SCIM profiles: run `seed --scim-profiles` first.");
        }

        var tokens = new TokenClient(host.Url, host.Email, host.Password);
        using var admin = new HttpClient { BaseAddress = host.Url };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(cancellationToken));
        var created = await admin.PostAsJsonAsync($"/api/v1/orgs/{org}/directory-tokens", new { name = "benchmark" }, cancellationToken);
        if (created.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Creating a directory token: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var directoryToken = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
        using var scim = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(host.Url, "scim/v2/") };
        scim.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", directoryToken);
        Console.WriteLine($"{provider}: organization {org}, {profiles:N0} SCIM profiles; {runs} timed run(s) per case after {warmup} warm-up(s); " +
                          $"{Environment.ProcessorCount} CPU(s); load average {LoadAverage()}.");
        Console.WriteLine("case                                              median ms    p95 ms    min ms    max ms");

        var cases = new List<(string Name, Func<int, HttpRequestMessage> Request)>();
        void Case(string name, Func<int, HttpRequestMessage> request) => cases.Add((name, request));

        async Task<double> SendAsync(string name, HttpRequestMessage message)
        {
            using (message)
            {
                var clock = Stopwatch.StartNew();
                using var response = await scim.SendAsync(message, cancellationToken);
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
                clock.Stop();
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }

                return clock.Elapsed.TotalMilliseconds;
            }
        }

        static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);
        static string Filter(string filter) => "Users?filter=" + Uri.EscapeDataString(filter);

        Case("filter userName eq (a different user each run)", i => Get(Filter($"userName eq \"{sample[i % sample.Count].UserName}\"")));
        Case("filter userName eq, upper-cased", i => Get(Filter($"userName eq \"{sample[i % sample.Count].UserName.ToUpperInvariant()}\"")));
        Case("filter externalId eq", i => Get(Filter($"externalId eq \"{sample[i % sample.Count].ExternalId}\"")));
        Case("filter emails[type eq \"work\"].value eq", i => Get(Filter($"emails[type eq \"work\"].value eq \"{sample[i % sample.Count].UserName}\"")));
        Case("filter miss (Entra's test connection)", _ => Get(Filter($"userName eq \"{Guid.NewGuid()}\"")));
        Case("GET /Users/{id}", i => Get($"Users/{sample[i % sample.Count].UserId}"));
        Case("page of 100, startIndex=1", _ => Get("Users?startIndex=1&count=100"));
        Case($"page of 100, startIndex={profiles / 2:N0}", _ => Get($"Users?startIndex={profiles / 2}&count=100"));
        Case($"page of 100, startIndex={Math.Max(1, profiles - 99):N0}", _ => Get($"Users?startIndex={Math.Max(1, profiles - 99)}&count=100"));
        Case("PATCH replace displayName", i => new HttpRequestMessage(HttpMethod.Patch, $"Users/{sample[i % sample.Count].UserId}")
        {
            Content = Json($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"Bench {{i}}"}]}"""),
        });

        // Warm both processes up first (a server in service runs tiered-up code; the first hundred calls of a path do
        // not), round-robin over every case, then time each case after its own warm-up runs.
        for (var i = 0; i < warmupRequests; i++)
        {
            var (name, request) = cases[i % cases.Count];
            await SendAsync(name, request(i / cases.Count));
        }

        foreach (var (name, request) in cases)
        {
            var times = new List<double>();
            for (var i = 0; i < warmup + runs; i++)
            {
                var elapsed = await SendAsync(name, request(i));
                if (i >= warmup)
                {
                    times.Add(elapsed);
                }
            }

            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-48} {MembersBenchmark.Median(times),10:0.0} {MembersBenchmark.Percentile(times, 0.95),9:0.0} {times[0],9:0.0} {times[^1],9:0.0}"));
        }

        if (creates > 0)
        {
            var run = Guid.NewGuid().ToString("N")[..8];
            var clock = Stopwatch.StartNew();
            var next = -1;
            // Each caller sends one user per request and waits for its answer before the next.
            await Task.WhenAll(Enumerable.Range(0, createConcurrency).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < creates; i = Interlocked.Increment(ref next))
                {
                    await CreateOneAsync(run, i);
                }
            }, cancellationToken)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"created {creates:N0} users, one per request, {createConcurrency} caller(s), in {clock.Elapsed.TotalSeconds:0.0} s: {creates / clock.Elapsed.TotalSeconds:0} users/s"));
        }

        Console.WriteLine($"Load average at the end: {LoadAverage()}; server RSS {host.ResidentMegabytes():0} MiB.");

        async Task CreateOneAsync(string run, int i)
        {
            using var response = await scim.PostAsync("Users", Json($$"""
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"scim-{{run}}-{{i}}@bench-scim.example","externalId":"{{run}}-{{i}}",
                 "name":{"givenName":"Bench","familyName":"User {{i}}"},"emails":[{"primary":true,"type":"work","value":"scim-{{run}}-{{i}}@bench-scim.example"}],"active":true}
                """), cancellationToken);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"Create #{i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/scim+json");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
