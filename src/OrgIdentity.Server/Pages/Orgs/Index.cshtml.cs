using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>The console's start: the organizations the signed-in person is an active member of.</summary>
[Authorize]
public sealed class IndexModel(MembershipAccess access, UserManager<User> users) : PageModel
{
    public IReadOnlyList<MembershipSummary> Organizations { get; private set; } = [];

    /// <summary>The organization picked in the console's switcher (a form without script posts it here).</summary>
    [BindProperty(SupportsGet = true)]
    public Guid? OrgId { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (OrgId is { } picked)
        {
            return RedirectToPage("/Orgs/Members", new { orgId = picked });
        }

        if (!Guid.TryParse(users.GetUserId(User), out var userId))
        {
            return Challenge();
        }

        Organizations = await access.ActiveMembershipsAsync(userId, cancellationToken);
        return Page();
    }
}
