using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrgIdentity.Benchmarks;

/// <summary>One caller's next request: sends it, reads the whole answer and returns its HTTP status (2xx = success).</summary>
internal delegate ValueTask<int> LoadRequest(CancellationToken cancellationToken);

/// <summary>
/// Makes the request delegate of caller <c>index</c> (0 .. concurrency-1); a caller may keep state between its requests
/// (a refresh-token chain, a login cookie). This and the base URL it closes over are the seam for running the same load
/// against another server (a peer).
/// </summary>
internal delegate LoadRequest LoadCaller(int index);

/// <summary><c>--concurrency</c>, <c>--duration</c> or <c>--count</c>, <c>--warmup</c>, <c>--runs</c>, <c>--allow-errors</c>.</summary>
internal sealed record LoadSettings(int Concurrency, TimeSpan Duration, int? Count, TimeSpan Warmup, int Runs, bool AllowErrors)
{
    public static LoadSettings From(Arguments arguments, int defaultWarmup = 10) => new(
        Math.Max(1, arguments.Int("concurrency", 16)),
        TimeSpan.FromSeconds(Math.Max(1, arguments.Int("duration", 20))),
        arguments.Optional("count") is not null ? Math.Max(1, arguments.Int("count", 1)) : null,
        TimeSpan.FromSeconds(arguments.Int("warmup", defaultWarmup)),
        Math.Max(1, arguments.Int("runs", 1)),
        arguments.Flag("allow-errors"));

    /// <summary>The settings as the JSON artifacts record them.</summary>
    public object ToJson() => new
    {
        Concurrency,
        durationSeconds = Duration.TotalSeconds,
        Count,
        warmupSeconds = Warmup.TotalSeconds,
        Runs,
        Environment.ProcessorCount,
    };

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Concurrency} callers, {(Count is { } count ? $"{count} requests" : $"{Duration.TotalSeconds:0} s")} after {Warmup.TotalSeconds:0} s of warm-up, " +
        $"{Runs} run(s), {Environment.ProcessorCount} CPU(s)");
}

/// <summary>The figures of one measured run.</summary>
internal sealed record LoadRun(
    int Run,
    int Requests,
    double Seconds,
    double RequestsPerSecond,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    IReadOnlyDictionary<string, int> Errors,
    double? CpuPercent,
    double? RssStartMiB,
    double? RssMinMiB,
    double? RssMaxMiB,
    double? RssEndMiB);

/// <summary>
/// N concurrent callers for a duration (or a number of requests) after an unmeasured warm-up; requests/s, latency
/// percentiles of the successful requests, errors by status, and, given a process id, its CPU % and RSS (sampled every
/// 100 ms) from /proc. Repeated <c>--runs</c> times; the Markdown table and a JSON file under artifacts/bench/.
/// </summary>
internal static class LoadRunner
{
    public static async Task<IReadOnlyList<LoadRun>> RunAsync(string label, LoadSettings settings, LoadCaller caller, int? measuredProcessId,
        CancellationToken cancellationToken)
    {
        var callers = Enumerable.Range(0, settings.Concurrency).Select(i => caller(i)).ToArray();
        if (settings.Warmup > TimeSpan.Zero)
        {
            Console.WriteLine($"{label}: warming up for {settings.Warmup.TotalSeconds:0} s...");
            await MeasureAsync(callers, settings.Warmup, null, null, 0, cancellationToken);
        }

        var runs = new List<LoadRun>();
        for (var run = 1; run <= settings.Runs; run++)
        {
            var measured = await MeasureAsync(callers, settings.Duration, settings.Count, measuredProcessId, run, cancellationToken);
            runs.Add(measured);
            Console.WriteLine(Line(label, measured));
        }

        return runs;
    }

