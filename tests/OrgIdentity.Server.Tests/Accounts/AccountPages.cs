using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

/// <summary>The account forms and the platform-admin API, as the account tests use them.</summary>
internal static partial class AccountPages
{
    public static Task<string> HtmlAsync(this HttpResponseMessage response) => response.Content.ReadAsStringAsync();

    /// <summary>Fills in the sign-up form; does not confirm the e-mail.</summary>
    public static async Task<HttpResponseMessage> SignUpAsync(this Browser browser, string name, string email, string password)
    {
        var form = await browser.GetAsync("/Account/SignUp");
        return await browser.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.Name"] = name,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
    }

    public static async Task<HttpResponseMessage> ForgotPasswordAsync(this Browser browser, string email)
    {
        var form = await browser.GetAsync("/Account/ForgotPassword");
        return await browser.SubmitAsync(form, new Dictionary<string, string> { ["Input.Email"] = email });
    }

    /// <summary>Opens a reset link and posts the new password (twice, as the form asks).</summary>
    public static async Task<HttpResponseMessage> ResetPasswordAsync(this Browser browser, string link, string password)
    {
        var form = await browser.GetAsync(link);
        return await browser.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        });
    }

    /// <summary>Whether a fresh browser can sign in with these credentials.</summary>
    public static async Task<bool> CanSignInAsync(this OrgIdentityApp app, string email, string password)
    {
        using var browser = app.CreateBrowser();
        var response = await browser.SignInAsync(email, password);
        return response.StatusCode == System.Net.HttpStatusCode.Redirect;
    }

    /// <summary>
    /// Waits until the outbox has delivered everything queued before this call: it asks for a reset link for the
    /// bootstrap admin a second later (the outbox sends in order of due time) and waits for that message.
    /// </summary>
    public static async Task AllMailDeliveredAsync(this OrgIdentityApp app)
    {
        var before = app.Mail.For(OrgIdentityApp.AdminEmail, "Reset your password").Count;
        app.Time.Advance(TimeSpan.FromSeconds(1));
        using var browser = app.CreateBrowser();
        await browser.ForgotPasswordAsync(OrgIdentityApp.AdminEmail);
        await app.Mail.WaitForAsync(OrgIdentityApp.AdminEmail, "Reset your password", before + 1);
    }

    /// <summary>A POST to the platform-admin API, with a bearer token when one is given.</summary>
    public static async Task<HttpResponseMessage> PostToApiAsync(this OrgIdentityApp app, string path, string? accessToken)
    {
        using var browser = app.CreateBrowser();
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return await browser.Http.SendAsync(request);
    }

    /// <summary>The path a redirect goes to, without its query.</summary>
    public static string RedirectPath(HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw new InvalidOperationException($"Expected a redirect, got {(int)response.StatusCode}.");
        return location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString.Split('?')[0];
    }

    /// <summary>The text of the page's header (the signed-in user's name and the sign-out form).</summary>
    public static string Header(string html) => HeaderPattern().Match(html) is { Success: true } match
        ? match.Value
        : throw new InvalidOperationException($"No header in: {html}");

    /// <summary>The names of the inputs of the page's first form in &lt;main&gt;.</summary>
    public static IReadOnlyList<string> FormFieldNames(string html)
    {
        var main = html[html.IndexOf("<main", StringComparison.Ordinal)..];
        var form = FormPattern().Match(main).Value;
        return InputNamePattern().Matches(form).Select(m => m.Groups["name"].Value).ToList();
    }

    [GeneratedRegex(@"<header>.*?</header>", RegexOptions.Singleline)]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormPattern();

    [GeneratedRegex(@"<(?:input|select|textarea)[^>]*\bname=""(?<name>[^""]+)""")]
    private static partial Regex InputNamePattern();
}
