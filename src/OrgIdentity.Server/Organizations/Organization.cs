using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Organizations;

/// <summary>A customer organization (DESIGN.md §2). Its members are <see cref="Membership"/> rows.</summary>
public sealed class Organization
{
    public Guid Id { get; set; }

    /// <summary>Unique, lowercase letters, digits and hyphens; shown in URLs and tokens (display only).</summary>
    public required string Slug { get; set; }

    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>The base role each way of joining gives when nobody picks one.</summary>
    public JoinDefaults DefaultRoles { get; set; } = new();

    /// <summary>What the organization calls its units ("Brands", "Projects", "Services").</summary>
    public string UnitsLabel { get; set; } = "Units";

    /// <summary>Set by platform admins (<c>PUT /api/v1/orgs/{orgId}/plan</c>); all on by default.</summary>
    public PlanFeatures Plan { get; set; } = new();

    /// <summary>Anyone signed in may join with <see cref="JoinDefaults.SelfSignup"/> (off by default).</summary>
    public bool OpenSignUp { get; set; }

    /// <summary>People whose confirmed e-mail is in one of the organization's verified domains may join by themselves (off by default).</summary>
    public bool SelfJoinByVerifiedDomain { get; set; }

    /// <summary>Send a welcome e-mail once per membership, whatever the join path (on by default).</summary>
    public bool WelcomeEmails { get; set; } = true;

    /// <summary>
    /// Bumped by every change to the organization's memberships. The bump is each such transaction's first
    /// write, so it takes the organization's row lock: concurrent changes run one after the other and the
    /// last-admin rule cannot be beaten by two demotions at once.
    /// </summary>
    public long Revision { get; set; }
}

/// <summary>The plan features of an organization (DESIGN.md §2); a feature that is off answers 403 on its routes.</summary>
public sealed class PlanFeatures
{
    public bool Invitations { get; set; } = true;
    public bool Units { get; set; } = true;
    public bool Sso { get; set; } = true;
    public bool Scim { get; set; } = true;
}

/// <summary>Default role per join path (DESIGN.md §2); the creator of an organization is always an admin.</summary>
public sealed class JoinDefaults
{
    public string Invitation { get; set; } = BuiltInRoles.Member;
    public string AdminCreated { get; set; } = BuiltInRoles.Member;

    /// <summary>Never <c>admin</c>: an invite link is shareable.</summary>
    public string InviteLink { get; set; } = BuiltInRoles.Viewer;

    public string SelfSignup { get; set; } = BuiltInRoles.Member;
    public string Sso { get; set; } = BuiltInRoles.Member;
    public string Scim { get; set; } = BuiltInRoles.Member;
}

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> builder)
    {
        builder.ToTable("Organizations");
        builder.Property(o => o.Slug).HasMaxLength(63);
        builder.Property(o => o.Name).HasMaxLength(200);
        builder.HasIndex(o => o.Slug).IsUnique();
        builder.Property(o => o.UnitsLabel).HasMaxLength(50);
        builder.ComplexProperty(o => o.Plan, plan =>
        {
            plan.Property(p => p.Invitations).HasColumnName("PlanInvitations");
            plan.Property(p => p.Units).HasColumnName("PlanUnits");
            plan.Property(p => p.Sso).HasColumnName("PlanSso");
            plan.Property(p => p.Scim).HasColumnName("PlanScim");
        });
        builder.ComplexProperty(o => o.DefaultRoles, roles =>
        {
            roles.Property(r => r.Invitation).HasMaxLength(20).HasColumnName("DefaultRoleInvitation");
            roles.Property(r => r.AdminCreated).HasMaxLength(20).HasColumnName("DefaultRoleAdminCreated");
            roles.Property(r => r.InviteLink).HasMaxLength(20).HasColumnName("DefaultRoleInviteLink");
            roles.Property(r => r.SelfSignup).HasMaxLength(20).HasColumnName("DefaultRoleSelfSignup");
            roles.Property(r => r.Sso).HasMaxLength(20).HasColumnName("DefaultRoleSso");
            roles.Property(r => r.Scim).HasMaxLength(20).HasColumnName("DefaultRoleScim");
        });
    }
}
