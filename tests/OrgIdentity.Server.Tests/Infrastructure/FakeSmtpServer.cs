using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimeKit;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>
/// Enough of an SMTP server (RFC 5321) on 127.0.0.1 to test the SMTP transport: EHLO advertising 8BITMIME,
/// STARTTLS (a self-signed certificate made here) and AUTH PLAIN/LOGIN, then MAIL, RCPT, DATA, RSET, NOOP,
/// QUIT. It records what each connection did and every message it took. A test makes it refuse the way real
/// servers do: at the greeting, at RCPT, at AUTH (wrong credentials), or by hanging up after DATA without
/// answering (the "did it go out?" case).
/// </summary>
public sealed class FakeSmtpServer : IAsyncDisposable
{
    private const string Domain = "fake-smtp.test";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<Session> _sessions = new();
    private readonly ConcurrentQueue<ReceivedMessage> _messages = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _hangUpsAfterData;

    public FakeSmtpServer()
    {
        Certificate = CreateCertificate();
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public string Host { get; } = IPAddress.Loopback.ToString();
    public int Port { get; }
    public string Endpoint => $"{Host}:{Port}";

    /// <summary>Self-signed, for <c>localhost</c> and 127.0.0.1; nothing trusts it unless a test says so.</summary>
    public X509Certificate2 Certificate { get; }

    public bool OffersStartTls { get; set; } = true;

    /// <summary>When set, AUTH succeeds only with these and MAIL needs a signed-in session.</summary>
    public (string UserName, string Password)? Credentials { get; set; }

    /// <summary>A reply such as <c>421 4.3.2 Try again later</c> sent instead of the greeting; then the connection closes.</summary>
    public string? RefuseConnectionWith { get; set; }

    /// <summary>A reply such as <c>451 4.3.0 Try again later</c> to every RCPT TO.</summary>
    public string? RefuseRecipientsWith { get; set; }

    public IReadOnlyList<Session> Sessions => [.. _sessions];
    public IReadOnlyList<ReceivedMessage> Messages => [.. _messages];

    /// <summary>The next <paramref name="times"/> messages are taken (and recorded) but the connection drops before the reply.</summary>
    public void HangUpAfterData(int times = 1) => Interlocked.Exchange(ref _hangUpsAfterData, times);

    /// <summary>Accepts exactly this server's certificate (pinning); for <c>SmtpTlsOptions.ServerCertificateValidation</c>.</summary>
    public bool IsItsCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == Certificate.GetCertHashString(HashAlgorithmName.SHA256);

    public async Task<ReceivedMessage> WaitForMessageAsync(int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (Messages.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The SMTP server received {Messages.Count} messages, not {count}. Sessions: " +
                    string.Join(" | ", Sessions.Select(s => string.Join(' ', s.Commands))));
            }

            await Task.Delay(50);
        }

