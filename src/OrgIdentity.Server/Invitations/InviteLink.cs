using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Invitations;

/// <summary>
/// An organization's shareable invite link (DESIGN.md §2): many people may join through it until it expires, is
/// revoked or reaches its maximum uses. The token is stored hashed for lookup and protected with Data Protection,
/// so an admin can copy the link again; regenerating revokes the previous link.
/// </summary>
public sealed class InviteLink
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;

    /// <summary>Base64url SHA-256 of the token; unique, for lookup.</summary>
    public required string TokenHash { get; set; }

    /// <summary>The token protected with Data Protection, for showing the link again.</summary>
    public required string ProtectedToken { get; set; }

    /// <summary><c>member</c> or <c>viewer</c>; never <c>admin</c>.</summary>
    public required string BaseRole { get; set; }

    public List<Guid> RoleIds { get; set; } = [];
    public List<Guid> UnitIds { get; set; } = [];

    /// <summary>Lowercase domains; when any are set, only people whose confirmed e-mail is in one of them may join.</summary>
    public List<string> AllowedDomains { get; set; } = [];

    public DateTime CreatedAt { get; set; }
    public Guid? CreatedBy { get; set; }
    public DateTime ExpiresAt { get; set; }
    public int? MaxUses { get; set; }
    public int Uses { get; set; }
    public DateTime? RevokedAt { get; set; }
}

internal sealed class InviteLinkConfiguration : IEntityTypeConfiguration<InviteLink>
{
    public void Configure(EntityTypeBuilder<InviteLink> builder)
    {
        builder.ToTable("InviteLinks");
        builder.Property(l => l.TokenHash).HasMaxLength(64);
        builder.Property(l => l.ProtectedToken).HasMaxLength(1000);
        builder.Property(l => l.BaseRole).HasMaxLength(20);
        builder.HasIndex(l => l.TokenHash).IsUnique();
        builder.HasIndex(l => new { l.OrganizationId, l.CreatedAt });
        builder.HasOne(l => l.Organization).WithMany().HasForeignKey(l => l.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
