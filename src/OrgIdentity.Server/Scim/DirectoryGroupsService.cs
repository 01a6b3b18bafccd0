using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Scim;

/// <summary>A directory group as the admin API lists it.</summary>
public sealed record DirectoryGroupView(Guid Id, string DisplayName, string? ExternalId, int Members, DirectoryGroupMapping Mapping, DateTime LastModifiedAt);

/// <summary>What a group gives its members: a base role (or null), custom roles by key, units by id.</summary>
public sealed record DirectoryGroupMapping(string? Role, IReadOnlyList<string> Roles, IReadOnlyList<Guid> Units);

/// <summary>
/// The admin side of directory groups (DESIGN.md §6): list them, read and set a group's mapping to roles and units,
/// and preview which members a mapping would change before saving it. Setting a mapping needs <c>members:edit</c>
/// and never gives a permission the admin lacks (the same rule as granting roles by hand).
/// </summary>
public sealed class DirectoryGroupsService(OrgIdentityDbContext db, MembersService members, DirectoryGroupAccess access, Audit.AuditLog audit, TimeProvider time)
{
    public async Task<IReadOnlyList<DirectoryGroupView>> ListAsync(OrganizationCaller caller, CancellationToken cancellationToken)
    {
        var groups = await db.DirectoryGroups.AsNoTracking().Where(g => g.OrganizationId == caller.OrganizationId).OrderBy(g => g.DisplayNameNormalized)
            .Select(g => new { Group = g, Members = g.Members.Count }).ToListAsync(cancellationToken);
        var roleKeys = await RoleKeysAsync(caller.OrganizationId, cancellationToken);
        return groups.Select(g => View(g.Group, g.Members, roleKeys)).ToList();
    }

    public async Task<Outcome<DirectoryGroupView>> GetAsync(OrganizationCaller caller, Guid id, CancellationToken cancellationToken)
    {
        var found = await db.DirectoryGroups.AsNoTracking().Where(g => g.OrganizationId == caller.OrganizationId && g.Id == id)
            .Select(g => new { Group = g, Members = g.Members.Count }).SingleOrDefaultAsync(cancellationToken);
        return found is null ? NoSuchGroup() : View(found.Group, found.Members, await RoleKeysAsync(caller.OrganizationId, cancellationToken));
    }

    /// <summary>Saves the mapping and applies it to the group's members at once.</summary>
    public async Task<Outcome<DirectoryGroupView>> SetMappingAsync(OrganizationCaller requester, Guid id, DirectoryGroupMapping mapping, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var checkedMapping = await CheckAsync(requester, id, mapping, lockFirst: true, cancellationToken);
        if (checkedMapping.Refusal is { } refused)
        {
            return refused;
        }

        var (caller, group, roles, units) = checkedMapping.Value!;
        var before = new { group.BaseRole, group.RoleIds, group.UnitIds };
        group.BaseRole = mapping.Role;
        group.RoleIds = roles;
        group.UnitIds = units;
        group.LastModifiedAt = time.UtcNowToMicrosecond();
        audit.Record(caller.Actor, caller.OrganizationId, "directory_group.mapping_set", "directory_group", group.Id.ToString(),
            new { before, after = new { group.BaseRole, group.RoleIds, group.UnitIds } });
        await db.SaveChangesAsync(cancellationToken);
        var membershipIds = await db.DirectoryGroupMembers.Where(m => m.GroupId == group.Id).Select(m => m.MembershipId).ToListAsync(cancellationToken);
        await access.ApplyAsync(caller.Organization, membershipIds, caller.Actor, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await GetAsync(caller, id, cancellationToken)).Value!;
    }

    /// <summary>The members whose base role, roles or units would change if <paramref name="mapping"/> were saved.</summary>
    public async Task<Outcome<IReadOnlyList<GroupAccessChange>>> PreviewAsync(OrganizationCaller requester, Guid id, DirectoryGroupMapping mapping, CancellationToken cancellationToken)
    {
        var checkedMapping = await CheckAsync(requester, id, mapping, lockFirst: false, cancellationToken);
        if (checkedMapping.Refusal is { } refused)
        {
            return refused;
        }

        var (caller, group, roles, units) = checkedMapping.Value!;
        var proposed = new DirectoryGroup
        {
            Id = group.Id,
            OrganizationId = group.OrganizationId,
            DisplayName = group.DisplayName,
            DisplayNameNormalized = group.DisplayNameNormalized,
            Attributes = group.Attributes,
            BaseRole = mapping.Role,
            RoleIds = roles,
            UnitIds = units,
        };
        return new Outcome<IReadOnlyList<GroupAccessChange>>(await access.PreviewAsync(caller.Organization, proposed, cancellationToken), null);
    }

    private async Task<Outcome<(OrganizationCaller Caller, DirectoryGroup Group, List<Guid> Roles, List<Guid> Units)>> CheckAsync(
        OrganizationCaller requester, Guid id, DirectoryGroupMapping mapping, bool lockFirst, CancellationToken cancellationToken)
    {
        if (mapping.Role is not null && !BuiltInRoles.Keys.Contains(mapping.Role))
        {
            return Refusal.Invalid("role", "The role is one of admin, member or viewer, or null for none.");
        }

        var caller = requester;
        if (lockFirst)
        {
            var locked = await members.LockAsync(requester, cancellationToken);
            if (locked.Refusal is { } gone)
            {
                return gone;
            }

            caller = locked.Value!;
        }

        if (!caller.Has(MembersService.MembersEdit))
        {
            return OrganizationRoutes.MissingPermission(MembersService.MembersEdit);
        }

        var group = await db.DirectoryGroups.SingleOrDefaultAsync(g => g.OrganizationId == caller.OrganizationId && g.Id == id, cancellationToken);
        if (group is null)
        {
            return NoSuchGroup();
        }

        var granted = await members.GrantsAsync(caller.Organization, mapping.Roles, mapping.Units, cancellationToken);
        if (granted.Refusal is { } invalid)
        {
            return invalid;
        }

        var (_, roles, units) = granted.Value!;
        var lacking = members.PermissionsOf(mapping.Role ?? BuiltInRoles.Viewer, roles).Where(p => !caller.Has(p)).ToList();
        if (lacking.Count > 0)
        {
            return Refusal.Forbidden($"You cannot grant permissions you do not hold: {string.Join(", ", lacking)}.");
        }

        return (caller, group, roles.Select(r => r.Id).ToList(), units);
    }

    private async Task<Dictionary<Guid, string>> RoleKeysAsync(Guid organizationId, CancellationToken cancellationToken) =>
        await db.OrganizationRoles.AsNoTracking().Where(r => r.OrganizationId == organizationId).ToDictionaryAsync(r => r.Id, r => r.Key, cancellationToken);

    private static DirectoryGroupView View(DirectoryGroup group, int memberCount, Dictionary<Guid, string> roleKeys) =>
        new(group.Id, group.DisplayName, group.ExternalId, memberCount,
            new DirectoryGroupMapping(group.BaseRole, group.RoleIds.Where(roleKeys.ContainsKey).Select(r => roleKeys[r]).Order(StringComparer.Ordinal).ToList(), group.UnitIds),
            group.LastModifiedAt);

    private static Refusal NoSuchGroup() => Refusal.NotFound("This organization has no directory group with that id.");
}
