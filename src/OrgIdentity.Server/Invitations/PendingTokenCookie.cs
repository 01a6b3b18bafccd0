using Microsoft.AspNetCore.DataProtection;

namespace OrgIdentity.Server.Invitations;

/// <summary>
/// Moves an invitation or invite-link token out of the URL after the first GET (so it does not linger in the
/// browser history, in Referer headers or in proxy logs): the page keeps it in a short-lived, HTTP-only cookie,
/// protected with Data Protection under a purpose per cookie, and redirects to itself without the token. The
/// cookie lives long enough to sign in or sign up (and confirm an e-mail) in between.
/// </summary>
public sealed class PendingTokenCookie(IDataProtectionProvider protection, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public void Keep(HttpContext context, string name, string token, string path)
    {
        var protector = Protector(name);
        context.Response.Cookies.Append(name, protector.Protect(token, time.GetUtcNow().Add(Lifetime)), Options(context, path));
    }

    public string? Read(HttpContext context, string name)
    {
        if (!context.Request.Cookies.TryGetValue(name, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            return Protector(name).Unprotect(value, out var expires) is var token && expires > time.GetUtcNow() ? token : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public void Forget(HttpContext context, string name, string path) => context.Response.Cookies.Delete(name, Options(context, path));

    private ITimeLimitedDataProtector Protector(string name) =>
        protection.CreateProtector("OrgIdentity.Invitations.PendingToken", name).ToTimeLimitedDataProtector();

    private static CookieOptions Options(HttpContext context, string path) => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        // Lax: the cookie comes back when the sign-in page redirects here.
        SameSite = SameSiteMode.Lax,
        Path = path,
        MaxAge = Lifetime,
        IsEssential = true,
    };
}
