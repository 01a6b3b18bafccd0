using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.ServiceAccounts;

/// <summary>
/// A machine principal owned by an organization (DESIGN.md §2): an OpenIddict confidential client whose
/// client-credentials tokens carry the organization, its roles and its permissions, as a member's would.
/// </summary>
public sealed class ServiceAccount
{
    /// <summary>Also the tokens' <c>sub</c>.</summary>
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;
    public required string Name { get; set; }

    /// <summary><c>sa_</c> and the id: the OpenIddict application's client id.</summary>
    public required string ClientId { get; set; }

    /// <summary>The OpenIddict application this account owns (created and deleted with it).</summary>
    public Guid ApplicationId { get; set; }

    /// <summary><c>admin</c>, <c>member</c> or <c>viewer</c>, as for a member.</summary>
    public required string BaseRole { get; set; }

    /// <summary>Custom roles of the organization; one deleted since grants nothing.</summary>
    public List<Guid> RoleIds { get; set; } = [];

    /// <summary>The units it is limited to; empty means every unit.</summary>
    public List<Guid> UnitIds { get; set; } = [];

    /// <summary>+1 on every change of what it may do: the tokens' <c>authz_ver</c>.</summary>
    public int AuthzVersion { get; set; } = 1;

    public DateTime? ExpiresAt { get; set; }
    public DateTime? DisabledAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public Guid? CreatedBy { get; set; }
    public DateTime? LastUsedAt { get; set; }

    public List<ServiceAccountSecret> Secrets { get; set; } = [];
}

/// <summary>
/// A client secret of a service account: 256 random bits shown once, stored as SHA-256 (a secret that long needs no
/// slow hash). Two may be valid at once while a rotation is under way.
/// </summary>
public sealed class ServiceAccountSecret
{
    public Guid Id { get; set; }
    public Guid ServiceAccountId { get; set; }

    /// <summary>The secret's first characters, shown in lists so an admin can tell secrets apart.</summary>
    public required string Prefix { get; set; }

    /// <summary>Base64url SHA-256 of the secret.</summary>
    public required string SecretHash { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? FirstUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

/// <summary>
/// A revoked access token that has no token row (client-credentials tokens are not stored): kept until it would have
/// expired, so introspection and our APIs refuse it (DESIGN.md §3).
/// </summary>
public sealed class RevokedAccessToken
{
    /// <summary>The token's <c>jti</c>.</summary>
    public required string TokenId { get; set; }

    public DateTime ExpiresAt { get; set; }
    public DateTime RevokedAt { get; set; }
}

internal sealed class ServiceAccountConfiguration : IEntityTypeConfiguration<ServiceAccount>
{
    public void Configure(EntityTypeBuilder<ServiceAccount> builder)
    {
        builder.ToTable("ServiceAccounts");
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.Property(s => s.ClientId).HasMaxLength(64);
        builder.Property(s => s.BaseRole).HasMaxLength(20);
        builder.HasIndex(s => s.ClientId).IsUnique();
        builder.HasIndex(s => new { s.OrganizationId, s.CreatedAt });
        builder.HasOne(s => s.Organization).WithMany().HasForeignKey(s => s.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(s => s.Secrets).WithOne().HasForeignKey(s => s.ServiceAccountId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ServiceAccountSecretConfiguration : IEntityTypeConfiguration<ServiceAccountSecret>
{
    public void Configure(EntityTypeBuilder<ServiceAccountSecret> builder)
    {
        builder.ToTable("ServiceAccountSecrets");
        builder.Property(s => s.Prefix).HasMaxLength(16);
        builder.Property(s => s.SecretHash).HasMaxLength(64);
        builder.HasIndex(s => new { s.ServiceAccountId, s.CreatedAt });
    }
}

internal sealed class RevokedAccessTokenConfiguration : IEntityTypeConfiguration<RevokedAccessToken>
{
    public void Configure(EntityTypeBuilder<RevokedAccessToken> builder)
    {
        builder.ToTable("RevokedAccessTokens");
        builder.HasKey(t => t.TokenId);
        builder.Property(t => t.TokenId).HasMaxLength(100);
        builder.HasIndex(t => t.ExpiresAt);
    }
}
