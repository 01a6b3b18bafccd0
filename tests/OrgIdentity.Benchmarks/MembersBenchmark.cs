using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>members</c>: times the member list and the CSV export over HTTP, as a client sees them (request sent to body read):
/// the first page of each sort both ways; a middle and the last page of the walked sorts (found by walking the cursors
/// once, then fetched again with the stored cursors); searches; a few filters; and the export's time to first byte,
/// total time, size and rows, with the server's RSS sampled during it when this tool started the server.
/// </summary>
internal static class MembersBenchmark
{
    private static readonly string[] AllSorts =
        ["name", "-name", "email", "-email", "company", "-company", "role", "-role", "joined", "-joined", "lastLogin", "-lastLogin"];

    public static async Task RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var runs = Math.Max(1, arguments.Int("runs", 20));
        var warmup = arguments.Int("warmup", 3);
        var exportRuns = Math.Max(1, arguments.Int("export-runs", 3));
        var walkLimit = Math.Clamp(arguments.Int("walk-limit", 200), 1, 200);
        var walk = arguments.Optional("walk") is { } w ? (w == "all" ? AllSorts : w.Split(',', StringSplitOptions.RemoveEmptyEntries)) : ["name", "-joined"];
        var jsonPath = arguments.Optional("json");
        var exportOnly = arguments.Flag("export-only");
        var org = arguments.Required("org");

        ServerHost? host = null;
        Uri url;
        string email, password;
        if (arguments.Flag("start"))
        {
            host = await ServerHost.StartAsync(arguments.Provider(), arguments.Required("connection"), arguments.Optional("server-dll"),
                arguments.Optional("configuration") ?? "Release", arguments.Optional("server-env"), arguments.Optional("email"), arguments.Optional("password"),
                cancellationToken);
            (url, email, password) = (host.Url, host.Email, host.Password);
        }
        else
        {
            url = new Uri(arguments.Optional("url") ?? "http://localhost:5080");
            email = arguments.Required("email");
            password = arguments.Required("password");
        }

