using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Email;

/// <summary>
/// The outbox: a message is saved with the change that caused it, written to the pickup directory once (a
/// MIME message whose Message-ID is the outbox id), retried with backoff after a failed write, and still
/// delivered after a restart.
/// </summary>
public abstract class OutboxTests
{
    protected abstract OrgIdentityApp NewApp();

    [Fact]
    public async Task A_failed_write_is_retried_after_the_backoff_and_the_message_is_written_once()
    {
        await using var app = NewApp();
        await app.Database.EnsureAvailable();
        // A file where the pickup directory should be makes every write fail.
        await File.WriteAllTextAsync(app.Mail.Directory, "in the way");

        var user = await StartSignUpAsync(app);
        var failed = await WaitForOutboxAsync(app, m => m.Attempts == 1 && m.LastError != null);
        Assert.Null(failed.SentAt);
        Assert.Contains("/Account/ConfirmEmail?", failed.Payload, StringComparison.Ordinal);
        Assert.True(failed.NextAttemptAt > app.Time.GetUtcNow().UtcDateTime, "The retry waits for its backoff.");
        await Task.Delay(600);
        Assert.Equal(1, (await OutboxAsync(app)).Single().Attempts);

        File.Delete(app.Mail.Directory);
        app.Time.Advance(TimeSpan.FromSeconds(31));
        var mail = await app.Mail.WaitForAsync(user, "Confirm your e-mail");

        var sent = await WaitForOutboxAsync(app, m => m.SentAt != null);
        Assert.Equal(2, sent.Attempts);
        Assert.Null(sent.LastError);
        // Delivered: the row keeps whom and what about, not the body with its link.
        Assert.DoesNotContain("/Account/ConfirmEmail", sent.Payload, StringComparison.Ordinal);
        Assert.Contains(user, sent.Payload, StringComparison.Ordinal);
        await Task.Delay(600);
        Assert.Equal([mail.Path], app.Mail.All().Select(m => m.Path));
    }

    [Fact]
    public async Task A_message_queued_before_a_restart_is_delivered_after_it()
    {
        var first = NewApp().With("OrgIdentity:Email:SenderEnabled", "false");
        await first.Database.EnsureAvailable();
        var user = await StartSignUpAsync(first);
        Assert.Null(Assert.Single(await OutboxAsync(first)).SentAt);
        Assert.Empty(first.Mail.All());

        await using var second = first.Restart().With("OrgIdentity:Email:SenderEnabled", "true");
        await first.DisposeAsync();
        _ = second.Server;

        var mail = await second.Mail.WaitForAsync(user, "Confirm your e-mail");
        Assert.Contains("/Account/ConfirmEmail?userId=", mail.Body, StringComparison.Ordinal);
        Assert.Single(second.Mail.All());
    }

    [Fact]
    public async Task A_pickup_file_is_a_MIME_message_with_the_outbox_id_as_Message_ID_and_its_links_whole()
    {
        await using var app = NewApp();
        await app.Database.EnsureAvailable();

        var user = await StartSignUpAsync(app, "José Ñandú");
        var mail = await app.Mail.WaitForAsync(user, "Confirm your e-mail");

        var id = Assert.Single(await OutboxAsync(app)).Id;
        Assert.Equal($"{id:N}.eml", Path.GetFileName(mail.Path));
        var raw = await File.ReadAllTextAsync(mail.Path, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("\n", raw.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var link = mail.Link("/Account/ConfirmEmail");
        Assert.Contains(link, raw, StringComparison.Ordinal);
        var message = MimeKit.MimeMessage.Load(mail.Path, TestContext.Current.CancellationToken);
        Assert.Equal($"{id:N}@localhost", message.MessageId);
        Assert.Equal(("OrgIdentity", "no-reply@example.com"), (message.From.Mailboxes.Single().Name, message.From.Mailboxes.Single().Address));
        Assert.Equal(user, message.To.Mailboxes.Single().Address);
        var body = Assert.IsType<MimeKit.TextPart>(message.Body);
        Assert.Equal(MimeKit.ContentEncoding.EightBit, body.ContentTransferEncoding);
        Assert.Equal("utf-8", body.ContentType.Charset, ignoreCase: true);
        Assert.StartsWith("Hello José Ñandú,", body.Text, StringComparison.Ordinal);
        Assert.Contains("Hello José Ñandú,", mail.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_address_whose_local_part_needs_quotes_still_gets_its_message()
    {
        // Sign-up takes any address with one '@'; MIME can only carry "a b"@example.com quoted.
        await using var app = NewApp();
        await app.Database.EnsureAvailable();
        var local = $"outbox {Guid.NewGuid():N}";

        await StartSignUpAsync(app, email: $"{local}@example.com");

        var sent = await WaitForOutboxAsync(app, m => m.SentAt != null);
        Assert.Null(sent.LastError);
        Assert.Equal($"\"{local}\"@example.com", Assert.Single(app.Mail.All()).To);
    }

    private static async Task<string> StartSignUpAsync(OrgIdentityApp app, string name = "Outbox Person", string? email = null)
    {
        email ??= $"outbox-{Guid.NewGuid():N}@example.com";
        using var browser = app.CreateBrowser();
        var form = await browser.GetAsync("/Account/SignUp");
        await browser.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.Name"] = name,
            ["Input.Email"] = email,
            ["Input.Password"] = Users.Password,
        });
        return email;
    }

    private static async Task<List<OutboxMessage>> OutboxAsync(OrgIdentityApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().OutboxMessages.AsNoTracking().ToListAsync();
    }

    private static async Task<OutboxMessage> WaitForOutboxAsync(OrgIdentityApp app, Func<OutboxMessage, bool> condition)
    {
        for (var i = 0; i < 200; i++)
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

public sealed class OutboxTestsOnSqlite : OutboxTests
{
    protected override OrgIdentityApp NewApp() => new SqliteApp();
}

public sealed class OutboxTestsOnPostgreSql : OutboxTests
{
    protected override OrgIdentityApp NewApp() => new PostgreSqlApp();
}
