using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Roles;

/// <summary>A custom role of one organization: any set of catalog permissions (DESIGN.md §2).</summary>
public sealed class OrganizationRole
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;

    /// <summary>Unique in the organization; what tokens (<c>org_roles</c>) and the API call it.</summary>
    public required string Key { get; set; }

    public required string Name { get; set; }
    public string? Description { get; set; }

    /// <summary>As granted (not expanded), sorted.</summary>
    public List<string> Permissions { get; set; } = [];

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class OrganizationRoleConfiguration : IEntityTypeConfiguration<OrganizationRole>
{
    public void Configure(EntityTypeBuilder<OrganizationRole> builder)
    {
        builder.ToTable("OrganizationRoles");
        builder.Property(r => r.Key).HasMaxLength(63);
        builder.Property(r => r.Name).HasMaxLength(100);
        builder.Property(r => r.Description).HasMaxLength(500);
        builder.HasIndex(r => new { r.OrganizationId, r.Key }).IsUnique();
        builder.HasOne(r => r.Organization).WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
