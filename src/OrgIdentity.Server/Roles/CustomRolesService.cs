using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Roles;

/// <summary>A role as the API shows it: the built-in ones (read-only) and the organization's custom ones.</summary>
public sealed record RoleView(string Key, string Name, string? Description, IReadOnlyList<string> Permissions, bool BuiltIn, int Members);

public sealed record RoleDefinition(string? Key, string? Name, string? Description, IReadOnlyList<string>? Permissions);

/// <summary>
/// The rules for custom roles: only <c>roles:edit</c> defines them; permissions come from the catalog and
/// only from those the caller holds; a change bumps <c>AuthzVersion</c> of every membership holding the role;
/// a role held by anyone cannot be deleted.
/// </summary>
public sealed partial class CustomRolesService(
    OrgIdentityDbContext db,
    PermissionCatalog catalog,
    BuiltInRoles builtInRoles,
    MembersService members,
    AuditLog audit,
    TimeProvider time)
{
    public const string RolesEdit = "roles:edit";

    public async Task<IReadOnlyList<RoleView>> ListAsync(OrganizationCaller caller, CancellationToken cancellationToken)
    {
        var counts = await db.Memberships.AsNoTracking().Where(m => m.OrganizationId == caller.OrganizationId)
            .GroupBy(m => m.BaseRole).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return [.. BuiltInRoles.Keys.Select(key => BuiltIn(key, counts.GetValueOrDefault(key))), .. await ListCustomAsync(caller, cancellationToken)];
    }

    /// <summary>
    /// The organization's custom roles only, each with its holders counted through the role's index: what the console's
    /// check boxes need, without counting the built-in roles over every membership of the organization.
    /// </summary>
    public async Task<IReadOnlyList<RoleView>> ListCustomAsync(OrganizationCaller caller, CancellationToken cancellationToken)
    {
        var custom = await db.OrganizationRoles.AsNoTracking().Where(r => r.OrganizationId == caller.OrganizationId)
            .OrderBy(r => r.Key)
            .Select(r => new { Role = r, Members = db.MembershipRoles.Count(mr => mr.RoleId == r.Id) })
            .ToListAsync(cancellationToken);
        return [.. custom.Select(c => View(c.Role, c.Members))];
    }

    public async Task<Outcome<RoleView>> GetAsync(OrganizationCaller caller, string key, CancellationToken cancellationToken)
    {
        if (BuiltInRoles.Keys.Contains(key))
        {
            return BuiltIn(key, await db.Memberships.CountAsync(m => m.OrganizationId == caller.OrganizationId && m.BaseRole == key, cancellationToken));
        }

        var role = await db.OrganizationRoles.AsNoTracking().SingleOrDefaultAsync(r => r.OrganizationId == caller.OrganizationId && r.Key == key, cancellationToken);
        return role is null ? NoSuchRole(key) : View(role, await HoldersAsync(role.Id, cancellationToken));
    }

    public async Task<Outcome<RoleView>> CreateAsync(OrganizationCaller requester, RoleDefinition definition, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(RolesEdit))
        {
            return OrganizationRoutes.MissingPermission(RolesEdit);
        }

        var key = definition.Key?.Trim() ?? "";
        if (!KeyPattern().IsMatch(key))
        {
            return Refusal.Invalid("key", "A role key is 2 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.");
        }

        if (BuiltInRoles.Keys.Contains(key))
        {
            return Refusal.Invalid("key", $"'{key}' is a built-in role.");
        }

        if (Validate(caller, definition) is { } refused)
        {
            return refused;
        }

        if (await db.OrganizationRoles.AnyAsync(r => r.OrganizationId == caller.OrganizationId && r.Key == key, cancellationToken))
        {
            return Refusal.Conflict($"This organization already has a role '{key}'.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var role = new OrganizationRole
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            Key = key,
            Name = definition.Name!.Trim(),
            Description = Clean(definition.Description),
            Permissions = Normalize(definition.Permissions!),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.OrganizationRoles.Add(role);
        audit.Record(caller.Actor, caller.OrganizationId, "role.created", "role", key, new { role.Name, role.Description, role.Permissions });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return View(role, 0);
    }

    /// <summary>Replaces the role's name, description and permissions.</summary>
    public async Task<Outcome<RoleView>> UpdateAsync(OrganizationCaller requester, string key, RoleDefinition definition, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(RolesEdit))
        {
            return OrganizationRoutes.MissingPermission(RolesEdit);
        }

        if (BuiltInRoles.Keys.Contains(key))
        {
            return Refusal.Conflict($"'{key}' is a built-in role and cannot be changed.");
        }

        if (Validate(caller, definition) is { } refused)
        {
            return refused;
        }

        var role = await db.OrganizationRoles.SingleOrDefaultAsync(r => r.OrganizationId == caller.OrganizationId && r.Key == key, cancellationToken);
        if (role is null)
        {
            return NoSuchRole(key);
        }

        // Changing a role acts on everyone who holds it: the caller must hold what it grants today, and, when
        // anyone holds it, be allowed to change members.
        if (Lacking(caller, role.Permissions) is { Count: > 0 } lacking)
        {
            return Refusal.Forbidden($"This role grants permissions you do not hold: {string.Join(", ", lacking)}.");
        }

        if (!caller.Has(MembersService.MembersEdit) && await HoldersAsync(role.Id, cancellationToken) > 0)
        {
            return Refusal.Forbidden($"Members hold this role, so changing it changes them: this needs the permission '{MembersService.MembersEdit}' too.");
        }

        if (definition.Key is { } renamed && renamed != key)
        {
            return Refusal.Invalid("key", "A role's key cannot be changed; create a new role instead.");
        }

        var before = new { role.Name, role.Description, role.Permissions };
        role.Name = definition.Name!.Trim();
        role.Description = Clean(definition.Description);
        role.Permissions = Normalize(definition.Permissions!);
        role.UpdatedAt = time.GetUtcNow().UtcDateTime;
        audit.Record(caller.Actor, caller.OrganizationId, "role.updated", "role", key, new { before, after = new { role.Name, role.Description, role.Permissions } });
        await db.SaveChangesAsync(cancellationToken);

        // Every holder's access changed: their next refresh and API call see the new version.
        await db.Memberships.Where(m => m.Roles.Any(r => r.RoleId == role.Id))
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.AuthzVersion, x => x.AuthzVersion + 1), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return View(role, await HoldersAsync(role.Id, cancellationToken));
    }

    public async Task<Refusal?> DeleteAsync(OrganizationCaller requester, string key, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(RolesEdit))
        {
            return OrganizationRoutes.MissingPermission(RolesEdit);
        }

        if (BuiltInRoles.Keys.Contains(key))
        {
            return Refusal.Conflict($"'{key}' is a built-in role and cannot be deleted.");
        }

        var role = await db.OrganizationRoles.SingleOrDefaultAsync(r => r.OrganizationId == caller.OrganizationId && r.Key == key, cancellationToken);
        if (role is null)
        {
            return NoSuchRole(key);
        }

        if (Lacking(caller, role.Permissions) is { Count: > 0 } lacking)
        {
            return Refusal.Forbidden($"This role grants permissions you do not hold: {string.Join(", ", lacking)}.");
        }

        var holders = await HoldersAsync(role.Id, cancellationToken);
        if (holders > 0)
        {
            return Refusal.Conflict(holders == 1
                ? $"The role '{key}' is held by 1 member; take it from them first."
                : $"The role '{key}' is held by {holders} members; take it from them first.");
        }

        db.OrganizationRoles.Remove(role);
        audit.Record(caller.Actor, caller.OrganizationId, "role.deleted", "role", key, new { role.Name, role.Description, role.Permissions });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    private Refusal? Validate(OrganizationCaller caller, RoleDefinition definition)
    {
        if (string.IsNullOrWhiteSpace(definition.Name) || definition.Name.Trim().Length > 100)
        {
            return Refusal.Invalid("name", "The name is required and at most 100 characters.");
        }

        if (definition.Description?.Length > 500)
        {
            return Refusal.Invalid("description", "The description is at most 500 characters.");
        }

        if (definition.Permissions is null)
        {
            return Refusal.Invalid("permissions", "The permissions are required (an empty list is allowed).");
        }

        if (definition.Permissions.Any(string.IsNullOrWhiteSpace))
        {
            return Refusal.Invalid("permissions", "A permission cannot be empty.");
        }

        if (definition.Permissions.FirstOrDefault(p => !catalog.Contains(p.Trim())) is { } unknown)
        {
            return Refusal.Invalid("permissions", $"'{unknown}' is not a permission of the catalog (GET /api/v1/permissions lists them).");
        }

        // Nobody grants what they do not hold, implied permissions included.
        return Lacking(caller, catalog.Expand(Normalize(definition.Permissions))) is { Count: > 0 } lacking
            ? Refusal.Forbidden($"You cannot grant permissions you do not hold: {string.Join(", ", lacking)}.")
            : null;
    }

    // A permission the catalog no longer has (OrgIdentity:Permissions changed) grants nothing, so it blocks nothing.
    private List<string> Lacking(OrganizationCaller caller, IEnumerable<string> permissions) =>
        catalog.Expand(permissions).Where(p => catalog.Contains(p) && !caller.Has(p)).ToList();

    private Task<int> HoldersAsync(Guid roleId, CancellationToken cancellationToken) =>
        db.MembershipRoles.CountAsync(r => r.RoleId == roleId, cancellationToken);

    private RoleView BuiltIn(string key, int members) =>
        new(key, char.ToUpperInvariant(key[0]) + key[1..], null, [.. builtInRoles.PermissionsOf(key)], BuiltIn: true, members);

    private static RoleView View(OrganizationRole role, int members) =>
        new(role.Key, role.Name, role.Description, role.Permissions, BuiltIn: false, members);

    private static List<string> Normalize(IEnumerable<string> permissions) =>
        permissions.Select(p => p.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Refusal NoSuchRole(string key) => Refusal.NotFound($"This organization has no role '{key}'.");

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")]
    private static partial Regex KeyPattern();
}
