using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Pages.Connect;

/// <summary>
/// The device flow's verification page (RFC 8628 §3.3): the signed-in user enters the code their device
/// shows, sees which application asks, and allows or denies it.
/// </summary>
[Authorize]
public sealed class VerifyModel(
    IOpenIddictApplicationManager applications,
    UserManager<User> users,
    MembershipAccess memberships,
    PermissionCatalog catalog,
    TimeProvider time) : PageModel
{
    public string? ApplicationName { get; private set; }
    public string? UserCode { get; private set; }
    public bool CodeRejected { get; private set; }
    public IReadOnlyList<string> ScopeDescriptions { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        var device = await AuthenticateDeviceAsync();
        UserCode = Request.Query[Parameters.UserCode];
        if (device is null)
        {
            CodeRejected = !string.IsNullOrEmpty(UserCode);
            return Page();
        }

        var application = await applications.FindByClientIdAsync(device.GetClaim(Claims.ClientId)!, HttpContext.RequestAborted);
        ApplicationName = application is null ? device.GetClaim(Claims.ClientId)
            : await applications.GetLocalizedDisplayNameAsync(application, HttpContext.RequestAborted);
        ScopeDescriptions = device.GetScopes().Select(AuthorizeModel.Describe).ToList();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        // OpenIddict can only reject a device request it has resolved: check the code before either answer.
        var device = await AuthenticateDeviceAsync();
        if (device is null)
        {
            CodeRejected = true;
            return Page();
        }

        if (Request.Form.ContainsKey("submit.Deny"))
        {
            return Forbid(new AuthenticationProperties { RedirectUri = "/connect/verified?denied=true" },
                OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (await users.GetUserAsync(User) is not { IsDisabled: false } user)
        {
            CodeRejected = true;
            return Page();
        }

        // A device has no picker: a user with one organization gets it; with several, the device refreshes with
        // organization=<id> (DESIGN.md §3) to choose.
        var memberOf = await memberships.ActiveMembershipsAsync(user.Id, HttpContext.RequestAborted);
        var organization = memberOf.Count == 1 ? await memberships.ForUserAsync(user.Id, memberOf[0].OrganizationId, HttpContext.RequestAborted) : null;
        var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var principal = ConnectClaims.ForUser(user, device.GetScopes(),
            OrgIdentitySignInManager.AuthenticatedAt(session.Properties) ?? time.GetUtcNow(), organization, catalog);
        return SignIn(principal, new AuthenticationProperties { RedirectUri = "/connect/verified" },
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The device request behind the user code, when the code is valid.</summary>
    private async Task<System.Security.Claims.ClaimsPrincipal?> AuthenticateDeviceAsync()
    {
        var result = await HttpContext.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        return result is { Succeeded: true } && !string.IsNullOrEmpty(result.Principal.GetClaim(Claims.ClientId))
            ? result.Principal
            : null;
    }
}
