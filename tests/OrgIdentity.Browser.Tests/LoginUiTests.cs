using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Organizations;
using static Microsoft.Playwright.Assertions;

namespace OrgIdentity.Browser.Tests;

/// <summary>
/// The login UI of issue 12 that the other classes do not walk: sign-in from the keyboard alone with errors next to the
/// fields, forgot and reset password, the user's settings with their memberships, signing out of all sessions, and
/// picking an organization at the authorize endpoint.
/// </summary>
public sealed class LoginUiTests(BrowserApp app) : BrowserTests(app), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Sign_in_works_from_the_keyboard_alone_and_a_wrong_password_is_shown_next_to_the_field()
    {
        var (email, password) = await NewAccountAsync("Keyboard Kim");
        await Page.GotoAsync("/Account/Login");
        await ScreenshotAsync("login-email", phone: true);

        // The e-mail field has the focus; Enter continues; the password step then has it.
        await Expect(Page.GetByLabel("E-mail", new() { Exact = true })).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync(email);
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page.GetByLabel("Password", new() { Exact = true })).ToBeFocusedAsync();
        await ScreenshotAsync("login-password");

        await Page.Keyboard.TypeAsync("not-the-password");
        await Page.Keyboard.PressAsync("Enter");
        var error = Page.Locator("main [role=alert]");
        await Expect(error).ToContainTextAsync("Wrong e-mail or password.");
        await ScreenshotAsync("login-error");

        // Tab order: e-mail, password, "keep me signed in", the button.
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await Page.GetByLabel("E-mail", new() { Exact = true }).FocusAsync();
        await Page.Keyboard.PressAsync("Tab");
        await Expect(Page.GetByLabel("Password", new() { Exact = true })).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Tab");
        await Expect(Page.GetByLabel("Keep me signed in")).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Tab");
        await Expect(Page.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page.Locator("header nav")).ToContainTextAsync("Keyboard Kim");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_forgotten_password_is_reset_through_the_emailed_link()
    {
        var (email, _) = await NewAccountAsync("Forgetful Fay");
        await Page.GotoAsync("/Account/Login");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Forgot your password?" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Forgot your password?");
        await ScreenshotAsync("forgot-password");
        await Page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(email);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Send the link" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Check your e-mail");

        await Page.GotoAsync(await WaitForMailLinkAsync(email, "/Account/ResetPassword"));
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Choose a new password");
        // A mismatch is shown next to the field and changes nothing.
        await Page.GetByLabel("New password", new() { Exact = true }).FillAsync("a-brand-new-password");
        await Page.GetByLabel("Repeat it", new() { Exact = true }).FillAsync("something-else-entirely");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save the password" }).ClickAsync();
        await Expect(Page.Locator("main .field-error").Filter(new() { HasTextRegex = new Regex("match") })).ToBeVisibleAsync();
        await ScreenshotAsync("reset-password-error");

        await Page.GetByLabel("New password", new() { Exact = true }).FillAsync("a-brand-new-password");
        await Page.GetByLabel("Repeat it", new() { Exact = true }).FillAsync("a-brand-new-password");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save the password" }).ClickAsync();
        await Expect(Page.Locator("main")).ToContainTextAsync("Your password has been changed.");
        await SignInAsync(email, "a-brand-new-password");
        await Expect(Page.Locator("header nav")).ToContainTextAsync("Forgetful Fay");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task The_user_settings_page_saves_the_name_lists_memberships_and_signs_out_of_all_sessions()
    {
        var (email, password) = await NewAccountAsync("Settings Sam");
        await Page.GotoAsync("/Account/Profile");
        await SignInAsync(email, password);
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("User settings");
        await Page.GetByLabel("Given name", new() { Exact = true }).FillAsync("Samuel");
        await Page.GetByLabel("Company", new() { Exact = true }).FillAsync("Settings Ltd");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(Page.Locator("main")).ToContainTextAsync("Your settings have been saved.");
        await Expect(Page.GetByLabel("Company", new() { Exact = true })).ToHaveValueAsync("Settings Ltd");
        await Expect(Page.Locator("main")).ToContainTextAsync("You are not a member of any organization.");
        await ScreenshotAsync("profile", phone: true);

        // A second browser signed in as the same person.
        await using var other = await App.Browser!.NewContextAsync(new() { IgnoreHTTPSErrors = true, BaseURL = App.Address.ToString() });
        var otherPage = await other.NewPageAsync();
        await otherPage.GotoAsync("/Account/Login");
        await otherPage.GetByLabel("E-mail", new() { Exact = true }).FillAsync(email);
        await otherPage.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await otherPage.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await otherPage.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(otherPage.Locator("header nav")).ToContainTextAsync("Settings Sam");

        // The button asks first (site.js); accept.
        Page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out of all sessions" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Signed out");
        await Expect(Page.Locator("main")).ToContainTextAsync("signed out of every session");
        await ScreenshotAsync("signed-out");
        await Page.GotoAsync("/Account/Profile");
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Sign in");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Someone_in_two_organizations_picks_one_before_consenting_to_an_application()
    {
        var (email, password) = await NewAccountAsync("Picker Pat");
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<User>>().FindByEmailAsync(email);
            var organizations = scope.ServiceProvider.GetRequiredService<OrganizationsService>();
            foreach (var name in new[] { "Picker North " + suffix, "Picker South " + suffix })
            {
                Assert.Null((await organizations.CreateAsync(user!.Id, AuditActor.System, name, null, CancellationToken.None)).Refusal);
            }
        }

        await Page.GotoAsync(QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = BrowserApp.CodeClient,
            ["redirect_uri"] = App.CodeRedirect,
            ["response_type"] = "code",
            ["scope"] = "openid profile",
            ["state"] = "pick",
            ["code_challenge"] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ["code_challenge_method"] = "S256",
        }));
        await SignInAsync(email, password);
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Choose an organization");
        await ScreenshotAsync("pick-organization", phone: true);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Picker South " + suffix }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync($"Allow {BrowserApp.CodeClientName} to use your account?");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await Page.WaitForURLAsync(url => url.StartsWith(App.CodeRedirect + "?", StringComparison.Ordinal));
        Assert.Contains("code=", Page.Url, StringComparison.Ordinal);
        AssertNoConsoleErrors();
    }

    /// <summary>A confirmed account, made through the sign-up service (the sign-up page is walked in <see cref="AccountFlowTests"/>).</summary>
    private async Task<(string Email, string Password)> NewAccountAsync(string name)
    {
        var email = $"{name.Split(' ')[0].ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        const string password = "correct-horse-battery";
        await using var scope = App.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<AccountsService>().SignUpAsync(name, email, password, CancellationToken.None);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = (await users.FindByEmailAsync(email))!;
        Assert.True((await users.ConfirmEmailAsync(user, await users.GenerateEmailConfirmationTokenAsync(user))).Succeeded);
        return (email, password);
    }
}
