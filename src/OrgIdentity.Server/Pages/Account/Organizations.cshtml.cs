using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>
/// Organizations the signed-in person may join by themselves (open sign-up, or a verified domain of their confirmed
/// e-mail), each with a Join button; <c>/Account/Organizations/{slug}</c> is a direct "Join …?" page for one of them.
/// The rules are <see cref="SelfJoin"/>'s.
/// </summary>
[Authorize]
public sealed class OrganizationsModel(SelfJoin selfJoin, UserManager<User> users) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Slug { get; set; }

    [TempData]
    public string? StatusMessage { get; set; }

    public IReadOnlyList<JoinableOrganization> Joinable { get; private set; } = [];

    /// <summary>The one organization of a direct link: what joining it would do.</summary>
    public SelfJoinResult? Offer { get; private set; }

    /// <summary>Why the person cannot join (shown with a 403 or 404).</summary>
    public string? Refused { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (UserId() is not { } userId)
        {
            return Challenge();
        }

        if (string.IsNullOrWhiteSpace(Slug))
        {
            Joinable = await selfJoin.ListAsync(userId, cancellationToken);
            return Page();
        }

        if (await selfJoin.FindAsync(Slug, cancellationToken) is not { } organizationId)
        {
            return Refuse(Refusal.NotFound("There is no such organization. Check the link you were given."));
        }

        var preview = await selfJoin.PreviewAsync(userId, organizationId, cancellationToken);
        if (preview.Refusal is { } refusal)
        {
            return Refuse(refusal);
        }

        Offer = preview.Value;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        if (UserId() is not { } userId)
        {
            return Challenge();
        }

        var joined = await selfJoin.JoinAsync(userId, organizationId, AuditActor.From(HttpContext), cancellationToken);
        if (joined.Refusal is { } refusal)
        {
            return Refuse(refusal);
        }

        var result = joined.Value!;
        StatusMessage = result.AlreadyMember
            ? $"You are already a member of {result.Name}; nothing changed."
            : $"You joined {result.Name} as {result.Role}.";
        return RedirectToPage("/Account/Organizations", new { slug = (string?)null });
    }

    private PageResult Refuse(Refusal refusal)
    {
        Refused = refusal.Detail;
        Response.StatusCode = refusal.Status;
        return Page();
    }

    private Guid? UserId() => Guid.TryParse(users.GetUserId(User), out var id) ? id : null;
}
