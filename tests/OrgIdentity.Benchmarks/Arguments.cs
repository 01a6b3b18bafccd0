using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;

namespace OrgIdentity.Benchmarks;

internal sealed class UsageException(string message) : Exception(message);

/// <summary><c>--name value</c> and <c>--flag</c> options; each read once, the unread ones are an error.</summary>
internal sealed class Arguments
{
    public const string Usage = """
        OrgIdentity.Benchmarks <verb> [options]

          seed     --provider Sqlite|PostgreSql --connection "<connection string>" --members 100000 [--org-slug bench] [--batch 5000]
                   [--scim-profiles]
                   Migrates the database, creates (or reuses) the organization and bulk-inserts users and memberships
                   until it has --members members; --scim-profiles gives each membership a SCIM profile, as if a
                   directory had provisioned it.

          scim     --provider Sqlite|PostgreSql --connection "<connection string>" --org <slug or id> [--runs 20] [--warmup 3]
                   [--warmup-requests 500] [--create 10000] [--create-concurrency 1] [--server-dll <path>]
                   [--configuration Release] [--server-env "Name=value;..."]
                   Starts the server, makes a directory token and times SCIM over HTTP: userName/externalId/e-mail
                   filters, GET by id, pages of 100, a PATCH (after --warmup-requests untimed requests over all of
                   them), then --create users, one per request, from --create-concurrency callers (users/s).

          Load verbs (cc, refresh, code, introspect, userinfo, jwt-validate) share these options:
                   [--db sqlite|postgres] (or --provider Sqlite|PostgreSql; default sqlite)
                   [--connection "<connection string>"] (default: a fresh SQLite file; for postgres a fresh database
                     orgidentity_bench_<random> on ORGIDENTITY_TEST_POSTGRES, dropped at the end)
                   [--environment Production|Development] (default Production, with driver-generated keys) [--alg RS256|ES256]
                   [--server-dll <path>] [--configuration Release] [--server-env "Name=value;..."]
                   | --target <URL> --email <platform admin> --password <password> [--forwarded-https]  (a running server)
                   [--concurrency 16] [--duration 20 | --count <requests>] [--warmup 10] [--runs 1] [--allow-errors]
                   Output: requests/s, p50/p95/p99, errors by status (any fails the run, exit code 1, unless --allow-errors),
                   the server's CPU % and RSS (min-max) when started here; a Markdown table, each run and the median of
                   --runs, and artifacts/bench/<verb>-<db>-<timestamp>.json.

          --compare    (cc, refresh, introspect) [--node <node executable>] [--peer-dir <peers/oidc-provider>]
                       The same load against node oidc-provider (peers/oidc-provider, npm ci on first use, the same --alg)
                       in the same run, interleaved run by run: each side's runs and median, and the ratio of the medians.
          cc           [--client service-account|configured]
                       Client-credentials tokens of a new service account (or the configured client dev-worker): tokens/s.
          refresh      Each caller signs in once (code flow of spa) and rotates its own refresh token chain: tokens/s.
          code         [--reuse-session]
                       The whole authorization code + PKCE flow through the login form per iteration (a new browser; the
                       password hash dominates); --reuse-session keeps the login cookie (authorize, code, token): flows/s.
          introspect   [--client service-account|configured]
                       The confidential client introspects its own access token (an inactive answer is an error): tokens/s.
          userinfo     GET /connect/userinfo with the signed-in user's access token: requests/s.
          jwt-validate An API in this process with OrgIdentity.AspNetCore validates the user's access token against the
                       server's discovery and JWKS on each call of an [Authorize] endpoint: validations/s (CPU and RSS of
                       this process, the API and the load generator together).

          limits   [--duration 5]
                   RS256 (RSA 2048) and ES256 (P-256) signatures per second with .NET's crypto, one thread per core (each
                   with its own key) and one thread: the ceiling a token figure can be read against.

          members  --url http://localhost:5080 --email <platform admin> --password <password> --org <slug or id>
                   | --start --provider Sqlite|PostgreSql --connection "<connection string>" --org <slug or id>
                     [--server-dll <path>] [--configuration Release] [--email bench-admin@example.com --password ...]
                   [--runs 20] [--warmup 3] [--walk name,-joined,...|all] [--walk-limit 200] [--export-runs 3] [--export-only]
                   [--server-env "Name=value;..."] [--json <file>]
                   Times member-list pages (first, middle, last per sort), searches and the CSV export over HTTP.
                   --start launches the built server itself (Development, a temporary data directory, a bootstrap
                   platform admin) and reports its RSS during the export.

          export   --provider Sqlite|PostgreSql --connection "<connection string>" --org <slug or id> [--runs 3]
                   Runs the server's MemberList.ExportAsync in-process into a counting stream: first byte, total, rows,
                   synchronous vs asynchronous writes, this process's heap and RSS during the export.

          plans    --provider Sqlite|PostgreSql --connection "<connection string>" --org <slug or id> [--executions 5] [--sql distinct|all|none]
                   [--scim]
                   Runs the server's MemberList against the database, captures the SQL it sends and prints each
                   statement's plan (SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN (ANALYZE, BUFFERS)), then the
                   indexes on "Memberships". --scim explains the SCIM Users queries instead (the server's filter
                   translation and ScimUsersService.ListAsync) and the indexes on "ScimProfiles".

          micro    --filter '*' [--job short] [--out-of-process] [other BenchmarkDotNet options]
                   BenchmarkDotNet micro-benchmarks of the hot paths' pieces (Micro/): claims building, permission
                   expansion, SCIM filter parse and translation, secret checks. In this process unless
                   --out-of-process; results under artifacts/bench/micro. Build in Release.
        """;

