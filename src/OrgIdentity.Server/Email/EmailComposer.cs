using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Text;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Email;

/// <summary>
/// Turns an outbox e-mail into the MIME message every transport delivers: plain text in UTF-8 (with an HTML
/// alternative when the message has one), From from
/// <c>OrgIdentity:Email:From</c>, and a Message-ID made from the outbox id, so every attempt at one message
/// carries the same Message-ID and a copy delivered twice (the server took it, then the connection broke
/// before the outbox recorded it) can be recognised by the receiving side.
/// </summary>
public sealed class EmailComposer
{
    /// <summary>How a message is written to a file or a stream: CRLF line ends, as on the wire.</summary>
    public static FormatOptions WireFormat
    {
        get
        {
            var format = FormatOptions.Default.Clone();
            format.NewLineFormat = NewLineFormat.Dos;
            return format;
        }
    }

    // RFC 5322: a line may be 998 octets; longer ones must be encoded.
    private const int MaxLineOctets = 998;

    private readonly MailboxAddress _from;
    private readonly string _messageIdDomain;
    private readonly TimeProvider _time;

    public EmailComposer(IOptions<EmailOptions> email, IOptions<OrgIdentityOptions> host, TimeProvider time)
    {
        _from = MailboxAddress.Parse(email.Value.From);
        _messageIdDomain = MessageIdDomain(host.Value.Issuer);
        _time = time;
    }

    /// <summary><c>{id:N}@{issuer host}</c>: the Message-ID of every attempt at outbox message <paramref name="messageId"/>.</summary>
    public string MessageId(Guid messageId) => $"{messageId:N}@{_messageIdDomain}";

    public MimeMessage Compose(Guid messageId, EmailMessage message)
    {
        var mime = new MimeMessage
        {
            MessageId = MessageId(messageId),
            Date = _time.GetUtcNow(),
            Subject = message.Subject,
        };
        mime.From.Add(_from.Clone());
        mime.To.Add(Recipient(message.To));
        if (message.Bcc is { Length: > 0 } bcc)
        {
            mime.Bcc.Add(Recipient(bcc));
        }

        var body = Part(TextFormat.Plain, message.TextBody);
        mime.Body = message.HtmlBody is null ? body : new MultipartAlternative { body, Part(TextFormat.Html, message.HtmlBody) };
        return mime;
    }

    private static TextPart Part(TextFormat format, string content)
    {
        var text = content.ReplaceLineEndings("\n");
        var part = new TextPart(format);
        part.SetText(Encoding.UTF8, text);
        part.ContentTransferEncoding = BodyEncoding(text);
        return part;
    }

    /// <summary>
    /// 7bit for ASCII, 8bit for other UTF-8 text: a reader of the raw message (a pickup file, a mail catcher)
    /// sees links whole. Quoted-printable only when a line is too long for SMTP. An SMTP transport may
    /// re-encode for a server without 8BITMIME; mail programs decode either way.
    /// </summary>
    private static ContentEncoding BodyEncoding(string text)
    {
        if (text.Split('\n').Any(line => Encoding.UTF8.GetByteCount(line) > MaxLineOctets))
        {
            return ContentEncoding.QuotedPrintable;
        }

        return text.All(char.IsAscii) ? ContentEncoding.SevenBit : ContentEncoding.EightBit;
    }

    /// <summary>
    /// The address as the account has it. Sign-up accepts local parts that RFC 5322 only allows quoted
    /// (spaces, a second '@'); those are sent quoted, which names the same mailbox.
    /// </summary>
    private static MailboxAddress Recipient(string address)
    {
        address = address.Trim();
        try
        {
            return new MailboxAddress("", address);
        }
        catch (ParseException) when (address.LastIndexOf('@') is > 0 and var at && at < address.Length - 1)
        {
            var local = address[..at].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            if (MailboxAddress.TryParse($"\"{local}\"{address[at..]}", out var quoted))
            {
                return quoted;
            }

            throw;
        }
    }

    private static string MessageIdDomain(string? issuer) =>
        Uri.TryCreate(issuer, UriKind.Absolute, out var uri) && uri.IdnHost is { Length: > 0 } host && !host.Contains(':', StringComparison.Ordinal)
            ? host
            : "orgidentity";
}
