using OrgIdentity.Server.Tests.Infrastructure;
using static OrgIdentity.Server.Tests.Data.MigrateCommandTests;

namespace OrgIdentity.Server.Tests.Data;

/// <summary>
/// A database setting that cannot work stops the real server (a child process, as <c>dotnet run</c> starts it)
/// before it listens, with one line that names the setting: no stack trace.
/// </summary>
public sealed class DatabaseSettingsTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "orgidentity-tests", Guid.NewGuid().ToString("N"));

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_dataDirectory);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task An_unknown_provider_stops_the_start_naming_the_setting_and_the_providers()
    {
        var result = await StartAsync(("OrgIdentity__Database__Provider", "7"));

        Assert.True(result.ExitCode != 0, Describe(result));
        Assert.Contains("OrgIdentity:Database:Provider is '7', which is not a database provider of OrgIdentity; set it to Sqlite, PostgreSql or SqlServer.",
            OneLine(result), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public async Task A_database_that_cannot_be_reached_stops_the_start_naming_the_connection_string(string applyMigrationsAtStartup)
    {
        var result = await StartAsync(
            ("OrgIdentity__Database__ApplyMigrationsAtStartup", applyMigrationsAtStartup),
            ("OrgIdentity__Database__Provider", "PostgreSql"),
            ("ConnectionStrings__OrgIdentity", UnreachablePostgreSql()));

        Assert.True(result.ExitCode != 0, Describe(result));
        Assert.Contains("Cannot reach the database configured in ConnectionStrings:OrgIdentity (OrgIdentity:Database:Provider is PostgreSql)",
            OneLine(result), StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_migrations_at_start_turned_off_an_unmigrated_database_stops_the_start_naming_the_migrate_verb()
    {
        var result = await StartAsync(("OrgIdentity__Database__ApplyMigrationsAtStartup", "false"));

        Assert.True(result.ExitCode != 0, Describe(result));
        var line = OneLine(result);
        Assert.Contains("OrgIdentity:Database:ApplyMigrationsAtStartup is false", line, StringComparison.Ordinal);
        Assert.Contains("OrgIdentity.Server migrate", line, StringComparison.Ordinal);
    }

    private Task<ServerProcess.Result> StartAsync(params (string Name, string Value)[] settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["OrgIdentity__DataDirectory"] = _dataDirectory,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return ServerProcess.RunAsync(environment, AppContext.BaseDirectory);
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
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