    /// <summary>Every option some verb reads: a misspelt one is refused before a server is started and loaded for minutes.</summary>
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "alg", "allow-errors", "batch", "client", "compare", "concurrency", "configuration", "connection", "count", "create", "create-concurrency", "db",
        "duration", "email", "environment", "executions", "export-only", "export-runs", "forwarded-https", "json", "members", "node", "org", "org-slug",
        "password", "peer-dir", "provider", "reuse-session", "runs", "scim", "scim-profiles", "server-dll", "server-env", "sql", "start", "target", "url",
        "walk", "walk-limit", "warmup", "warmup-requests",
    };

    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public static Arguments Parse(string[] args)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length < 3)
            {
                throw new UsageException($"Expected an option (--name), got '{name}'.");
            }

            if (!Known.Contains(name[2..]))
            {
                throw new UsageException($"Unknown option {name}.");
            }

            string? value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
            parsed.values[name[2..]] = value;
        }

        return parsed;
    }

    public bool Flag(string name)
    {
        used.Add(name);
        return values.ContainsKey(name);
    }

    public string? Optional(string name)
    {
        used.Add(name);
        return values.TryGetValue(name, out var value) ? value ?? throw new UsageException($"--{name} needs a value.") : null;
    }

    public string Required(string name) => Optional(name) ?? throw new UsageException($"--{name} is required.");

    public int Int(string name, int fallback) =>
        Optional(name) is { } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
                ? value
                : throw new UsageException($"--{name} is a number, not '{text}'.")
            : fallback;

    public DatabaseProvider Provider() =>
        Optional("db") is not null ? Db() : Enum.TryParse<DatabaseProvider>(Required("provider"), ignoreCase: true, out var provider) && provider != DatabaseProvider.SqlServer
            ? provider
            : throw new UsageException("--provider is Sqlite or PostgreSql.");

    /// <summary><c>--db sqlite|postgres</c> or <c>--provider Sqlite|PostgreSql</c>; <paramref name="fallback"/> when neither is given.</summary>
    public DatabaseProvider Db(DatabaseProvider? fallback = null) => Optional("db")?.ToUpperInvariant() switch
    {
        "SQLITE" => DatabaseProvider.Sqlite,
        "POSTGRES" or "POSTGRESQL" or "PG" => DatabaseProvider.PostgreSql,
        null => values.ContainsKey("provider") || fallback is null ? Provider() : fallback.Value,
        var other => throw new UsageException($"--db is sqlite or postgres, not '{other}'."),
    };

    public void ThrowOnUnused()
    {
        var unused = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unused.Count > 0)
        {
            throw new UsageException($"Unknown option(s): {string.Join(", ", unused.Select(u => "--" + u))}.");
        }
    }
}

/// <summary>The server's own DbContext subclass for a provider, as the server configures it (Data/DatabaseExtensions.cs).</summary>
internal static class Database
{
    /// <summary>
    /// IdentityDbContext reads its schema version from the application's IdentityOptions; the server sets Version3
    /// (Accounts/AccountsExtensions.cs), and its migrations are of that model. Without it EF sees pending model changes.
    /// </summary>
    private static readonly ServiceProvider ApplicationServices = new ServiceCollection()
        .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
        .BuildServiceProvider();

    public static OrgIdentityDbContext Open(DatabaseProvider provider, string connectionString, Action<DbContextOptionsBuilder>? configure = null)
    {
        configure = (o => o.UseApplicationServiceProvider(ApplicationServices)) + configure;
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
            {
                var options = new DbContextOptionsBuilder<SqliteOrgIdentityDbContext>().UseSqlite(connectionString);
                configure?.Invoke(options);
                return new SqliteOrgIdentityDbContext(options.Options);
            }

            case DatabaseProvider.PostgreSql:
            {
                var options = new DbContextOptionsBuilder<PostgreSqlOrgIdentityDbContext>().UseNpgsql(connectionString);
                configure?.Invoke(options);
                return new PostgreSqlOrgIdentityDbContext(options.Options);
            }

            default:
                throw new UsageException("--provider is Sqlite or PostgreSql.");
        }
    }
}
