using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Data;

/// <summary>
/// The one model: Identity, OpenIddict (Guid keys), the Data Protection key ring and our features.
/// Each database provider has a small subclass with its own migrations (Data/Migrations/&lt;Provider&gt;).
/// </summary>
public abstract class OrgIdentityDbContext(DbContextOptions options)
    : IdentityDbContext<User, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<MembershipRole> MembershipRoles => Set<MembershipRole>();
    public DbSet<OrganizationRole> OrganizationRoles => Set<OrganizationRole>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<Units.Unit> Units => Set<Units.Unit>();
    public DbSet<MembershipUnit> MembershipUnits => Set<MembershipUnit>();
    public DbSet<Domains.OrganizationDomain> OrganizationDomains => Set<Domains.OrganizationDomain>();
    public DbSet<Invitations.Invitation> Invitations => Set<Invitations.Invitation>();
    public DbSet<Invitations.InviteLink> InviteLinks => Set<Invitations.InviteLink>();
    public DbSet<Scim.DirectoryToken> DirectoryTokens => Set<Scim.DirectoryToken>();
    public DbSet<Scim.ScimProfile> ScimProfiles => Set<Scim.ScimProfile>();
    public DbSet<Scim.DirectoryGroup> DirectoryGroups => Set<Scim.DirectoryGroup>();
    public DbSet<Scim.DirectoryGroupMember> DirectoryGroupMembers => Set<Scim.DirectoryGroupMember>();
    public DbSet<ServiceAccounts.ServiceAccount> ServiceAccounts => Set<ServiceAccounts.ServiceAccount>();
    public DbSet<ServiceAccounts.ServiceAccountSecret> ServiceAccountSecrets => Set<ServiceAccounts.ServiceAccountSecret>();
    public DbSet<ServiceAccounts.RevokedAccessToken> RevokedAccessTokens => Set<ServiceAccounts.RevokedAccessToken>();
    public DbSet<Impersonation.ImpersonationSession> Impersonations => Set<Impersonation.ImpersonationSession>();
    public DbSet<Sso.SsoConnection> SsoConnections => Set<Sso.SsoConnection>();
    public DbSet<Sso.ExternalLogin> ExternalLogins => Set<Sso.ExternalLogin>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict<Guid>();
        builder.ApplyConfigurationsFromAssembly(typeof(OrgIdentityDbContext).Assembly);

        // OpenIddict indexes neither date; pruning filters on both.
        builder.Entity<OpenIddictEntityFrameworkCoreToken<Guid>>(token =>
        {
            token.HasIndex(t => t.CreationDate);
            token.HasIndex(t => t.ExpirationDate);
        });
    }
}

public sealed class SqliteOrgIdentityDbContext(DbContextOptions<SqliteOrgIdentityDbContext> options)
    : OrgIdentityDbContext(options)
{
    // SQLite stores DateTimeOffset as text, which cannot be compared or sorted (Identity's LockoutEnd).
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter>();
}

public sealed class PostgreSqlOrgIdentityDbContext(DbContextOptions<PostgreSqlOrgIdentityDbContext> options)
    : OrgIdentityDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // The member list sorts and pages on these: byte order (as on SQLite), whatever the database's default
        // collation, so every replica and every database agrees on the order and the keyset comparisons.
        builder.Entity<Membership>(membership =>
        {
            membership.Property(m => m.MemberName).UseCollation("C");
            membership.Property(m => m.MemberEmail).UseCollation("C");
            membership.Property(m => m.MemberCompany).UseCollation("C");
            membership.Property(m => m.BaseRole).UseCollation("C");
        });

        // The member list's search (LIKE '%term%', what Contains becomes) reads a trigram index instead of every row.
        builder.HasPostgresExtension("pg_trgm");
        builder.Entity<Membership>().HasIndex(m => m.MemberSearchText).HasMethod("gin").HasOperators("gin_trgm_ops")
            .HasDatabaseName("IX_Memberships_SearchText_Trgm");
    }
}

/// <summary>
/// SQL Server refuses a table that one delete can reach by two cascading paths. None exists in this model:
/// OpenIddict's foreign keys (tokens to authorizations and applications, authorizations to applications) are
/// optional and cascade nothing in the database, and Identity's cascades are single steps from a user or a role
/// (AspNetUserRoles has one from each, which is allowed: the paths start at different tables). MembershipRoles reaches
/// Organizations through Memberships and through OrganizationRoles, so its key to the role cascades nothing
/// (a role is deleted only when nobody holds it); MembershipUnits and Units likewise. When a foreign key
/// is added, read the SQL Server migration for a second path to one table and give it <c>DeleteBehavior.NoAction</c>
/// (or <c>ClientCascade</c>) here, for SQL Server only. DirectoryGroupMembers reaches Organizations through
/// DirectoryGroups and through Memberships: its key to the group cascades nothing here (group members are deleted
/// before their group).
/// </summary>
public sealed class SqlServerOrgIdentityDbContext(DbContextOptions<SqlServerOrgIdentityDbContext> options)
    : OrgIdentityDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<Scim.DirectoryGroupMember>().HasOne(m => m.Group).WithMany(g => g.Members)
            .HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.NoAction);
    }
}
