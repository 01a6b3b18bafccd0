using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The form of a custom role (New role and Edit role): name, description and the View/Edit grid of the permission
/// catalog. The grid only draws the catalog; what may be granted is <see cref="CustomRolesService"/>'s to decide.
/// </summary>
public abstract class RoleEditorModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, PermissionCatalog catalog)
    : OrgPage(access, users, db)
{
    /// <summary>Typed on New; from the route on Edit (a role's key never changes).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Key { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Description { get; set; }

    /// <summary>The ticked boxes of the grid, e.g. <c>assets:edit</c>.</summary>
    [BindProperty]
    public List<string> Granted { get; set; } = [];

    /// <summary>Why the last save changed nothing, shown next to its field (or above the form).</summary>
    public Refusal? Problem { get; private set; }

    public abstract bool IsNew { get; }

    public PermissionCatalog Catalog => catalog;

    public bool IsGranted(string permission) => Granted.Contains(permission, StringComparer.Ordinal);

    /// <summary>
    /// A box the caller could never tick (they lack the permission) is shown disabled, unless it is already ticked: the
    /// service would refuse it anyway, and saying so up front saves a round trip.
    /// </summary>
    public bool IsOffered(string permission) => Caller.Has(permission) || IsGranted(permission);

    public string? ErrorFor(string field) => Problem?.Field == field ? Problem.Detail : null;

    /// <summary>The form again, with the refusal's reason, and the refusal's status code.</summary>
    protected IActionResult Rejected(Refusal refusal)
    {
        Problem = refusal;
        Response.StatusCode = refusal.Status;
        return Page();
    }

    /// <summary>Back to the list of roles with <paramref name="message"/> shown once.</summary>
    protected IActionResult BackToRoles(string message)
    {
        Flash = message;
        return RedirectToPage("/Orgs/Roles", new { orgId = OrgId });
    }
}
