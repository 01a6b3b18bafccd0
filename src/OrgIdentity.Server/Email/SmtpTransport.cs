using System.Net.Security;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace OrgIdentity.Server.Email;

/// <summary>
/// Hands each message to the SMTP server of <c>OrgIdentity:Email:Smtp</c> (MailKit), one connection per
/// message. With <c>UseStartTls</c> the connection is encrypted before anything is sent and the server's
/// certificate must be trusted; credentials are only ever sent over such a connection. Every failure becomes
/// an <see cref="EmailDeliveryException"/> whose message is one line naming the server, what went wrong and
/// the setting to check (never the password); the outbox stores it and retries with backoff.
/// </summary>
public sealed class SmtpTransport(EmailComposer composer, IOptions<EmailOptions> options, IOptions<SmtpTlsOptions> tls) : IEmailTransport
{
    /// <summary>How long one SMTP command (connecting included) may take before the attempt counts as failed.</summary>
    internal static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private const string Settings = $"{EmailOptions.Section}:Smtp";

    public async Task SendAsync(Guid messageId, EmailMessage message, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        var host = smtp.Host!.Trim();
        var server = $"{host}:{smtp.Port}";
        var mime = composer.Compose(messageId, message);

        using var client = new SmtpClient { Timeout = (int)CommandTimeout.TotalMilliseconds };
        if (tls.Value.ServerCertificateValidation is { } validation)
        {
            client.ServerCertificateValidationCallback = validation;
        }

        var stage = Stage.Connecting;
        try
        {
            await client.ConnectAsync(host, smtp.Port, SocketOptions(smtp), cancellationToken);
            if (smtp.Authenticates)
            {
                stage = Stage.Authenticating;
                await client.AuthenticateAsync(smtp.UserName!, smtp.Password ?? "", cancellationToken);
            }

            stage = Stage.Sending;
            await client.SendAsync(mime, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new EmailDeliveryException(Scrub(Explain(exception, stage, server, smtp), smtp.Password), exception);
        }

        // The server has taken the message: a failed goodbye must not make the outbox send it again.
        try
        {
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Nothing to do; the connection is closed when the client is disposed.
        }
    }

    /// <summary>
    /// <c>UseStartTls</c>: STARTTLS, required (not "when available", so a stripped STARTTLS offer cannot
    /// downgrade the connection), or TLS at once on port 465, which speaks nothing else. Otherwise plain SMTP,
    /// even when the server offers STARTTLS: an internal relay often offers it with a certificate this host
    /// does not trust, and opportunistic TLS would then fail every send. Plain SMTP never carries credentials
    /// (<see cref="EmailOptionsValidator"/> refuses a UserName without UseStartTls).
    /// </summary>
    internal static SecureSocketOptions SocketOptions(SmtpOptions smtp) => smtp switch
    {
        { UseStartTls: false } => SecureSocketOptions.None,
        { Port: 465 } => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    private static string Explain(Exception exception, Stage stage, string server, SmtpOptions smtp) => exception switch
    {
        AuthenticationException refused =>
            $"SMTP authentication to {server} as '{smtp.UserName}' was refused: {OneLine(refused.Message)} — check {Settings}:UserName and {Settings}:Password.",
        NotSupportedException when stage == Stage.Authenticating =>
            $"The SMTP server {server} offers no way to sign in that this server supports (AUTH PLAIN or LOGIN over TLS) — " +
            $"leave {Settings}:UserName empty if the server needs no sign-in.",
        NotSupportedException when stage == Stage.Connecting && smtp.UseStartTls =>
            $"The SMTP server {server} does not offer STARTTLS, and {Settings}:UseStartTls requires it — use the server's submission port " +
            $"(587, or 465 for TLS at once) or, only for a relay inside a private network, set UseStartTls to false.",
        SslHandshakeException handshake =>
            $"The TLS handshake with the SMTP server {server} failed: {HandshakeFailure(handshake)} — " +
            $"the server's certificate must be valid for '{smtp.Host}' and trusted by this machine.",
        ServiceNotAuthenticatedException refused =>
            $"The SMTP server {server} takes mail only after signing in: {OneLine(refused.Message)} — set {Settings}:UserName and {Settings}:Password.",
        SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } refused =>
            $"The SMTP server {server} refused the sender: {Reply(refused)} — check {EmailOptions.Section}:From.",
        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } refused =>
            $"The SMTP server {server} refused the recipient {refused.Mailbox?.Address}: {Reply(refused)}.",
        SmtpCommandException { ErrorCode: SmtpErrorCode.MessageNotAccepted } refused =>
            $"The SMTP server {server} refused the message: {Reply(refused)}.",
        SmtpCommandException refused when stage == Stage.Connecting =>
            $"The SMTP server {server} refused the connection: {Reply(refused)}.",
        SmtpCommandException refused =>
            $"The SMTP server {server} answered {Reply(refused)} while {Describe(stage)}.",
        SocketException socket =>
            $"Could not connect to the SMTP server {server}: {OneLine(socket.Message)} — check {Settings}:Host and {Settings}:Port.",
        OperationCanceledException or TimeoutException =>
            $"The SMTP server {server} did not answer within {CommandTimeout.TotalSeconds:0} seconds while {Describe(stage)}{Uncertain(stage)}.",
        _ =>
            $"The connection to the SMTP server {server} failed while {Describe(stage)}: {OneLine(exception.Message)}{Uncertain(stage)}.",
    };

    /// <summary>MailKit explains a refused certificate in a bulleted essay; the bullets are the reasons.</summary>
    private static string HandshakeFailure(SslHandshakeException handshake)
    {
        var lines = handshake.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reasons = lines.SkipWhile(line => !line.EndsWith("for the following reasons:", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(line => line.StartsWith('\u2022'))
            .Select(line => line.TrimStart('\u2022', ' '))
            .Where(line => !line.EndsWith("the following errors:", StringComparison.Ordinal))
            .ToList();
        return reasons.Count > 0
            ? string.Join("; ", reasons.Select(reason => reason.TrimEnd('.')))
            : OneLine(handshake.InnerException?.Message ?? handshake.Message).TrimEnd('.');
    }

    private static string Reply(SmtpCommandException refused) => $"{(int)refused.StatusCode} {OneLine(refused.Message)}";

    private static string Describe(Stage stage) => stage switch
    {
        Stage.Connecting => "connecting",
        Stage.Authenticating => "signing in",
        _ => "sending the message",
    };

    // A connection lost after the message went out may have lost only the server's "250 OK".
    private static string Uncertain(Stage stage) =>
        stage == Stage.Sending ? " (the server may have taken it; the retry carries the same Message-ID)" : "";

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // Servers do not echo passwords, but a message that leaves this class must never carry one.
    private static string Scrub(string text, string? password) =>
        string.IsNullOrEmpty(password) ? text : text.Replace(password, "***", StringComparison.Ordinal);

    private enum Stage
    {
        Connecting,
        Authenticating,
        Sending,
    }
}

/// <summary>
/// How the SMTP server's certificate is judged. Left empty, the operating system's trust store decides
/// (MailKit's default). Deliberately not bound to configuration: no setting turns certificate checks off;
/// code that hosts the server (tests, with a certificate they made) may pin a certificate here.
/// </summary>
public sealed class SmtpTlsOptions
{
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }
}

/// <summary>A message could not be delivered; <see cref="Exception.Message"/> is one line fit for an operator.</summary>
public sealed class EmailDeliveryException(string message, Exception? innerException = null) : Exception(message, innerException);
