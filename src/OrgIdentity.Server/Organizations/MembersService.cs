using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Organizations;

/// <summary>A member as the admin API shows it; <c>roles</c> are the custom role keys on top of the base <c>role</c>.</summary>
public sealed record MemberView(
    Guid UserId,
    string Email,
    string DisplayName,
    string? Name,
    string? GivenName,
    string? FamilyName,
    string? Company,
    string Role,
    IReadOnlyList<string> Roles,
    string Status,
    string Source,
    bool LimitedToUnits,
    IReadOnlyList<Guid> Units,
    bool Disabled,
    DateTime JoinedAt,
    DateTime? LastLoginAt,
    int AuthzVersion);

/// <summary>A change to one membership; a null field stays as it is.</summary>
public sealed record MemberChange(string? Role, IReadOnlyList<string>? Roles, string? Status, bool? LimitedToUnits = null, IReadOnlyList<Guid>? Units = null);

/// <summary>
/// The rules for members (DESIGN.md §2 invariants): only <c>members:edit</c> changes others; nobody grants a
/// permission they lack or acts on a member who holds one they lack; an organization keeps an active admin;
/// every change bumps the membership's <c>AuthzVersion</c> and writes an audit event in the same transaction.
/// </summary>
public sealed class MembersService(OrgIdentityDbContext db, MembershipAccess access, AuditLog audit)
{
    public const string MembersEdit = "members:edit";

    public async Task<Outcome<MemberView>> GetAsync(OrganizationCaller caller, Guid userId, CancellationToken cancellationToken) =>
        await Project(db.Memberships.AsNoTracking().Where(m => m.OrganizationId == caller.OrganizationId && m.UserId == userId))
            .SingleOrDefaultAsync(cancellationToken) is { } row
            ? row.View
            : NoSuchMember();

