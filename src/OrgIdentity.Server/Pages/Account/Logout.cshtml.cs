using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Impersonation;
using OrgIdentity.Server.Sso;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>Signs out of OrgIdentity itself (applications use /connect/logout), and of the SSO provider the session came from.</summary>
public sealed class LogoutModel(SignInManager<User> signIn, ImpersonationService impersonations, ILogger<LogoutModel> logger) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        var connection = await SsoSignIn.SessionConnectionAsync(HttpContext);
        if (Guid.TryParse(User.GetClaim(ImpersonationService.Claim), out var impersonation))
        {
            // Signing out of an impersonation's session ends the impersonation.
            await impersonations.EndAsync(impersonation, HttpContext.Connection.RemoteIpAddress?.ToString(), HttpContext.RequestAborted);
        }

        await signIn.SignOutAsync();
        if (connection is { } id && await SsoSignIn.SignOutUpstreamAsync(HttpContext, id, "/Account/SignedOut", logger))
        {
            return new EmptyResult();
        }

        return RedirectToPage("/Account/SignedOut");
    }
}
