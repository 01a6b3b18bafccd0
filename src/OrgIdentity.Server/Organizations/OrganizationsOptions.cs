namespace OrgIdentity.Server.Organizations;

/// <summary><c>OrgIdentity:Organizations</c>: platform settings for organizations.</summary>
public sealed class OrganizationsOptions
{
    public const string Section = "OrgIdentity:Organizations";

    /// <summary>When set, only platform admins create organizations (a platform that onboards customers itself).</summary>
    public bool CreationRestrictedToPlatformAdmins { get; set; }
}
