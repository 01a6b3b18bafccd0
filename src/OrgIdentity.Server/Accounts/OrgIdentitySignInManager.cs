using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace OrgIdentity.Server.Accounts;

/// <summary>
/// Identity's sign-in manager, plus two rules: a disabled account never signs in or stays signed in, and
/// the session remembers when the person actually authenticated (OIDC <c>auth_time</c>, <c>max_age</c>),
/// which the cookie's issue time does not: the cookie is re-issued at every security-stamp check.
/// </summary>
public sealed class OrgIdentitySignInManager(
    UserManager<User> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<User> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<User>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<User> confirmation,
    TimeProvider time)
    : SignInManager<User>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    private const string AuthenticatedAtItem = ".orgidentity.auth_time";

    /// <summary>When the person behind a session last proved who they are.</summary>
    public static DateTimeOffset? AuthenticatedAt(AuthenticationProperties? properties) =>
        properties?.Items.TryGetValue(AuthenticatedAtItem, out var value) == true
        && long.TryParse(value, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public override async Task<bool> CanSignInAsync(User user) =>
        !user.IsDisabled && await base.CanSignInAsync(user);

    // Runs when the cookie's security stamp is revalidated (every minute): a disabled user's cookie dies then.
    public override async Task<User?> ValidateSecurityStampAsync(ClaimsPrincipal? principal) =>
        await base.ValidateSecurityStampAsync(principal) is { IsDisabled: false } user ? user : null;

    // A fresh sign-in stamps the time; a refresh of the same session (RefreshSignInAsync) keeps it.
    public override Task SignInWithClaimsAsync(User user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        authenticationProperties ??= new AuthenticationProperties();
        if (AuthenticatedAt(authenticationProperties) is null)
        {
            authenticationProperties.Items[AuthenticatedAtItem] = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }

        // An impersonation's session (Impersonation/) carries act and impersonation_id like its tokens do, also after a refresh.
        if (authenticationProperties.Items.TryGetValue(Impersonation.ImpersonationService.SessionItem, out var impersonation)
            && authenticationProperties.Items.TryGetValue(Impersonation.ImpersonationService.ImpersonatorItem, out var impersonator))
        {
            additionalClaims = additionalClaims.Where(c => c.Type is not (Impersonation.ImpersonationService.Claim or Impersonation.ImpersonationService.ActClaim))
                .Append(new Claim(Impersonation.ImpersonationService.Claim, impersonation!))
                .Append(new Claim(Impersonation.ImpersonationService.ActClaim, $$"""{"sub":"{{impersonator}}"}""", Microsoft.IdentityModel.JsonWebTokens.JsonClaimValueTypes.Json));
        }

        return base.SignInWithClaimsAsync(user, authenticationProperties, additionalClaims);
    }
}

/// <summary>Puts the display name (name, else legacy user name, else e-mail) into the sign-in cookie.</summary>
public sealed class UserClaimsFactory(UserManager<User> userManager, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<User>(userManager, options)
{
    public const string DisplayNameClaim = "display_name";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(User user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(DisplayNameClaim, user.DisplayName));
        return identity;
    }
}
