using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OrgIdentity.Server.Email;

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("OutboxMessages");
        builder.Property(m => m.Kind).HasMaxLength(50);
        builder.Property(m => m.LastError).HasMaxLength(2000);
        // The sender asks "what is due and unsent?" on every poll.
        builder.HasIndex(m => new { m.SentAt, m.NextAttemptAt });
    }
}
