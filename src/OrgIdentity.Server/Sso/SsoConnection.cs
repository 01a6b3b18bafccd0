using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Sso;

/// <summary>
/// An organization's upstream OpenID Connect provider (DESIGN.md §4 "Enterprise SSO"). Its id is the OpenIddict client
/// registration id, so one callback serves every connection and a change is read at the next sign-in on every replica.
/// </summary>
public sealed class SsoConnection
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;

    public required string Name { get; set; }

    /// <summary>The upstream issuer; its discovery document is at <see cref="DiscoveryUri"/>.</summary>
    public required string Authority { get; set; }

    /// <summary><c>.well-known/openid-configuration</c> under the issuer's path (OIDC Discovery §4), with or without a trailing slash.</summary>
    public Uri DiscoveryUri => new(new Uri(Authority.TrimEnd('/') + "/"), ".well-known/openid-configuration");

    public required string ClientId { get; set; }

    /// <summary>The client secret, protected with Data Protection (never shown again).</summary>
    public string? ProtectedClientSecret { get; set; }

    /// <summary>Space-separated; <c>openid</c> is always asked for.</summary>
    public required string Scopes { get; set; }

    public required string EmailClaim { get; set; }
    public required string NameClaim { get; set; }

    public bool Enabled { get; set; }

    /// <summary>People of the organization's verified domains must sign in here: the password step is refused to them.</summary>
    public bool RequireSso { get; set; }

    /// <summary>+1 on every change: the client registration cached for this connection is rebuilt when it differs.</summary>
    public int Version { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// An upstream identity (connection, <c>iss</c>, <c>sub</c>) linked to a user: later sign-ins match on it, never on the
/// e-mail alone, so an upstream that hands a new person an old address cannot take over the old account.
/// </summary>
public sealed class ExternalLogin
{
    public Guid Id { get; set; }
    public Guid ConnectionId { get; set; }
    public Guid UserId { get; set; }
    public User User { get; set; } = null!;
    public required string Issuer { get; set; }
    public required string Subject { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime LastUsedAt { get; set; }
}

internal sealed class SsoConnectionConfiguration : IEntityTypeConfiguration<SsoConnection>
{
    public void Configure(EntityTypeBuilder<SsoConnection> builder)
    {
        builder.ToTable("SsoConnections");
        builder.Property(c => c.Name).HasMaxLength(100);
        builder.Property(c => c.Authority).HasMaxLength(500);
        builder.Property(c => c.ClientId).HasMaxLength(200);
        builder.Property(c => c.ProtectedClientSecret).HasMaxLength(2000);
        builder.Property(c => c.Scopes).HasMaxLength(500);
        builder.Property(c => c.EmailClaim).HasMaxLength(100);
        builder.Property(c => c.NameClaim).HasMaxLength(100);
        builder.HasIndex(c => c.OrganizationId);
        builder.HasOne(c => c.Organization).WithMany().HasForeignKey(c => c.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ExternalLoginConfiguration : IEntityTypeConfiguration<ExternalLogin>
{
    public void Configure(EntityTypeBuilder<ExternalLogin> builder)
    {
        builder.ToTable("ExternalLogins");
        builder.Property(l => l.Issuer).HasMaxLength(500);
        builder.Property(l => l.Subject).HasMaxLength(255);
        builder.HasIndex(l => new { l.ConnectionId, l.Issuer, l.Subject }).IsUnique();
        builder.HasIndex(l => l.UserId);
        builder.HasOne<SsoConnection>().WithMany().HasForeignKey(l => l.ConnectionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(l => l.User).WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
