using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Client.AspNetCore;
using OrgIdentity.Server.Sso;

namespace OrgIdentity.Server.Pages.Sso;

/// <summary>
/// Where a provider sends the browser after ending its session: OpenIddict's client checks the state, then this page
/// goes on to where the sign-out started (a local address only). Whatever the provider answered, the local session
/// is already gone.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class SignedOutModel : PageModel
{
    public Task<IActionResult> OnGetAsync() => HandleAsync();

    public Task<IActionResult> OnPostAsync() => HandleAsync();

    private async Task<IActionResult> HandleAsync()
    {
        AuthenticateResult result;
        try
        {
            result = await HttpContext.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        }
        catch (SsoConnectionUnavailableException)
        {
            return LocalRedirect("/");
        }

        var returnUrl = result.Succeeded ? result.Properties?.RedirectUri : null;
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");
    }
}