    /// <summary>Prints the table, writes the JSON and fails (exit code 1) on errors unless <c>--allow-errors</c>.</summary>
    public static void Report(string verb, string provider, LoadSettings settings, IReadOnlyList<LoadRun> runs, string unit, object details)
    {
        var median = Median(runs);
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| {verb} ({provider}) | {unit} | p50 ms | p95 ms | p99 ms | errors | CPU % | RSS MiB (min–max) |");
        table.AppendLine("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |");
        foreach (var run in runs.Count > 1 ? runs.Append(median) : runs)
        {
            table.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {(run.Run == 0 ? "**median**" : $"run {run.Run}")} | {run.RequestsPerSecond:0} | {run.P50Ms:0.0} | {run.P95Ms:0.0} | {run.P99Ms:0.0} | {Errors(run.Errors)} | " +
                $"{Optional(run.CpuPercent, "0")} | {(run.RssMinMiB is null ? "–" : $"{run.RssMinMiB:0}–{run.RssMaxMiB:0}")} |"));
        }

        Console.WriteLine();
        Console.Write(table);
        var path = Artifacts.Write(verb, provider, new
        {
            verb,
            provider,
            unit,
            settings = settings.ToJson(),
            details,
            median,
            runs,
        });
        Console.WriteLine($"JSON: {path}");
        var failed = runs.Sum(r => r.Errors.Values.Sum());
        if (failed > 0 && !settings.AllowErrors)
        {
            throw new LoadFailedException($"{failed} request(s) failed ({Errors(runs.SelectMany(r => r.Errors).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value)))}); " +
                                          "pass --allow-errors to accept them.");
        }
    }

    private static async Task<LoadRun> MeasureAsync(LoadRequest[] callers, TimeSpan duration, int? count, int? processId, int run, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        var remaining = count ?? int.MaxValue;
        var end = count is null ? Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        using var sampling = new CancellationTokenSource();
        var rss = new List<double>();
        var sampler = processId is { } pid ? SampleRssAsync(pid, rss, sampling.Token) : Task.CompletedTask;
        var cpuBefore = processId is { } id ? ProcessStats.CpuSeconds(id) : 0;
        var wall = Stopwatch.StartNew();

        await Task.WhenAll(callers.Select(request => Task.Run(async () =>
        {
            var mine = new List<double>();
            var myErrors = new Dictionary<string, int>(StringComparer.Ordinal);
            while (Stopwatch.GetTimestamp() < end && Interlocked.Decrement(ref remaining) >= 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var started = Stopwatch.GetTimestamp();
                string? error;
                try
                {
                    var status = await request(cancellationToken);
                    error = status is >= 200 and < 300 ? null : status.ToString(CultureInfo.InvariantCulture);
                }
                catch (Exception exception) when (exception is HttpRequestException or IOException or InvalidOperationException or JsonException
                                                      || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    error = exception is FlowFailedException failed ? failed.Label : exception.GetType().Name;
                }

                if (error is null)
                {
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                else
                {
                    myErrors[error] = myErrors.GetValueOrDefault(error) + 1;
                }
            }

            lock (times)
            {
                times.AddRange(mine);
                foreach (var (key, value) in myErrors)
                {
                    errors[key] = errors.GetValueOrDefault(key) + value;
                }
            }
        }, cancellationToken)));

        var elapsed = wall.Elapsed.TotalSeconds;
        double? cpu = processId is { } measured ? (ProcessStats.CpuSeconds(measured) - cpuBefore) / elapsed * 100 : null;
        var rssEnd = processId is { } last ? ProcessStats.RssMiB(last) : null;
        await sampling.CancelAsync();
        await sampler;
        times.Sort();
        return new LoadRun(run, times.Count, elapsed, times.Count / elapsed, Percentile(times, 0.50), Percentile(times, 0.95), Percentile(times, 0.99),
            times.Count == 0 ? 0 : times[^1], errors, cpu, rss.Count > 0 ? rss[0] : null, rss.Count > 0 ? rss.Min() : null, rss.Count > 0 ? rss.Max() : null, rssEnd);
    }

    private static async Task SampleRssAsync(int processId, List<double> samples, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        do
        {
            if (ProcessStats.RssMiB(processId) is { } value)
            {
                samples.Add(value);
            }
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The run with the median requests/s of each figure taken separately (run number 0).</summary>
    public static LoadRun Median(IReadOnlyList<LoadRun> runs)
    {
        if (runs.Count == 1)
        {
            return runs[0];
        }

        static double M(IEnumerable<double> values) => MembersBenchmark.Median(values.Order().ToList());
        static double? N(IEnumerable<double?> values) => values.All(v => v is null) ? null : M(values.Where(v => v is not null).Select(v => v!.Value));
        return new LoadRun(0, (int)M(runs.Select(r => (double)r.Requests)), M(runs.Select(r => r.Seconds)), M(runs.Select(r => r.RequestsPerSecond)),
            M(runs.Select(r => r.P50Ms)), M(runs.Select(r => r.P95Ms)), M(runs.Select(r => r.P99Ms)), M(runs.Select(r => r.MaxMs)),
            runs.SelectMany(r => r.Errors).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value)),
            N(runs.Select(r => r.CpuPercent)), N(runs.Select(r => r.RssStartMiB)), runs.Min(r => r.RssMinMiB), runs.Max(r => r.RssMaxMiB), N(runs.Select(r => r.RssEndMiB)));
    }

    private static string Line(string label, LoadRun run) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{label} run {run.Run}: {run.RequestsPerSecond:0}/s ({run.Requests} in {run.Seconds:0.0} s)   p50 {run.P50Ms:0.0} ms   p95 {run.P95Ms:0.0} ms   p99 {run.P99Ms:0.0} ms   errors {Errors(run.Errors)}")
        + (run.CpuPercent is { } cpu
            ? string.Create(CultureInfo.InvariantCulture, $"   CPU {cpu:0}%   RSS {Optional(run.RssMinMiB, "0")}–{Optional(run.RssMaxMiB, "0")} MiB")
            : "");

    private static string Errors(IReadOnlyDictionary<string, int> errors) =>
        errors.Count == 0 ? "0" : string.Join(", ", errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}×{e.Value}"));

    private static string Optional(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "–";

    private static double Percentile(List<double> sorted, double fraction) => sorted.Count == 0 ? 0 : MembersBenchmark.Percentile(sorted, fraction);
}

/// <summary>The run had errors: exit code 1.</summary>
internal sealed class LoadFailedException(string message) : Exception(message);

/// <summary>CPU time and RSS of a process, from /proc (Linux).</summary>
internal static class ProcessStats
{
    /// <summary>User and system CPU seconds (utime + stime of /proc/&lt;pid&gt;/stat, 100 ticks per second).</summary>
    public static double CpuSeconds(int processId)
    {
        try
        {
            var fields = File.ReadAllText($"/proc/{processId}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // utime and stime are fields 14 and 15 of stat; after the ')' split they are at 11 and 12.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static double? RssMiB(int processId) => ServerHost.ReadRss(processId);
}

/// <summary>JSON results under artifacts/bench/ of the checkout (gitignored).</summary>
internal static class Artifacts
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Write(string verb, string provider, object result)
    {
        var directory = Path.Combine(RepositoryRoot(), "artifacts", "bench");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{verb}-{provider.ToLowerInvariant()}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(result, Json));
        return path;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "src", "OrgIdentity.Server")))
            {
                return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
