using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrgIdentity.Server.Data;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// Runs the built server (<c>dotnet OrgIdentity.Server.dll</c>) as an operator would, in Development (or Production
/// with driver-generated keys) on a free loopback port with a temporary data directory and a generated platform admin, on the
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

    /// <summary>True when the server runs outside Development: requests must say they came over HTTPS (see <see cref="ServerHttp"/>).</summary>
    public bool ForwardedHttps { get; private init; }

    /// <summary>The signing algorithm of the keys the driver generated (RS256 or ES256), or null for the server's own Development keys.</summary>
    public string? SigningAlgorithm { get; private init; }

    public string EnvironmentName { get; private init; } = "Development";

    /// <summary>
    /// With <paramref name="signingAlgorithm"/> (always outside Development) the driver generates the signing certificate
    /// (RS256: RSA 2048, ES256: EC P-256) and an RSA 2048 encryption certificate into the temporary data directory and
    /// passes them as OrgIdentity:Keys. Outside Development it also declares the clients Development has (spa, dev-worker).
    /// Production refuses plain HTTP: requests from loopback (a trusted proxy by default) carry X-Forwarded-Proto: https.
    /// </summary>
    public static async Task<ServerHost> StartAsync(DatabaseProvider provider, string connectionString, string? serverDll, string configuration,
        string? extraEnvironment, string? adminEmail, string? adminPassword, CancellationToken cancellationToken,
        string environmentName = "Development", string? signingAlgorithm = null)
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

        start.Environment["ASPNETCORE_ENVIRONMENT"] = environmentName;
        var development = environmentName.Equals("Development", StringComparison.OrdinalIgnoreCase);
        signingAlgorithm ??= development ? null : "RS256";
        if (signingAlgorithm is not null)
        {
            var keys = BenchKeys.Write(Path.Combine(dataDirectory, "bench-keys"), signingAlgorithm);
            start.Environment["OrgIdentity__Keys__Signing__0__Path"] = keys.SigningCertificate;
            start.Environment["OrgIdentity__Keys__Signing__0__KeyPath"] = keys.SigningKey;
            start.Environment["OrgIdentity__Keys__Encryption__0__Path"] = keys.EncryptionCertificate;
            start.Environment["OrgIdentity__Keys__Encryption__0__KeyPath"] = keys.EncryptionKey;
        }

        if (!development)
        {
            foreach (var (name, value) in DevelopmentClients)
            {
                start.Environment[name] = value;
            }
        }

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
        var host = new ServerHost(process, log, dataDirectory, url, email, password, logPath)
        {
            ForwardedHttps = !development,
            SigningAlgorithm = signingAlgorithm,
            EnvironmentName = environmentName,
        };
        Console.WriteLine($"Started {dll} (pid {process.Id}) at {url} on {provider}, {environmentName}" +
                          $"{(signingAlgorithm is null ? "" : $", driver-generated {signingAlgorithm} signing key")}; log: {logPath}");

        try
        {
            using var http = new HttpClient(ServerHttp.Handler(url, !development)) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
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

    /// <summary>The clients of appsettings.Development.json that the verbs use, as environment variables for other environments.</summary>
    private static readonly (string Name, string Value)[] DevelopmentClients =
    [
        ("OrgIdentity__Clients__0__ClientId", "spa"),
        ("OrgIdentity__Clients__0__DisplayName", "Example single-page app"),
        ("OrgIdentity__Clients__0__RedirectUris__0", "http://localhost:3000/callback"),
        ("OrgIdentity__Clients__0__PostLogoutRedirectUris__0", "http://localhost:3000/"),
        ("OrgIdentity__Clients__0__ConsentType", "Implicit"),
        ("OrgIdentity__Clients__0__GrantTypes__0", "authorization_code"),
        ("OrgIdentity__Clients__0__GrantTypes__1", "refresh_token"),
        ("OrgIdentity__Clients__0__Scopes__0", "openid"),
        ("OrgIdentity__Clients__0__Scopes__1", "profile"),
        ("OrgIdentity__Clients__0__Scopes__2", "email"),
        ("OrgIdentity__Clients__0__Scopes__3", "offline_access"),
        ("OrgIdentity__Clients__0__Scopes__4", "organizations"),
        ("OrgIdentity__Clients__0__Scopes__5", "orgidentity.api"),
        ("OrgIdentity__Clients__1__ClientId", "dev-worker"),
        ("OrgIdentity__Clients__1__ClientSecret", "dev-worker-secret-change-me"),
        ("OrgIdentity__Clients__1__DisplayName", "Benchmark worker (client credentials)"),
        ("OrgIdentity__Clients__1__GrantTypes__0", "client_credentials"),
        ("OrgIdentity__Clients__1__Scopes__0", "orgidentity.api"),
    ];

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
