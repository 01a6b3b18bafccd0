namespace OrgIdentity.Server.Email;

/// <summary>
/// Something to deliver (an e-mail today, webhooks later), written in the same transaction as the
/// change that caused it and delivered by <see cref="OutboxSender"/>.
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; }
    public required string Kind { get; set; }
    public required string Payload { get; set; }
    public DateTime CreatedAt { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTime? SentAt { get; set; }
}
