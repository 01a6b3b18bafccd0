using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Organizations;
using static Microsoft.Playwright.Assertions;

namespace OrgIdentity.Browser.Tests;

/// <summary>The admin console (issue 12) in a real browser: so far the organization list and the Members tab.</summary>
public sealed class ConsoleTests(BrowserApp app) : BrowserTests(app), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task An_admin_opens_the_members_tab_searches_sorts_and_exports_csv()
    {
        var name = "Console Browser Co " + Guid.NewGuid().ToString("N")[..6];
        await using (var scope = App.Services.CreateAsyncScope())
        {
            // The organization through its service, with the signed-in admin as its creator (the API would need a token first).
            var admin = await scope.ServiceProvider.GetRequiredService<UserManager<User>>().FindByEmailAsync(BrowserApp.AdminEmail);
            var created = await scope.ServiceProvider.GetRequiredService<OrganizationsService>()
                .CreateAsync(admin!.Id, AuditActor.System, name, null, CancellationToken.None);
            Assert.Null(created.Refusal);
        }

        await Page.GotoAsync("/Orgs");
        await SignInAsync(BrowserApp.AdminEmail, BrowserApp.AdminPassword);
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Your organizations");
        await Page.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();

        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Members");
        await Expect(Page.Locator("table.members tbody tr")).ToHaveCountAsync(1);
        await Expect(Page.Locator("table.members")).ToContainTextAsync(BrowserApp.AdminEmail);
        await Expect(Page.Locator("nav.tabs a[aria-current=page]")).ToHaveTextAsync("Members");
        await ScreenshotAsync("console-members", phone: true);

        await Page.GetByLabel("Search").FillAsync("nobody-by-this-name");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(Page.Locator("table.members tbody tr")).ToHaveCountAsync(0);
        await Page.GetByLabel("Search").FillAsync("");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();

        await Page.GetByRole(AriaRole.Link, new() { Name = "E-mail", Exact = true }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("sort=email"));
        await Expect(Page.Locator("table.members tbody tr")).ToHaveCountAsync(1);

        var download = await Page.RunAndWaitForDownloadAsync(() => Page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains(BrowserApp.AdminEmail, csv, StringComparison.Ordinal);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Without_javascript_the_invite_dialog_is_a_form_on_the_page_and_works()
    {
        var name = "No Script Co " + Guid.NewGuid().ToString("N")[..6];
        Guid orgId;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var admin = await scope.ServiceProvider.GetRequiredService<UserManager<User>>().FindByEmailAsync(BrowserApp.AdminEmail);
            var created = await scope.ServiceProvider.GetRequiredService<OrganizationsService>()
                .CreateAsync(admin!.Id, AuditActor.System, name, null, CancellationToken.None);
            orgId = created.Value!.Id;
        }

        await using var context = await App.Browser!.NewContextAsync(new() { IgnoreHTTPSErrors = true, BaseURL = App.Address.ToString(), JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/Orgs/{orgId}/Members");
        await page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(BrowserApp.AdminEmail);
        await page.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(BrowserApp.AdminPassword);
        await page.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Members");

        // The openers are hidden and the dialogs' forms are on the page.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true })).ToBeHiddenAsync();
        await Expect(page.Locator("#invite-dialog")).ToBeVisibleAsync();
        await ScreenshotAsync("console-members-no-script", page: page);
        var email = $"no-script-{Guid.NewGuid():N}@browser.test";
        await page.Locator("#invite-dialog").GetByLabel("E-mail").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send Invite" }).ClickAsync();
        await Expect(page.Locator(".flash")).ToHaveTextAsync("Invitation was successfully sent.");
        await WaitForMailLinkAsync(email, "/Account/Invitation");
    }
}
