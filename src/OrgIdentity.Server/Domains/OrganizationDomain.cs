using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Domains;

/// <summary>
/// An e-mail domain an organization claims; verified by a DNS TXT record <c>orgidentity-verification=&lt;token&gt;</c>
/// or forced by a platform admin. A domain is verified for at most one organization.
/// </summary>
public sealed class OrganizationDomain
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;

    /// <summary>Lowercase, without a trailing dot.</summary>
    public required string Domain { get; set; }

    /// <summary>Published in DNS by the organization, so not a secret.</summary>
    public required string VerificationToken { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? VerifiedAt { get; set; }

    /// <summary><c>dns</c> or <c>forced</c> (a platform admin).</summary>
    public string? VerifiedBy { get; set; }

    /// <summary>The domain once verified, else null: its unique index lets one organization at most have it verified.</summary>
    public string? VerifiedDomain { get; set; }
}

internal sealed class OrganizationDomainConfiguration : IEntityTypeConfiguration<OrganizationDomain>
{
    public void Configure(EntityTypeBuilder<OrganizationDomain> builder)
    {
        builder.ToTable("OrganizationDomains");
        builder.Property(d => d.Domain).HasMaxLength(253);
        builder.Property(d => d.VerifiedDomain).HasMaxLength(253);
        builder.Property(d => d.VerificationToken).HasMaxLength(64);
        builder.Property(d => d.VerifiedBy).HasMaxLength(10);
        builder.HasIndex(d => new { d.OrganizationId, d.Domain }).IsUnique();
        builder.HasIndex(d => d.VerifiedDomain).IsUnique();
        builder.HasOne(d => d.Organization).WithMany().HasForeignKey(d => d.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
