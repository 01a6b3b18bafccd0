using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrgIdentity.Server.Data;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>members --start</c>: runs the built server (<c>dotnet OrgIdentity.Server.dll</c>) as an operator would, in
/// Development on a free loopback port with a temporary data directory and a generated platform admin, on the
/// database given; waits for <c>/health/ready</c> and stops it at the end. Its output goes to a log file.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;
    private readonly string dataDirectory;

    private ServerHost(Process process, StreamWriter log, string dataDirectory, Uri url, string email, string password, string logPath)
    {
        this.process = process;
        this.log = log;
        this.dataDirectory = dataDirectory;
        Url = url;
        Email = email;
        Password = password;
        LogPath = logPath;
    }

    public Uri Url { get; }
    public string Email { get; }
    public string Password { get; }
    public string LogPath { get; }
    public int ProcessId => process.Id;

    public static async Task<ServerHost> StartAsync(DatabaseProvider provider, string connectionString, string? serverDll, string configuration,
        string? extraEnvironment, string? adminEmail, string? adminPassword, CancellationToken cancellationToken)
    {
        var dll = serverDll ?? FindServerDll(configuration);
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var dataDirectory = Directory.CreateTempSubdirectory("orgidentity-bench-").FullName;
        // Fixed by default: the server creates the bootstrap admin once and never changes its password, so a second run on
        // the same database must sign in with the same one. A benchmark database only.
        var email = adminEmail ?? "bench-admin@example.com";
        var password = adminPassword ?? "bench-admin-password";

        var start = new ProcessStartInfo("dotnet")
        {
            // The content root: appsettings.json and appsettings.Development.json (the 'spa' client) are read from there.
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("OrgIdentity", StringComparison.Ordinal)
                                                             || k.StartsWith("ConnectionStrings", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/');
        start.Environment["OrgIdentity__Issuer"] = url.ToString();
        start.Environment["OrgIdentity__DataDirectory"] = dataDirectory;
        start.Environment["OrgIdentity__Database__Provider"] = provider.ToString();
        start.Environment["ConnectionStrings__OrgIdentity"] = connectionString;
        start.Environment["OrgIdentity__Bootstrap__AdminEmail"] = email;
        start.Environment["OrgIdentity__Bootstrap__AdminPassword"] = password;
        start.Environment["OrgIdentity__Email__SenderEnabled"] = "false";
        // --server-env "Name=value;Name=value": more settings for the server (a log level, a Kestrel option).
        foreach (var setting in (extraEnvironment ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--server-env takes Name=value pairs separated by ';', not '{setting}'.");
            }

            start.Environment[setting[..equals]] = setting[(equals + 1)..];
            Console.WriteLine($"Server setting: {setting}");
        }

        var logPath = Path.Combine(dataDirectory, "server.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new ServerHost(process, log, dataDirectory, url, email, password, logPath);
        Console.WriteLine($"Started {dll} (pid {process.Id}) at {url} on {provider}; log: {logPath}");

        try
        {
            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"The server exited with {process.ExitCode}: {await File.ReadAllTextAsync(logPath, cancellationToken)}");
                }

                try
                {
                    using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
                    if (ready.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }

                if (clock.Elapsed > TimeSpan.FromMinutes(3))
                {
                    throw new TimeoutException($"The server was not ready within 3 minutes; see {logPath}.");
                }

                await Task.Delay(250, cancellationToken);
            }

            Console.WriteLine($"Ready after {clock.Elapsed.TotalSeconds:0.0} s.");
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>The server's resident set size in MiB (Linux: /proc/&lt;pid&gt;/status VmRSS), or null where unknown.</summary>
    public double? ResidentMegabytes() => ReadRss(process.Id);

    public static double? ReadRss(int processId)
    {
        try
        {
            var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        await log.DisposeAsync();
        Console.WriteLine($"Stopped the server; its log and data directory stay at {dataDirectory}.");
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>src/OrgIdentity.Server/bin/&lt;configuration&gt;/net10.0/OrgIdentity.Server.dll of the checkout this tool runs from.</summary>
    private static string FindServerDll(string configuration)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", "OrgIdentity.Server", "bin", configuration, "net10.0", "OrgIdentity.Server.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new UsageException($"No src/OrgIdentity.Server/bin/{configuration}/net10.0/OrgIdentity.Server.dll above {AppContext.BaseDirectory}: " +
                                 $"run `dotnet build -c {configuration}` first, or pass --server-dll.");
    }
}
