using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Accounts;

namespace OrgIdentity.Server.Pages.Account;

[EnableRateLimiting(AccountsExtensions.SignInRateLimit)]
public sealed class LoginModel(PasswordSignIn passwordSignIn, IOptions<SignUpOptions> signUp) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [TempData]
    public string? StatusMessage { get; set; }

    public bool SignUpEnabled => signUp.Value.Enabled;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var outcome = await passwordSignIn.SignInAsync(Input.Email, Input.Password, Input.RememberMe, cancellationToken);
        if (outcome == SignInOutcome.SignedIn)
        {
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
        }

        ModelState.AddModelError(string.Empty, outcome switch
        {
            SignInOutcome.EmailNotConfirmed => "Confirm your e-mail address first. We have sent you a new confirmation link.",
            SignInOutcome.Disabled => "This account is disabled. Contact your administrator.",
            _ => "Wrong e-mail or password. After repeated failures an account is locked for a while; you can reset your password.",
        });
        return Page();
    }

    public sealed class InputModel
    {
        [Required, EmailAddress, StringLength(256)]
        public string Email { get; set; } = "";

        [Required, StringLength(512)]
        public string Password { get; set; } = "";

        [Display(Name = "Keep me signed in")]
        public bool RememberMe { get; set; }
    }
}
