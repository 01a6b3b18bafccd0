using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Organizations;
using static Microsoft.Playwright.Assertions;

namespace OrgIdentity.Browser.Tests;

/// <summary>
/// The console's Settings, SSO and domains and Audit log tabs and the platform admin screens in a real browser, as the
/// bootstrap admin (a platform admin, and the admin of the organization each test creates).
/// </summary>
public sealed class AdminConsoleTests(BrowserApp app) : BrowserTests(app), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task An_admin_renames_the_organization_in_settings()
    {
        var name = await OrganizationAsync("Settings Browser Co");
        await OpenTabAsync(name, "Settings");
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Settings");
        await Expect(Page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(name);
        await ScreenshotAsync("console-settings", phone: true);

        var renamed = name.Replace("Settings Browser Co", "Renamed Browser Co", StringComparison.Ordinal);
        await Page.GetByLabel("Name", new() { Exact = true }).FillAsync(renamed);
        await Page.GetByLabel("Self sign-up").SelectOptionAsync("viewer");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToHaveTextAsync("Settings saved.");
        await Expect(Page.Locator(".org-name strong")).ToHaveTextAsync(renamed);
        await Expect(Page.GetByLabel("Self sign-up")).ToHaveValueAsync("viewer");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_admin_adds_a_domain_and_sees_its_txt_record_and_an_sso_connection()
    {
        var name = await OrganizationAsync("Domains Browser Co");
        await OpenTabAsync(name, "SSO and domains");
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("SSO and domains");

        var domain = $"browser-{Guid.NewGuid():N}"[..20] + ".example.com";
        await Page.GetByLabel("Add a domain").FillAsync(domain);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add domain" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToContainTextAsync($"{domain} was added.");
        var row = Page.Locator("table.domains tbody tr", new() { HasText = domain });
        await Expect(row.Locator("code.secret")).ToHaveTextAsync(new Regex("^orgidentity-verification=[0-9a-f]{64}$"));
        await Expect(row.Locator(".badge")).ToHaveTextAsync("Pending");

        await Page.GetByLabel("Name", new() { Exact = true }).FillAsync("Contoso Entra ID");
        await Page.GetByLabel("Issuer (authority)").FillAsync("https://login.microsoftonline.com/contoso/v2.0");
        await Page.GetByLabel("Client id").FillAsync("2f1c9b7e-orgidentity");
        await Page.GetByLabel("Client secret").FillAsync("browser-secret-value");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add connection" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToContainTextAsync("The connection Contoso Entra ID was added.");
        await Expect(Page.Locator("table.connections tbody tr")).ToHaveCountAsync(1);
        Assert.DoesNotContain("browser-secret-value", await Page.ContentAsync(), StringComparison.Ordinal);
        await ScreenshotAsync("console-sso-domains", phone: true);

        // Its own page edits it; the stored secret is never filled in.
        await Page.Locator("table.connections").GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Contoso Entra ID");
        await Expect(Page.GetByLabel("Client secret")).ToHaveValueAsync("");
        await Expect(Page.Locator("nav.tabs a[aria-current=page]")).ToHaveTextAsync("SSO and domains");
        await Page.GetByLabel("Require SSO").CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save connection" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToHaveTextAsync("Contoso Entra ID was saved.");
        await Expect(Page.GetByLabel("Require SSO")).ToBeCheckedAsync();
        await ScreenshotAsync("console-sso-connection");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_admin_filters_the_audit_log()
    {
        var name = await OrganizationAsync("Audit Browser Co");
        await OpenTabAsync(name, "Settings");
        await Page.GetByLabel("Units label").FillAsync("Brands");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToHaveTextAsync("Settings saved.");

        await Page.Locator("nav.tabs").GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Audit log");
        await Expect(Page.Locator("table.audit tbody tr")).ToHaveCountAsync(2);
        await Page.GetByLabel("Action").SelectOptionAsync("organization.updated");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Regex("event=organization.updated"));
        await Expect(Page.Locator("table.audit tbody tr")).ToHaveCountAsync(1);
        await Expect(Page.Locator("table.audit tbody tr")).ToContainTextAsync("Brands");
        await ScreenshotAsync("console-audit", phone: true);

        var download = await Page.RunAndWaitForDownloadAsync(() => Page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("organization.updated", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("organization.created", csv, StringComparison.Ordinal);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_platform_admin_disables_and_re_enables_a_user_and_toggles_a_plan_feature()
    {
        var name = await OrganizationAsync("Platform Browser Co");
        var email = $"ada-{Guid.NewGuid():N}"[..12] + "@customer.example";
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<AccountsService>();
            Assert.True((await accounts.SignUpAsync("Ada Lovelace", email, "browser-password-1", CancellationToken.None)).Succeeded);
        }

        await Page.GotoAsync("/Orgs");
        await SignInAsync(BrowserApp.AdminEmail, BrowserApp.AdminPassword);
        await Page.Locator("header").GetByRole(AriaRole.Link, new() { Name = "Platform admin" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Users");

        await Page.GetByLabel("Search").FillAsync(email);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var row = Page.Locator("table.users tbody tr", new() { HasText = email });
        await Expect(row).ToHaveCountAsync(1);
        await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToContainTextAsync("The account is disabled");
        await Expect(row.Locator(".badge.bad")).ToHaveTextAsync("Disabled");
        await row.GetByRole(AriaRole.Button, new() { Name = "Re-enable" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToContainTextAsync("The account is enabled again");
        await Expect(row.Locator(".badge.good")).ToHaveTextAsync("Active");

        // Delete asks first, saying that disabling is preferred; cancelling changes nothing.
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        var dialog = Page.Locator("dialog[open]");
        await Expect(dialog).ToContainTextAsync("Disabling is preferred.");
        await Expect(dialog).ToContainTextAsync("account made in error");
        await ScreenshotAsync("admin-user-delete-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(Page.Locator("dialog[open]")).ToHaveCountAsync(0);

        await Page.GetByLabel("Search").FillAsync("");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(Page.Locator("table.users tbody tr", new() { HasText = email })).ToHaveCountAsync(1);
        await ScreenshotAsync("admin-users", phone: true);

        await Page.Locator("nav.tabs").GetByRole(AriaRole.Link, new() { Name = "Organizations" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Organizations");
        var organization = Page.Locator("table.organizations tbody tr", new() { HasText = name });
        var sso = organization.GetByLabel("SSO");
        await Expect(sso).ToBeCheckedAsync();
        await sso.UncheckAsync();
        await organization.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToHaveTextAsync($"The plan of {name} is saved.");
        await Expect(Page.Locator("table.organizations tbody tr", new() { HasText = name }).GetByLabel("SSO")).Not.ToBeCheckedAsync();
        await ScreenshotAsync("admin-organizations", phone: true);

        // The organization's console no longer has SSO: its section is left out.
        await Page.Locator("table.organizations tbody tr", new() { HasText = name }).GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Page.Locator("nav.tabs").GetByRole(AriaRole.Link, new() { Name = "SSO and domains" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("SSO and domains");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "SSO connections" })).ToHaveCountAsync(0);
        AssertNoConsoleErrors();
    }

    /// <summary>A new organization whose admin is the bootstrap admin; returns its (unique) name.</summary>
    private async Task<string> OrganizationAsync(string prefix)
    {
        var name = prefix + " " + Guid.NewGuid().ToString("N")[..6];
        await using var scope = App.Services.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<UserManager<User>>().FindByEmailAsync(BrowserApp.AdminEmail);
        Assert.True(admin!.IsPlatformAdmin, "the bootstrap admin is a platform admin");
        var created = await scope.ServiceProvider.GetRequiredService<OrganizationsService>().CreateAsync(admin.Id, AuditActor.System, name, null, CancellationToken.None);
        Assert.Null(created.Refusal);
        return name;
    }

    /// <summary>Signs in, opens the organization from the list and then its <paramref name="tab"/>.</summary>
    private async Task OpenTabAsync(string organization, string tab)
    {
        await Page.GotoAsync("/Orgs");
        await SignInAsync(BrowserApp.AdminEmail, BrowserApp.AdminPassword);
        await Page.GetByRole(AriaRole.Link, new() { Name = organization }).ClickAsync();
        await Page.Locator("nav.tabs").GetByRole(AriaRole.Link, new() { Name = tab, Exact = true }).ClickAsync();
    }
}
