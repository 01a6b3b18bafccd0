using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrgIdentity.Server.Accounts;

namespace OrgIdentity.Server.Pages.Account;

public sealed class ResetPasswordModel(AccountsService accounts) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [TempData]
    public string? StatusMessage { get; set; }

    public IActionResult OnGet(Guid userId, string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return BadRequest();
        }

        Input = new InputModel { UserId = userId, Code = code };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await accounts.ResetPasswordAsync(Input.UserId, Input.Code, Input.Password);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(string.Empty, error.Code == "InvalidToken"
                    ? "This link has expired or was already used. Ask for a new one."
                    : error.Description);
            }

            return Page();
        }

        StatusMessage = "Your password has been changed. Sign in with the new one.";
        return RedirectToPage("./Login");
    }

    public sealed class InputModel
    {
        public Guid UserId { get; set; }

        [Required]
        public string Code { get; set; } = "";

        [Required, StringLength(512)]
        public string Password { get; set; } = "";

        [Required, Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
        public string ConfirmPassword { get; set; } = "";
    }
}
