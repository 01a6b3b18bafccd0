using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using OrgIdentity.Server.Accounts;

namespace OrgIdentity.Server.Pages.Account;

[EnableRateLimiting(AccountsExtensions.SignInRateLimit)]
public sealed class ForgotPasswordModel(AccountsService accounts) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        // The same answer whether or not the address has an account.
        await accounts.SendPasswordResetAsync(Input.Email, cancellationToken);
        return RedirectToPage("./CheckEmail");
    }

    public sealed class InputModel
    {
        [Required, EmailAddress, StringLength(256)]
        public string Email { get; set; } = "";
    }
}
