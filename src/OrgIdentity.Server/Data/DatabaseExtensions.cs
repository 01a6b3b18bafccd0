using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Data;

internal static class DatabaseExtensions
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
                connectionString ??= $"Data Source={Path.Combine(DataDirectory.Resolve(builder.Configuration, builder.Environment), "orgidentity.db")}";
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
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // One writer at a time, readers never blocked; the setting persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}