    public async Task<Outcome<MemberView>> UpdateAsync(OrganizationCaller requester, Guid userId, MemberChange change, CancellationToken cancellationToken)
    {
        if (change.Role is not null && !BuiltInRoles.Keys.Contains(change.Role))
        {
            return Refusal.Invalid("role", "The role is one of admin, member or viewer.");
        }

        MembershipStatus? status = change.Status switch
        {
            null => null,
            "active" => MembershipStatus.Active,
            "suspended" => MembershipStatus.Suspended,
            _ => default(MembershipStatus?),
        };
        if (change.Status is not null && status is null)
        {
            return Refusal.Invalid("status", "The status is active or suspended.");
        }

        if (change.Roles?.Any(string.IsNullOrWhiteSpace) == true)
        {
            return Refusal.Invalid("roles", "A custom role key cannot be empty.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        var membership = await LoadAsync(caller.OrganizationId, userId, cancellationToken);
        if (membership is null)
        {
            return NoSuchMember();
        }

        if (MayActOn(caller, membership) is { } refused)
        {
            return refused;
        }

        // Custom roles by key, all of this organization's.
        var newRoles = membership.Roles.Select(r => r.Role).ToList();
        if (change.Roles is { } keys)
        {
            var wanted = keys.Select(k => k.Trim()).Distinct(StringComparer.Ordinal).ToList();
            newRoles = await db.OrganizationRoles.Where(r => r.OrganizationId == caller.OrganizationId && wanted.Contains(r.Key)).ToListAsync(cancellationToken);
            if (wanted.Except(newRoles.Select(r => r.Key), StringComparer.Ordinal).FirstOrDefault() is { } unknown)
            {
                return Refusal.Invalid("roles", $"This organization has no role '{unknown}'.");
            }
        }

        // Units, all of this organization's; only when its plan has them.
        var oldUnits = membership.Units.Select(u => u.UnitId).Order().ToList();
        var newUnits = change.Units?.Distinct().Order().ToList() ?? oldUnits;
        if ((change.Units is not null || change.LimitedToUnits is not null) && !caller.Organization.Has(PlanFeature.Units))
        {
            return PlanGate.NotInPlan(PlanFeature.Units);
        }

        if (change.Units is not null && await db.Units.CountAsync(u => u.OrganizationId == caller.OrganizationId && newUnits.Contains(u.Id), cancellationToken) != newUnits.Count)
        {
            return Refusal.Invalid("units", "Every unit must be one of this organization's.");
        }

        var newLimited = change.LimitedToUnits ?? membership.LimitedToUnits;
        var newBaseRole = change.Role ?? membership.BaseRole;
        var granted = access.PermissionsOf(newBaseRole, newRoles.Select(r => r.Permissions));
        if (Lacking(caller, granted) is { Count: > 0 } lacking)
        {
            return Refusal.Forbidden($"You cannot grant permissions you do not hold: {string.Join(", ", lacking)}.");
        }

        var newStatus = status ?? membership.Status;
        var stopsBeingActiveAdmin = IsActiveAdmin(membership.BaseRole, membership.Status) && !IsActiveAdmin(newBaseRole, newStatus);
        if (stopsBeingActiveAdmin && !await HasAnotherActiveAdminAsync(membership, cancellationToken))
        {
            return LastAdmin(newStatus == MembershipStatus.Suspended ? "suspended" : "demoted");
        }

        var before = Describe(membership);
        var oldKeys = membership.Roles.Select(r => r.Role.Key).Order(StringComparer.Ordinal).ToList();
        var newKeys = newRoles.Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
        var changed = newBaseRole != membership.BaseRole || newStatus != membership.Status || !oldKeys.SequenceEqual(newKeys)
            || newLimited != membership.LimitedToUnits || !oldUnits.SequenceEqual(newUnits);
        if (changed)
        {
            if (newBaseRole != membership.BaseRole)
            {
                // An admin's choice; a directory group that maps a base role sets it again when the member's groups change.
                membership.BaseRoleSource = MembershipRoleSource.Manual;
            }

            membership.BaseRole = newBaseRole;
            membership.Status = newStatus;
            membership.LimitedToUnits = newLimited;
            membership.Units.RemoveAll(u => !newUnits.Contains(u.UnitId));
            foreach (var unitId in newUnits.Where(u => !oldUnits.Contains(u)))
            {
                membership.Units.Add(new MembershipUnit { MembershipId = membership.Id, UnitId = unitId, Source = MembershipUnitSource.Manual });
            }

            membership.Roles.RemoveAll(r => !newKeys.Contains(r.Role.Key));
            foreach (var role in newRoles.Where(r => !oldKeys.Contains(r.Key)))
            {
                membership.Roles.Add(new MembershipRole { MembershipId = membership.Id, RoleId = role.Id, Role = role, Source = MembershipRoleSource.Manual });
            }

            membership.AuthzVersion++;
            audit.Record(caller.Actor, caller.OrganizationId, "member.updated", "user", userId.ToString(), new { before, after = Describe(membership) });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return (await GetAsync(caller, userId, cancellationToken)).Value!;
    }

    /// <summary>Removes the membership (the account stays). Anyone may leave an organization; removing others needs <c>members:edit</c>.</summary>
    public async Task<Refusal?> RemoveAsync(OrganizationCaller requester, Guid userId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        var membership = await LoadAsync(caller.OrganizationId, userId, cancellationToken);
        if (membership is null)
        {
            return NoSuchMember();
        }

        var leaving = userId == caller.UserId;
        if (!leaving && MayActOn(caller, membership) is { } refused)
        {
            return refused;
        }

        if (IsActiveAdmin(membership.BaseRole, membership.Status) && !await HasAnotherActiveAdminAsync(membership, cancellationToken))
        {
            return LastAdmin("removed");
        }

        audit.Record(caller.Actor, caller.OrganizationId, leaving ? "member.left" : "member.removed", "user", userId.ToString(), Describe(membership));
        db.Memberships.Remove(membership);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>
    /// Locks the organization (<see cref="OrganizationLock.LockOrganizationAsync"/>) and reads the caller's permissions again under
    /// the lock: a caller demoted or removed a moment ago, after the route filter read them, acts with what they
    /// hold now.
    /// </summary>
    internal async Task<Outcome<OrganizationCaller>> LockAsync(OrganizationCaller caller, CancellationToken cancellationToken)
    {
        await db.LockOrganizationAsync(caller.OrganizationId, cancellationToken);
        if (caller.IsPlatformAdmin)
        {
            return caller;
        }

        return await access.ForUserAsync(caller.UserId, caller.OrganizationId, cancellationToken) is { } now
            ? caller with { Membership = now, Permissions = now.Permissions }
            : Refusal.Forbidden("You are not an active member of this organization.");
    }

    /// <summary>The effective permissions a base role and custom roles would give.</summary>
    /// <summary>
    /// The custom roles (by key) and units (by id) a request would give, checked as the organization's own: a 400 naming
    /// <c>roles</c> or <c>units</c>, or the plan's 403 when units are given without the <c>units</c> feature.
    /// </summary>
    internal async Task<Outcome<Grants>> GrantsAsync(Organization organization, IReadOnlyList<string>? roleKeys, IReadOnlyList<Guid>? unitIds,
        CancellationToken cancellationToken)
    {
        var keys = roleKeys?.Select(k => k.Trim()).Distinct(StringComparer.Ordinal).ToList() ?? [];
        var roles = keys.Count == 0
            ? []
            : await db.OrganizationRoles.AsNoTracking().Where(r => r.OrganizationId == organization.Id && keys.Contains(r.Key)).ToListAsync(cancellationToken);
        if (keys.Except(roles.Select(r => r.Key), StringComparer.Ordinal).FirstOrDefault() is { } unknown)
        {
            return Refusal.Invalid("roles", $"This organization has no role '{unknown}'.");
        }

        var units = unitIds?.Distinct().ToList() ?? [];
        if (units.Count > 0 && !organization.Has(PlanFeature.Units))
        {
            return PlanGate.NotInPlan(PlanFeature.Units);
        }

        if (units.Count > 0 && await db.Units.CountAsync(u => u.OrganizationId == organization.Id && units.Contains(u.Id), cancellationToken) != units.Count)
        {
            return Refusal.Invalid("units", "Every unit must be one of this organization's.");
        }

        return new Grants(keys, roles, units);
    }

    internal IReadOnlySet<string> PermissionsOf(string baseRole, IEnumerable<OrganizationRole> roles) =>
        access.PermissionsOf(baseRole, roles.Select(r => r.Permissions));

    /// <summary><see cref="MayActOn"/> for a member by user id, or 404 when the organization has no such member.</summary>
    internal async Task<Refusal?> MayActOnAsync(OrganizationCaller caller, Guid userId, CancellationToken cancellationToken) =>
        await LoadAsync(caller.OrganizationId, userId, cancellationToken) is { } membership ? MayActOn(caller, membership) : NoSuchMember();

    /// <summary>Only <c>members:edit</c> acts on members, and never on one who holds a permission the caller lacks.</summary>
    private Refusal? MayActOn(OrganizationCaller caller, Membership target)
    {
        if (!caller.Has(MembersEdit))
        {
            return OrganizationRoutes.MissingPermission(MembersEdit);
        }

        var held = access.PermissionsOf(target.BaseRole, target.Roles.Select(r => r.Role.Permissions));
        return Lacking(caller, held) is { Count: > 0 } lacking
            ? Refusal.Forbidden($"This member holds permissions you do not: {string.Join(", ", lacking)}.")
            : null;
    }

    private static List<string> Lacking(OrganizationCaller caller, IEnumerable<string> permissions) =>
        permissions.Where(p => !caller.Has(p)).Order(StringComparer.Ordinal).ToList();

    private static bool IsActiveAdmin(string baseRole, MembershipStatus status) => baseRole == BuiltInRoles.Admin && status == MembershipStatus.Active;

    /// <summary>An active admin other than this one, whose account is not disabled.</summary>
    private Task<bool> HasAnotherActiveAdminAsync(Membership membership, CancellationToken cancellationToken) =>
        db.Memberships.AnyAsync(m => m.OrganizationId == membership.OrganizationId && m.Id != membership.Id
            && m.BaseRole == BuiltInRoles.Admin && m.Status == MembershipStatus.Active && !m.User.IsDisabled, cancellationToken);

    private static Refusal LastAdmin(string what) =>
        Refusal.Conflict($"This is the organization's last active admin and cannot be {what}: make another member an admin first.");

    private static Refusal NoSuchMember() => Refusal.NotFound("This organization has no such member.");

    private Task<Membership?> LoadAsync(Guid organizationId, Guid userId, CancellationToken cancellationToken) =>
        db.Memberships.Include(m => m.Roles).ThenInclude(r => r.Role).Include(m => m.Units)
            .SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == userId, cancellationToken);

    private static object Describe(Membership membership) => new
    {
        role = membership.BaseRole,
        roles = membership.Roles.Select(r => r.Role.Key).Order(StringComparer.Ordinal).ToArray(),
        status = Lower(membership.Status),
        limitedToUnits = membership.LimitedToUnits,
        units = membership.Units.Select(u => u.UnitId).Order().ToArray(),
    };

    internal static string Lower<TEnum>(TEnum value) where TEnum : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    /// <summary>The columns of a member, read in one query (custom roles and units included); the view is made in memory.</summary>
    internal sealed record Row(Guid MembershipId, Guid UserId, string Email, string? Name, string? GivenName, string? FamilyName, string? LegacyUserName,
        string? Company, string BaseRole, List<string> Roles, MembershipStatus Status, MembershipSource Source, bool LimitedToUnits, List<Guid> Units,
        bool Disabled, DateTime JoinedAt, DateTime? LastLoginAt, int AuthzVersion)
    {
        public MemberView View => new(UserId, Email,
            new Accounts.User { Email = Email, Name = Name, GivenName = GivenName, FamilyName = FamilyName, LegacyUserName = LegacyUserName }.DisplayName,
            Name, GivenName, FamilyName, Company, BaseRole, [.. Roles.Order(StringComparer.Ordinal)], Lower(Status), Lower(Source), LimitedToUnits,
            [.. Units.Order()], Disabled, JoinedAt, LastLoginAt, AuthzVersion);
    }

    internal static IQueryable<Row> Project(IQueryable<Membership> memberships) => memberships.Select(Projection);

    /// <summary>A membership as a <see cref="Row"/>; the member list extends it with its sort column.</summary>
    internal static readonly System.Linq.Expressions.Expression<Func<Membership, Row>> Projection = m => new Row(m.Id, m.UserId, m.User.Email!, m.User.Name, m.User.GivenName, m.User.FamilyName, m.User.LegacyUserName,
            m.User.Company, m.BaseRole, m.Roles.Select(r => r.Role.Key).ToList(), m.Status, m.Source, m.LimitedToUnits,
            m.Units.Select(u => u.UnitId).ToList(), m.User.IsDisabled, m.JoinedAt, m.User.LastLoginAt, m.AuthzVersion);
}

/// <summary>What a new member, invitation or invite link gives besides its base role: custom roles (their keys as asked) and units.</summary>
internal sealed record Grants(List<string> RoleKeys, List<OrganizationRole> Roles, List<Guid> Units);
