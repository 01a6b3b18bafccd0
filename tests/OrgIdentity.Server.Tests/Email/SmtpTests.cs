using System.Collections.Concurrent;
using System.Net;
using MailKit.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Email;

/// <summary>
/// The SMTP transport against <see cref="FakeSmtpServer"/>: a sign-up e-mail goes out over STARTTLS with
/// authentication and the outbox message's stable Message-ID; refusals are retried after the backoff and the
/// message arrives once; a refused sign-in and a missing or untrusted TLS say what is wrong in one line and
/// never send the password.
/// </summary>
public abstract class SmtpTests
{
    private const string UserName = "mailer";
    private const string Password = "smtp-secret-Pa55word";

    protected abstract TestDatabase NewDatabase();

    [Fact]
    public async Task A_sign_up_email_goes_out_over_STARTTLS_with_authentication_and_the_stable_Message_ID()
    {
        await using var smtp = new FakeSmtpServer { Credentials = (UserName, Password) };
        await using var app = await StartAsync(smtp);

        var (email, browser) = await StartSignUpAsync(app);
        using var _ = browser;
        var received = await smtp.WaitForMessageAsync();

        var outbox = await WaitForOutboxAsync(app, m => m.SentAt != null);
        Assert.Equal("no-reply@example.com", received.MailFrom);
        Assert.Equal([email], received.Recipients);
        Assert.True(received.Tls, "The message travelled inside TLS.");
        Assert.Equal(UserName, received.AuthenticatedAs);
        var session = Assert.Single(smtp.Sessions);
        Assert.Equal(["EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"], session.Commands.Select(c => c.Split(' ')[0].ToUpperInvariant()));
        Assert.True(session.AuthMechanism is "PLAIN" or "LOGIN", $"AUTH {session.AuthMechanism}");

        var message = received.Parse();
        var from = Assert.Single(message.From.Mailboxes);
        Assert.Equal(("OrgIdentity", "no-reply@example.com"), (from.Name, from.Address));
        Assert.Equal(email, Assert.Single(message.To.Mailboxes).Address);
        Assert.Contains("\r\nFrom: OrgIdentity <no-reply@example.com>\r\n", "\r\n" + received.Data, StringComparison.Ordinal);
        Assert.Equal("Confirm your e-mail address", message.Subject);
        Assert.Equal($"{outbox.Id:N}@localhost", message.MessageId);
        var body = Assert.IsType<MimeKit.TextPart>(message.Body);
        Assert.Equal("text/plain", body.ContentType.MimeType);
        Assert.Equal("utf-8", body.ContentType.Charset, ignoreCase: true);
        Assert.Equal(1, outbox.Attempts);
        Assert.Null(outbox.LastError);

        // The link survives the trip: it confirms the account.
        var link = new Mailbox.Email(email, message.Subject!, message.TextBody!, DateTime.UtcNow, "").Link("/Account/ConfirmEmail");
        Assert.Equal(HttpStatusCode.OK, (await browser.ConfirmEmailAsync(link)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(email, Users.Password)).StatusCode);
    }

