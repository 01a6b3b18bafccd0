using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Scim;

/// <summary>
/// A SCIM bearer token of an organization's directory (DESIGN.md §2 "DirectoryConnection"): 256 random bits shown
/// once; only their SHA-256 is stored. The token decides the organization of every SCIM call made with it.
/// </summary>
public sealed class DirectoryToken
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;
    public required string Name { get; set; }

    /// <summary>The token's first characters, shown in lists so an admin can tell tokens apart.</summary>
    public required string Prefix { get; set; }

    /// <summary>Base64url SHA-256 of the token; unique, for lookup.</summary>
    public required string TokenHash { get; set; }

    public DateTime CreatedAt { get; set; }
    public Guid? CreatedBy { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

/// <summary>
/// What a directory provisioned for one membership (DESIGN.md §2): the matching keys as indexed columns and the
/// attributes as sent. One per membership; it goes with the membership.
/// </summary>
public sealed class ScimProfile
{
    public Guid MembershipId { get; set; }
    public Membership Membership { get; set; } = null!;
    public Guid OrganizationId { get; set; }

    /// <summary>The user's id, the SCIM <c>id</c>: a copy, so lists and filters need no join.</summary>
    public Guid UserId { get; set; }

    /// <summary>As sent.</summary>
    public required string UserName { get; set; }

    /// <summary>Upper-case invariant: <c>userName</c> is unique per organization whatever its case (RFC 7643 §4.1.1).</summary>
    public required string UserNameNormalized { get; set; }

    /// <summary>Case-exact (RFC 7643 §3.1); unique per organization when set.</summary>
    public string? ExternalId { get; set; }

    /// <summary>The primary (or first) e-mail, upper-case invariant, for <c>emails.value</c> filters.</summary>
    public string? PrimaryEmailNormalized { get; set; }

    public bool Active { get; set; } = true;

    /// <summary>The canonical SCIM document as the directory sent it (without id, meta, groups and password).</summary>
    public required string Attributes { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime LastModifiedAt { get; set; }

    /// <summary>+1 on every change: the ETag (<c>W/"version"</c>).</summary>
    public int Version { get; set; } = 1;
}

/// <summary>A directory group of an organization, mapped to roles and units by its admins.</summary>
public sealed class DirectoryGroup
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;

    public required string DisplayName { get; set; }

    /// <summary>Upper-case invariant: unique per organization (Entra matches groups by display name).</summary>
    public required string DisplayNameNormalized { get; set; }

    public string? ExternalId { get; set; }

    /// <summary>The canonical SCIM document without members (kept in <see cref="DirectoryGroupMember"/> rows).</summary>
    public required string Attributes { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime LastModifiedAt { get; set; }
    public int Version { get; set; } = 1;

    /// <summary>
    /// The base role the group's members get (<c>admin</c>, <c>member</c>, <c>viewer</c>), or null. A member of several
    /// such groups gets the highest; DESIGN.md §2: SCIM gives <c>member</c> unless a group mapping says otherwise.
    /// </summary>
    public string? BaseRole { get; set; }

    /// <summary>Custom roles the group's members get (source DirectoryGroup; manual grants stay).</summary>
    public List<Guid> RoleIds { get; set; } = [];

    /// <summary>Units the group's members get.</summary>
    public List<Guid> UnitIds { get; set; } = [];

    public List<DirectoryGroupMember> Members { get; set; } = [];
}

/// <summary>A membership in a directory group.</summary>
public sealed class DirectoryGroupMember
{
    public Guid GroupId { get; set; }
    public DirectoryGroup Group { get; set; } = null!;
    public Guid MembershipId { get; set; }
    public Membership Membership { get; set; } = null!;

    /// <summary>The member's user id (the SCIM member <c>value</c>), a copy so member lists need no join.</summary>
    public Guid UserId { get; set; }
}

internal sealed class DirectoryTokenConfiguration : IEntityTypeConfiguration<DirectoryToken>
{
    public void Configure(EntityTypeBuilder<DirectoryToken> builder)
    {
        builder.ToTable("DirectoryTokens");
        builder.Property(t => t.Name).HasMaxLength(100);
        builder.Property(t => t.Prefix).HasMaxLength(16);
        builder.Property(t => t.TokenHash).HasMaxLength(64);
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.HasIndex(t => new { t.OrganizationId, t.CreatedAt });
        builder.HasOne(t => t.Organization).WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ScimProfileConfiguration : IEntityTypeConfiguration<ScimProfile>
{
    public void Configure(EntityTypeBuilder<ScimProfile> builder)
    {
        builder.ToTable("ScimProfiles");
        builder.HasKey(p => p.MembershipId);
        builder.Property(p => p.UserName).HasMaxLength(256);
        builder.Property(p => p.UserNameNormalized).HasMaxLength(256);
        builder.Property(p => p.ExternalId).HasMaxLength(256);
        builder.Property(p => p.PrimaryEmailNormalized).HasMaxLength(256);
        // The directories' matching filters (userName eq, externalId eq, emails.value eq) are index seeks.
        builder.HasIndex(p => new { p.OrganizationId, p.UserNameNormalized }).IsUnique();
        builder.HasIndex(p => new { p.OrganizationId, p.ExternalId }).IsUnique();
        builder.HasIndex(p => new { p.OrganizationId, p.PrimaryEmailNormalized });
        // Paging in a stable order: (organization, user id).
        builder.HasIndex(p => new { p.OrganizationId, p.UserId }).IsUnique();
        builder.HasOne(p => p.Membership).WithOne().HasForeignKey<ScimProfile>(p => p.MembershipId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DirectoryGroupConfiguration : IEntityTypeConfiguration<DirectoryGroup>
{
    public void Configure(EntityTypeBuilder<DirectoryGroup> builder)
    {
        builder.ToTable("DirectoryGroups");
        builder.Property(g => g.DisplayName).HasMaxLength(256);
        builder.Property(g => g.DisplayNameNormalized).HasMaxLength(256);
        builder.Property(g => g.ExternalId).HasMaxLength(256);
        builder.Property(g => g.BaseRole).HasMaxLength(20);
        builder.HasIndex(g => new { g.OrganizationId, g.DisplayNameNormalized }).IsUnique();
        builder.HasIndex(g => new { g.OrganizationId, g.ExternalId }).IsUnique();
        builder.HasIndex(g => new { g.OrganizationId, g.Id });
        builder.HasOne(g => g.Organization).WithMany().HasForeignKey(g => g.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DirectoryGroupMemberConfiguration : IEntityTypeConfiguration<DirectoryGroupMember>
{
    public void Configure(EntityTypeBuilder<DirectoryGroupMember> builder)
    {
        builder.ToTable("DirectoryGroupMembers");
        builder.HasKey(m => new { m.GroupId, m.MembershipId });
        builder.HasIndex(m => m.MembershipId);
        builder.HasIndex(m => new { m.GroupId, m.UserId });
        // Both cascade here; SqlServerOrgIdentityDbContext turns the group's into NoAction (a second path from
        // Organizations), which is why a group's member rows are always deleted before the group.
        builder.HasOne(m => m.Group).WithMany(g => g.Members).HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.Membership).WithMany().HasForeignKey(m => m.MembershipId).OnDelete(DeleteBehavior.Cascade);
    }
}
