using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Organizations;

public enum MembershipStatus
{
    Active,
    Suspended,
}

/// <summary>How the person joined (DESIGN.md §2).</summary>
public enum MembershipSource
{
    Creator,
    Invitation,
    InviteLink,
    Admin,
    Scim,
    Sso,
    SelfSignup,
}

/// <summary>A person in an organization: one base role, any custom roles, and a version every access change bumps.</summary>
public sealed class Membership
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;
    public Guid UserId { get; set; }
    public User User { get; set; } = null!;

    public MembershipStatus Status { get; set; }
    public MembershipSource Source { get; set; }

    /// <summary><c>admin</c>, <c>member</c> or <c>viewer</c>: the token's <c>org_role</c>.</summary>
    public required string BaseRole { get; set; }

    /// <summary>When set, the member sees only the units given (the units issue); admins are never limited.</summary>
    public bool LimitedToUnits { get; set; }

    /// <summary>+1 on every change of roles, units or status, and of a custom role held: the token's <c>authz_ver</c>.</summary>
    public int AuthzVersion { get; set; } = 1;

    public DateTime JoinedAt { get; set; }

    public List<MembershipRole> Roles { get; set; } = [];
}

public enum MembershipRoleSource
{
    Manual,
    DirectoryGroup,
}

/// <summary>A custom role held by a membership.</summary>
public sealed class MembershipRole
{
    public Guid MembershipId { get; set; }
    public Membership Membership { get; set; } = null!;
    public Guid RoleId { get; set; }
    public OrganizationRole Role { get; set; } = null!;
    public MembershipRoleSource Source { get; set; }
}

internal sealed class MembershipConfiguration : IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Membership> builder)
    {
        builder.ToTable("Memberships");
        builder.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(m => m.Source).HasConversion<string>().HasMaxLength(20);
        builder.Property(m => m.BaseRole).HasMaxLength(20);
        builder.HasIndex(m => new { m.OrganizationId, m.UserId }).IsUnique();
        // "Which organizations is this user in?": sign-in, refresh, userinfo.
        builder.HasIndex(m => m.UserId);
        // The last-admin rule counts active admins of one organization.
        builder.HasIndex(m => new { m.OrganizationId, m.BaseRole, m.Status });
        builder.HasOne(m => m.Organization).WithMany().HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MembershipRoleConfiguration : IEntityTypeConfiguration<MembershipRole>
{
    public void Configure(EntityTypeBuilder<MembershipRole> builder)
    {
        builder.ToTable("MembershipRoles");
        builder.HasKey(r => new { r.MembershipId, r.RoleId });
        builder.Property(r => r.Source).HasConversion<string>().HasMaxLength(20);
        builder.HasIndex(r => r.RoleId);
        builder.HasOne(r => r.Membership).WithMany(m => m.Roles).HasForeignKey(r => r.MembershipId).OnDelete(DeleteBehavior.Cascade);
        // A role is deleted only when nobody holds it; and SQL Server refuses a second cascade path from Organizations.
        builder.HasOne(r => r.Role).WithMany().HasForeignKey(r => r.RoleId).OnDelete(DeleteBehavior.NoAction);
    }
}
