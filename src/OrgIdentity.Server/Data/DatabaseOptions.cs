namespace OrgIdentity.Server.Data;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
    SqlServer,
}

/// <summary><c>OrgIdentity:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "OrgIdentity:Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
    public bool ApplyMigrationsAtStartup { get; set; } = true;
}
