using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OrgIdentity.Server.Audit;

/// <summary>
/// One change, written in the same transaction as the change itself (DESIGN.md §2). Platform-level changes
/// (an account disabled by a platform admin) have no organization.
/// </summary>
public sealed class AuditEvent
{
    public Guid Id { get; set; }
    public DateTime At { get; set; }
    public Guid? OrganizationId { get; set; }

    /// <summary><c>user</c>, <c>service_account</c>, <c>directory</c>, <c>client</c> or <c>system</c>.</summary>
    public required string ActorType { get; set; }

    public string? ActorId { get; set; }
    public Guid? ImpersonatorId { get; set; }

    /// <summary>Dotted, e.g. <c>member.updated</c>.</summary>
    public required string Action { get; set; }

    public string? TargetType { get; set; }
    public string? TargetId { get; set; }

    /// <summary>JSON: before/after where useful.</summary>
    public string? Details { get; set; }

    public string? Ip { get; set; }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("AuditEvents");
        builder.Property(e => e.ActorType).HasMaxLength(20);
        builder.Property(e => e.ActorId).HasMaxLength(100);
        builder.Property(e => e.Action).HasMaxLength(64);
        builder.Property(e => e.TargetType).HasMaxLength(32);
        builder.Property(e => e.TargetId).HasMaxLength(100);
        builder.Property(e => e.Ip).HasMaxLength(45);
        // The log is read newest first per organization (keyset on At, Id), optionally for one action, target or actor.
        builder.HasIndex(e => new { e.OrganizationId, e.At, e.Id });
        builder.HasIndex(e => new { e.OrganizationId, e.Action, e.At });
        builder.HasIndex(e => new { e.OrganizationId, e.TargetId, e.At });
        builder.HasIndex(e => new { e.OrganizationId, e.ActorId, e.At });
    }
}
