using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Data;

internal static partial class DatabaseExtensions
{
    public const string ConnectionStringName = "OrgIdentity";
    public const string ConnectionStringSetting = "ConnectionStrings:" + ConnectionStringName;
    public const string ProviderSetting = DatabaseOptions.Section + ":" + nameof(DatabaseOptions.Provider);

    /// <summary>
    /// Registers the DbContext subclass of the configured provider under the abstract type. A setting that
    /// cannot work (unknown provider, missing or malformed connection string) is a
    /// <see cref="StartupConfigurationException"/> naming it.
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        var options = ReadOptions(builder.Configuration);
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);

        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                connectionString = CheckConnectionString(options.Provider,
                    connectionString ?? $"Data Source={Path.Combine(DataDirectory.Resolve(builder.Configuration), "orgidentity.db")}",
                    s => new SqliteConnectionStringBuilder(s));
                builder.Services.AddDbContextPool<OrgIdentityDbContext, SqliteOrgIdentityDbContext>(o => o.UseSqlite(connectionString));
                break;
            case DatabaseProvider.PostgreSql:
                // The design-time tools build the host without a database; they only need the provider.
                connectionString = CheckConnectionString(options.Provider, connectionString ?? DesignTimeOnly(options.Provider, "Host=localhost"),
                    s => new NpgsqlConnectionStringBuilder(s));
                builder.Services.AddDbContextPool<OrgIdentityDbContext, PostgreSqlOrgIdentityDbContext>(o => o.UseNpgsql(connectionString));
                break;
            case DatabaseProvider.SqlServer:
                connectionString = CheckConnectionString(options.Provider, connectionString ?? DesignTimeOnly(options.Provider, "Server=localhost"),
                    s => new SqlConnectionStringBuilder(s));
                builder.Services.AddDbContextPool<OrgIdentityDbContext, SqlServerOrgIdentityDbContext>(o => o.UseSqlServer(connectionString));
                break;
            default:
                throw new StartupConfigurationException($"{ProviderSetting} '{options.Provider}' is not supported; set it to {ProviderNames}.");
        }

        return builder;
    }

    private static string ProviderNames => string.Join(", ", Enum.GetNames<DatabaseProvider>()[..^1]) + " or " + Enum.GetNames<DatabaseProvider>()[^1];

    /// <summary>
    /// <c>OrgIdentity:Database</c>, with one clear message for a value that does not fit. The binder alone would
    /// throw its own exception for an unknown name, and take any number ("7") as a provider.
    /// </summary>
    internal static DatabaseOptions ReadOptions(IConfiguration configuration)
    {
        var section = configuration.GetSection(DatabaseOptions.Section);
        var provider = section[nameof(DatabaseOptions.Provider)];
        if (!string.IsNullOrWhiteSpace(provider)
            && !Enum.GetNames<DatabaseProvider>().Contains(provider.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            throw new StartupConfigurationException(
                $"{ProviderSetting} is '{provider}', which is not a database provider of OrgIdentity; set it to {ProviderNames}.");
        }

        try
        {
            return section.Get<DatabaseOptions>() ?? new();
        }
        catch (InvalidOperationException exception)
        {
            // "Failed to convert configuration value at 'OrgIdentity:Database:ApplyMigrationsAtStartup' to type 'System.Boolean'."
            throw new StartupConfigurationException($"{exception.Message} Fix that setting.", exception);
        }
    }

    private static string DesignTimeOnly(DatabaseProvider provider, string placeholder) =>
        EF.IsDesignTime
            ? placeholder
            : throw new StartupConfigurationException($"{ProviderSetting} is {provider} but {ConnectionStringSetting} is not set; set it to the connection string of the database.");

    /// <summary>Parses the connection string now, so a typo stops the start with the setting's name instead of failing at the first query.</summary>
    private static string CheckConnectionString(DatabaseProvider provider, string connectionString, Func<string, DbConnectionStringBuilder> parse)
    {
        try
        {
            _ = parse(connectionString);
            return connectionString;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            // Never the connection string itself: it may hold a password.
            throw new StartupConfigurationException(
                $"{ConnectionStringSetting} is not a valid {provider} connection string ({OneLine(exception)}); fix that setting.", exception);
        }
    }

    /// <summary>
    /// What runs before the server listens: applies pending migrations, or with
    /// <c>OrgIdentity:Database:ApplyMigrationsAtStartup</c> false checks that the database is reachable and migrated.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        if (options.ApplyMigrationsAtStartup)
        {
            await ApplyMigrationsAsync(services, cancellationToken);
            return;
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var pending = await WithClearErrorsAsync(db, async () =>
        {
            await ProbeAsync(db, cancellationToken);
            return (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        });
        if (pending.Count > 0)
        {
            throw new StartupConfigurationException(
                $"The database in {ConnectionStringSetting} lacks the migration(s) {string.Join(", ", pending)} and " +
                $"{DatabaseOptions.Section}:{nameof(DatabaseOptions.ApplyMigrationsAtStartup)} is false: run `OrgIdentity.Server {MigrateCommand.Verb}` " +
                "first, or set that setting to true.");
        }
    }

    /// <summary>Applies the pending migrations of the configured provider; returns their names.</summary>
    public static async Task<IReadOnlyList<string>> ApplyMigrationsAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        return await WithClearErrorsAsync(db, async () =>
        {
            await ProbeAsync(db, cancellationToken);
            if (db.Database.IsSqlite())
            {
                await ReleaseStaleSqliteMigrationLockAsync(db, scope.ServiceProvider.GetRequiredService<ILoggerFactory>(), cancellationToken);
            }

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            if (db.Database.IsSqlite())
            {
                // One writer at a time, readers never blocked; the setting persists in the file.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }

            return (IReadOnlyList<string>)pending;
        });
    }

    /// <summary>
    /// Connects once in a way EF does not log as an error (with its stack trace), so that a database that cannot be
    /// reached ends in the one line of <see cref="WithClearErrorsAsync"/> alone.
    /// </summary>
    private static async Task ProbeAsync(OrgIdentityDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite())
        {
            // Opening creates the file, as the migration would.
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync(cancellationToken);
            await connection.CloseAsync();
        }
        else
        {
            // EF's own existence check: its connection errors are expected, so logged at debug level only.
            // A database that does not exist yet is fine: MigrateAsync creates it.
            await db.Database.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Turns the provider's exception (server down, wrong host or password, unreadable file) into one line that
    /// names the setting to change. Cancellation and EF's own errors (a model without its migration) pass through.
    /// </summary>
    private static async Task<T> WithClearErrorsAsync<T>(OrgIdentityDbContext db, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception exception) when (Chain(exception).OfType<DbException>().FirstOrDefault() is { } cause)
        {
            // Npgsql's execution strategy wraps a failed connection in "likely due to a transient failure".
            var where = $"the database configured in {ConnectionStringSetting} ({ProviderSetting} is {ProviderOf(db)})";
            throw new StartupConfigurationException(cause switch
            {
                // SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_NOTADB
                SqliteException { SqliteErrorCode: 8 or 14 or 26 } => $"Cannot open {where}: {OneLine(cause)} Check the file's path in that " +
                    "setting (or OrgIdentity:DataDirectory when it is not set), that its folder is writable and that the file is a SQLite database.",
                _ when IsUnreachable(cause) => $"Cannot reach {where}: {OneLine(cause)} Check the server's host and port in that setting " +
                    "and that the database server is running.",
                PostgresException or SqlException => $"The server of {where} refused: {OneLine(cause)} Check the user, password and " +
                    "database name in that setting, and the user's rights.",
                _ => $"Preparing {where} failed: {OneLine(cause)}",
            }, exception);
        }
    }

    private static bool IsUnreachable(DbException exception) =>
        Chain(exception).Any(e => e is SocketException or TimeoutException or IOException)
        || exception is NpgsqlException and not PostgresException
        // Connection timeout, network errors, server not found (SqlClient's own error numbers).
        || exception is SqlException { Number: -2 or 2 or 53 or 35 or 40 or 121 or 258 or 10054 or 10060 or 10061 or 11001 };

    private static DatabaseProvider ProviderOf(OrgIdentityDbContext db) => db switch
    {
        SqliteOrgIdentityDbContext => DatabaseProvider.Sqlite,
        PostgreSqlOrgIdentityDbContext => DatabaseProvider.PostgreSql,
        _ => DatabaseProvider.SqlServer,
    };

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>The messages of an exception and its causes, on one line, each once.</summary>
    private static string OneLine(Exception exception)
    {
        var messages = new List<string>();
        foreach (var e in Chain(exception))
        {
            var message = e.Message.ReplaceLineEndings(" ").Trim().TrimEnd('.');
            // SqlClient's socket errors may carry "Success" as their inner message.
            if (message.Length > 0 && !(e is SocketException { SocketErrorCode: SocketError.Success })
                && !messages.Any(m => m.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        return string.Join(": ", messages) + ".";
    }

    /// <summary>
    /// A start killed during migration (Ctrl+C on the first run) leaves EF's lock row behind, and the next
    /// start would wait for it forever. A SQLite file serves one server process, so a lock found here is stale.
    /// </summary>
    private static async Task ReleaseStaleSqliteMigrationLockAsync(OrgIdentityDbContext db, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var hasLockTable = await db.Database
            .SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'")
            .SingleAsync(cancellationToken) > 0;
        if (hasLockTable && await db.Database.ExecuteSqlRawAsync("DELETE FROM \"__EFMigrationsLock\"", cancellationToken) > 0)
        {
            Log.StaleMigrationLockReleased(loggers.CreateLogger(typeof(DatabaseExtensions).FullName!));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Warning, "An earlier start was interrupted during migration; its SQLite migration lock was released")]
        public static partial void StaleMigrationLockReleased(ILogger logger);
    }
}
