using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Accounts;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>Sign-up asks for a name, an e-mail (the login) and a password; never a user name.</summary>
[EnableRateLimiting(AccountsExtensions.SignInRateLimit)]
public sealed class SignUpModel(AccountsService accounts, IOptions<SignUpOptions> signUp) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public IActionResult OnGet() => signUp.Value.Enabled ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!signUp.Value.Enabled)
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await accounts.SignUpAsync(Input.Name, Input.Email, Input.Password, cancellationToken);
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
