using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Scim;

/// <summary>What a member's directory groups would give, and what they hold now.</summary>
public sealed record GroupAccessChange(Guid UserId, string Email, string BaseRoleBefore, string BaseRoleAfter,
    IReadOnlyList<Guid> RolesAdded, IReadOnlyList<Guid> RolesRemoved, IReadOnlyList<Guid> UnitsAdded, IReadOnlyList<Guid> UnitsRemoved);

/// <summary>
/// Makes members' roles and units follow their directory groups (DESIGN.md §4): grants a group mapping gives carry
/// the source DirectoryGroup and come and go with the groups; manual grants stay. A mapped base role wins over a
/// manual one (the directory is the authority for it) and, when no group maps one any more, the member falls back to
/// the organization's SCIM default. Runs inside the caller's transaction, after the organization's lock.
/// </summary>
public sealed class DirectoryGroupAccess(OrgIdentityDbContext db, AuditLog audit)
{
    /// <summary>Higher wins when several groups map a base role.</summary>
    private static int Rank(string role) => role switch { BuiltInRoles.Admin => 3, BuiltInRoles.Member => 2, _ => 1 };

    /// <summary>Applies the groups' mappings to the given memberships (one read of all of them, one save by the caller).</summary>
    public async Task<IReadOnlyList<GroupAccessChange>> ApplyAsync(Organization organization, IReadOnlyCollection<Guid> membershipIds,
        AuditActor actor, CancellationToken cancellationToken) =>
        await ComputeAsync(organization, membershipIds, null, actor, cancellationToken);

    /// <summary>What saving <paramref name="proposed"/> as a group's mapping would change, without changing anything.</summary>
    public async Task<IReadOnlyList<GroupAccessChange>> PreviewAsync(Organization organization, DirectoryGroup proposed, CancellationToken cancellationToken)
    {
        var membershipIds = await db.DirectoryGroupMembers.Where(m => m.GroupId == proposed.Id).Select(m => m.MembershipId).ToListAsync(cancellationToken);
        return await ComputeAsync(organization, membershipIds, proposed, null, cancellationToken);
    }

    private async Task<IReadOnlyList<GroupAccessChange>> ComputeAsync(Organization organization, IReadOnlyCollection<Guid> membershipIds,
        DirectoryGroup? proposed, AuditActor? actor, CancellationToken cancellationToken)
    {
        if (membershipIds.Count == 0)
        {
            return [];
        }

        var ids = membershipIds.Distinct().ToList();
        var query = db.Memberships.Include(m => m.Roles).Include(m => m.Units).AsSplitQuery().Where(m => ids.Contains(m.Id));
        var memberships = proposed is null ? await query.ToListAsync(cancellationToken) : await query.AsNoTracking().ToListAsync(cancellationToken);
        var groups = (await db.DirectoryGroupMembers.AsNoTracking()
                .Where(m => ids.Contains(m.MembershipId))
                .Select(m => new { m.MembershipId, m.GroupId, m.Group.BaseRole, m.Group.RoleIds, m.Group.UnitIds })
                .ToListAsync(cancellationToken))
            .ToLookup(g => g.MembershipId);
        var liveRoles = (await db.OrganizationRoles.Where(r => r.OrganizationId == organization.Id).Select(r => r.Id).ToListAsync(cancellationToken)).ToHashSet();
        var liveUnits = (await db.Units.Where(u => u.OrganizationId == organization.Id).Select(u => u.Id).ToListAsync(cancellationToken)).ToHashSet();
        var emails = await db.Memberships.Where(m => ids.Contains(m.Id)).Select(m => new { m.Id, m.MemberEmail }).ToDictionaryAsync(m => m.Id, m => m.MemberEmail, cancellationToken);

        var changes = new List<GroupAccessChange>();
        foreach (var membership in memberships)
        {
            var mappings = groups[membership.Id]
                .Select(g => proposed is not null && g.GroupId == proposed.Id ? (proposed.BaseRole, proposed.RoleIds, proposed.UnitIds) : (g.BaseRole, g.RoleIds, g.UnitIds))
                .ToList();
            var wantedRoles = mappings.SelectMany(m => m.RoleIds).Where(liveRoles.Contains).ToHashSet();
            var wantedUnits = mappings.SelectMany(m => m.UnitIds).Where(liveUnits.Contains).ToHashSet();
            var mappedBase = mappings.Select(m => m.BaseRole).OfType<string>().OrderByDescending(Rank).FirstOrDefault();

            var baseBefore = membership.BaseRole;
            var baseAfter = mappedBase ?? (membership.BaseRoleSource == MembershipRoleSource.DirectoryGroup ? organization.DefaultRoles.Scim : baseBefore);
            var heldByGroup = membership.Roles.Where(r => r.Source == MembershipRoleSource.DirectoryGroup).Select(r => r.RoleId).ToHashSet();
            var heldAny = membership.Roles.Select(r => r.RoleId).ToHashSet();
            var rolesAdded = wantedRoles.Where(r => !heldAny.Contains(r)).ToList();
            var rolesRemoved = heldByGroup.Where(r => !wantedRoles.Contains(r)).ToList();
            var unitsByGroup = membership.Units.Where(u => u.Source == MembershipUnitSource.DirectoryGroup).Select(u => u.UnitId).ToHashSet();
            var unitsAny = membership.Units.Select(u => u.UnitId).ToHashSet();
            var unitsAdded = wantedUnits.Where(u => !unitsAny.Contains(u)).ToList();
            var unitsRemoved = unitsByGroup.Where(u => !wantedUnits.Contains(u)).ToList();
            if (baseAfter == baseBefore && rolesAdded.Count == 0 && rolesRemoved.Count == 0 && unitsAdded.Count == 0 && unitsRemoved.Count == 0
                && (mappedBase is null) == (membership.BaseRoleSource != MembershipRoleSource.DirectoryGroup))
            {
                continue;
            }

            var change = new GroupAccessChange(membership.UserId, emails.GetValueOrDefault(membership.Id, ""), baseBefore, baseAfter,
                rolesAdded, rolesRemoved, unitsAdded, unitsRemoved);
            if (actor is null)
            {
                changes.Add(change);
                continue;
            }

            membership.BaseRole = baseAfter;
            membership.BaseRoleSource = mappedBase is null ? MembershipRoleSource.Manual : MembershipRoleSource.DirectoryGroup;
            membership.Roles.RemoveAll(r => r.Source == MembershipRoleSource.DirectoryGroup && rolesRemoved.Contains(r.RoleId));
            membership.Roles.AddRange(rolesAdded.Select(r => new MembershipRole { MembershipId = membership.Id, RoleId = r, Source = MembershipRoleSource.DirectoryGroup }));
            membership.Units.RemoveAll(u => u.Source == MembershipUnitSource.DirectoryGroup && unitsRemoved.Contains(u.UnitId));
            membership.Units.AddRange(unitsAdded.Select(u => new MembershipUnit { MembershipId = membership.Id, UnitId = u, Source = MembershipUnitSource.DirectoryGroup }));
            if (unitsAdded.Count > 0 && membership.BaseRole != BuiltInRoles.Admin)
            {
                // Units given by a group limit what the member sees; losing them later never widens the view to every unit.
                membership.LimitedToUnits = true;
            }

            membership.AuthzVersion++;
            audit.Record(actor, organization.Id, "member.updated", "user", membership.UserId.ToString(),
                new { source = "directory_group", role = new { before = baseBefore, after = baseAfter }, rolesAdded, rolesRemoved, unitsAdded, unitsRemoved });
            changes.Add(change);
        }

        return changes;
    }
}
