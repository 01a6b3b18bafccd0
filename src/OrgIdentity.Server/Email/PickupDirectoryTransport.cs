using System.Text;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Email;

public interface IEmailTransport
{
    /// <summary>Delivers one message; <paramref name="messageId"/> is stable across retries.</summary>
    Task SendAsync(Guid messageId, EmailMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// Writes each message as <c>&lt;id&gt;.eml</c>. The name is the outbox id, so a retry after a crash
/// between writing and marking the message sent finds the file and does not write it twice.
/// </summary>
public sealed class PickupDirectoryTransport : IEmailTransport
{
    private readonly string _directory;
    private readonly string _from;
    private readonly TimeProvider _time;

    public PickupDirectoryTransport(IOptions<EmailOptions> options, IConfiguration configuration, TimeProvider time)
    {
        var dataDirectory = DataDirectory.Resolve(configuration);
        _directory = options.Value.PickupDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(dataDirectory, "mail");
        _from = options.Value.From;
        _time = time;
    }

    public string Directory => _directory;

    public async Task SendAsync(Guid messageId, EmailMessage message, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, $"{messageId:N}.eml");
        if (File.Exists(path))
        {
            return;
        }

        // Write beside the target and rename, so a reader never sees half a message.
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, Format(messageId, message), new UTF8Encoding(false), cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    private string Format(Guid messageId, EmailMessage message)
    {
        var text = new StringBuilder();
        text.Append("Message-ID: <").Append(messageId.ToString("N")).Append("@orgidentity>\r\n");
        text.Append("Date: ").Append(_time.GetUtcNow().ToString("r", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
        text.Append("From: ").Append(_from).Append("\r\n");
        text.Append("To: ").Append(message.To).Append("\r\n");
        if (message.Bcc is { Length: > 0 } bcc)
        {
            text.Append("Bcc: ").Append(bcc).Append("\r\n");
        }

        text.Append("Subject: ").Append(EncodeHeader(message.Subject)).Append("\r\n");
        text.Append("MIME-Version: 1.0\r\n");
        text.Append("Content-Type: text/plain; charset=utf-8\r\n");
        text.Append("Content-Transfer-Encoding: 8bit\r\n\r\n");
        text.Append(message.TextBody.ReplaceLineEndings("\r\n"));
        return text.ToString();
    }

    // RFC 2047: non-ASCII header text travels as an encoded word.
    private static string EncodeHeader(string value) =>
        value.All(char.IsAscii) ? value : $"=?utf-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}?=";
}
