using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Units;

public sealed record UnitView(Guid Id, string Name, DateTime CreatedAt, int LimitedMembers);

/// <summary>
/// The rules for units: <c>units:edit</c> creates, renames and deletes them; a unit some member is limited to cannot
/// be deleted. A new unit needs no grant: members who are not limited see every unit, so they see it at once.
/// </summary>
public sealed class UnitsService(OrgIdentityDbContext db, MembersService members, AuditLog audit, TimeProvider time)
{
    public const string UnitsEdit = "units:edit";

    public async Task<IReadOnlyList<UnitView>> ListAsync(OrganizationCaller caller, CancellationToken cancellationToken) =>
        await db.Units.AsNoTracking().Where(u => u.OrganizationId == caller.OrganizationId).OrderBy(u => u.Name)
            .Select(u => new UnitView(u.Id, u.Name, u.CreatedAt,
                db.MembershipUnits.Count(mu => mu.UnitId == u.Id && mu.Membership.LimitedToUnits && mu.Membership.BaseRole != Roles.BuiltInRoles.Admin)))
            .ToListAsync(cancellationToken);

    public async Task<Outcome<UnitView>> CreateAsync(OrganizationCaller requester, string? name, CancellationToken cancellationToken)
    {
        if (ValidateName(name) is { } invalid)
        {
            return invalid;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(UnitsEdit))
        {
            return OrganizationRoutes.MissingPermission(UnitsEdit);
        }

        var trimmed = name!.Trim();
        if (await db.Units.AnyAsync(u => u.OrganizationId == caller.OrganizationId && u.Name == trimmed, cancellationToken))
        {
            return Refusal.Conflict($"This organization already has a unit named '{trimmed}'.");
        }

        var unit = new Unit { Id = Guid.CreateVersion7(), OrganizationId = caller.OrganizationId, Name = trimmed, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Units.Add(unit);
        audit.Record(caller.Actor, caller.OrganizationId, "unit.created", "unit", unit.Id.ToString(), new { unit.Name });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new UnitView(unit.Id, unit.Name, unit.CreatedAt, 0);
    }

    public async Task<Outcome<UnitView>> RenameAsync(OrganizationCaller requester, Guid unitId, string? name, CancellationToken cancellationToken)
    {
        if (ValidateName(name) is { } invalid)
        {
            return invalid;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(UnitsEdit))
        {
            return OrganizationRoutes.MissingPermission(UnitsEdit);
        }

        var unit = await db.Units.SingleOrDefaultAsync(u => u.Id == unitId && u.OrganizationId == caller.OrganizationId, cancellationToken);
        if (unit is null)
        {
            return NoSuchUnit();
        }

        var trimmed = name!.Trim();
        if (trimmed != unit.Name && await db.Units.AnyAsync(u => u.OrganizationId == caller.OrganizationId && u.Name == trimmed, cancellationToken))
        {
            return Refusal.Conflict($"This organization already has a unit named '{trimmed}'.");
        }

        if (trimmed != unit.Name)
        {
            audit.Record(caller.Actor, caller.OrganizationId, "unit.renamed", "unit", unit.Id.ToString(), new { before = unit.Name, after = trimmed });
            unit.Name = trimmed;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return new UnitView(unit.Id, unit.Name, unit.CreatedAt, await LimitedMembersAsync(unit.Id, cancellationToken));
    }

    public async Task<Refusal?> DeleteAsync(OrganizationCaller requester, Guid unitId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(UnitsEdit))
        {
            return OrganizationRoutes.MissingPermission(UnitsEdit);
        }

        var unit = await db.Units.SingleOrDefaultAsync(u => u.Id == unitId && u.OrganizationId == caller.OrganizationId, cancellationToken);
        if (unit is null)
        {
            return NoSuchUnit();
        }

        var limited = await LimitedMembersAsync(unit.Id, cancellationToken);
        if (limited > 0)
        {
            return Refusal.Conflict(limited == 1
                ? $"1 member is limited to the unit '{unit.Name}'; change their units first."
                : $"{limited} members are limited to the unit '{unit.Name}'; change their units first.");
        }

        // Grants to members who are not limited (so see every unit anyway) go with the unit.
        await db.MembershipUnits.Where(mu => mu.UnitId == unit.Id).ExecuteDeleteAsync(cancellationToken);
        db.Units.Remove(unit);
        audit.Record(caller.Actor, caller.OrganizationId, "unit.deleted", "unit", unit.Id.ToString(), new { unit.Name });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    private Task<int> LimitedMembersAsync(Guid unitId, CancellationToken cancellationToken) =>
        db.MembershipUnits.CountAsync(mu => mu.UnitId == unitId && mu.Membership.LimitedToUnits && mu.Membership.BaseRole != Roles.BuiltInRoles.Admin, cancellationToken);

    private static Refusal? ValidateName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100 ? Refusal.Invalid("name", "The name is required and at most 100 characters.") : null;

    private static Refusal NoSuchUnit() => Refusal.NotFound("This organization has no such unit.");
}
