using System.Net;

namespace OrgIdentity.Server.Tests.Infrastructure;

public sealed record TestUser(string Email, string Password, string Name);

public static class Users
{
    public const string Password = "correct-horse-battery";

    /// <summary>A new account made the way a person makes one: the sign-up form, then the link in the e-mail.</summary>
    public static async Task<TestUser> SignUpAsync(this OrgIdentityApp app, string? name = null)
    {
        var user = new TestUser($"user-{Guid.NewGuid():N}@example.com", Password, name ?? "Ada Lovelace");
        using var browser = app.CreateBrowser();
        var form = await browser.GetAsync("/Account/SignUp");
        var submitted = await browser.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.Name"] = user.Name,
            ["Input.Email"] = user.Email,
            ["Input.Password"] = user.Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, submitted.StatusCode);

        var mail = await app.Mail.WaitForAsync(user.Email, "Confirm your e-mail");
        var confirmed = await browser.ConfirmEmailAsync(mail.Link("/Account/ConfirmEmail"));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return user;
    }

    /// <summary>A browser signed in as <paramref name="user"/>.</summary>
    public static async Task<Browser> SignedInBrowserAsync(this OrgIdentityApp app, TestUser user)
    {
        var browser = app.CreateBrowser();
        var response = await browser.SignInAsync(user.Email, user.Password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Sign-in failed: {await response.Content.ReadAsStringAsync()}");
        return browser;
    }

    /// <summary>Tokens for <paramref name="user"/>; <paramref name="organization"/> is the authorize parameter (id or slug), for a user in several.</summary>
    public static async Task<TokenResponse> TokensAsync(this OrgIdentityApp app, TestUser user, string scope = "openid profile email offline_access orgidentity.api",
        string? organization = null)
    {
        using var browser = app.CreateBrowser();
        var pkce = Oidc.Pkce.Create();
        var code = await Oidc.AuthorizeCodeAsync(browser, user.Email, user.Password, TestClients.CodeClient, TestClients.CodeRedirect, scope, pkce,
            organization is null ? [] : [("organization", organization)]);
        return (await Oidc.RedeemCodeAsync(browser.Http, code, pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret)).EnsureTokens();
    }
}
