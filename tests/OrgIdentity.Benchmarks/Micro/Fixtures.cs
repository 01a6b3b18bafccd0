using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Benchmarks.Micro;

/// <summary>The catalog, roles and one member's access the micro-benchmarks share: a realistic, not a minimal, case.</summary>
internal static class Fixtures
{
    public static readonly PermissionCatalog Catalog = new(PermissionCatalog.DefaultKinds);
    public static readonly BuiltInRoles BuiltInRoles = new(Catalog);

    /// <summary>Two custom roles as an organization would define them; <c>assets</c> implies <c>catalog-items</c> and <c>stages</c>.</summary>
    public static readonly string[][] CustomRolePermissions =
    [
        ["assets:edit", "orders:view", "customers:edit", "renders:view"],
        ["members:edit", "units:edit", "access-tokens:view", "audit-log:view"],
    ];

    /// <summary>
    /// A member with two custom roles, limited to three units: the permissions are computed as MembershipAccess does
    /// (base role, custom roles, expansion, catalog filter), so the token carries what a real one carries.
    /// </summary>
    public static OrganizationAccess Access()
    {
        var permissions = new SortedSet<string>(
            Catalog.Expand([.. BuiltInRoles.PermissionsOf(BuiltInRoles.Member), .. CustomRolePermissions.SelectMany(p => p)]).Where(Catalog.Contains),
            StringComparer.Ordinal);
        return new OrganizationAccess(
            Guid.Parse("0199a3b5-7c1e-7d2a-9f00-4a5b6c7d8e9f"), "northwind-traders", Guid.Parse("0199a3b5-7c1e-7d2a-9f00-000000000001"),
            BuiltInRoles.Member, ["release-managers", "support"], permissions,
            [Guid.Parse("0199a3b5-0000-7000-8000-000000000001").ToString(), Guid.Parse("0199a3b5-0000-7000-8000-000000000002").ToString(),
             Guid.Parse("0199a3b5-0000-7000-8000-000000000003").ToString()],
            AuthzVersion: 7);
    }

    /// <summary>
    /// A context for services that take one but whose measured method reads no database: never opened, its model never
    /// built (so no connection and no migrations).
    /// </summary>
    public static OrgIdentityDbContext UnopenedDbContext() =>
        new SqliteOrgIdentityDbContext(new DbContextOptionsBuilder<SqliteOrgIdentityDbContext>().UseSqlite("Data Source=:memory:").Options);
}
