using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrgIdentity.Browser.Tests;

/// <summary>The pages a person uses, in a real browser against the server on Kestrel: sign-in, consent, sign-up, device verification.</summary>
public sealed class AccountFlowTests(BrowserApp app) : BrowserTests(app), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Code_flow_with_PKCE_goes_through_login_and_consent_and_the_code_redeems()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var state = "state-" + Guid.NewGuid().ToString("N");
        var authorize = QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = BrowserApp.CodeClient,
            ["redirect_uri"] = App.CodeRedirect,
            ["response_type"] = "code",
            ["scope"] = "openid profile email",
            ["state"] = state,
            ["nonce"] = "nonce-" + Guid.NewGuid().ToString("N"),
            ["code_challenge"] = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
        });
        await Page.GotoAsync(authorize);
        await Expect(Page).ToHaveURLAsync(new Regex("/Account/Login\\?", RegexOptions.IgnoreCase));
        await SignInAsync(BrowserApp.AdminEmail, BrowserApp.AdminPassword);

        await Expect(Page.Locator("main h1")).ToHaveTextAsync($"Allow {BrowserApp.CodeClientName} to use your account?");
        await ScreenshotAsync("login-consent", phone: true);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();

        await Page.WaitForURLAsync(url => url.StartsWith(App.CodeRedirect + "?", StringComparison.Ordinal));
        var callback = QueryHelpers.ParseQuery(new Uri(Page.Url).Query);
        Assert.Equal(state, callback["state"].ToString());
        var code = Assert.Single(callback["code"]);
        Assert.False(string.IsNullOrEmpty(code));
        await Expect(Page.Locator("body")).ToHaveTextAsync(BrowserApp.CallbackText);
        AssertNoConsoleErrors();

        using var http = App.CreateHttpClient();
        var tokens = await TokenAsync(http, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code!,
            ["code_verifier"] = verifier,
            ["client_id"] = BrowserApp.CodeClient,
            ["redirect_uri"] = App.CodeRedirect,
        });
        var accessToken = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        // The issuer the browser talked to is the one in the tokens.
        Assert.Equal(App.Address.ToString(), accessToken.Issuer);
        Assert.True(tokens.TryGetProperty("id_token", out _), $"No id_token in {tokens}");
    }

    [Fact]
    public async Task Sign_up_asks_name_email_and_password_and_the_emailed_link_confirms()
    {
        await Page.GotoAsync("/Account/SignUp");
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Create an account");
        // A name, an e-mail (the login) and a password; never a user name.
        var fields = Page.Locator("main form input:not([type=hidden])");
        await Expect(fields).ToHaveCountAsync(3);
        await Expect(Page.GetByLabel(new Regex("user\\s*-?name", RegexOptions.IgnoreCase))).ToHaveCountAsync(0);
        await Expect(Page.Locator("input[name*='username' i]")).ToHaveCountAsync(0);

        await ScreenshotAsync("signup");
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await Page.GetByLabel("Your name", new() { Exact = true }).FillAsync("Ada Browser");
        await Page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(email);
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync("correct-horse-battery");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Check your e-mail");
        await ScreenshotAsync("signup-check-email");

        var link = await WaitForMailLinkAsync(email, "/Account/ConfirmEmail");
        Assert.StartsWith(App.Address.ToString(), link, StringComparison.Ordinal);
        await Page.GotoAsync(link);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Confirm my address" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("E-mail confirmed");

        // The new account signs in, and the header greets it by its name.
        await Page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).First.ClickAsync();
        await SignInAsync(email, "correct-horse-battery");
        await Expect(Page.Locator("header nav")).ToContainTextAsync("Ada Browser");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Device_flow_is_allowed_on_the_verification_page_and_the_device_gets_tokens()
    {
        using var http = App.CreateHttpClient();
        var device = await (await http.PostAsync("/connect/device", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = BrowserApp.DeviceClient,
            ["scope"] = "openid profile",
        }))).Content.ReadFromJsonAsync<JsonElement>();
        var userCode = device.GetProperty("user_code").GetString()!;
        var verificationUri = device.GetProperty("verification_uri").GetString()!;
        Assert.StartsWith(App.Address.ToString(), verificationUri, StringComparison.Ordinal);

        await Page.GotoAsync(verificationUri);
        await SignInAsync(BrowserApp.AdminEmail, BrowserApp.AdminPassword);
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Connect a device");
        await ScreenshotAsync("device-code");
        await Page.GetByLabel("Code", new() { Exact = true }).FillAsync(userCode);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        await Expect(Page.Locator("main h1")).ToHaveTextAsync($"Allow {BrowserApp.DeviceClientName} on your device?");
        await Expect(Page.Locator("main")).ToContainTextAsync(userCode);
        await ScreenshotAsync("device-consent");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Your device is connected");
        AssertNoConsoleErrors();

        var tokens = await TokenAsync(http, new()
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code",
            ["device_code"] = device.GetProperty("device_code").GetString()!,
            ["client_id"] = BrowserApp.DeviceClient,
        });
        Assert.Equal(App.Address.ToString(), new JsonWebToken(tokens.GetProperty("access_token").GetString()).Issuer);
    }

    private static async Task<JsonElement> TokenAsync(HttpClient http, Dictionary<string, string> form)
    {
        var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode && json.TryGetProperty("access_token", out _), $"Expected tokens, got {(int)response.StatusCode}: {json}");
        return json;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
