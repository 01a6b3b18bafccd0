using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Impersonation;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>
/// Turns an impersonation started through the API into a browser session of the member, in the browser of the admin
/// who started it (signed in as themselves), once. The session ends with the impersonation: stopped, or at its expiry.
/// </summary>
[Authorize]
public sealed class ImpersonateModel(ImpersonationService impersonations, UserManager<User> users, SignInManager<User> signIn, OrgIdentityDbContext db,
    TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    public string? Problem { get; private set; }
    public string Reason { get; private set; } = "";
    public int Minutes { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var session = await db.Set<ImpersonationSession>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == Id, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        if (ImpersonationService.IsImpersonating(User) || session is null || session.ActorUserId.ToString() != users.GetUserId(User)
            || !session.IsLive(now) || session.UsedAt is not null)
        {
            return Refused("This impersonation does not exist, has ended, was already used, or was started by someone else.");
        }

        Reason = session.Reason;
        Minutes = (int)Math.Ceiling((session.ExpiresAt - now).TotalMinutes);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ImpersonationService.IsImpersonating(User) || !Guid.TryParse(users.GetUserId(User), out var adminId))
        {
            return Refused("You are impersonating someone already; stop that first.");
        }

        var (member, session, error) = await impersonations.BeginBrowserSessionAsync(Id, adminId, id => users.FindByIdAsync(id.ToString()),
            HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        if (error is not null)
        {
            return Refused(error);
        }

        // Not persistent, not sliding, and gone at the impersonation's expiry; the admin's own session is replaced.
        var properties = new AuthenticationProperties
        {
            IsPersistent = false,
            AllowRefresh = false,
            ExpiresUtc = new DateTimeOffset(session!.ExpiresAt, TimeSpan.Zero),
            Items =
            {
                [ImpersonationService.SessionItem] = session.Id.ToString(),
                [ImpersonationService.ImpersonatorItem] = adminId.ToString(),
            },
        };
        await signIn.SignInWithClaimsAsync(member!, properties, [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.AuthenticationMethod, "impersonation")]);
        return LocalRedirect("/Account/Profile");
    }

    private PageResult Refused(string problem)
    {
        Problem = problem;
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Page();
    }
}
