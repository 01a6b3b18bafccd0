using System.Globalization;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Sso;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Pages.Connect;

/// <summary>
/// The authorization endpoint (passthrough). OpenIddict has validated the client, redirect URI, scopes and
/// PKCE; this page signs the user in if needed (prompt and max_age honoured), asks for consent when the
/// client is Explicit, and issues the code.
/// </summary>
public sealed class AuthorizeModel(
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    UserManager<User> users,
    SignInManager<User> signIn,
    MembershipAccess memberships,
    PermissionCatalog catalog,
    SsoSignIn sso,
    TimeProvider time) : PageModel
{
    // OpenIddict 7 no longer rewrites prompt: this remembers when we sent the user to sign in again, so a
    // sign-in after that moment satisfies prompt=login and max_age, and coming back without one does not.
    private const string LoginRequestedAt = "LoginRequestedAt";

    public string ApplicationName { get; private set; } = "";
    public IReadOnlyList<string> ScopeDescriptions { get; private set; } = [];

    /// <summary>Set when the user belongs to several organizations and the request named none: the picker is shown.</summary>
    public IReadOnlyList<MembershipSummary>? OrganizationChoices { get; private set; }

    public Task<IActionResult> OnGetAsync() => HandleAsync(consented: false);

    public Task<IActionResult> OnPostAsync() =>
        Request.Form.ContainsKey("submit.Deny")
            ? Task.FromResult<IActionResult>(Reject(Errors.AccessDenied, "The user denied the request."))
            : HandleAsync(consented: Request.Form.ContainsKey("submit.Accept"));

    private async Task<IActionResult> HandleAsync(bool consented)
    {
        var request = HttpContext.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? await users.GetUserAsync(session.Principal) : null;
        if (user is { IsDisabled: true })
        {
            // The cookie may outlive the disable by up to a minute; this endpoint does not wait for it.
            await signIn.SignOutAsync();
            user = null;
        }

        if (user is null || NeedsFreshLogin(request, session))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Reject(Errors.LoginRequired, "The user is not signed in.");
            }

            TempData[LoginRequestedAt] = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var returnUrl = Request.PathBase + Request.Path + RequestQuery();

            // An organization named with an enabled SSO connection goes straight to its provider (no e-mail step).
            if (NamedOrganization(request) is { } wanted && await memberships.FindOrganizationAsync(wanted, HttpContext.RequestAborted) is { } target
                && await sso.ForOrganizationAsync(target.Id, HttpContext.RequestAborted) is { } connection
                && await SsoSignIn.ChallengeAsync(HttpContext, connection.Id, returnUrl, request.LoginHint))
            {
                return new EmptyResult();
            }

            return Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, IdentityConstants.ApplicationScheme);
        }

        // An impersonation's browser session is for the login UI and the console (pages of this server), never for an application.
        if (Impersonation.ImpersonationService.IsImpersonating(User))
        {
            return Reject(Errors.AccessDenied, "While impersonating, no application can be signed in to.");
        }

        // DESIGN.md §3: the organization named (id or slug), the only one, or the user's pick; none for a user in no organization.
        var memberOf = await memberships.ActiveMembershipsAsync(user.Id, HttpContext.RequestAborted);
        var named = NamedOrganization(request);
        OrganizationAccess? organization = null;
        if (named is not null)
        {
            organization = await memberships.FindOrganizationAsync(named, HttpContext.RequestAborted) is { } target
                ? await memberships.ForUserAsync(user.Id, target.Id, HttpContext.RequestAborted)
                : null;
            if (organization is null)
            {
                // The same answer for an organization that does not exist and one the user is not in.
                return Reject(Errors.InvalidRequest, "The organization does not exist or you are not an active member of it.");
            }
        }
        else if (memberOf.Count == 1)
        {
            organization = await memberships.ForUserAsync(user.Id, memberOf[0].OrganizationId, HttpContext.RequestAborted);
        }
        else if (memberOf.Count > 1)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Reject(Errors.InteractionRequired, "The user belongs to several organizations and must choose one.");
            }

            OrganizationChoices = memberOf;
            return Page();
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, HttpContext.RequestAborted)
            ?? throw new InvalidOperationException("OpenIddict validated a client that does not exist.");
        var applicationId = await applications.GetIdAsync(application, HttpContext.RequestAborted);
        var consentType = await applications.GetConsentTypeAsync(application, HttpContext.RequestAborted);

        var granted = await authorizations.FindAsync(
            subject: user.Id.ToString(), client: applicationId, status: Statuses.Valid, type: AuthorizationTypes.Permanent,
            scopes: request.GetScopes(), cancellationToken: HttpContext.RequestAborted).ToListAsync(HttpContext.RequestAborted);

        var mayIssue = consentType == ConsentTypes.Implicit
            || consented
            || (granted.Count > 0 && !request.HasPromptValue(PromptValues.Consent));
        if (!mayIssue)
        {
            if (consentType == ConsentTypes.External || request.HasPromptValue(PromptValues.None))
            {
                return Reject(Errors.ConsentRequired, "The user has not allowed this application.");
            }

            ApplicationName = await applications.GetLocalizedDisplayNameAsync(application, HttpContext.RequestAborted) ?? request.ClientId!;
            ScopeDescriptions = request.GetScopes().Select(Describe).ToList();
            return Page();
        }

        var principal = ConnectClaims.ForUser(user, request.GetScopes(), AuthenticatedAt(session), organization, catalog);

        // A permanent authorization remembers the consent (to what was asked, so the next identical request finds
        // it even when a permission scope was not held); one that covers the requested scopes is reused.
        var authorization = granted.LastOrDefault() ?? await authorizations.CreateAsync(
            principal, user.Id.ToString(), applicationId!, AuthorizationTypes.Permanent, [.. request.GetScopes()], HttpContext.RequestAborted);
        principal.SetAuthorizationId(await authorizations.GetIdAsync(authorization, HttpContext.RequestAborted));

        return SignIn(principal, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// The <c>organization</c> parameter, or the picker's answer: it arrives as a form field next to the re-posted
    /// request, and stays in the form through the consent page.
    /// </summary>
    private string? NamedOrganization(OpenIddictRequest request)
    {
        var named = (string?)request.GetParameter(ConnectClaims.OrganizationParameter);
        if (string.IsNullOrWhiteSpace(named) && Request.HasFormContentType)
        {
            named = Request.Form[ConnectClaims.OrganizationParameter].LastOrDefault();
        }

        return string.IsNullOrWhiteSpace(named) ? null : named.Trim();
    }

    private bool NeedsFreshLogin(OpenIddictRequest request, AuthenticateResult session)
    {
        var authenticatedAt = AuthenticatedAt(session);
        if (TempData[LoginRequestedAt] is string requested
            && long.TryParse(requested, CultureInfo.InvariantCulture, out var requestedAt)
            && authenticatedAt.ToUnixTimeSeconds() >= requestedAt)
        {
            return false;
        }

        if (request.HasPromptValue(PromptValues.Login))
        {
            return true;
        }

        // OIDC Core §3.1.2.1: max_age bounds how long ago the user actually authenticated.
        return request.MaxAge is { } maxAge && time.GetUtcNow() - authenticatedAt > TimeSpan.FromSeconds(maxAge);
    }

    // Every sign-in records its time; a session without one counts as too old for prompt and max_age.
    private static DateTimeOffset AuthenticatedAt(AuthenticateResult session) =>
        OrgIdentitySignInManager.AuthenticatedAt(session.Properties) ?? DateTimeOffset.UnixEpoch;

    private QueryString RequestQuery() => Request.HasFormContentType
        ? QueryString.Create(Request.Form.Where(p => p.Key is not ("__RequestVerificationToken" or "submit.Accept" or "submit.Deny")))
        : Request.QueryString;

    private ForbidResult Reject(string error, string description) =>
        Forbid(ConnectEndpoints.ErrorProperties(error, description), OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

    internal static string Describe(string scope) => scope switch
    {
        Scopes.OpenId => "Know who you are",
        Scopes.Profile => "See your name and company",
        Scopes.Email => "See your e-mail address",
        Scopes.OfflineAccess => "Stay signed in when you are away",
        ConnectClaims.OrganizationsScope => "See the organizations you belong to and your roles in them",
        ConnectClaims.ApiScope => "Use the OrgIdentity administration API as you",
        _ => $"Use \"{scope}\"",
    };
}
