using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console pages of one organization (<c>/Orgs/{orgId}/…</c>). <see cref="AuthorizeAsync"/> resolves the signed-in
/// person exactly as the API's organization routes do (<see cref="OrganizationCaller"/>: an active membership there, or
/// a platform admin, read from the database on every request), so a page calls the same services with the same caller
/// and no rule is written twice. Actions post back, then redirect with a flash message (post/redirect/get).
/// </summary>
public abstract class OrgPage(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid OrgId { get; set; }

    /// <summary>Who is acting, with the permissions the services check; set by <see cref="AuthorizeAsync"/>.</summary>
    public OrganizationCaller Caller { get; private set; } = null!;

    /// <summary>The request's database context, for what a page only reads to show (names, counts); rules stay in the services.</summary>
    protected OrgIdentityDbContext Db => db;

    public Organization Organization => Caller.Organization;
    public string OrganizationName => Caller?.Organization.Name ?? "";
    public string OrganizationSlug => Caller?.Organization.Slug ?? "";
    public IReadOnlyList<MembershipSummary> Switcher { get; private set; } = [];
    public IReadOnlySet<string> Permissions => Caller?.Permissions ?? new HashSet<string>();

    /// <summary>The message of the last action, shown once after its redirect.</summary>
    [TempData]
    public string? Flash { get; set; }

    /// <summary>Why the last action changed nothing, shown once after its redirect (or on the page it re-rendered).</summary>
    [TempData]
    public string? FlashError { get; set; }

    /// <summary>
    /// Null when the person may see the page with <paramref name="permission"/> (and the organization's plan has
    /// <paramref name="feature"/>); else the 403 or 404 to answer. A feature outside the plan is a 404: its screen is
    /// left out of the console, not stubbed.
    /// </summary>
    protected async Task<IActionResult?> AuthorizeAsync(string permission, CancellationToken cancellationToken, PlanFeature? feature = null)
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

        var organization = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == OrgId, cancellationToken);
        var membership = organization is null ? null : await access.ForUserAsync(userId, OrgId, cancellationToken);
        if (organization is null || (membership is null && !user.IsPlatformAdmin) || (feature is { } needed && !organization.Has(needed)))
        {
            // The same answer for an organization that does not exist and one the person is not in.
            return NotFound();
        }

        Caller = new OrganizationCaller(userId, user.IsPlatformAdmin, organization, membership,
            user.IsPlatformAdmin ? access.Everything : membership!.Permissions, AuditActor.From(HttpContext));
        if (!Caller.Has(permission))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        Switcher = await access.ActiveMembershipsAsync(userId, cancellationToken);
        // The console is wider than the sign-in forms.
        ViewData["Wide"] = true;
        return null;
    }

    /// <summary>Back to this page (GET) with <paramref name="message"/> shown once.</summary>
    protected IActionResult Done(string message, object? routeValues = null)
    {
        Flash = message;
        return RedirectToPage(null, routeValues ?? new { orgId = OrgId });
    }

    /// <summary>Back to this page (GET) with the refusal's reason shown once; nothing was changed.</summary>
    protected IActionResult Refused(Refusal refusal, object? routeValues = null)
    {
        FlashError = refusal.Detail;
        return RedirectToPage(null, routeValues ?? new { orgId = OrgId });
    }

    /// <summary>The console's tabs this person may open in this organization, in order.</summary>
    public IEnumerable<ConsoleTab> Tabs => ConsoleTab.All.Where(t => Caller is not null && Caller.Has(t.Permission) && (t.Feature is null || Organization.Has(t.Feature.Value)));

    /// <summary>Whether <paramref name="page"/> (e.g. <c>/Orgs/Members</c>) is the page being shown, for the tab's <c>aria-current</c>.</summary>
    public bool IsCurrent(string page) => string.Equals(PageContext.ActionDescriptor.ViewEnginePath, page, StringComparison.OrdinalIgnoreCase)
        || PageContext.ActionDescriptor.ViewEnginePath.StartsWith(page + "/", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One tab of the console: its page, its label, and what opening it needs.</summary>
public sealed record ConsoleTab(string Page, string Label, string Permission, PlanFeature? Feature = null)
{
    /// <summary>
    /// Every tab, in the order of the navigation, each needing what its API routes need. A tab of a feature outside the
    /// organization's plan is left out (and its page answers 404), never stubbed.
    /// </summary>
    public static readonly IReadOnlyList<ConsoleTab> All =
    [
        new("/Orgs/Members", "Members", "members:view"),
        new("/Orgs/Invitations", "Invitations", "members:view", PlanFeature.Invitations),
        new("/Orgs/Roles", "Roles", "roles:view"),
        new("/Orgs/Units", "Units", "units:view", PlanFeature.Units),
        new("/Orgs/ServiceAccounts", "Service accounts", "access-tokens:view"),
        new("/Orgs/DirectorySync", "Directory sync", "organization-settings:edit", PlanFeature.Scim),
        new("/Orgs/SsoDomains", "SSO and domains", "organization-settings:view"),
        new("/Orgs/Audit", "Audit log", "audit-log:view"),
        new("/Orgs/Settings", "Settings", "organization-settings:view"),
    ];
}
