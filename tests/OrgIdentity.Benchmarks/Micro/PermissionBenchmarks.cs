using BenchmarkDotNet.Attributes;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Benchmarks.Micro;

/// <summary>
/// Effective permissions (DESIGN.md §2): computed for every refresh and every service-account cache miss
/// (MembershipAccess.PermissionsOf), and by every scope check (PermissionCatalog.Contains).
/// </summary>
public class PermissionBenchmarks
{
    private static readonly string[] CustomRole = ["assets:edit", "orders:view", "customers:edit", "members:edit"];

    private OrgIdentityDbContext db = null!;
    private MembershipAccess membership = null!;
    private PermissionCatalog catalog = null!;
    private BuiltInRoles builtInRoles = null!;

    [GlobalSetup]
    public void Setup()
    {
        // PermissionsOf reads no database; the context is only what MembershipAccess is constructed with (never opened).
        catalog = Fixtures.Catalog;
        builtInRoles = Fixtures.BuiltInRoles;
        db = Fixtures.UnopenedDbContext();
        membership = new MembershipAccess(db, catalog, builtInRoles);
    }

    [GlobalCleanup]
    public void Cleanup() => db.Dispose();

    [Benchmark(Description = "Expand a custom role (assets implies 2 kinds)")]
    public IReadOnlySet<string> ExpandCustomRole() => catalog.Expand(CustomRole);

    [Benchmark(Description = "Built-in role admin (every permission)")]
    public IReadOnlySet<string> Admin() => builtInRoles.PermissionsOf("admin");

    [Benchmark(Description = "MembershipAccess.PermissionsOf member + 2 custom roles")]
    public IReadOnlySet<string> MemberWithCustomRoles() => membership.PermissionsOf("member", Fixtures.CustomRolePermissions);

    [Benchmark(Description = "PermissionCatalog.Contains (last of the catalog)")]
    public bool Contains() => catalog.Contains("audit-log:edit");
}
