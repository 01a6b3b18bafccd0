using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Units;

/// <summary>One of an organization's brands, projects or services: what a limited member may see.</summary>
public sealed class Unit
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class UnitConfiguration : IEntityTypeConfiguration<Unit>
{
    public void Configure(EntityTypeBuilder<Unit> builder)
    {
        builder.ToTable("Units");
        builder.Property(u => u.Name).HasMaxLength(100);
        builder.HasIndex(u => new { u.OrganizationId, u.Name }).IsUnique();
        builder.HasOne(u => u.Organization).WithMany().HasForeignKey(u => u.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
