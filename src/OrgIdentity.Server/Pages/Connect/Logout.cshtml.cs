using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Impersonation;
using OrgIdentity.Server.Sso;

namespace OrgIdentity.Server.Pages.Connect;

/// <summary>
/// RP-initiated logout (OIDC RP-Initiated Logout 1.0). A signed-in user confirms, so a third-party page
/// cannot sign them out silently; OpenIddict then returns to the registered post_logout_redirect_uri.
/// </summary>
public sealed class LogoutModel(SignInManager<User> signIn, ImpersonationService impersonations, ILogger<LogoutModel> logger) : PageModel
{
    public async Task<IActionResult> OnGetAsync() =>
        User.Identity?.IsAuthenticated == true ? Page() : await SignOutAsync();

    public Task<IActionResult> OnPostAsync() => SignOutAsync();

    private async Task<IActionResult> SignOutAsync()
    {
        var connection = await SsoSignIn.SessionConnectionAsync(HttpContext);
        if (Guid.TryParse(User.GetClaim(ImpersonationService.Claim), out var impersonation))
        {
            // Signing out of an impersonation's session ends the impersonation.
            await impersonations.EndAsync(impersonation, HttpContext.Connection.RemoteIpAddress?.ToString(), HttpContext.RequestAborted);
        }

        await signIn.SignOutAsync();
        if (connection is { } id)
        {
            // The provider's session ends too; it sends the browser back here (now signed out) with the same request,
            // and this page then answers the application.
            var request = HttpContext.GetOpenIddictServerRequest();
            // Only the end-session parameters: not the confirmation form's antiforgery token or button.
            var again = QueryString.Create(request?.GetParameters().Where(p => !p.Key.StartsWith("__", StringComparison.Ordinal) && !p.Key.StartsWith("submit", StringComparison.Ordinal))
                .Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)) ?? []);
            if (await SsoSignIn.SignOutUpstreamAsync(HttpContext, id, Request.PathBase + Request.Path + again, logger))
            {
                return new EmptyResult();
            }
        }

        return SignOut(new AuthenticationProperties { RedirectUri = "/" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
