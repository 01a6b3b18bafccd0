using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Organizations;

/// <summary>What one active membership may do, read from the database: what tokens carry and what the API checks.</summary>
public sealed record OrganizationAccess(
    Guid OrganizationId,
    string Slug,
    Guid MembershipId,
    string BaseRole,
    IReadOnlyList<string> CustomRoles,
    IReadOnlySet<string> Permissions,
    IReadOnlyList<string> Units,
    int AuthzVersion)
{
    /// <summary>Built-in and custom role keys: the token's <c>org_roles</c>.</summary>
    public IReadOnlyList<string> RoleKeys => [BaseRole, .. CustomRoles];
}

/// <summary>An active membership as listed by userinfo and <c>/api/v1/me</c>.</summary>
public sealed record MembershipSummary(Guid OrganizationId, string Slug, string Name, string Role, IReadOnlyList<string> Roles);

/// <summary>
/// Reads memberships and computes effective permissions (DESIGN.md §2): the union of the base role's and the
/// custom roles' permissions, expanded by implication. Every check reads the database, never the token.
/// </summary>
public sealed class MembershipAccess(OrgIdentityDbContext db, PermissionCatalog catalog, BuiltInRoles builtInRoles)
{
    /// <summary>A member who is not limited sees every unit, including ones created later.</summary>
    public static readonly IReadOnlyList<string> AllUnits = ["*"];

    /// <summary>The user's access to the organization, or null when they are not an active member of it (or their account is disabled).</summary>
    public async Task<OrganizationAccess?> ForUserAsync(Guid userId, Guid organizationId, CancellationToken cancellationToken)
    {
        var membership = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId && m.OrganizationId == organizationId && m.Status == MembershipStatus.Active && !m.User.IsDisabled)
            .Select(m => new
            {
                m.Id,
                m.BaseRole,
                m.AuthzVersion,
                m.Organization.Slug,
                Roles = m.Roles.Select(r => new { r.Role.Key, r.Role.Permissions }).ToList(),
                // Admins are never limited, nor anyone while the organization's plan has no units.
                Limited = m.LimitedToUnits && m.BaseRole != BuiltInRoles.Admin && m.Organization.Plan.Units,
                Units = m.Units.Select(u => u.UnitId).ToList(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (membership is null)
        {
            return null;
        }

        var roles = membership.Roles.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        return new OrganizationAccess(organizationId, membership.Slug, membership.Id, membership.BaseRole,
            roles.Select(r => r.Key).ToList(), PermissionsOf(membership.BaseRole, roles.Select(r => r.Permissions)),
            membership.Limited ? membership.Units.Order().Select(u => u.ToString()).ToList() : AllUnits, membership.AuthzVersion);
    }

    /// <summary>Every active membership of the user, oldest first.</summary>
    public async Task<IReadOnlyList<MembershipSummary>> ActiveMembershipsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var memberships = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId && m.Status == MembershipStatus.Active)
            .OrderBy(m => m.JoinedAt).ThenBy(m => m.Id)
            .Select(m => new { m.OrganizationId, m.Organization.Slug, m.Organization.Name, m.BaseRole, Roles = m.Roles.Select(r => r.Role.Key).ToList() })
            .ToListAsync(cancellationToken);
        return memberships
            .Select(m => new MembershipSummary(m.OrganizationId, m.Slug, m.Name, m.BaseRole, [m.BaseRole, .. m.Roles.Order(StringComparer.Ordinal)]))
            .ToList();
    }

    /// <summary>An organization named by its id or its slug (the <c>organization</c> parameter).</summary>
    public Task<Organization?> FindOrganizationAsync(string idOrSlug, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(idOrSlug, out var id))
        {
            return db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        }

        var slug = idOrSlug.Trim().ToLowerInvariant();
        return db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Slug == slug, cancellationToken);
    }

    /// <summary>
    /// Effective permissions. A custom role may still name a permission the catalog has since dropped
    /// (<c>OrgIdentity:Permissions</c> changed): it grants nothing, and so nobody lacks it.
    /// </summary>
    public IReadOnlySet<string> PermissionsOf(string baseRole, IEnumerable<IEnumerable<string>> customRolePermissions) =>
        new SortedSet<string>(catalog.Expand([.. builtInRoles.PermissionsOf(baseRole), .. customRolePermissions.SelectMany(p => p)]).Where(catalog.Contains), StringComparer.Ordinal);

    /// <summary>What a platform admin may do in any organization: everything.</summary>
    public IReadOnlySet<string> Everything => catalog.Expand(catalog.All);
}
