using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace OrgIdentity.Server.Accounts;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.Property(u => u.Name).HasMaxLength(200);
        builder.Property(u => u.GivenName).HasMaxLength(100);
        builder.Property(u => u.FamilyName).HasMaxLength(100);
        builder.Property(u => u.Company).HasMaxLength(200);
        builder.Property(u => u.LegacyUserName).HasMaxLength(256);
        builder.Ignore(u => u.DisplayName);

        // Identity's EmailIndex is not unique; the e-mail is the login, so it must be.
        builder.HasIndex(u => u.NormalizedEmail).IsUnique().HasDatabaseName("UX_Users_NormalizedEmail");
    }
}
