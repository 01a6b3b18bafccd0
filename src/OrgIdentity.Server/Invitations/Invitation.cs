using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Invitations;

/// <summary>What an invitation's row records; <c>expired</c> is derived from <see cref="Invitation.ExpiresAt"/>, never stored.</summary>
public enum InvitationStatus
{
    Pending,
    Accepted,
    Revoked,
}

/// <summary>
/// An e-mail invitation to one organization (DESIGN.md §2). The token is random, single-use and stored only as its
/// SHA-256 hash; a resend replaces the hash, so the old link dies.
/// </summary>
public sealed class Invitation
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;

    /// <summary>The address as the inviter typed it (trimmed).</summary>
    public required string Email { get; set; }

    /// <summary>The address upper-cased like Identity's normalized e-mail, for "is there a pending invitation for this address".</summary>
    public required string NormalizedEmail { get; set; }

    /// <summary><c>admin</c>, <c>member</c> or <c>viewer</c>.</summary>
    public required string BaseRole { get; set; }

    /// <summary>Custom roles to give on acceptance; roles deleted since are skipped.</summary>
    public List<Guid> RoleIds { get; set; } = [];

    /// <summary>Units to give on acceptance (the membership is limited to units when any are given); units deleted since are skipped.</summary>
    public List<Guid> UnitIds { get; set; } = [];

    /// <summary>Base64url SHA-256 of the token; unique, for lookup.</summary>
    public required string TokenHash { get; set; }

    public InvitationStatus Status { get; set; }
    public DateTime ExpiresAt { get; set; }

    public Guid? InvitedBy { get; set; }
    public DateTime InvitedAt { get; set; }
    public DateTime LastSentAt { get; set; }
    public int SendCount { get; set; }

    public Guid? AcceptedBy { get; set; }
    public DateTime? AcceptedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> builder)
    {
        builder.ToTable("Invitations");
        builder.Property(i => i.Email).HasMaxLength(256);
        builder.Property(i => i.NormalizedEmail).HasMaxLength(256);
        builder.Property(i => i.BaseRole).HasMaxLength(20);
        builder.Property(i => i.TokenHash).HasMaxLength(64);
        builder.HasIndex(i => i.TokenHash).IsUnique();
        builder.HasIndex(i => new { i.OrganizationId, i.NormalizedEmail });
        builder.HasIndex(i => new { i.OrganizationId, i.InvitedAt });
        builder.HasOne(i => i.Organization).WithMany().HasForeignKey(i => i.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
