using System.Text.Json;
using OrgIdentity.Server.Data;

namespace OrgIdentity.Server.Email;

/// <summary>
/// Queues e-mails in the caller's unit of work: the message is saved with the change that caused it,
/// or not at all. The sender is woken when the caller commits.
/// </summary>
public sealed class EmailOutbox(OrgIdentityDbContext db, OutboxSignal signal, TimeProvider time)
{
    public const string EmailKind = "email";

    public void Enqueue(EmailMessage message)
    {
        var now = time.GetUtcNow().UtcDateTime;
        db.OutboxMessages.Add(new OutboxMessage
        {
            Id = Guid.CreateVersion7(),
            Kind = EmailKind,
            Payload = JsonSerializer.Serialize(message),
            CreatedAt = now,
            NextAttemptAt = now,
        });
        db.SavedChanges += WakeSender;
    }

    private void WakeSender(object? sender, Microsoft.EntityFrameworkCore.SavedChangesEventArgs e)
    {
        db.SavedChanges -= WakeSender;
        signal.Wake();
    }
}

/// <summary>Lets a request wake the background sender instead of waiting for its next poll.</summary>
public sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Wake()
    {
        // Most saves find the sender already woken: no exception for them (a throw per save is measurable in bulk SCIM).
        if (_semaphore.CurrentCount > 0)
        {
            return;
        }

        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake; one wake-up is enough.
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await _semaphore.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _semaphore.Dispose();
}
