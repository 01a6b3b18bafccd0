using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpenIddict.EntityFrameworkCore.Models;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Data;

/// <summary>
/// <c>dotnet OrgIdentity.Server.dll migrate</c>, run as an operator runs it: the built server in a child process,
/// configured through environment variables.
/// </summary>
public sealed class MigrateCommandTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "orgidentity-tests", Guid.NewGuid().ToString("N"));

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_dataDirectory);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Migrate_creates_the_schema_of_a_fresh_SQLite_file_and_nothing_else()
    {
        var connectionString = TestDatabase.Sqlite().ConnectionString(_dataDirectory)!;

        var result = await MigrateAsync("Sqlite", connectionString);

        Assert.True(result.ExitCode == 0, Describe(result));
        Assert.Matches(@"Applied [1-9][0-9]* migration\(s\) to the Sqlite database", result.Output);
        await using (var db = new SqliteOrgIdentityDbContext(new DbContextOptionsBuilder<SqliteOrgIdentityDbContext>().UseSqlite(connectionString).Options))
        {
            await AssertMigratedAndEmptyAsync(db);
        }

        var again = await MigrateAsync("Sqlite", connectionString);
        Assert.True(again.ExitCode == 0, Describe(again));
        Assert.Contains("up to date", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_creates_a_fresh_PostgreSQL_database_with_its_schema_and_nothing_else()
    {
        var database = TestDatabase.PostgreSql();
        await database.EnsureAvailable();
        try
        {
            var connectionString = database.ConnectionString(_dataDirectory)!;

            var result = await MigrateAsync("PostgreSql", connectionString);

            Assert.True(result.ExitCode == 0, Describe(result));
            await using var db = new PostgreSqlOrgIdentityDbContext(new DbContextOptionsBuilder<PostgreSqlOrgIdentityDbContext>().UseNpgsql(connectionString).Options);
            await AssertMigratedAndEmptyAsync(db);
        }
        finally
        {
            await database.DropAsync();
        }
    }

    [Fact]
    public async Task Migrate_against_a_database_nobody_listens_for_exits_non_zero_with_one_clear_line()
    {
        var result = await MigrateAsync("PostgreSql", UnreachablePostgreSql());

        Assert.True(result.ExitCode != 0, Describe(result));
        var line = OneLine(result);
        Assert.Contains("Cannot reach the database configured in ConnectionStrings:OrgIdentity (OrgIdentity:Database:Provider is PostgreSql)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_provider_stops_migrate_with_one_line_naming_the_setting()
    {
        var result = await MigrateAsync("Oracle", "Data Source=orgidentity");

        Assert.True(result.ExitCode != 0, Describe(result));
        var line = OneLine(result);
        Assert.Contains("OrgIdentity:Database:Provider is 'Oracle'", line, StringComparison.Ordinal);
        Assert.Contains("Sqlite, PostgreSql or SqlServer", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_connection_string_stops_migrate_with_one_line_naming_the_setting()
    {
        var result = await MigrateAsync("SqlServer", "Host=db;Password=secret-password");

        Assert.True(result.ExitCode != 0, Describe(result));
        Assert.Contains("ConnectionStrings:OrgIdentity is not a valid SqlServer connection string", OneLine(result), StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", result.Output + result.Error, StringComparison.Ordinal);
    }

    /// <summary>A PostgreSQL connection string to a local port nothing listens on (it was free a moment ago).</summary>
    internal static string UnreachablePostgreSql()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndpoint).Port, Username = "postgres", Password = "secret-password",
            Database = "orgidentity", Timeout = 5,
        }.ConnectionString;
    }

    /// <summary>The single line on standard error, with no stack trace anywhere.</summary>
    internal static string OneLine(ServerProcess.Result result)
    {
        Assert.DoesNotContain("Unhandled exception", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output + result.Error, StringComparison.Ordinal);
        return Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    internal static string Describe(ServerProcess.Result result) =>
        $"exit code {result.ExitCode}\nstdout:\n{result.Output}\nstderr:\n{result.Error}";

    private static async Task AssertMigratedAndEmptyAsync(OrgIdentityDbContext db)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(cancellationToken));
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(cancellationToken));
        // The tables exist, and migrate did nothing a start does: no first admin, no configured clients.
        Assert.Equal(0, await db.Users.CountAsync(cancellationToken));
        Assert.Equal(0, await db.Set<OpenIddictEntityFrameworkCoreApplication<Guid>>().CountAsync(cancellationToken));
        Assert.Equal(0, await db.Set<OpenIddictEntityFrameworkCoreToken<Guid>>().CountAsync(cancellationToken));
    }

    /// <summary>Runs <c>dotnet OrgIdentity.Server.dll migrate</c> from the server's folder (its appsettings.json declares clients).</summary>
    private Task<ServerProcess.Result> MigrateAsync(string provider, string connectionString) =>
        ServerProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["OrgIdentity__Database__Provider"] = provider,
            ["ConnectionStrings__OrgIdentity"] = connectionString,
            ["OrgIdentity__DataDirectory"] = _dataDirectory,
            // A start would make this admin; migrate must not.
            ["OrgIdentity__Bootstrap__AdminEmail"] = OrgIdentityApp.AdminEmail,
            ["OrgIdentity__Bootstrap__AdminPassword"] = OrgIdentityApp.AdminPassword,
            ["Logging__LogLevel__Default"] = "Warning",
        }, AppContext.BaseDirectory, MigrateCommand.Verb);

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // The temp folder is cleaned eventually.
        }

        return ValueTask.CompletedTask;
    }
}
