using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Units;

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

    /// <summary>DirectoryGroup when a directory group's mapping set <see cref="BaseRole"/>; it then follows the member's groups.</summary>
    public MembershipRoleSource BaseRoleSource { get; set; }

    /// <summary>When set, the member sees only the units given (the units issue); admins are never limited.</summary>
    public bool LimitedToUnits { get; set; }

    /// <summary>+1 on every change of roles, units or status, and of a custom role held: the token's <c>authz_ver</c>.</summary>
    public int AuthzVersion { get; set; } = 1;

    public DateTime JoinedAt { get; set; }

    /// <summary>When the welcome e-mail was queued: it goes once per membership, whatever the join path.</summary>
    public DateTime? WelcomeSentAt { get; set; }

    public List<MembershipRole> Roles { get; set; } = [];
    public List<MembershipUnit> Units { get; set; } = [];

    // A copy of the person's directory fields, kept on the membership so the member list filters, sorts and pages an
    // organization of 100,000 with one index each (DESIGN.md §7). MemberDirectory keeps them equal to the user.

    /// <summary>The display name, lowercased.</summary>
    public string MemberName { get; set; } = "";

    /// <summary>The e-mail, lowercased.</summary>
    public string MemberEmail { get; set; } = "";

    /// <summary>The company, lowercased; empty when none.</summary>
    public string MemberCompany { get; set; } = "";

    /// <summary>Name, e-mail and company, lowercased, for <c>search</c>.</summary>
    public string MemberSearchText { get; set; } = "";

    /// <summary>The last sign-in; <see cref="DateTime.MinValue"/> for never, so the column sorts and pages without nulls.</summary>
    public DateTime MemberLastLoginAt { get; set; } = DateTime.MinValue;

    public bool MemberDisabled { get; set; }
}

public enum MembershipRoleSource
{
    Manual,
    DirectoryGroup,
}

public enum MembershipUnitSource
{
    Manual,
    DirectoryGroup,
}

/// <summary>A unit a membership is given; it limits what the member sees when <see cref="Membership.LimitedToUnits"/> is set.</summary>
public sealed class MembershipUnit
{
    public Guid MembershipId { get; set; }
    public Membership Membership { get; set; } = null!;
    public Guid UnitId { get; set; }
    public Unit Unit { get; set; } = null!;
    public MembershipUnitSource Source { get; set; }
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
        builder.Property(m => m.BaseRoleSource).HasConversion<string>().HasMaxLength(20);
        builder.HasIndex(m => new { m.OrganizationId, m.UserId }).IsUnique();
        // "Which organizations is this user in?": sign-in, refresh, userinfo.
        builder.HasIndex(m => m.UserId);
        // The last-admin rule counts active admins of one organization.
        builder.HasIndex(m => new { m.OrganizationId, m.BaseRole, m.Status });
        builder.HasOne(m => m.Organization).WithMany().HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);

        builder.Property(m => m.MemberName).HasMaxLength(256);
        builder.Property(m => m.MemberEmail).HasMaxLength(256);
        builder.Property(m => m.MemberCompany).HasMaxLength(200);
        builder.Property(m => m.MemberSearchText).HasMaxLength(720);

        // One index per sort of the member list: (organization, sort column, id) serves a keyset page in either direction.
        builder.HasIndex(m => new { m.OrganizationId, m.MemberName, m.Id }).HasDatabaseName("IX_Memberships_Org_Name");
        builder.HasIndex(m => new { m.OrganizationId, m.MemberEmail, m.Id }).HasDatabaseName("IX_Memberships_Org_Email");
        builder.HasIndex(m => new { m.OrganizationId, m.MemberCompany, m.Id }).HasDatabaseName("IX_Memberships_Org_Company");
        builder.HasIndex(m => new { m.OrganizationId, m.MemberLastLoginAt, m.Id }).HasDatabaseName("IX_Memberships_Org_LastLogin");
        builder.HasIndex(m => new { m.OrganizationId, m.JoinedAt, m.Id }).HasDatabaseName("IX_Memberships_Org_Joined");
        builder.HasIndex(m => new { m.OrganizationId, m.BaseRole, m.Id }).HasDatabaseName("IX_Memberships_Org_Role");
        // The list's total counts the visible members of an organization from this index alone (no table reads).
        builder.HasIndex(m => new { m.OrganizationId, m.Status, m.MemberDisabled }).HasDatabaseName("IX_Memberships_Org_Status_Disabled");
        // The export reads an organization in membership order, in keyset batches.
        builder.HasIndex(m => new { m.OrganizationId, m.Id }).HasDatabaseName("IX_Memberships_Org_Id");
    }
}

internal sealed class MembershipUnitConfiguration : IEntityTypeConfiguration<MembershipUnit>
{
    public void Configure(EntityTypeBuilder<MembershipUnit> builder)
    {
        builder.ToTable("MembershipUnits");
        builder.HasKey(u => new { u.MembershipId, u.UnitId });
        builder.Property(u => u.Source).HasConversion<string>().HasMaxLength(20);
        builder.HasIndex(u => u.UnitId);
        builder.HasOne(u => u.Membership).WithMany(m => m.Units).HasForeignKey(u => u.MembershipId).OnDelete(DeleteBehavior.Cascade);
        // A unit is deleted only when nobody is limited to it; and SQL Server refuses a second cascade path from Organizations.
        builder.HasOne(u => u.Unit).WithMany().HasForeignKey(u => u.UnitId).OnDelete(DeleteBehavior.NoAction);
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
