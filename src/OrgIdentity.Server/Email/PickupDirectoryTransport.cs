using Microsoft.Extensions.Options;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Email;

public interface IEmailTransport
{
    /// <summary>Delivers one message; <paramref name="messageId"/> is stable across retries.</summary>
    Task SendAsync(Guid messageId, EmailMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// Writes each message as <c>&lt;id&gt;.eml</c> (RFC 5322, CRLF line ends, Bcc kept as a header for a pickup
/// agent to read). The name is the outbox id, so a retry after a crash between writing and marking the
/// message sent finds the file and does not write it twice.
/// </summary>
public sealed class PickupDirectoryTransport : IEmailTransport
{
    private readonly string _directory;
    private readonly EmailComposer _composer;

    public PickupDirectoryTransport(IOptions<EmailOptions> options, IConfiguration configuration, EmailComposer composer)
    {
        var dataDirectory = DataDirectory.Resolve(configuration);
        _directory = options.Value.PickupDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(dataDirectory, "mail");
        _composer = composer;
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

        var mime = _composer.Compose(messageId, message);
        // Write beside the target and rename, so a reader never sees half a message.
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true))
        {
            await mime.WriteToAsync(EmailComposer.WireFormat, file, cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