        return Messages[count - 1];
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll([_accepting, .. connections]).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        Certificate.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var session = new Session();
        _sessions.Enqueue(session);
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                await new Conversation(this, session, client.GetStream(), timeout.Token).RunAsync();
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException or SocketException or AuthenticationFailure or ObjectDisposedException)
            {
                session.Ended = exception.GetType().Name;
            }
            catch (System.Security.Authentication.AuthenticationException exception)
            {
                // The client did not like the certificate.
                session.Ended = "TLS handshake failed: " + exception.Message;
            }
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12, so SslStream gets a certificate whose private key it can use on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>What one connection did: its commands in order (AUTH without its secrets), TLS and sign-in.</summary>
    public sealed class Session
    {
        private readonly ConcurrentQueue<string> _commands = new();

        public IReadOnlyList<string> Commands => [.. _commands];
        public bool Tls { get; internal set; }
        public string? AuthenticatedAs { get; internal set; }
        public string? AuthMechanism { get; internal set; }
        public string? Ended { get; internal set; }

        internal void Record(string command) => _commands.Enqueue(command);
    }

    /// <summary>A message the server took: the envelope, the raw data, and how the session that sent it was secured.</summary>
    public sealed record ReceivedMessage(string MailFrom, IReadOnlyList<string> Recipients, string Data, bool Tls, string? AuthenticatedAs)
    {
        public MimeMessage Parse()
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Data));
            return MimeMessage.Load(stream);
        }
    }

    private sealed class AuthenticationFailure : Exception;

    private sealed class Conversation(FakeSmtpServer server, Session session, NetworkStream network, CancellationToken cancellationToken)
    {
        private Stream _stream = network;
        private StreamReader _reader = Reader(network);
        private string? _mailFrom;
        private readonly List<string> _recipients = [];

        public async Task RunAsync()
        {
            if (server.RefuseConnectionWith is { } refusal)
            {
                session.Record("(refused at greeting)");
                await ReplyAsync(refusal);
                return;
            }

            await ReplyAsync($"220 {Domain} ESMTP fake ready");
            while (await ReadLineAsync() is { } line)
            {
                var (verb, argument) = Split(line);
                session.Record(verb == "AUTH" ? $"AUTH {argument.Split(' ')[0].ToUpperInvariant()}" : line.Length > 200 ? line[..200] : line);
                switch (verb)
                {
                    case "EHLO":
                        await EhloAsync();
                        break;
                    case "HELO":
                        await ReplyAsync($"250 {Domain}");
                        break;
                    case "STARTTLS" when server.OffersStartTls && !session.Tls:
                        await ReplyAsync("220 2.0.0 Ready to start TLS");
                        await StartTlsAsync();
                        break;
                    case "AUTH" when server.Credentials is not null && session.AuthenticatedAs is null:
                        await AuthenticateAsync(argument);
                        break;
                    case "MAIL" when server.Credentials is not null && session.AuthenticatedAs is null:
                        await ReplyAsync("530 5.7.0 Authentication required");
                        break;
                    case "MAIL":
                        _mailFrom = Address(argument);
                        _recipients.Clear();
                        await ReplyAsync("250 2.1.0 Ok");
                        break;
                    case "RCPT" when _mailFrom is null:
                        await ReplyAsync("503 5.5.1 Need MAIL first");
                        break;
                    case "RCPT" when server.RefuseRecipientsWith is { } refused:
                        await ReplyAsync(refused);
                        break;
                    case "RCPT":
                        _recipients.Add(Address(argument));
                        await ReplyAsync("250 2.1.5 Ok");
                        break;
                    case "DATA" when _recipients.Count == 0:
                        await ReplyAsync("554 5.5.1 No valid recipients");
                        break;
                    case "DATA":
                        if (!await ReceiveDataAsync())
                        {
                            return;
                        }

                        break;
                    case "RSET":
                        _mailFrom = null;
                        _recipients.Clear();
                        await ReplyAsync("250 2.0.0 Ok");
                        break;
                    case "NOOP":
                        await ReplyAsync("250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        await ReplyAsync("221 2.0.0 Bye");
                        session.Ended = "QUIT";
                        return;
                    default:
                        await ReplyAsync("502 5.5.2 Command not recognized");
                        break;
                }
            }

            session.Ended ??= "client hung up";
        }

        private async Task EhloAsync()
        {
            var lines = new List<string> { Domain, "8BITMIME", "ENHANCEDSTATUSCODES" };
            if (server.OffersStartTls && !session.Tls)
            {
                lines.Add("STARTTLS");
            }

            if (server.Credentials is not null)
            {
                lines.Add("AUTH PLAIN LOGIN");
            }

            for (var i = 0; i < lines.Count; i++)
            {
                await ReplyAsync($"250{(i == lines.Count - 1 ? ' ' : '-')}{lines[i]}");
            }
        }

        private async Task StartTlsAsync()
        {
            var tls = new SslStream(network, leaveInnerStreamOpen: true);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = server.Certificate }, cancellationToken);
            _stream = tls;
            _reader = Reader(tls);
            session.Tls = true;
            // RFC 3207: everything from before the handshake is forgotten.
            _mailFrom = null;
            _recipients.Clear();
        }

        private async Task AuthenticateAsync(string argument)
        {
            var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            var mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : "";
            string? user, password;
            switch (mechanism)
            {
                case "PLAIN":
                    var plain = parts.Length > 1 ? parts[1] : await ChallengeAsync("");
                    var fields = Decode(plain).Split('\0');
                    (user, password) = fields.Length == 3 ? (fields[1], fields[2]) : (null, null);
                    break;
                case "LOGIN":
                    user = Decode(parts.Length > 1 ? parts[1] : await ChallengeAsync("VXNlcm5hbWU6"));
                    password = Decode(await ChallengeAsync("UGFzc3dvcmQ6"));
                    break;
                default:
                    await ReplyAsync("504 5.5.4 Unrecognized authentication type");
                    return;
            }

            if (server.Credentials is { } expected && user == expected.UserName && password == expected.Password)
            {
                session.AuthenticatedAs = user;
                session.AuthMechanism = mechanism;
                await ReplyAsync("235 2.7.0 Authentication successful");
            }
            else
            {
                await ReplyAsync("535 5.7.8 Authentication credentials invalid");
            }
        }

        private async Task<string> ChallengeAsync(string challenge)
        {
            await ReplyAsync($"334 {challenge}");
            var answer = await ReadLineAsync() ?? throw new AuthenticationFailure();
            return answer == "*" ? throw new AuthenticationFailure() : answer;
        }

        /// <summary>Reads the message up to the lone dot; false when the server is to hang up instead of answering.</summary>
        private async Task<bool> ReceiveDataAsync()
        {
            await ReplyAsync("354 End data with <CR><LF>.<CR><LF>");
            var data = new StringBuilder();
            while (await ReadLineAsync() is { } line && line != ".")
            {
                data.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
            }

            server._messages.Enqueue(new ReceivedMessage(_mailFrom!, [.. _recipients], data.ToString(), session.Tls, session.AuthenticatedAs));
            _mailFrom = null;
            _recipients.Clear();
            if (Interlocked.Decrement(ref server._hangUpsAfterData) >= 0)
            {
                session.Ended = "hung up after DATA";
                return false;
            }

            Interlocked.Exchange(ref server._hangUpsAfterData, 0);
            await ReplyAsync("250 2.0.0 Ok: queued");
            return true;
        }

        private async Task<string?> ReadLineAsync() => await _reader.ReadLineAsync(cancellationToken);

        private async Task ReplyAsync(string line)
        {
            var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
            await _stream.WriteAsync(bytes, cancellationToken);
            await _stream.FlushAsync(cancellationToken);
        }

        private static StreamReader Reader(Stream stream) => new(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);

        private static (string Verb, string Argument) Split(string line)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var argument = space < 0 ? "" : line[(space + 1)..];
            // "MAIL FROM:<a>" and "RCPT TO:<b>": the verb is the first word.
            return (verb, argument);
        }

        // "FROM:<a@b> BODY=8BITMIME" → "a@b"
        private static string Address(string argument)
        {
            var start = argument.IndexOf('<', StringComparison.Ordinal);
            var end = argument.IndexOf('>', start + 1);
            return start < 0 || end < 0 ? argument : argument[(start + 1)..end];
        }

        private static string Decode(string base64)
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            }
            catch (FormatException)
            {
                return "";
            }
        }
    }
}
