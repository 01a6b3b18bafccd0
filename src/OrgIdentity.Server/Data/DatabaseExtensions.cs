using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Data;

internal static partial class DatabaseExtensions
{
    public const string ConnectionStringName = "OrgIdentity";

    /// <summary>Registers the DbContext subclass of the configured provider under the abstract type.</summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        var options = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new();
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);

        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                connectionString ??= $"Data Source={Path.Combine(DataDirectory.Resolve(builder.Configuration), "orgidentity.db")}";
                builder.Services.AddDbContext<OrgIdentityDbContext, SqliteOrgIdentityDbContext>(o => o.UseSqlite(connectionString));
                break;
            case DatabaseProvider.PostgreSql:
                // The design-time tools build the host without a database; they only need the provider.
                connectionString ??= EF.IsDesignTime
                    ? "Host=localhost"
                    : throw new InvalidOperationException(
                        "OrgIdentity:Database:Provider is PostgreSql but ConnectionStrings:OrgIdentity is not set.");
                builder.Services.AddDbContext<OrgIdentityDbContext, PostgreSqlOrgIdentityDbContext>(o => o.UseNpgsql(connectionString));
                break;
            default:
                throw new InvalidOperationException($"OrgIdentity:Database:Provider '{options.Provider}' is not supported; use Sqlite or PostgreSql.");
        }

        return builder;
    }

    /// <summary>Applies pending migrations unless <c>OrgIdentity:Database:ApplyMigrationsAtStartup</c> is false.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var options = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value;
        if (!options.ApplyMigrationsAtStartup)
        {
            return;
        }

        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        if (db.Database.IsSqlite())
        {
            await ReleaseStaleSqliteMigrationLockAsync(db, scope.ServiceProvider.GetRequiredService<ILoggerFactory>(), cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // One writer at a time, readers never blocked; the setting persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
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
