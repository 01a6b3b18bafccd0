using System.Text;
using System.Text.Json;
using Npgsql;
using OrgIdentity.Server.Data;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// The server a load verb measures: by default the built server, started here on a fresh database (<c>--db sqlite</c>: a
/// SQLite file in a temporary directory; <c>--db postgres</c>: <c>--connection</c>, or a database
/// <c>orgidentity_bench_&lt;random&gt;</c> created on ORGIDENTITY_TEST_POSTGRES and dropped at the end), in Production
/// with driver-generated keys for the token verbs; or <c>--target URL</c>, a server that runs, with a platform admin's
/// <c>--email</c>/<c>--password</c> (CPU and RSS are then not measured).
/// </summary>
internal sealed class LoadTarget : IAsyncDisposable
{
    private ServerHost? host;
    private string? createdDatabase;
    private string? maintenanceConnection;

    private LoadTarget(Uri url, string email, string password, bool forwardedHttps)
    {
        Url = url;
        Email = email;
        Password = password;
        ForwardedHttps = forwardedHttps;
    }

    public Uri Url { get; }
    public string Email { get; }
    public string Password { get; }
    public bool ForwardedHttps { get; }

    /// <summary>sqlite, postgres or target: the provider part of the JSON file's name.</summary>
    public string Label { get; private init; } = "target";

    /// <summary>The algorithm the access tokens must be signed with (null: not checked).</summary>
    public string? ExpectedAlgorithm { get; private init; }

    public string Environment { get; private init; } = "unknown";

    public int? ServerProcessId => host?.ProcessId;

    public static async Task<LoadTarget> StartAsync(Arguments arguments, bool tokenVerb, CancellationToken cancellationToken)
    {
        var algorithm = arguments.Optional("alg")?.ToUpperInvariant();
        if (algorithm is not (null or "RS256" or "ES256"))
        {
            throw new UsageException($"--alg is RS256 or ES256, not '{algorithm}'.");
        }

        if (arguments.Optional("target") is { } target)
        {
            var url = Uri.TryCreate(target.EndsWith('/') ? target : target + "/", UriKind.Absolute, out var parsed)
                ? parsed
                : throw new UsageException($"--target is an absolute URL, not '{target}'.");
            Console.WriteLine($"Target: {url} (not started here: no server CPU or RSS)");
            return new LoadTarget(url, arguments.Required("email"), arguments.Required("password"), arguments.Flag("forwarded-https"))
            {
                Label = "target",
                ExpectedAlgorithm = algorithm,
                Environment = "target",
            };
        }

        var provider = arguments.Db(DatabaseProvider.Sqlite);
        var connection = arguments.Optional("connection");
        string? created = null;
        string? maintenance = null;
        if (connection is null && provider == DatabaseProvider.Sqlite)
        {
            connection = $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("orgidentity-load-").FullName, "orgidentity.db")}";
        }
        else if (connection is null)
        {
            maintenance = System.Environment.GetEnvironmentVariable("ORGIDENTITY_TEST_POSTGRES")
                          ?? throw new UsageException("--db postgres needs --connection, or ORGIDENTITY_TEST_POSTGRES for a fresh database made and dropped here.");
            created = $"orgidentity_bench_{Guid.NewGuid():N}"[..30];
            await using (var data = NpgsqlDataSource.Create(maintenance))
            await using (var command = data.CreateCommand($"CREATE DATABASE \"{created}\""))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            connection = new NpgsqlConnectionStringBuilder(maintenance) { Database = created }.ConnectionString;
            Console.WriteLine($"Created the PostgreSQL database {created} (dropped at the end).");
        }

        var environment = arguments.Optional("environment") ?? (tokenVerb ? "Production" : "Development");
        // The per-client token limit and the per-address sign-in limit would cap the figures themselves.
        var settings = "OrgIdentity__RateLimits__TokenPerClientPerSecond=1000000;OrgIdentity__RateLimits__SignInPerMinute=100000"
                       + (arguments.Optional("server-env") is { } extra ? ";" + extra : "");
        try
        {
            var started = await ServerHost.StartAsync(provider, connection, arguments.Optional("server-dll"), arguments.Optional("configuration") ?? "Release",
                settings, arguments.Optional("email"), arguments.Optional("password"), cancellationToken, environment,
                algorithm ?? (tokenVerb || !environment.Equals("Development", StringComparison.OrdinalIgnoreCase) ? "RS256" : null));
            return new LoadTarget(started.Url, started.Email, started.Password, started.ForwardedHttps)
            {
                host = started,
                createdDatabase = created,
                maintenanceConnection = maintenance,
                Label = provider == DatabaseProvider.Sqlite ? "sqlite" : "postgres",
                ExpectedAlgorithm = started.SigningAlgorithm ?? algorithm,
                Environment = started.EnvironmentName,
            };
        }
        catch
        {
            await DropAsync(maintenance, created);
            throw;
        }
    }

    /// <summary>An HttpClient to the server (X-Forwarded-Proto: https when it runs outside Development), optionally with cookies.</summary>
    public HttpClient Client(CookieJar? cookies = null, int maxConnections = int.MaxValue) => ServerHttp.Client(Url, ForwardedHttps, cookies, maxConnections);

    public HttpMessageHandler Handler() => ServerHttp.Handler(Url, ForwardedHttps);

    /// <summary>The code flow of <c>spa</c> as the platform admin (the server's bootstrap admin, or --email/--password with --target).</summary>
    public TokenClient Tokens() => new(Url, Email, Password, ForwardedHttps);

    /// <summary>What the JSON says about the server.</summary>
    public object Describe(object? verb = null) => new
    {
        url = Url.ToString(),
        started = host is not null,
        environment = Environment,
        signingAlgorithm = ExpectedAlgorithm,
        serverLog = host?.LogPath,
        verb,
    };

    /// <summary>Prints the access token's JOSE header and fails when its alg is not the one asked for.</summary>
    public string CheckAlgorithm(string jwt)
    {
        var header = JsonDocument.Parse(Encoding.UTF8.GetString(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(jwt.Split('.')[0]))).RootElement;
        var algorithm = header.TryGetProperty("alg", out var alg) ? alg.GetString() : null;
        Console.WriteLine($"Access token header: {header}");
        if (ExpectedAlgorithm is not null && !string.Equals(algorithm, ExpectedAlgorithm, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The access token is signed with {algorithm}, not {ExpectedAlgorithm}.");
        }

        return algorithm ?? "none";
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        await DropAsync(maintenanceConnection, createdDatabase);
    }

    private static async Task DropAsync(string? maintenance, string? database)
    {
        if (maintenance is null || database is null)
        {
            return;
        }

        await using var data = NpgsqlDataSource.Create(maintenance);
        await using var command = data.CreateCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        await command.ExecuteNonQueryAsync();
        Console.WriteLine($"Dropped the PostgreSQL database {database}.");
    }
}
