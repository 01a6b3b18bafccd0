using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Pages.Admin;

/// <summary>
/// The platform admin pages (<c>/Admin/…</c>): only an active platform admin, read from the database on every request as
/// the API's <c>/api/v1/users</c> does, sees them; anyone else gets a 404, so the pages do not say they exist. Actions post
/// back, then redirect with a flash message (post/redirect/get), as the organization console does.
/// </summary>
public abstract class AdminPage(UserManager<User> users, OrgIdentityDbContext db) : PageModel
{
    /// <summary>The signed-in platform admin; set by <see cref="AuthorizeAsync"/>.</summary>
    public Guid UserId { get; private set; }

    /// <summary>Who is acting, for the audit log.</summary>
    public AuditActor Actor => AuditActor.From(HttpContext);

    [TempData]
    public string? Flash { get; set; }

    [TempData]
    public string? FlashError { get; set; }

    /// <summary>Null when the signed-in person is an active platform admin; else the challenge or 404 to answer.</summary>
    protected async Task<IActionResult?> AuthorizeAsync(CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(users.GetUserId(User), out var userId))
        {
            return Challenge();
        }

        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.IsPlatformAdmin, u.IsDisabled }).SingleOrDefaultAsync(cancellationToken);
        if (user is null || user.IsDisabled)
        {
            return Challenge();
        }

        if (!user.IsPlatformAdmin)
        {
            return NotFound();
        }

        UserId = userId;
        ViewData["Wide"] = true;
        return null;
    }

    /// <summary>Back to this page (GET, with <paramref name="routeValues"/>) with <paramref name="message"/> shown once.</summary>
    protected IActionResult Done(string message, object? routeValues = null)
    {
        Flash = message;
        return RedirectToPage(null, routeValues);
    }

    /// <summary>Back to this page with the refusal's reason shown once; nothing was changed.</summary>
    protected IActionResult Refused(Refusal refusal, object? routeValues = null)
    {
        FlashError = refusal.Detail;
        return RedirectToPage(null, routeValues);
    }

    /// <summary>Whether <paramref name="page"/> (e.g. <c>/Admin/Users</c>) is the page being shown, for the tab's <c>aria-current</c>.</summary>
    public bool IsCurrent(string page) => string.Equals(PageContext.ActionDescriptor.ViewEnginePath, page, StringComparison.OrdinalIgnoreCase);
}
