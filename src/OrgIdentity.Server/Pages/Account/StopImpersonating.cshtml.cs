using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Impersonation;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>The banner's button: ends the impersonation (audited) and its session; the admin signs in again as themselves.</summary>
public sealed class StopImpersonatingModel(ImpersonationService impersonations, SignInManager<User> signIn) : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (Guid.TryParse(User.GetClaim(ImpersonationService.Claim), out var id))
        {
            await impersonations.EndAsync(id, HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken);
            await signIn.SignOutAsync();
            StatusMessage = "Impersonation stopped. Sign in again as yourself.";
        }

        return RedirectToPage("/Account/Login");
    }
}
