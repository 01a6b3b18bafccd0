using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Data;

namespace OrgIdentity.Server.Organizations;

internal static class OrganizationLock
{
    /// <summary>
    /// Takes the organization's row lock as the transaction's first write (PostgreSQL and SQL Server lock the row,
    /// SQLite the database): membership changes of one organization then run one at a time, so two admins
    /// demoting each other, or an admin deleted while demoting the other, cannot both pass the last-admin check.
    /// Callers that lock several organizations lock them in id order, so two of them cannot deadlock.
    /// </summary>
    public static async Task LockOrganizationAsync(this OrgIdentityDbContext db, Guid organizationId, CancellationToken cancellationToken) =>
        await db.Organizations.Where(o => o.Id == organizationId)
            .ExecuteUpdateAsync(o => o.SetProperty(x => x.Revision, x => x.Revision + 1), cancellationToken);
}
