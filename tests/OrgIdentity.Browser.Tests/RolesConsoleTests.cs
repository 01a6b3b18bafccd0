using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Organizations;
using static Microsoft.Playwright.Assertions;

namespace OrgIdentity.Browser.Tests;

/// <summary>The console's Roles, Units, Service accounts and Directory sync tabs (issue 12) in a real browser.</summary>
public sealed class RolesConsoleTests(BrowserApp app) : BrowserTests(app), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task An_admin_creates_a_custom_role_through_the_permission_grid()
    {
        var orgId = await SignedInToNewOrganizationAsync("Roles Browser Co");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Roles", Exact = true }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Roles");
        await Expect(Page.Locator("tr[data-role=admin]")).ToContainTextAsync("All permissions");
        await ScreenshotAsync("console-roles", phone: true);

        await Page.GetByRole(AriaRole.Link, new() { Name = "New role" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("New role");
        await Page.GetByLabel("Name", new() { Exact = true }).FillAsync("Support");
        await Page.GetByLabel("Key", new() { Exact = true }).FillAsync("support");
        await Page.GetByLabel("Description").FillAsync("Answers customers; sees their orders.");
        // The implied kinds are shown next to the kind that grants them.
        await Expect(Page.Locator("tr[data-kind=assets]")).ToContainTextAsync("catalog-items, stages");
        await Page.GetByLabel("assets: edit").CheckAsync();
        await Expect(Page.GetByLabel("assets: view")).ToBeCheckedAsync();
        await Page.GetByLabel("orders: view").CheckAsync();
        await Page.GetByLabel("members: view").CheckAsync();
        await ScreenshotAsync("console-role-new", phone: true);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create role" }).ClickAsync();

        await Expect(Page.Locator(".flash")).ToHaveTextAsync("The role 'Support' was created.");
        var row = Page.Locator("tr[data-role=support]");
        await Expect(row).ToContainTextAsync("assets: edit");
        await Expect(row).ToContainTextAsync("catalog-items: edit");
        await Expect(row).ToContainTextAsync("orders: view");
        await Expect(row.Locator("td.members-count")).ToHaveTextAsync("0");

        // Its edit page has the same grid, filled in.
        await row.GetByRole(AriaRole.Link, new() { Name = "Edit Support" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToContainTextAsync("Edit role");
        await Expect(Page.GetByLabel("assets: edit")).ToBeCheckedAsync();
        await Expect(Page.GetByLabel("orders: edit")).Not.ToBeCheckedAsync();
        await ScreenshotAsync("console-role-edit");
        Assert.EndsWith($"/Orgs/{orgId}/Roles/support/Edit", Page.Url, StringComparison.Ordinal);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_admin_creates_a_service_account_and_sees_its_secret_once()
    {
        await SignedInToNewOrganizationAsync("Machines Browser Co");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Service accounts", Exact = true }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Service accounts");

        await Page.GetByLabel("Name", new() { Exact = true }).FillAsync("Nightly export");
        await Page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("viewer");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create service account" }).ClickAsync();

        await Expect(Page.Locator(".card.once")).ToContainTextAsync("It will not be shown again.");
        var clientId = (await Page.Locator("#client-id").TextContentAsync())!.Trim();
        var secret = (await Page.Locator("#client-secret.secret").TextContentAsync())!.Trim();
        Assert.StartsWith("sa_", clientId, StringComparison.Ordinal);
        await Expect(Page.Locator("button[data-copy=client-secret]")).ToBeVisibleAsync();
        await ScreenshotAsync("console-service-account-secret", phone: true);

        // The secret works: a client-credentials token, as the machine would get it.
        using (var http = App.CreateHttpClient())
        {
            var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = clientId,
                ["client_secret"] = secret,
            }));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()));
        }

        // Loading the page again lists the account, never the secret.
        await Page.GotoAsync(Page.Url);
        await Expect(Page.Locator("tr[data-account]")).ToContainTextAsync("Nightly export");
        await Expect(Page.Locator(".secret")).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await Page.ContentAsync(), StringComparison.Ordinal);
        await ScreenshotAsync("console-service-accounts", phone: true);

        // Its page changes its role; the list shows the change.
        await Page.GetByRole(AriaRole.Link, new() { Name = "Nightly export" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Nightly export");
        await ScreenshotAsync("console-service-account-edit");
        await Page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("member");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToHaveTextAsync("Nightly export was saved.");
        await Expect(Page.Locator("tr[data-account]")).ToContainTextAsync("member");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task An_admin_manages_units_and_maps_a_directory_group_after_a_preview()
    {
        await SignedInToNewOrganizationAsync("Directory Browser Co");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Units", Exact = true }).ClickAsync();
        await Page.GetByLabel("Name", new() { Exact = true }).FillAsync("Northwind");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToHaveTextAsync("'Northwind' was added.");
        await Page.GetByLabel("Name", new() { Exact = true }).FillAsync("Contoso");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Page.Locator("tr", new() { HasText = "Contoso" }).GetByText("Rename").ClickAsync();
        await Page.GetByLabel("New name for Contoso").FillAsync("Contoso Retail");
        await Page.Locator("tr", new() { HasText = "Contoso" }).GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToHaveTextAsync("Renamed to 'Contoso Retail'.");
        await Expect(Page.Locator("table.units tbody tr")).ToHaveCountAsync(2);
        await ScreenshotAsync("console-units", phone: true);

        await Page.GetByRole(AriaRole.Link, new() { Name = "Directory sync", Exact = true }).ClickAsync();
        await Expect(Page.Locator("#scim-url")).ToContainTextAsync("/scim/v2/");
        await Page.GetByLabel("New token name").FillAsync("Entra ID");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var token = (await Page.Locator("#directory-token").TextContentAsync())!.Trim();
        Assert.StartsWith("scim_", token, StringComparison.Ordinal);
        await ScreenshotAsync("console-directory-token");

        // The directory pushes a person and a group with the token, as Entra ID would.
        using (var scim = App.CreateHttpClient())
        {
            scim.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            scim.DefaultRequestHeaders.Accept.ParseAdd("application/scim+json");
            var user = await ScimPostAsync(scim, "/scim/v2/Users", $$"""{"userName":"dana-{{Guid.NewGuid():N}}@directory.example","displayName":"Dana Diaz"}""");
            await ScimPostAsync(scim, "/scim/v2/Groups", $$"""{"displayName":"Support engineers","members":[{"value":"{{user}}"}]}""");
        }

        await Page.GotoAsync(Page.Url);
        await Expect(Page.Locator("table.directory-groups")).ToContainTextAsync("Support engineers");
        await Expect(Page.Locator("#directory-token")).ToHaveCountAsync(0);
        await ScreenshotAsync("console-directory-sync", phone: true);

        await Page.GetByRole(AriaRole.Link, new() { Name = "Mapping of Support engineers" }).ClickAsync();
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Support engineers");
        await Page.GetByLabel("Base role").SelectOptionAsync("viewer");
        await Page.GetByLabel("Northwind").CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Preview changes" }).ClickAsync();
        await Expect(Page.Locator(".preview h2")).ToHaveTextAsync("Preview: 1 member would change");
        await Expect(Page.Locator(".preview")).ToContainTextAsync("member → viewer");
        await Expect(Page.Locator(".preview")).ToContainTextAsync("+ Northwind");
        await ScreenshotAsync("console-directory-group-preview");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save mapping" }).ClickAsync();
        await Expect(Page.Locator(".flash")).ToContainTextAsync("was saved and applied to its 1 member(s)");
        await Expect(Page.GetByLabel("Northwind")).ToBeCheckedAsync();
        AssertNoConsoleErrors();
    }

    /// <summary>A new organization with the bootstrap admin as its admin, signed in, on its Members tab.</summary>
    private async Task<Guid> SignedInToNewOrganizationAsync(string prefix)
    {
        var name = prefix + " " + Guid.NewGuid().ToString("N")[..6];
        Guid orgId;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var admin = await scope.ServiceProvider.GetRequiredService<UserManager<User>>().FindByEmailAsync(BrowserApp.AdminEmail);
            var created = await scope.ServiceProvider.GetRequiredService<OrganizationsService>()
                .CreateAsync(admin!.Id, AuditActor.System, name, null, CancellationToken.None);
            Assert.Null(created.Refusal);
            orgId = created.Value!.Id;
        }

        await Page.GotoAsync($"/Orgs/{orgId}/Members");
        await SignInAsync(BrowserApp.AdminEmail, BrowserApp.AdminPassword);
        await Expect(Page.Locator("main h1")).ToHaveTextAsync("Members");
        return orgId;
    }

    private static async Task<string> ScimPostAsync(HttpClient scim, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/scim+json");
        var response = await scim.PostAsync(path, content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }
}
