using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Data;

namespace OrgIdentity.Server.Email;

/// <summary>
/// Delivers due outbox messages. Each message is claimed with a conditional update before it is sent,
/// so two replicas never send the same one; a failure is retried with exponential backoff.
/// </summary>
internal sealed partial class OutboxSender(
    IServiceScopeFactory scopes,
    IEmailTransport transport,
    OutboxSignal signal,
    IOptions<EmailOptions> options,
    TimeProvider time,
    ILogger<OutboxSender> logger) : BackgroundService
{
    private const int BatchSize = 50;
    // How long a claimed message waits beyond its backoff before another replica may assume the sender died.
    private static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SendDueAsync(stoppingToken) == BatchSize)
                {
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The database may be briefly away; the next round tries again.
                Log.RoundFailed(logger, exception);
            }

            try
            {
                await signal.WaitAsync(poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Sends what is due now; returns how many messages it looked at.</summary>
    internal async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var now = time.GetUtcNow().UtcDateTime;

        var due = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.SentAt == null && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt)
            .Take(BatchSize)
            .Select(m => new { m.Id, m.Kind, m.Payload, m.Attempts, m.NextAttemptAt })
            .ToListAsync(cancellationToken);

        foreach (var message in due)
        {
            // The claim counts as the attempt: a message that kills the process mid-send still backs off.
            var attempts = message.Attempts + 1;
            var claimed = await db.OutboxMessages
                .Where(m => m.Id == message.Id && m.SentAt == null && m.NextAttemptAt == message.NextAttemptAt)
                .ExecuteUpdateAsync(m => m.SetProperty(x => x.NextAttemptAt, now + Backoff(attempts) + ClaimLease)
                    .SetProperty(x => x.Attempts, attempts), cancellationToken);
            if (claimed == 0)
            {
                continue;
            }

            try
            {
                var email = JsonSerializer.Deserialize<EmailMessage>(message.Payload)
                    ?? throw new InvalidOperationException("The outbox payload is empty.");
                await transport.SendAsync(message.Id, email, cancellationToken);
                var sentAt = time.GetUtcNow().UtcDateTime;
                // A sent message keeps its recipient and subject but not its body: bodies carry invitation, reset and
                // confirmation links, and the database (or a backup of it) must not be a way to use them.
                var delivered = JsonSerializer.Serialize(email with { TextBody = "", HtmlBody = null });
                await db.OutboxMessages.Where(m => m.Id == message.Id)
                    .ExecuteUpdateAsync(m => m.SetProperty(x => x.SentAt, sentAt)
                        .SetProperty(x => x.Payload, delivered)
                        .SetProperty(x => x.LastError, (string?)null), cancellationToken);
                Log.Sent(logger, message.Id);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                var retryAt = time.GetUtcNow().UtcDateTime + Backoff(attempts);
                var error = exception.Message.Length > 2000 ? exception.Message[..2000] : exception.Message;
                await db.OutboxMessages.Where(m => m.Id == message.Id)
                    .ExecuteUpdateAsync(m => m.SetProperty(x => x.NextAttemptAt, retryAt)
                        .SetProperty(x => x.LastError, error), CancellationToken.None);
                if (exception is EmailDeliveryException)
                {
                    // The transport has said what is wrong in one line; its stack trace would only bury it.
                    Log.DeliveryFailed(logger, message.Id, attempts, error, retryAt);
                    Log.DeliveryFailedDetail(logger, message.Id, exception);
                }
                else
                {
                    Log.SendFailed(logger, message.Id, attempts, retryAt, exception);
                }
            }
        }

        return due.Count;
    }

    private TimeSpan Backoff(int attempts)
    {
        var seconds = options.Value.RetryBaseSeconds * Math.Pow(2, Math.Min(attempts - 1, 20));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxBackoff.TotalSeconds));
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Information, "Outbox message {MessageId} sent")]
        public static partial void Sent(ILogger logger, Guid messageId);

        [LoggerMessage(1002, LogLevel.Warning, "Outbox message {MessageId} failed on attempt {Attempts}; next attempt at {RetryAt:o}")]
        public static partial void SendFailed(ILogger logger, Guid messageId, int attempts, DateTime retryAt, Exception exception);

        [LoggerMessage(1003, LogLevel.Error, "The outbox round failed")]
        public static partial void RoundFailed(ILogger logger, Exception exception);

        [LoggerMessage(1004, LogLevel.Warning, "Outbox message {MessageId} failed on attempt {Attempts}: {Error} Next attempt at {RetryAt:o}.")]
        public static partial void DeliveryFailed(ILogger logger, Guid messageId, int attempts, string error, DateTime retryAt);

        [LoggerMessage(1005, LogLevel.Debug, "Outbox message {MessageId}: the failure in detail")]
        public static partial void DeliveryFailedDetail(ILogger logger, Guid messageId, Exception exception);
    }
}

internal static class EmailExtensions
{
    public static IHostApplicationBuilder AddEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        builder.Services.AddOptions<SmtpTlsOptions>();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<EmailComposer>();
        builder.Services.AddSingleton<PickupDirectoryTransport>();
        builder.Services.AddSingleton<SmtpTransport>();
        builder.Services.AddSingleton<IEmailTransport>(services =>
            services.GetRequiredService<IOptions<EmailOptions>>().Value.UsesSmtp
                ? services.GetRequiredService<SmtpTransport>()
                : services.GetRequiredService<PickupDirectoryTransport>());
        builder.Services.AddScoped<EmailOutbox>();
        if (builder.Configuration.GetValue($"{EmailOptions.Section}:{nameof(EmailOptions.SenderEnabled)}", true))
        {
            builder.Services.AddHostedService<OutboxSender>();
        }

        return builder;
    }
}
