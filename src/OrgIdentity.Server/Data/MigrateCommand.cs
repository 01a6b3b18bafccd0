using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Data;

/// <summary>
/// The command-line verbs of the server. <c>OrgIdentity.Server migrate</c> applies the migrations of the
/// configured provider and exits, for deployments that set <c>OrgIdentity:Database:ApplyMigrationsAtStartup</c>
/// to false: it starts no listener and touches nothing but the schema (no client sync, no first admin).
/// </summary>
internal static class MigrateCommand
{
    public const string Verb = "migrate";

    /// <summary>
    /// Runs the verb named by the first argument and returns the process's exit code (0 done, 1 failed with
    /// one line on standard error); null when there is no verb and the server should start.
    /// </summary>
    public static async Task<int?> RunCommandAsync(this WebApplication app, string[] args)
    {
        if (args.Length == 0 || !string.Equals(args[0], Verb, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return await MigrateAsync(app.Services, Console.Out, Console.Error, app.Lifetime.ApplicationStopping);
    }

    public static async Task<int> MigrateAsync(IServiceProvider services, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var provider = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value.Provider;
        try
        {
            var applied = await services.ApplyMigrationsAsync(cancellationToken);
            await output.WriteLineAsync(applied.Count == 0
                ? $"The {provider} database is up to date; no migration to apply."
                : $"Applied {applied.Count} migration(s) to the {provider} database: {string.Join(", ", applied)}.");
            return 0;
        }
        catch (StartupConfigurationException exception)
        {
            await error.WriteLineAsync($"OrgIdentity migrate failed: {exception.Message}");
            return 1;
        }
    }
}
