using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Server.AspNetCore;
using OrgIdentity.Server.Accounts;

namespace OrgIdentity.Server.Pages.Connect;

/// <summary>
/// RP-initiated logout (OIDC RP-Initiated Logout 1.0). A signed-in user confirms, so a third-party page
/// cannot sign them out silently; OpenIddict then returns to the registered post_logout_redirect_uri.
/// </summary>
public sealed class LogoutModel(SignInManager<User> signIn) : PageModel
{
    public async Task<IActionResult> OnGetAsync() =>
        User.Identity?.IsAuthenticated == true ? Page() : await SignOutAsync();

    public Task<IActionResult> OnPostAsync() => SignOutAsync();

    private async Task<IActionResult> SignOutAsync()
    {
        await signIn.SignOutAsync();
        return SignOut(new AuthenticationProperties { RedirectUri = "/" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
