using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Units;
using static Microsoft.Playwright.Assertions;

namespace OrgIdentity.Browser.Tests;

/// <summary>
/// The console's member management in Chromium (issue 12): inviting through the dialog and the invitee signing up from the
/// e-mail, joining through the invite link, changing a role on the member page and removing a member through its dialog.
/// </summary>
public sealed class MembersConsoleTests(BrowserApp app) : BrowserTests(app), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task An_admin_invites_a_person_who_signs_up_from_the_e_mail_then_changes_their_role_and_removes_them()
    {
        var (orgId, name) = await OrganizationAsync("Invite Browser Co");
        var email = $"invitee-{Guid.NewGuid():N}@browser.test";

        await Page.GotoAsync($"/Orgs/{orgId}/Members");
        await SignInAsync(BrowserApp.AdminEmail, BrowserApp.AdminPassword);
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Members");
        await Expect(Page.Locator("table.members th").Filter(new() { HasText = "Brands" })).ToHaveCountAsync(1);

        // The Create New User dialog: a blank role is the organization's default, the welcome e-mail is on by default.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create New User" }).ClickAsync();
        var create = Page.Locator("#create-user-dialog");
        await Expect(create).ToBeVisibleAsync();
        await Expect(create.GetByLabel("Send a welcome e-mail with a link to choose a password")).ToBeCheckedAsync();
        await Expect(create.GetByLabel("Role")).ToHaveValueAsync("");
        await ScreenshotAsync("console-members-create-dialog");
        await create.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(create).ToBeHiddenAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        var dialog = Page.Locator("#invite-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByLabel("E-mail").FillAsync(email);
        await dialog.GetByLabel("Role").SelectOptionAsync("member");
        await dialog.GetByLabel("Billing").CheckAsync();
        await ScreenshotAsync("console-members-invite-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Send Invite" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToHaveTextAsync("Invitation was successfully sent.");

        await Page.GetByRole(AriaRole.Link, new() { Name = "Invitations", Exact = true }).ClickAsync();
        await Expect(Page.Locator("table.invitations")).ToContainTextAsync(email);
        await Expect(Page.Locator("table.invitations .badge")).ToHaveTextAsync("pending");
        await ScreenshotAsync("console-invitations", phone: true);

        // The invitee opens the link from the e-mail in their own browser and signs up with a name and a password.
        var link = await WaitForMailLinkAsync(email, "/Account/Invitation");
        await using (var invitee = await App.Browser!.NewContextAsync(new() { IgnoreHTTPSErrors = true, BaseURL = App.Address.ToString() }))
        {
            var page = await invitee.NewPageAsync();
            await page.GotoAsync(link);
            await Expect(page.Locator("main h1")).ToHaveTextAsync($"Join {name}");
            await ScreenshotAsync("accept-invitation", phone: true, page);
            await page.GetByLabel("Your name").FillAsync("Ivy Invitee");
            await page.GetByLabel("Password").FillAsync("ivy-password-123");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create account and join" }).ClickAsync();
            await Expect(page.Locator("main h1")).ToHaveTextAsync($"Welcome to {name}");
            await ScreenshotAsync("accept-invitation-welcome", page: page);
        }

        await Page.GetByRole(AriaRole.Link, new() { Name = "Members", Exact = true }).ClickAsync();
        var row = Page.Locator("table.members tbody tr").Filter(new() { HasText = email });
        await Expect(row).ToContainTextAsync("Ivy Invitee");
        await Expect(row).ToContainTextAsync("member");
        await Expect(row).ToContainTextAsync("billing");

        // The member page: a new role in one save.
        await row.GetByRole(AriaRole.Link, new() { Name = "Ivy Invitee" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Ivy Invitee");
        await Expect(Page.Locator("nav.tabs a[aria-current=page]")).ToHaveTextAsync("Members");
        await ScreenshotAsync("console-member", phone: true);
        await Page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("viewer");
        await Page.GetByLabel("Reporting").CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToHaveTextAsync("The role and access were saved.");
        await Expect(Page.GetByLabel("Role", new() { Exact = true })).ToHaveValueAsync("viewer");
        await Expect(Page.GetByLabel("Reporting")).ToBeCheckedAsync();

        // Removal asks first, in a dialog.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Remove From Org" }).ClickAsync();
        var confirm = Page.Locator("#remove-dialog");
        await Expect(confirm).ToBeVisibleAsync();
        await ScreenshotAsync("console-member-remove-dialog");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(confirm).ToBeHiddenAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Remove From Org" }).ClickAsync();
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Yes, remove member" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Members");
        await Expect(Page.Locator(".flash")).ToHaveTextAsync($"Ivy Invitee was removed from {name}.");
        await Expect(Page.Locator("table.members tbody tr").Filter(new() { HasText = email })).ToHaveCountAsync(0);

        // The admin's own page says why their role cannot change.
        await Page.Locator("table.members tbody").GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(Page.Locator("#only-admin")).ToContainTextAsync("only active admin");
        await Expect(Page.GetByLabel("Role", new() { Exact = true })).ToBeDisabledAsync();
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task A_person_joins_as_viewer_through_the_invite_link_the_admin_created()
    {
        var (orgId, name) = await OrganizationAsync("Link Browser Co");
        var email = $"linked-{Guid.NewGuid():N}@browser.test";
        const string password = "linked-password-1";
        await using (var scope = App.Services.CreateAsyncScope())
        {
            // The person already has an account (signing up first would need the e-mail confirmation round trip).
            var created = await scope.ServiceProvider.GetRequiredService<UserManager<User>>()
                .CreateAsync(new User { UserName = email, Email = email, EmailConfirmed = true, Name = "Lee Linked" }, password);
            Assert.True(created.Succeeded, string.Join(", ", created.Errors.Select(e => e.Description)));
        }

        await Page.GotoAsync($"/Orgs/{orgId}/Invitations");
        await SignInAsync(BrowserApp.AdminEmail, BrowserApp.AdminPassword);
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Invitations");
        var card = Page.Locator("section.invite-link");
        await Expect(card).ToContainTextAsync("No invite link is live");
        await card.GetByLabel("Role").SelectOptionAsync("viewer");
        await card.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToContainTextAsync("A new invite link is ready");
        var url = await card.GetByLabel("Link").InputValueAsync();
        Assert.Contains("/Account/Join?token=", url, StringComparison.Ordinal);
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Copy" })).ToBeVisibleAsync();
        await Expect(card).ToContainTextAsync("0 (no limit)");
        await ScreenshotAsync("console-invitations-link", phone: true);

        await using (var joiner = await App.Browser!.NewContextAsync(new() { IgnoreHTTPSErrors = true, BaseURL = App.Address.ToString() }))
        {
            var page = await joiner.NewPageAsync();
            await page.GotoAsync(url);
            await Expect(page.Locator("main h1")).ToHaveTextAsync($"Join {name}?");
            await ScreenshotAsync("join-by-link", phone: true, page);
            await page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.Locator("main h1")).ToHaveTextAsync("Sign in");
            await page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(email);
            await page.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
            await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
            await page.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.Locator("main h1")).ToHaveTextAsync($"Join {name}?");
            await page.GetByRole(AriaRole.Button, new() { Name = "Accept" }).ClickAsync();
            await Expect(page.Locator("main h1")).ToHaveTextAsync($"Welcome to {name}");
        }

        await Page.ReloadAsync();
        await Expect(card).ToContainTextAsync("1 (no limit)");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Members", Exact = true }).ClickAsync();
        var row = Page.Locator("table.members tbody tr").Filter(new() { HasText = email });
        await Expect(row).ToContainTextAsync("Lee Linked");
        await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("viewer");
        await Expect(row).ToContainTextAsync("inviteLink");
        AssertNoConsoleErrors();
    }

    /// <summary>
    /// A new organization of the bootstrap admin with two custom roles (rights by area) and two units labelled "Brands",
    /// made through the services as the API would.
    /// </summary>
    private async Task<(Guid Id, string Name)> OrganizationAsync(string prefix)
    {
        var name = prefix + " " + Guid.NewGuid().ToString("N")[..6];
        await using var scope = App.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var admin = await services.GetRequiredService<UserManager<User>>().FindByEmailAsync(BrowserApp.AdminEmail);
        var created = await services.GetRequiredService<OrganizationsService>().CreateAsync(admin!.Id, AuditActor.System, name, null, CancellationToken.None);
        Assert.Null(created.Refusal);
        var organization = created.Value!;
        var db = services.GetRequiredService<OrgIdentityDbContext>();
        (await db.Organizations.SingleAsync(o => o.Id == organization.Id)).UnitsLabel = "Brands";
        await db.SaveChangesAsync();
        organization.UnitsLabel = "Brands";

        var caller = new OrganizationCaller(admin.Id, true, organization, null, services.GetRequiredService<MembershipAccess>().Everything, AuditActor.System);
        var roles = services.GetRequiredService<CustomRolesService>();
        Assert.Null((await roles.CreateAsync(caller, new RoleDefinition("billing", "Billing", "Invoices and payment methods", ["orders:view"]), CancellationToken.None)).Refusal);
        Assert.Null((await roles.CreateAsync(caller, new RoleDefinition("reporting", "Reporting", "Dashboards and exports", ["orders:view"]), CancellationToken.None)).Refusal);
        var units = services.GetRequiredService<UnitsService>();
        Assert.Null((await units.CreateAsync(caller, "Acme Outdoor", CancellationToken.None)).Refusal);
        Assert.Null((await units.CreateAsync(caller, "Acme Kids", CancellationToken.None)).Refusal);
        return (organization.Id, name);
    }
}
