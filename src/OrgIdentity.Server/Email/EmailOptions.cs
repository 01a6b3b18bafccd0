using System.ComponentModel.DataAnnotations;

namespace OrgIdentity.Server.Email;

/// <summary><c>OrgIdentity:Email</c>.</summary>
public sealed class EmailOptions
{
    public const string Section = "OrgIdentity:Email";

    /// <summary><c>Pickup</c> writes each message as an .eml file (SMTP arrives with the next issue).</summary>
    [Required]
    public string Transport { get; set; } = "Pickup";

    /// <summary>Relative paths are from the working directory; defaults to <c>&lt;DataDirectory&gt;/mail</c>.</summary>
    public string? PickupDirectory { get; set; }

    [Required]
    public string From { get; set; } = "OrgIdentity <no-reply@example.com>";

    /// <summary>How often the sender looks for due messages when nothing wakes it.</summary>
    [Range(0.05, 3600)]
    public double PollSeconds { get; set; } = 10;

    /// <summary>The first retry waits this long; each later one twice as long, up to an hour.</summary>
    [Range(0.05, 3600)]
    public double RetryBaseSeconds { get; set; } = 30;

    /// <summary>Off only for tests that need a message to wait in the outbox.</summary>
    public bool SenderEnabled { get; set; } = true;
}
