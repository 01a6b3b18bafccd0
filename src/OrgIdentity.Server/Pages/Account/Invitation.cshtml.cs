using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Invitations;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>
/// Where an invitation e-mail's link lands. The first GET moves the token into a protected short-lived cookie and
/// comes back without it; then the page says who invites whom, and offers what fits: sign up (name and password,
/// the e-mail fixed and confirmed), sign in, accept, or switch account. Expired, revoked, used or unknown links say so.
/// </summary>
[EnableRateLimiting(AccountsExtensions.SignInRateLimit)]
public sealed class InvitationModel(InvitationsService invitations, PendingTokenCookie pending, UserManager<User> users, SignInManager<User> signIn)
    : PageModel
{
    public const string CookieName = "orgidentity.invitation";
    public const string PagePath = "/Account/Invitation";

    /// <summary>The pending-token cookie's path, under the application's path base (an issuer on a sub-path).</summary>
    private string CookiePath => Request.PathBase.Add(PagePath).Value!;

    [BindProperty]
    public InputModel Input { get; set; } = new();

    [TempData]
    public string? JoinedOrganization { get; set; }

    public InvitationPreview Invitation { get; private set; } = InvitationPreview.Unknown;

    /// <summary>The signed-in account's e-mail, when someone is signed in.</summary>
    public string? SignedInAs { get; private set; }

    public bool SignedInAsInvitee { get; private set; }

    /// <summary>Something to tell beside the invitation (already a member).</summary>
    public string? Notice { get; private set; }

    public string SignInUrl => Url.Content("~/Account/Login") + $"?ReturnUrl={Uri.EscapeDataString(PagePath)}";

    public async Task<IActionResult> OnGetAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is not null)
        {
            // Out of the URL (history, Referer, proxy logs) at once.
            pending.Keep(HttpContext, CookieName, token, CookiePath);
            return LocalRedirect(Url.Content("~" + PagePath));
        }

        if (JoinedOrganization is not null)
        {
            return Page();
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostSignUpAsync(CancellationToken cancellationToken)
    {
        if (User.Identity?.IsAuthenticated == true || !ModelState.IsValid)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        var outcome = await invitations.SignUpAndAcceptAsync(pending.Read(HttpContext, CookieName), Input.Name, Input.Password,
            HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        if (outcome.Result == AcceptResult.Accepted)
        {
            await signIn.SignInAsync(outcome.User!, isPersistent: false);
            return Joined(outcome.OrganizationName!);
        }

        foreach (var error in outcome.Errors ?? [])
        {
            ModelState.AddModelError(error.Code.StartsWith("Password", StringComparison.Ordinal) ? "Input.Password" : string.Empty, error.Description);
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAcceptAsync(CancellationToken cancellationToken)
    {
        // The sign-up fields are not part of this form.
        ModelState.Clear();
        if (await users.GetUserAsync(User) is not { } user)
        {
            return LocalRedirect(SignInUrl);
        }

        var outcome = await invitations.AcceptAsync(pending.Read(HttpContext, CookieName), user, HttpContext.Connection.RemoteIpAddress?.ToString(),
            cancellationToken);
        if (outcome.Result == AcceptResult.Accepted)
        {
            return Joined(outcome.OrganizationName!);
        }

        if (outcome.Result == AcceptResult.AlreadyMember)
        {
            Notice = $"You are already a member of {outcome.OrganizationName}; nothing changed.";
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>Signed in as someone else: sign out, and come back here to sign in or sign up as the invited address.</summary>
    public async Task<IActionResult> OnPostSwitchAccountAsync()
    {
        await signIn.SignOutAsync();
        return LocalRedirect(Url.Content("~" + PagePath));
    }

    private LocalRedirectResult Joined(string organization)
    {
        pending.Forget(HttpContext, CookieName, CookiePath);
        JoinedOrganization = organization;
        return LocalRedirect(Url.Content("~" + PagePath));
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Invitation = await invitations.PreviewAsync(pending.Read(HttpContext, CookieName), cancellationToken);
        if (User.Identity?.IsAuthenticated == true && await users.GetUserAsync(User) is { } user)
        {
            SignedInAs = user.Email;
            SignedInAsInvitee = Invitation.Email is not null && users.NormalizeEmail(user.Email) == users.NormalizeEmail(Invitation.Email);
        }
    }

    public sealed class InputModel
    {
        [Required, StringLength(200)]
        public string Name { get; set; } = "";

        [Required, StringLength(512)]
        public string Password { get; set; } = "";
    }
}
