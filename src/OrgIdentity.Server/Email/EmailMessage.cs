namespace OrgIdentity.Server.Email;

/// <summary>
/// An e-mail as the outbox stores it (JSON in <see cref="OutboxMessage.Payload"/>): plain text always, HTML as an
/// alternative when the message was made from an <see cref="EmailTemplate"/>.
/// </summary>
public sealed record EmailMessage(string To, string Subject, string TextBody, string? Bcc = null, string? HtmlBody = null);
