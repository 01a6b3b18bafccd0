using System.Text.RegularExpressions;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>Reads the e-mails the server wrote to its pickup directory.</summary>
public sealed partial class Mailbox(string directory)
{
    public string Directory { get; } = directory;

    public IReadOnlyList<Email> All() =>
        !System.IO.Directory.Exists(Directory)
            ? []
            : System.IO.Directory.GetFiles(Directory, "*.eml").Select(Email.Parse).ToList();

    /// <summary>Waits for the <paramref name="count"/>-th message to <paramref name="to"/> whose subject contains <paramref name="subject"/>.</summary>
    public async Task<Email> WaitForAsync(string to, string subject, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var matches = For(to, subject);
            if (matches.Count >= count)
            {
                return matches[count - 1];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No e-mail #{count} to {to} about '{subject}' arrived; the box holds {All().Count} messages.");
            }

            await Task.Delay(50);
        }
    }

    public IReadOnlyList<Email> For(string to, string subject) =>
        All().Where(m => m.To.Equals(to, StringComparison.OrdinalIgnoreCase) && m.Subject.Contains(subject, StringComparison.OrdinalIgnoreCase))
            .OrderBy(m => m.Written)
            .ToList();

    /// <summary>A delivered e-mail: <see cref="Body"/> is its plain-text part, <see cref="Html"/> its HTML part (if any).</summary>
    public sealed partial record Email(string To, string Subject, string Body, DateTime Written, string Path, string? Html = null)
    {
        public static Email Parse(string path)
        {
            var text = File.ReadAllText(path);
            var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var headers = text[..split].Split("\r\n").Select(h => h.Split(": ", 2)).Where(h => h.Length == 2)
                .GroupBy(h => h[0], StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First()[1], StringComparer.OrdinalIgnoreCase);
            var message = MimeKit.MimeMessage.Load(path);
            return new Email(headers["To"], headers["Subject"], message.TextBody ?? "", File.GetLastWriteTimeUtc(path), path, message.HtmlBody);
        }

        /// <summary>The first link in the body that goes to <paramref name="pathPrefix"/>, as a path and query.</summary>
        public string Link(string pathPrefix)
        {
            var match = LinkPattern().Matches(Body).Select(m => new Uri(m.Value)).FirstOrDefault(u => u.AbsolutePath.StartsWith(pathPrefix, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"No link to {pathPrefix} in: {Body}");
            return match.PathAndQuery;
        }

        [GeneratedRegex(@"https?://[^\s]+")]
        private static partial Regex LinkPattern();
    }
}
