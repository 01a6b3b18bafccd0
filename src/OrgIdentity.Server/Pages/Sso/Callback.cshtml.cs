using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Client.AspNetCore;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Sso;

namespace OrgIdentity.Server.Pages.Sso;

/// <summary>
/// The one redirection endpoint of every SSO connection. OpenIddict's client has already checked state (single use, tied
/// to this browser), the code, PKCE, nonce and the ID token (issuer, audience, signature, lifetime) when it authenticates
/// here; <see cref="SsoSignIn"/> then applies our rules. A refusal is this page, with the reason and status 403 (400 for a
/// protocol failure).
/// </summary>
[IgnoreAntiforgeryToken]
public sealed partial class CallbackModel(SsoSignIn sso, ILogger<CallbackModel> logger) : PageModel
{
    public string Problem { get; private set; } = "";

    public Task<IActionResult> OnGetAsync() => HandleAsync();

    /// <summary>Providers that answer with <c>response_mode=form_post</c>.</summary>
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
            return Refused(StatusCodes.Status403Forbidden, "This organization's single sign-on is no longer available. Ask your administrator.");
        }

        if (!result.Succeeded || result.Principal is null)
        {
            var error = result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.Error);
            var description = result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.ErrorDescription);
            Log.Failed(logger, error, description);
            return Refused(StatusCodes.Status400BadRequest, error == "access_denied"
                ? "The identity provider did not let you sign in."
                : $"The identity provider's answer could not be accepted{(description is null ? "" : $": {description}")}. Try again from the sign-in page.");
        }

        var outcome = await sso.SignInAsync(result.Principal, AuditActor.From(HttpContext), HttpContext.RequestAborted);
        if (outcome.Refusal is { } refusal)
        {
            return Refused(refusal.Status, refusal.Detail);
        }

        var returnUrl = result.Properties?.RedirectUri;
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");
    }

    private PageResult Refused(int status, string problem)
    {
        Problem = problem;
        Response.StatusCode = status;
        return Page();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "An SSO callback was refused by the client: {Error} {Description}")]
        public static partial void Failed(ILogger logger, string? error, string? description);
    }
}
