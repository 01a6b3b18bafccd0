using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console pages of one organization (<c>/Orgs/{orgId}/…</c>): the signed-in person's active membership there (or a
/// platform admin) and its permissions, read from the database on every request, as the API does; and the organizations
/// the person can switch to.
/// </summary>
public abstract class OrgPage(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid OrgId { get; set; }

    public string OrganizationName { get; private set; } = "";
    public string OrganizationSlug { get; private set; } = "";
    public IReadOnlyList<MembershipSummary> Switcher { get; private set; } = [];
    public IReadOnlySet<string> Permissions { get; private set; } = new HashSet<string>();

    /// <summary>Null when the person may see the page with <paramref name="permission"/>; else the 403 or 404 to answer.</summary>
    protected async Task<IActionResult?> AuthorizeAsync(string permission, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(users.GetUserId(User), out var userId))
        {
            return Challenge();
        }

        var organization = await db.Organizations.AsNoTracking().Where(o => o.Id == OrgId).Select(o => new { o.Name, o.Slug }).SingleOrDefaultAsync(cancellationToken);
        var platformAdmin = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.IsPlatformAdmin).SingleOrDefaultAsync(cancellationToken);
        var membership = organization is null ? null : await access.ForUserAsync(userId, OrgId, cancellationToken);
        Permissions = platformAdmin ? access.Everything : membership?.Permissions ?? new HashSet<string>();
        if (organization is null || (membership is null && !platformAdmin))
        {
            // The same answer for an organization that does not exist and one the person is not in.
            return NotFound();
        }

        if (!Permissions.Contains(permission))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        OrganizationName = organization.Name;
        OrganizationSlug = organization.Slug;
        Switcher = await access.ActiveMembershipsAsync(userId, cancellationToken);
        return null;
    }
}