        try
        {
            var tokens = new TokenClient(url, email, password);
            using var api = new Api(url, tokens);
            var organizationId = await api.ResolveOrganizationAsync(org, cancellationToken);
            var list = $"/api/v1/orgs/{organizationId}/members";
            Console.WriteLine($"Organization {org} = {organizationId}; {runs} timed run(s) per case after {warmup} warm-up(s). " +
                              $"{Environment.ProcessorCount} CPU(s); load average {LoadAverage()}.");

            var results = new List<CaseResult>();
            var walks = new List<WalkResult>();
            if (!exportOnly)
            {
                await TimeListAsync(api, list, organizationId, warmup, runs, walk, walkLimit, results, walks, cancellationToken);
            }

            Console.WriteLine();
            Console.WriteLine("Export (GET .../members/export):");
            var exports = new List<ExportResult>();
            for (var run = 0; run < exportRuns; run++)
            {
                var export = await api.ExportAsync($"{list}/export", host, cancellationToken);
                exports.Add(export);
                Console.WriteLine(export.Line());
                if (export.Error is not null && host is not null)
                {
                    Console.WriteLine($"  (the server's log: {host.LogPath})");
                }
            }

            Console.WriteLine($"Load average at the end: {LoadAverage()}.");
            if (jsonPath is not null)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(new { url, organizationId, runs, warmup, cases = results, walks, exports },
                    Indented), cancellationToken);
                Console.WriteLine($"Wrote {jsonPath}.");
            }
        }
        finally
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static async Task TimeListAsync(Api api, string list, Guid organizationId, int warmup, int runs, IEnumerable<string> walk, int walkLimit,
        List<CaseResult> results, List<WalkResult> walks, CancellationToken cancellationToken)
    {
        async Task TimeAsync(string name, string path)
        {
            var result = await api.TimeAsync(name, path, warmup, runs, cancellationToken);
            results.Add(result);
            Console.WriteLine(result.Line());
        }

        Console.WriteLine(CaseResult.Header);
        // The same authentication and caller resolution as the list, without its queries: the server's fixed cost.
        await TimeAsync("baseline: GET the organization", $"/api/v1/orgs/{organizationId}");
        foreach (var sort in AllSorts)
        {
            await TimeAsync($"first page, sort={sort}", $"{list}?limit=50&sort={Uri.EscapeDataString(sort)}");
        }

        foreach (var sort in walk)
        {
            var walked = await api.WalkAsync(list, sort, walkLimit, cancellationToken);
            walks.Add(walked);
            await TimeAsync($"middle page (#{walked.MiddlePage:N0}), sort={sort}", $"{list}?limit=50&sort={Uri.EscapeDataString(sort)}&cursor={walked.MiddleCursor}");
            await TimeAsync($"last page (#{walked.LastPage:N0}), sort={sort}", $"{list}?limit=50&sort={Uri.EscapeDataString(sort)}&cursor={walked.LastCursor}");
        }

        // A common surname (about 4 %), a rare one (2 visible members in the seeded "bench"), a company, nothing.
        foreach (var term in new[] { "smith", "quillfeather", "northwind", "zzqx" })
        {
            await TimeAsync($"search={term}", $"{list}?limit=50&search={term}");
        }

        await TimeAsync("search=smith, sort=-lastLogin", $"{list}?limit=50&search=smith&sort=-lastLogin");
        await TimeAsync("role=admin", $"{list}?limit=50&role=admin");
        await TimeAsync("status=suspended", $"{list}?limit=50&status=suspended");
        await TimeAsync("includeDisabled=true", $"{list}?limit=50&includeDisabled=true");

        Console.WriteLine();
        Console.WriteLine($"Cursor walks (every page of {walkLimit}, one pass; the time of each page at its position):");
        Console.WriteLine($"{"sort",-12} {"pages",6} {"rows",8} {"median",8} {"p95",8} {"max",8} {"total s",8}");
        foreach (var walked in walks)
        {
            Console.WriteLine(walked.Line());
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    internal sealed record CaseResult(string Case, double MedianMs, double P95Ms, double MinMs, double MaxMs, int Items, int Total, long Bytes)
    {
        public const string Header = "case                                              median ms    p95 ms    min ms    max ms  items    total";

        public string Line() => string.Create(CultureInfo.InvariantCulture,
            $"{Case,-48} {MedianMs,10:0.0} {P95Ms,9:0.0} {MinMs,9:0.0} {MaxMs,9:0.0} {Items,6} {Total,8}");
    }

    internal sealed record WalkResult(string Sort, int Pages, int Rows, double MedianMs, double P95Ms, double MaxMs, double TotalSeconds,
        string MiddleCursor, int MiddlePage, string LastCursor, int LastPage)
    {
        public string Line() => string.Create(CultureInfo.InvariantCulture,
            $"{Sort,-12} {Pages,6} {Rows,8} {MedianMs,8:0.0} {P95Ms,8:0.0} {MaxMs,8:0.0} {TotalSeconds,8:0.0}");
    }

    internal sealed record ExportResult(double HeadersMs, double FirstByteMs, double TotalMs, long Bytes, int Rows, double? RssBeforeMb, double? RssPeakMb,
        double? RssAfterMb, string? Error)
    {
        public string Line() =>
            string.Create(CultureInfo.InvariantCulture,
                $"  headers {HeadersMs,7:0.0} ms  first byte {FirstByteMs,7:0.0} ms  total {TotalMs,8:0} ms  {Bytes / 1048576.0,6:0.0} MiB  {Rows:N0} rows")
            + (Error is null ? "" : $"  FAILED: {Error}")
            + (RssPeakMb is null ? "" : string.Create(CultureInfo.InvariantCulture,
                $"  server RSS before {RssBeforeMb:0} MiB, peak {RssPeakMb:0} MiB, after {RssAfterMb:0} MiB"));
    }

    /// <summary>The 1, 5 and 15 minute load averages (Linux), to say how busy the machine was.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    internal static double Percentile(IReadOnlyList<double> sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile * sorted.Count) - 1, 0, sorted.Count - 1)];

    internal static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>The admin API with a bearer token; one keep-alive connection, as a console would use.</summary>
    private sealed class Api(Uri url, TokenClient tokens) : IDisposable
    {
        private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromMinutes(5),
        };

        public async Task<Guid> ResolveOrganizationAsync(string org, CancellationToken cancellationToken)
        {
            if (Guid.TryParse(org, out var id))
            {
                return id;
            }

            string? cursor = null;
            do
            {
                var (_, json, _) = await GetJsonAsync("/api/v1/orgs?limit=200" + (cursor is null ? "" : "&cursor=" + cursor), cancellationToken);
                foreach (var item in json.GetProperty("items").EnumerateArray())
                {
                    if (item.GetProperty("slug").GetString() == org)
                    {
                        return item.GetProperty("id").GetGuid();
                    }
                }

                cursor = json.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            }
            while (cursor is not null);

            throw new InvalidOperationException($"No organization with the slug '{org}' (as seen by {url}).");
        }

        public async Task<CaseResult> TimeAsync(string name, string path, int warmup, int runs, CancellationToken cancellationToken)
        {
            JsonElement json = default;
            long bytes = 0;
            for (var i = 0; i < warmup; i++)
            {
                (_, json, bytes) = await GetJsonAsync(path, cancellationToken);
            }

            var times = new List<double>(runs);
            for (var i = 0; i < runs; i++)
            {
                double elapsed;
                (elapsed, json, bytes) = await GetJsonAsync(path, cancellationToken);
                times.Add(elapsed);
            }

            times.Sort();
            var paged = json.TryGetProperty("items", out var items);
            return new CaseResult(name, Median(times), Percentile(times, 0.95), times[0], times[^1],
                paged ? items.GetArrayLength() : 0, paged ? json.GetProperty("total").GetInt32() : 0, bytes);
        }

        /// <summary>Every page of a sort, once, following <c>next</c>: where the middle and the last page of 50 start.</summary>
        public async Task<WalkResult> WalkAsync(string list, string sort, int limit, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var times = new List<double>();
            var cursors = new List<string?> { null };
            var rows = 0;
            var basePath = $"{list}?sort={Uri.EscapeDataString(sort)}&limit=";
            while (true)
            {
                var (elapsed, json, _) = await GetJsonAsync(basePath + limit.ToString(CultureInfo.InvariantCulture) + Cursor(cursors[^1]), cancellationToken);
                times.Add(elapsed);
                rows += json.GetProperty("items").GetArrayLength();
                if (json.GetProperty("next") is not { ValueKind: JsonValueKind.String } next)
                {
                    break;
                }

                cursors.Add(next.GetString());
            }

            // Pages of 50 from the start of the last page walked: the cursor of the very last page of 50.
            var lastCursor = cursors[^1];
            var lastPage = ((cursors.Count - 1) * limit / 50) + 1;
            while (true)
            {
                var (_, json, _) = await GetJsonAsync(basePath + "50" + Cursor(lastCursor), cancellationToken);
                if (json.GetProperty("next") is not { ValueKind: JsonValueKind.String } next)
                {
                    break;
                }

                lastCursor = next.GetString();
                lastPage++;
            }

            var middle = cursors.Count / 2;
            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  (walked sort={sort}: {cursors.Count} pages of {limit}, {rows:N0} rows in {clock.Elapsed.TotalSeconds:0.0} s)"));
            return new WalkResult(sort, cursors.Count, rows, Median(times), Percentile(times, 0.95), times[^1], clock.Elapsed.TotalSeconds,
                cursors[middle] ?? "", (middle * limit / 50) + 1, lastCursor ?? "", lastPage);
        }

        public async Task<ExportResult> ExportAsync(string path, ServerHost? host, CancellationToken cancellationToken)
        {
            var token = await tokens.GetAsync(cancellationToken);
            var rssBefore = host?.ResidentMegabytes();
            double? rssPeak = rssBefore;
            using var sampling = new CancellationTokenSource();
            var sampler = host is null ? Task.CompletedTask : Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    if (host.ResidentMegabytes() is { } rss && rss > (rssPeak ?? 0))
                    {
                        rssPeak = rss;
                    }

                    try
                    {
                        await Task.Delay(20, sampling.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }, CancellationToken.None);

            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var clock = Stopwatch.StartNew();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var headers = clock.Elapsed.TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[81920];
            double firstByte = 0;
            long bytes = 0;
            var lines = 0;
            int read;
            string? error = null;
            try
            {
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    if (bytes == 0)
                    {
                        firstByte = clock.Elapsed.TotalMilliseconds;
                    }

                    bytes += read;
                    lines += buffer.AsSpan(0, read).Count((byte)'\n');
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                // The server broke the response off (an exception after the headers were sent).
                error = exception.Message;
            }

            var total = clock.Elapsed.TotalMilliseconds;
            await sampling.CancelAsync();
            await sampler;
            // The header line is not a member; names and companies hold no line breaks here.
            return new ExportResult(headers, firstByte, total, bytes, lines - 1, rssBefore, rssPeak, host?.ResidentMegabytes(), error);
        }

        private async Task<(double Ms, JsonElement Json, long Bytes)> GetJsonAsync(string path, CancellationToken cancellationToken)
        {
            var token = await tokens.GetAsync(cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var clock = Stopwatch.StartNew();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
            }

            return (elapsed, JsonDocument.Parse(body).RootElement, body.Length);
        }

        private static string Cursor(string? cursor) => cursor is null ? "" : "&cursor=" + cursor;

        public void Dispose() => http.Dispose();
    }
}
