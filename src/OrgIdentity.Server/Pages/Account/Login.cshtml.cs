using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Sso;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>
/// E-mail first (home-realm discovery, DESIGN.md §4): an address in a domain verified by an organization with an enabled
/// SSO connection goes to that provider; any other gets the password step. A form that posts both at once (a password
/// manager, a script) signs in directly, unless the address's organization requires SSO.
/// </summary>
[EnableRateLimiting(AccountsExtensions.SignInRateLimit)]
public sealed class LoginModel(PasswordSignIn passwordSignIn, SsoSignIn sso, IOptions<SignUpOptions> signUp) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [TempData]
    public string? StatusMessage { get; set; }

    public bool SignUpEnabled => signUp.Value.Enabled;

    /// <summary>The second step: the address has no SSO to go to.</summary>
    public bool AskPassword { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            AskPassword = !string.IsNullOrEmpty(Input.Password);
            return Page();
        }

        var returnUrl = Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/";
        var connection = await sso.ForEmailAsync(Input.Email, cancellationToken);
        if (string.IsNullOrEmpty(Input.Password))
        {
            if (connection is not null)
            {
                return await SsoSignIn.ChallengeAsync(HttpContext, connection.Id, returnUrl, Input.Email)
                    ? new EmptyResult()
                    : Refuse("Your organization's single sign-on is not available right now. Try again, or ask your administrator.", askPassword: false);
            }

            // The password step; nothing is checked yet, so nothing is said about the address.
            AskPassword = true;
            ModelState.Clear();
            return Page();
        }

        if (connection is { RequireSso: true })
        {
            // The password is not even checked: this organization's people sign in at its provider only.
            return Refuse($"This address signs in through {connection.Name}. Continue without a password to go there.", askPassword: false);
        }

        var outcome = await passwordSignIn.SignInAsync(Input.Email, Input.Password, Input.RememberMe, cancellationToken);
        if (outcome == SignInOutcome.SignedIn)
        {
            return LocalRedirect(returnUrl);
        }

        return Refuse(outcome switch
        {
            SignInOutcome.EmailNotConfirmed => "Confirm your e-mail address first. We have sent you a new confirmation link.",
            SignInOutcome.Disabled => "This account is disabled. Contact your administrator.",
            _ => "Wrong e-mail or password. After repeated failures an account is locked for a while; you can reset your password.",
        }, askPassword: true);
    }

    private PageResult Refuse(string message, bool askPassword)
    {
        AskPassword = askPassword;
        Input.Password = "";
        ModelState.Clear();
        ModelState.AddModelError(string.Empty, message);
        return Page();
    }

    public sealed class InputModel
    {
        [Required, EmailAddress, StringLength(256)]
        public string Email { get; set; } = "";

        // Empty on the e-mail step.
        [StringLength(512)]
        public string? Password { get; set; }

        [Display(Name = "Keep me signed in")]
        public bool RememberMe { get; set; }
    }
}
