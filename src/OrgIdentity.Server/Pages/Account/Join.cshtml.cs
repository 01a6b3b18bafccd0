using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Invitations;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>
/// Joining an organization through its invite link (<c>/Account/Join?token=...</c>). The first GET keeps the token in a
/// short-lived protected cookie and redirects here without it. Signed out: what the link is, sign in or sign up (the
/// link's own sign-up form works even when public sign-up is off; the confirmation link leads back here). Signed in:
/// "Join &lt;organization&gt;?" with Accept, which re-checks everything under the organization's lock.
/// </summary>
[EnableRateLimiting(AccountsExtensions.SignInRateLimit)]
public sealed class JoinModel(InviteLinksService links, UserManager<User> users, AccountsService accounts, PendingTokenCookie pending) : PageModel
{
    public const string CookieName = "orgidentity.invite_link";
    public const string PagePath = "/Account/Join";

    public enum Screen
    {
        /// <summary>Unknown, expired, revoked or used up: nothing to do.</summary>
        Dead,
        SignInOrSignUp,
        Accept,
        AlreadyMember,
        NotAllowed,
        Joined,
    }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public Screen Show { get; private set; }
    public InviteLinkState State { get; private set; }
    public string? OrganizationName { get; private set; }
    public string? Role { get; private set; }
    public IReadOnlyList<string> AllowedDomains { get; private set; } = [];
    public string? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is not null)
        {
            // Out of the URL (history, Referer, proxy logs) and into a cookie only this page reads.
            if (InvitationTokens.LooksLikeToken(token))
            {
                pending.Keep(HttpContext, CookieName, token, CookiePath);
            }
            else
            {
                pending.Forget(HttpContext, CookieName, CookiePath);
            }

            return LocalRedirect(Url.Content("~" + PagePath));
        }

        var preview = await links.PreviewAsync(pending.Read(HttpContext, CookieName), cancellationToken);
        if (!Describe(preview))
        {
            return Page();
        }

        if (await users.GetUserAsync(User) is not { } user)
        {
            Show = Screen.SignInOrSignUp;
            return Page();
        }

        if (await links.IsMemberAsync(preview.OrganizationId!.Value, user.Id, cancellationToken))
        {
            Show = Screen.AlreadyMember;
        }
        else if (AllowedDomains.Count > 0 && !(user.EmailConfirmed && InviteLinksService.InAllowedDomain(user.Email, AllowedDomains)))
        {
            Show = Screen.NotAllowed;
            Problem = NotAllowedText(user.EmailConfirmed);
        }
        else
        {
            Show = Screen.Accept;
        }

        return Page();
    }

    /// <summary>Accept: the membership, with everything checked again in the transaction.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return Challenge();
        }

        var token = pending.Read(HttpContext, CookieName);
        var result = await links.JoinAsync(token, user.Id, AuditActor.From(HttpContext), cancellationToken);
        OrganizationName = result.OrganizationName;
        State = result.State;
        switch (result.Status)
        {
            case JoinStatus.Joined:
                pending.Forget(HttpContext, CookieName, CookiePath);
                Show = Screen.Joined;
                break;
            case JoinStatus.AlreadyMember:
                pending.Forget(HttpContext, CookieName, CookiePath);
                Show = Screen.AlreadyMember;
                break;
            case JoinStatus.EmailNotConfirmed or JoinStatus.DomainNotAllowed:
                Show = Screen.NotAllowed;
                AllowedDomains = (await links.PreviewAsync(token, cancellationToken)).AllowedDomains;
                Problem = NotAllowedText(result.Status != JoinStatus.EmailNotConfirmed);
                Response.StatusCode = StatusCodes.Status403Forbidden;
                break;
            default:
                Dead(result.State);
                break;
        }

        return Page();
    }

    /// <summary>Sign-up through the link: allowed while the link is live, whether or not public sign-up is on.</summary>
    public async Task<IActionResult> OnPostSignUpAsync(CancellationToken cancellationToken)
    {
        var preview = await links.PreviewAsync(pending.Read(HttpContext, CookieName), cancellationToken);
        if (!Describe(preview))
        {
            return Page();
        }

        Show = Screen.SignInOrSignUp;
        if (!ModelState.IsValid)
        {
            return Page();
        }

        // A link limited to some domains makes accounts only for addresses in them (public sign-up may be off).
        if (preview.AllowedDomains.Count > 0 && !InviteLinksService.InAllowedDomain(Input.Email, preview.AllowedDomains))
        {
            ModelState.AddModelError("Input.Email", $"This link is for addresses at {string.Join(", ", preview.AllowedDomains)}.");
            return Page();
        }

        var result = await accounts.SignUpAsync(Input.Name, Input.Email, Input.Password, cancellationToken, returnUrl: PagePath);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(error.Code.StartsWith("Password", StringComparison.Ordinal) ? "Input.Password" : string.Empty, error.Description);
            }

            return Page();
        }

        return RedirectToPage("./CheckEmail");
    }

    private string CookiePath => Request.PathBase.Add(PagePath).Value!;

    /// <summary>Fills in what the page says about the link; false (and the dead-link page) when it no longer lets anyone in.</summary>
    private bool Describe(InviteLinkPreview preview)
    {
        State = preview.State;
        OrganizationName = preview.OrganizationName;
        Role = preview.Role;
        AllowedDomains = preview.AllowedDomains;
        if (preview.State == InviteLinkState.Active)
        {
            return true;
        }

        Dead(preview.State);
        return false;
    }

    private void Dead(InviteLinkState state)
    {
        Show = Screen.Dead;
        State = state;
        Response.StatusCode = state == InviteLinkState.Unknown ? StatusCodes.Status404NotFound : StatusCodes.Status410Gone;
    }

    private string NotAllowedText(bool confirmed) => confirmed
        ? $"This invite link is only for e-mail addresses at {string.Join(", ", AllowedDomains)}. Sign in with such an address to join."
        : "This invite link is only for confirmed e-mail addresses of certain domains; confirm your e-mail address first.";

    public sealed class InputModel
    {
        [Required, StringLength(200)]
        public string Name { get; set; } = "";

        [Required, EmailAddress, StringLength(256)]
        public string Email { get; set; } = "";

        [Required, StringLength(512)]
        public string Password { get; set; } = "";
    }
}
