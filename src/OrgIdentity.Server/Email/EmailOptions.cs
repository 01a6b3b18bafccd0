using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using MimeKit;

namespace OrgIdentity.Server.Email;

/// <summary><c>OrgIdentity:Email</c>.</summary>
public sealed class EmailOptions
{
    public const string Section = "OrgIdentity:Email";
    public const string PickupTransport = "Pickup";
    public const string SmtpTransport = "Smtp";

    /// <summary><c>Pickup</c> writes each message as an .eml file; <c>Smtp</c> hands it to an SMTP server (<see cref="Smtp"/>).</summary>
    [Required]
    public string Transport { get; set; } = PickupTransport;

    /// <summary>Relative paths are from the working directory; defaults to <c>&lt;DataDirectory&gt;/mail</c>.</summary>
    public string? PickupDirectory { get; set; }

    [Required]
    public string From { get; set; } = "OrgIdentity <no-reply@example.com>";

    /// <summary><c>OrgIdentity:Email:Smtp</c>, used when <see cref="Transport"/> is <c>Smtp</c>.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>How often the sender looks for due messages when nothing wakes it.</summary>
    [Range(0.05, 3600)]
    public double PollSeconds { get; set; } = 10;

    /// <summary>The first retry waits this long; each later one twice as long, up to an hour.</summary>
    [Range(0.05, 3600)]
    public double RetryBaseSeconds { get; set; } = 30;

    /// <summary>Off only for tests that need a message to wait in the outbox.</summary>
    public bool SenderEnabled { get; set; } = true;

    public bool UsesSmtp => string.Equals(Transport, SmtpTransport, StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>OrgIdentity:Email:Smtp</c>.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    /// <summary>587 (submission with STARTTLS) unless said otherwise; 465 is TLS from the first byte.</summary>
    public int Port { get; set; } = 587;

    /// <summary>Empty: no authentication (a relay that trusts this host).</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// True (the default): the connection must be encrypted before anything is sent (STARTTLS, or TLS from the
    /// first byte on port 465) and the server's certificate must be trusted; a server that does not offer
    /// STARTTLS fails the send. False: plain SMTP, even if the server offers STARTTLS (a relay inside a private
    /// network, often with a certificate nobody trusts); then no credentials may be configured.
    /// </summary>
    public bool UseStartTls { get; set; } = true;

    public bool Authenticates => !string.IsNullOrEmpty(UserName);
}

/// <summary>Checks <c>OrgIdentity:Email</c> at start, with one line per problem naming the setting.</summary>
internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    private const string Smtp = $"{EmailOptions.Section}:Smtp";

    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var failures = new List<string>();
        if (!string.Equals(options.Transport, EmailOptions.PickupTransport, StringComparison.OrdinalIgnoreCase) && !options.UsesSmtp)
        {
            failures.Add($"{EmailOptions.Section}:Transport must be 'Pickup' (write .eml files) or 'Smtp' (send through {Smtp}:Host), not '{options.Transport}'.");
        }

        if (!MailboxAddress.TryParse(options.From, out _))
        {
            failures.Add($"{EmailOptions.Section}:From must be one e-mail address, such as 'OrgIdentity <no-reply@example.com>', not '{options.From}'.");
        }

        if (options.UsesSmtp)
        {
            var smtp = options.Smtp;
            if (string.IsNullOrWhiteSpace(smtp.Host))
            {
                failures.Add($"{Smtp}:Host must name the SMTP server when {EmailOptions.Section}:Transport is 'Smtp'.");
            }

            if (smtp.Port is < 1 or > 65535)
            {
                failures.Add($"{Smtp}:Port must be between 1 and 65535, not {smtp.Port}.");
            }

            if (smtp.Authenticates && !smtp.UseStartTls)
            {
                failures.Add($"{Smtp}:UserName is set but {Smtp}:UseStartTls is false, so the password would cross the network unencrypted: " +
                    "set UseStartTls to true, or leave UserName and Password empty for a relay that needs no sign-in.");
            }

            if (!smtp.Authenticates && !string.IsNullOrEmpty(smtp.Password))
            {
                failures.Add($"{Smtp}:Password is set but {Smtp}:UserName is empty; set both to sign in to the SMTP server, or neither.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
