namespace OrgIdentity.Server.Email;

/// <summary>An e-mail as the outbox stores it (JSON in <see cref="OutboxMessage.Payload"/>).</summary>
public sealed record EmailMessage(string To, string Subject, string TextBody, string? Bcc = null);
