using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Organizations;

/// <summary>
/// Makes a person a member, whatever the join path (invitation, invite link, self sign-up, and later SSO and SCIM):
/// the membership with its roles and units, the directory copy, the audit event and the welcome e-mail. Runs inside
/// the caller's transaction, after the caller has taken the organization's lock (<see cref="OrganizationLock"/>) and
/// checked that the person is not a member yet.
/// </summary>
public sealed class OrganizationJoin(OrgIdentityDbContext db, AuditLog audit, WelcomeEmails welcome, TimeProvider time)
{
    public async Task<Membership> AddAsync(Organization organization, User user, MembershipSource source, string baseRole,
        IReadOnlyCollection<Guid> roleIds, IReadOnlyCollection<Guid> unitIds, AuditActor actor, CancellationToken cancellationToken)
    {
        // Roles and units deleted since the invitation or link was made are skipped, not errors: the person still joins.
        var roles = roleIds.Count == 0
            ? []
            : await db.OrganizationRoles.Where(r => r.OrganizationId == organization.Id && roleIds.Contains(r.Id)).Select(r => r.Id).ToListAsync(cancellationToken);
        var units = unitIds.Count == 0
            ? []
            : await db.Units.Where(u => u.OrganizationId == organization.Id && unitIds.Contains(u.Id)).Select(u => u.Id).ToListAsync(cancellationToken);
        var membership = new Membership
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organization.Id,
            UserId = user.Id,
            BaseRole = baseRole,
            Status = MembershipStatus.Active,
            Source = source,
            // Admins are never limited; anyone else given units sees only those.
            LimitedToUnits = unitIds.Count > 0 && baseRole != BuiltInRoles.Admin,
            JoinedAt = time.GetUtcNow().UtcDateTime,
        }.CopyFrom(user);
        membership.Roles.AddRange(roles.Select(r => new MembershipRole { MembershipId = membership.Id, RoleId = r, Source = MembershipRoleSource.Manual }));
        membership.Units.AddRange(units.Select(u => new MembershipUnit { MembershipId = membership.Id, UnitId = u, Source = MembershipUnitSource.Manual }));
        db.Memberships.Add(membership);
        audit.Record(actor, organization.Id, "member.joined", "user", user.Id.ToString(),
            new { source = MembersService.Lower(source), role = baseRole, roles, units });
        await welcome.QueueAsync(organization, user, membership);
        return membership;
    }
}
