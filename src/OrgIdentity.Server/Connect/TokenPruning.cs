using OpenIddict.Abstractions;

namespace OrgIdentity.Server.Connect;

/// <summary>
/// Removes expired and revoked tokens and authorizations once an hour (what OpenIddict.Quartz would do),
/// tokens first because authorizations that still have tokens are skipped. Replicas may race harmlessly.
/// </summary>
internal sealed partial class TokenPruning(IServiceScopeFactory scopes, TimeProvider time, ILogger<TokenPruning> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private static readonly TimeSpan MinimumAge = TimeSpan.FromDays(14);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PruneAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal async Task PruneAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var threshold = time.GetUtcNow() - MinimumAge;
            var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
            var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
            Log.Pruned(logger, tokens, authorizations);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.Failed(logger, exception);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3101, LogLevel.Information, "Pruned {Tokens} tokens and {Authorizations} authorizations")]
        public static partial void Pruned(ILogger logger, long tokens, long authorizations);

        [LoggerMessage(3102, LogLevel.Error, "Token pruning failed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
