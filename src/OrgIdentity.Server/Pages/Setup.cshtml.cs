using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using OrgIdentity.Server.Accounts;

namespace OrgIdentity.Server.Pages;

/// <summary>The one-time setup link printed at first start when no bootstrap admin is configured.</summary>
[EnableRateLimiting(AccountsExtensions.SignInRateLimit)]
public sealed class SetupModel(BootstrapAdmin bootstrap, UserManager<User> users, SignInManager<User> signIn) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public InputModel Input { get; set; } = new();

    public bool Valid { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Valid = await bootstrap.IsSetupTokenValidAsync(Token, cancellationToken);
        if (!Valid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Valid = await bootstrap.IsSetupTokenValidAsync(Token, cancellationToken);
        if (!Valid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await bootstrap.CompleteSetupAsync(Token!, Input.Name, Input.Email, Input.Password, cancellationToken);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(string.Empty, error.Description);
            }

            return Page();
        }

        await signIn.SignInAsync((await users.FindByEmailAsync(Input.Email))!, isPersistent: false, authenticationMethod: "pwd");
        return RedirectToPage("/Index");
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
