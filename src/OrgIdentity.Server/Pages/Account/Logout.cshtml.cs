using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Sso;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>Signs out of OrgIdentity itself (applications use /connect/logout), and of the SSO provider the session came from.</summary>
public sealed class LogoutModel(SignInManager<User> signIn, ILogger<LogoutModel> logger) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        var connection = await SsoSignIn.SessionConnectionAsync(HttpContext);
        await signIn.SignOutAsync();
        if (connection is { } id && await SsoSignIn.SignOutUpstreamAsync(HttpContext, id, "/", logger))
        {
            return new EmptyResult();
        }

        return RedirectToPage("/Index");
    }
}