    [Fact]
    public async Task After_the_server_refuses_the_message_is_retried_after_the_backoff_and_delivered_once()
    {
        await using var smtp = new FakeSmtpServer
        {
            Credentials = (UserName, Password),
            RefuseConnectionWith = "421 4.3.2 Service not available, closing transmission channel",
        };
        await using var app = await StartAsync(smtp);

        var (email, browser) = await StartSignUpAsync(app);
        browser.Dispose();
        var first = await WaitForOutboxAsync(app, m => m.Attempts == 1 && m.LastError != null);
        Assert.Equal($"The SMTP server {smtp.Endpoint} refused the connection: 421 4.3.2 Service not available, closing transmission channel.", first.LastError);
        Assert.Null(first.SentAt);
        await Task.Delay(600);
        Assert.Equal(1, (await OutboxAsync(app)).Single().Attempts);

        // Second attempt, after 30 s: the server is up but turns the recipient away for now.
        smtp.RefuseConnectionWith = null;
        smtp.RefuseRecipientsWith = "451 4.3.0 Mailbox temporarily unavailable";
        app.Time.Advance(TimeSpan.FromSeconds(31));
        var second = await WaitForOutboxAsync(app, m => m.Attempts == 2 && m.LastError != first.LastError);
        Assert.Equal($"The SMTP server {smtp.Endpoint} refused the recipient {email}: 451 4.3.0 Mailbox temporarily unavailable.", second.LastError);
        Assert.Empty(smtp.Messages);

        // Third attempt, after twice the backoff: delivered.
        smtp.RefuseRecipientsWith = null;
        app.Time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(600);
        Assert.Equal(2, (await OutboxAsync(app)).Single().Attempts);
        app.Time.Advance(TimeSpan.FromSeconds(2));
        var received = await smtp.WaitForMessageAsync();

        var sent = await WaitForOutboxAsync(app, m => m.SentAt != null);
        Assert.Equal(3, sent.Attempts);
        Assert.Null(sent.LastError);
        Assert.Equal([email], received.Recipients);
        Assert.Equal($"{sent.Id:N}@localhost", received.Parse().MessageId);
        app.Time.Advance(TimeSpan.FromHours(2));
        await Task.Delay(600);
        Assert.Single(smtp.Messages);
        Assert.Equal(3, smtp.Sessions.Count);
    }

