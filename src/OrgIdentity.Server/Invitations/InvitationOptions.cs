using System.ComponentModel.DataAnnotations;

namespace OrgIdentity.Server.Invitations;

/// <summary><c>OrgIdentity:Invitations</c>.</summary>
public sealed class InvitationOptions
{
    public const string Section = "OrgIdentity:Invitations";

    /// <summary>How long an invitation link works after it was (re)sent.</summary>
    [Range(1, 365)]
    public int ExpiryDays { get; set; } = 7;
}
