using System.ComponentModel.DataAnnotations;

namespace OrgIdentity.Server.Invitations;

/// <summary>
/// <c>OrgIdentity:Invitations:InviteLinkHours</c> (DESIGN.md §5): how long a new invite link lives when its creator
/// names no <c>expiresInHours</c>. Bound from the section the e-mail invitations share; only this key is read here.
/// </summary>
public sealed class InviteLinkOptions
{
    public const string Section = "OrgIdentity:Invitations";

    public const int MaxHours = 720;

    [Range(1, MaxHours)]
    public int InviteLinkHours { get; set; } = 72;
}
