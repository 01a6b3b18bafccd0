using Npgsql;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>
/// A database for one test server. PostgreSQL tests need <c>ORGIDENTITY_TEST_POSTGRES</c> (a connection string
/// of a role that may create databases); without it they skip, saying why, unless <c>CI</c> is set.
/// </summary>
public sealed class TestDatabase
{
    public const string PostgresVariable = "ORGIDENTITY_TEST_POSTGRES";

    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private TestDatabase(string provider, string? adminConnectionString, string? databaseName)
    {
        Provider = provider;
        _adminConnectionString = adminConnectionString;
        _databaseName = databaseName;
    }

    public string Provider { get; }

    public static TestDatabase Sqlite() => new("Sqlite", null, null);

    public static TestDatabase PostgreSql() =>
        new("PostgreSql", Environment.GetEnvironmentVariable(PostgresVariable), $"orgidentity_test_{Guid.NewGuid():N}");

    public string? ConnectionString(string dataDirectory, string? databaseName = null) => Provider switch
    {
        "Sqlite" => $"Data Source={Path.Combine(dataDirectory, "orgidentity.db")}",
        _ when string.IsNullOrEmpty(_adminConnectionString) => null,
        _ => new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = databaseName ?? _databaseName, Pooling = true }.ConnectionString,
    };

    /// <summary>Skips the test (or fails it in CI) when the database service is not there.</summary>
    public ValueTask EnsureAvailable()
    {
        if (Provider == "PostgreSql" && string.IsNullOrEmpty(_adminConnectionString))
        {
            var reason = $"PostgreSQL tests need {PostgresVariable} (a connection string); .ci/run sets it.";
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            {
                Assert.Fail(reason + " CI is set, so a missing PostgreSQL is a failure.");
            }

            Assert.Skip(reason);
        }

        return ValueTask.CompletedTask;
    }

    public async Task DropAsync()
    {
        if (Provider != "PostgreSql" || string.IsNullOrEmpty(_adminConnectionString))
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