    [Fact]
    public async Task A_message_whose_acceptance_was_lost_goes_out_again_with_the_same_Message_ID()
    {
        // The server took the message but the connection dropped before its "250": the outbox cannot know,
        // so it sends again, and the receiving side sees the same Message-ID twice.
        await using var smtp = new FakeSmtpServer();
        smtp.HangUpAfterData();
        await using var app = await StartAsync(smtp, startTls: false);

        var (email, browser) = await StartSignUpAsync(app);
        browser.Dispose();
        var failed = await WaitForOutboxAsync(app, m => m.LastError != null);
        Assert.StartsWith($"The connection to the SMTP server {smtp.Endpoint} failed while sending the message", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("the retry carries the same Message-ID", failed.LastError, StringComparison.Ordinal);

        app.Time.Advance(TimeSpan.FromSeconds(31));
        await smtp.WaitForMessageAsync(count: 2);
        var sent = await WaitForOutboxAsync(app, m => m.SentAt != null);

        Assert.Equal(2, smtp.Messages.Count);
        Assert.All(smtp.Messages, m => Assert.Equal($"{sent.Id:N}@localhost", m.Parse().MessageId));
        Assert.All(smtp.Messages, m => Assert.Equal([email], m.Recipients));
    }

    [Fact]
    public async Task A_message_that_failed_before_a_restart_is_delivered_exactly_once_by_the_restarted_server()
    {
        await using var smtp = new FakeSmtpServer { RefuseConnectionWith = "421 4.3.2 Service not available, closing transmission channel" };
        var first = await StartAsync(smtp, startTls: false);
        var (email, browser) = await StartSignUpAsync(first);
        browser.Dispose();
        var failed = await WaitForOutboxAsync(first, m => m.Attempts == 1 && m.LastError != null);
        Assert.Empty(smtp.Messages);

        // The server process stops with the message pending; the SMTP server recovers; a new process starts.
        await using var second = first.Restart();
        await first.DisposeAsync();
        smtp.RefuseConnectionWith = null;
        _ = second.Server;
        await Task.Delay(600);
        Assert.Empty(smtp.Messages);
        second.Time.Advance(TimeSpan.FromSeconds(31));
        var received = await smtp.WaitForMessageAsync();

        var sent = await WaitForOutboxAsync(second, m => m.SentAt != null);
        Assert.Equal((failed.Id, 2), (sent.Id, sent.Attempts));
        Assert.Null(sent.LastError);
        Assert.Equal([email], received.Recipients);
        Assert.Equal($"{sent.Id:N}@localhost", received.Parse().MessageId);
        second.Time.Advance(TimeSpan.FromHours(2));
        await Task.Delay(600);
        Assert.Single(smtp.Messages);
        Assert.Single(await OutboxAsync(second));
    }

    [Fact]
    public async Task Confirmation_and_reset_tokens_never_reach_the_application_log()
    {
        await using var smtp = new FakeSmtpServer { Credentials = (UserName, Password) };
        await using var app = await StartAsync(smtp);
        // The shipped levels (appsettings.json), with OrgIdentity's own categories at their most talkative.
        app.With("Logging:LogLevel:Default", "Information")
            .With("Logging:LogLevel:Microsoft.AspNetCore", "Warning")
            .With("Logging:LogLevel:OrgIdentity", "Trace");
        var (email, browser) = await StartSignUpAsync(app);
        using var _ = browser;
        var confirmation = (await smtp.WaitForMessageAsync()).Parse();
        var confirmLink = new Mailbox.Email(email, confirmation.Subject!, confirmation.TextBody!, DateTime.UtcNow, "").Link("/Account/ConfirmEmail");
        Assert.Equal(HttpStatusCode.OK, (await browser.ConfirmEmailAsync(confirmLink)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.ForgotPasswordAsync(email)).StatusCode);
        var reset = (await smtp.WaitForMessageAsync(count: 2)).Parse();
        var resetLink = new Mailbox.Email(email, reset.Subject!, reset.TextBody!, DateTime.UtcNow, "").Link("/Account/ResetPassword");
        Assert.Equal(HttpStatusCode.Redirect, (await browser.ResetPasswordAsync(resetLink, "a-new-password-1")).StatusCode);

        // Both deliveries were logged, so the log was listening at these levels.
        static bool IsSentLine(string line) => line.StartsWith("Outbox message ", StringComparison.Ordinal) && line.EndsWith(" sent", StringComparison.Ordinal);
        for (var i = 0; i < 200 && app.Logs.All.Count(IsSentLine) < 2; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(2, app.Logs.All.Count(IsSentLine));
        var secrets = new[] { confirmLink, resetLink }
            .Select(link => link.Split("code=")[1].Split('&')[0])
            .SelectMany(code => new[] { code, Uri.UnescapeDataString(code) })
            .ToList();
        Assert.All(secrets, secret => Assert.True(secret.Length > 20, secret));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(app.Logs.All, l => l.Contains(secret, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(app.Logs.All, l => l.Contains(confirmation.TextBody!.Trim(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_authentication_refusal_leaves_one_clear_line_without_the_password()
    {
        await using var smtp = new FakeSmtpServer { Credentials = (UserName, "the-server-expects-another") };
        await using var app = await StartAsync(smtp);

        var (_, browser) = await StartSignUpAsync(app);
        browser.Dispose();
        var failed = await WaitForOutboxAsync(app, m => m.LastError != null);

        Assert.Equal(
            $"SMTP authentication to {smtp.Endpoint} as '{UserName}' was refused: 535: 5.7.8 Authentication credentials invalid " +
            "— check OrgIdentity:Email:Smtp:UserName and OrgIdentity:Email:Smtp:Password.",
            failed.LastError);
        Assert.Null(failed.SentAt);
        Assert.True(failed.NextAttemptAt > app.Time.GetUtcNow().UtcDateTime, "The retry waits for its backoff.");
        Assert.Empty(smtp.Messages);
        Assert.True(Assert.Single(smtp.Sessions).Tls, "The credentials went inside TLS.");

        var logged = await app.Logs.WaitForAsync(l => l.Contains(failed.LastError!, StringComparison.Ordinal));
        Assert.DoesNotContain('\n', logged);
        Assert.DoesNotContain(app.Logs.All, l => l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_wants_a_sign_in_the_settings_do_not_give_says_which_settings_to_set()
    {
        await using var smtp = new FakeSmtpServer { Credentials = (UserName, Password) };
        await using var app = await StartAsync(smtp, signIn: false);

        var (_, browser) = await StartSignUpAsync(app);
        browser.Dispose();
        var failed = await WaitForOutboxAsync(app, m => m.LastError != null);

        Assert.Equal(
            $"The SMTP server {smtp.Endpoint} takes mail only after signing in: 5.7.0 Authentication required " +
            "— set OrgIdentity:Email:Smtp:UserName and OrgIdentity:Email:Smtp:Password.",
            failed.LastError);
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task A_server_without_STARTTLS_gets_neither_the_password_nor_the_message()
    {
        await using var smtp = new FakeSmtpServer { OffersStartTls = false, Credentials = (UserName, Password) };
        await using var app = await StartAsync(smtp);

        var (_, browser) = await StartSignUpAsync(app);
        browser.Dispose();
        var failed = await WaitForOutboxAsync(app, m => m.LastError != null);

        Assert.StartsWith($"The SMTP server {smtp.Endpoint} does not offer STARTTLS, and OrgIdentity:Email:Smtp:UseStartTls requires it", failed.LastError, StringComparison.Ordinal);
        Assert.Empty(smtp.Messages);
        Assert.DoesNotContain(smtp.Sessions.SelectMany(s => s.Commands), c => c.StartsWith("AUTH", StringComparison.Ordinal) || c.StartsWith("MAIL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_certificate_the_server_machine_does_not_trust_fails_the_handshake_before_anything_is_sent()
    {
        await using var smtp = new FakeSmtpServer { Credentials = (UserName, Password) };
        await using var app = await StartAsync(smtp, trustCertificate: false);

        var (_, browser) = await StartSignUpAsync(app);
        browser.Dispose();
        var failed = await WaitForOutboxAsync(app, m => m.LastError != null);

        Assert.StartsWith($"The TLS handshake with the SMTP server {smtp.Endpoint} failed: ", failed.LastError, StringComparison.Ordinal);
        Assert.EndsWith("the server's certificate must be valid for '127.0.0.1' and trusted by this machine.", failed.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failed.LastError!);
        Assert.Empty(smtp.Messages);
        Assert.DoesNotContain(smtp.Sessions.SelectMany(s => s.Commands), c => c.StartsWith("AUTH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_UseStartTls_the_message_goes_in_plain_SMTP_even_when_the_server_offers_STARTTLS()
    {
        // A relay inside a private network, often with a certificate nobody trusts: the operator said no TLS.
        await using var smtp = new FakeSmtpServer();
        await using var app = await StartAsync(smtp, startTls: false);

        var (email, browser) = await StartSignUpAsync(app);
        browser.Dispose();
        var received = await smtp.WaitForMessageAsync();

        Assert.False(received.Tls);
        Assert.Null(received.AuthenticatedAs);
        Assert.Equal([email], received.Recipients);
        Assert.DoesNotContain("STARTTLS", Assert.Single(smtp.Sessions).Commands);
        await WaitForOutboxAsync(app, m => m.SentAt != null);
    }

    [Fact]
    public async Task A_Bcc_recipient_gets_the_message_without_a_Bcc_header()
    {
        await using var smtp = new FakeSmtpServer { Credentials = (UserName, Password) };
        await using var app = await StartAsync(smtp);
        var transport = app.Services.GetRequiredService<IEmailTransport>();
        Assert.IsType<SmtpTransport>(transport);
        var id = Guid.CreateVersion7();

        await transport.SendAsync(id, new EmailMessage("to@example.com", "Grüße", "Hallo José,\nhttps://localhost/x?y=1&z=2\n", Bcc: "audit@example.com"), TestContext.Current.CancellationToken);

        var received = Assert.Single(smtp.Messages);
        Assert.Equal(["to@example.com", "audit@example.com"], received.Recipients);
        var message = received.Parse();
        Assert.Empty(message.Bcc);
        Assert.DoesNotContain("Bcc:", received.Data, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Grüße", message.Subject);
        Assert.Equal("Hallo José,\nhttps://localhost/x?y=1&z=2\n", message.TextBody?.ReplaceLineEndings("\n"));
        Assert.Equal($"{id:N}@localhost", message.MessageId);
    }

    private async Task<SmtpApp> StartAsync(FakeSmtpServer smtp, bool startTls = true, bool trustCertificate = true, bool signIn = true)
    {
        var app = new SmtpApp(NewDatabase(), trustCertificate ? smtp : null);
        await app.Database.EnsureAvailable();
        app.With("OrgIdentity:Email:Transport", "smtp")
            .With("OrgIdentity:Email:Smtp:Host", smtp.Host)
            .With("OrgIdentity:Email:Smtp:Port", smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With("OrgIdentity:Email:Smtp:UseStartTls", startTls ? "true" : "false");
        if (startTls && signIn)
        {
            app.With("OrgIdentity:Email:Smtp:UserName", UserName).With("OrgIdentity:Email:Smtp:Password", Password);
        }

        return app;
    }

    private static async Task<(string Email, Browser Browser)> StartSignUpAsync(OrgIdentityApp app)
    {
        var email = $"smtp-{Guid.NewGuid():N}@example.com";
        var browser = app.CreateBrowser();
        var response = await browser.SignUpAsync("Smtp Person", email, Users.Password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return (email, browser);
    }

    private static async Task<List<OutboxMessage>> OutboxAsync(OrgIdentityApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().OutboxMessages.AsNoTracking().ToListAsync();
    }

    private static async Task<OutboxMessage> WaitForOutboxAsync(OrgIdentityApp app, Func<OutboxMessage, bool> condition)
    {
        for (var i = 0; i < 300; i++)
        {
            if ((await OutboxAsync(app)).SingleOrDefault(condition) is { } message)
            {
                return message;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The outbox never reached the expected state: " +
            string.Join(", ", (await OutboxAsync(app)).Select(m => $"{m.Attempts} attempts, sent {m.SentAt}, error {m.LastError}")));
    }
}

public sealed class SmtpTestsOnSqlite : SmtpTests
{
    protected override TestDatabase NewDatabase() => TestDatabase.Sqlite();
}

public sealed class SmtpTestsOnPostgreSql : SmtpTests
{
    protected override TestDatabase NewDatabase() => TestDatabase.PostgreSql();
}

/// <summary>
/// <c>OrgIdentity:Email</c> as <c>AddEmail</c> reads it: bad settings stop the start with one line per problem
/// naming the setting (Program prints it); the transport setting picks the transport whatever its case.
/// </summary>
public sealed class EmailSettingsTests
{
    [Theory]
    [InlineData("Transport", "Carrier pigeon", "OrgIdentity:Email:Transport must be 'Pickup' (write .eml files) or 'Smtp' (send through OrgIdentity:Email:Smtp:Host), not 'Carrier pigeon'.")]
    [InlineData("Smtp:Host", "", "OrgIdentity:Email:Smtp:Host must name the SMTP server when OrgIdentity:Email:Transport is 'Smtp'.")]
    [InlineData("Smtp:Port", "70000", "OrgIdentity:Email:Smtp:Port must be between 1 and 65535, not 70000.")]
    [InlineData("Smtp:UseStartTls", "false", "OrgIdentity:Email:Smtp:UserName is set but OrgIdentity:Email:Smtp:UseStartTls is false, so the password would cross the network unencrypted: set UseStartTls to true, or leave UserName and Password empty for a relay that needs no sign-in.")]
    [InlineData("Smtp:UserName", "", "OrgIdentity:Email:Smtp:Password is set but OrgIdentity:Email:Smtp:UserName is empty; set both to sign in to the SMTP server, or neither.")]
    [InlineData("From", "not an address", "OrgIdentity:Email:From must be one e-mail address, such as 'OrgIdentity <no-reply@example.com>', not 'not an address'.")]
    public void A_bad_setting_stops_the_start_and_names_the_setting(string key, string value, string expected)
    {
        using var host = Build(new()
        {
            ["OrgIdentity:Email:Transport"] = "Smtp",
            ["OrgIdentity:Email:Smtp:Host"] = "smtp.example.com",
            ["OrgIdentity:Email:Smtp:UserName"] = "mailer",
            ["OrgIdentity:Email:Smtp:Password"] = "secret-password",
            [$"OrgIdentity:Email:{key}"] = value,
        });

        var refused = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<EmailOptions>>().Value);

        Assert.Equal(expected, refused.Message);
        Assert.DoesNotContain("secret-password", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Good_SMTP_settings_pass()
    {
        using var host = Build(new()
        {
            ["OrgIdentity:Email:Transport"] = "Smtp",
            ["OrgIdentity:Email:Smtp:Host"] = "smtp.example.com",
            ["OrgIdentity:Email:Smtp:UserName"] = "mailer",
            ["OrgIdentity:Email:Smtp:Password"] = "secret-password",
        });

        var smtp = host.Services.GetRequiredService<IOptions<EmailOptions>>().Value.Smtp;

        Assert.Equal((587, true), (smtp.Port, smtp.UseStartTls));
    }

    [Theory]
    [InlineData("Pickup", typeof(PickupDirectoryTransport))]
    [InlineData("pickup", typeof(PickupDirectoryTransport))]
    [InlineData("Smtp", typeof(SmtpTransport))]
    [InlineData("SMTP", typeof(SmtpTransport))]
    public void The_transport_setting_chooses_the_transport_whatever_its_case(string transport, Type expected)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orgidentity-tests", Guid.NewGuid().ToString("N"));
        try
        {
            using var host = Build(new()
            {
                ["OrgIdentity:DataDirectory"] = dataDirectory,
                ["OrgIdentity:Email:Transport"] = transport,
                ["OrgIdentity:Email:Smtp:Host"] = "smtp.example.com",
            });

            Assert.IsType(expected, host.Services.GetRequiredService<IEmailTransport>());
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData(true, 587, SecureSocketOptions.StartTls)]
    [InlineData(true, 25, SecureSocketOptions.StartTls)]
    [InlineData(true, 465, SecureSocketOptions.SslOnConnect)]
    [InlineData(false, 25, SecureSocketOptions.None)]
    [InlineData(false, 587, SecureSocketOptions.None)]
    public void UseStartTls_requires_TLS_and_its_absence_means_plain_SMTP(bool useStartTls, int port, SecureSocketOptions expected) =>
        Assert.Equal(expected, SmtpTransport.SocketOptions(new SmtpOptions { UseStartTls = useStartTls, Port = port }));

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<OrgIdentityOptions>().BindConfiguration(OrgIdentityOptions.Section);
        builder.AddEmail();
        return builder.Build();
    }
}

/// <summary>An app that trusts the fake server's certificate (when given one) and keeps its log lines.</summary>
public sealed class SmtpApp(TestDatabase database, FakeSmtpServer? trusted) : OrgIdentityApp(database)
{
    public LogLines Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            if (trusted is not null)
            {
                services.Configure<SmtpTlsOptions>(o => o.ServerCertificateValidation = trusted.IsItsCertificate);
            }

            services.AddSingleton<ILoggerProvider>(Logs);
        });
    }
}

/// <summary>Every log line (message and exception) the server writes at the configured levels.</summary>
public sealed class LogLines : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> All => [.. _lines];

    public async Task<string> WaitForAsync(Func<string, bool> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (All.FirstOrDefault(condition) is { } line)
            {
                return line;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No such log line in: " + string.Join(Environment.NewLine, All));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(LogLines lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines._lines.Enqueue(exception is null ? formatter(state, exception) : $"{formatter(state, exception)}{Environment.NewLine}{exception}");
    }
}
