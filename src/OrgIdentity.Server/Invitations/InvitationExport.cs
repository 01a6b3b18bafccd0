using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Invitations;

/// <summary>
/// The rows the member export appends for invitations nobody has accepted yet (<c>includeInvitations=true</c>): pending
/// ones as <c>invited</c>, expired ones as <c>invitation-expired</c>, source <c>invitation</c>, in the member columns.
/// </summary>
internal static class InvitationExport
{
    public static async Task WriteAsync(OrgIdentityDbContext db, CsvWriter csv, Guid organizationId, DateTime now, CancellationToken cancellationToken)
    {
        var roles = await db.OrganizationRoles.AsNoTracking().Where(r => r.OrganizationId == organizationId).ToDictionaryAsync(r => r.Id, r => r.Key, cancellationToken);
        var units = await db.Units.AsNoTracking().Where(u => u.OrganizationId == organizationId).ToDictionaryAsync(u => u.Id, u => u.Name, cancellationToken);
        // An organization has few open invitations next to its members: one query.
        var open = await db.Invitations.AsNoTracking()
            .Where(i => i.OrganizationId == organizationId && i.Status == InvitationStatus.Pending)
            .OrderBy(i => i.InvitedAt).ThenBy(i => i.Id)
            .ToListAsync(cancellationToken);
        foreach (var invitation in open)
        {
            var unitNames = invitation.UnitIds.Where(units.ContainsKey).Select(u => units[u]).Order(StringComparer.Ordinal).ToList();
            await csv.WriteRowAsync(
            [
                "", invitation.Email, "", invitation.BaseRole,
                string.Join(';', invitation.RoleIds.Where(roles.ContainsKey).Select(r => roles[r]).Order(StringComparer.Ordinal)),
                unitNames.Count > 0 && invitation.BaseRole != Roles.BuiltInRoles.Admin ? string.Join(';', unitNames) : "*",
                invitation.ExpiresAt > now ? "invited" : "invitation-expired", "invitation", "", "",
            ], cancellationToken);
        }
    }
}
