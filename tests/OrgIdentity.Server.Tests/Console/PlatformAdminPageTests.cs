using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;
using static OrgIdentity.Server.Tests.Console.AdminConsolePages;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>The platform admin pages (/Admin/Users, /Admin/Organizations), through the real pages with the sign-in cookie.</summary>
public abstract class PlatformAdminPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task A_platform_admin_searches_disables_re_enables_and_deletes_accounts()
    {
        var person = await App.SignUpAsync("Zora Platformtest");
        var personId = await App.UserIdAsync(person);
        using var browser = await App.SignedInBrowserAsync(Infrastructure.Organizations.PlatformAdmin);

        var all = await HtmlAsync(browser, "/Admin/Users");
        Assert.Contains(person.Email, all, StringComparison.Ordinal);
        Assert.Contains("Platform admin</a>", all, StringComparison.Ordinal);

        var page = await browser.GetAsync($"/Admin/Users?search={Uri.EscapeDataString(person.Email)}");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("1 account(s) match", html, StringComparison.Ordinal);
        Assert.Contains("disabling is preferred", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("made in error", html, StringComparison.Ordinal);

        var disabled = await AfterRedirectAsync(browser, await browser.SubmitAsync(page, action: "handler=Disable"));
        Assert.Contains("The account is disabled", disabled, StringComparison.Ordinal);
        Assert.Contains(person.Email, disabled, StringComparison.Ordinal);
        Assert.True((await UserAsync(personId))!.IsDisabled);

        var enabled = await AfterRedirectAsync(browser, await browser.SubmitAsync(await browser.GetAsync($"/Admin/Users?search={Uri.EscapeDataString(person.Email)}"), action: "handler=Enable"));
        Assert.Contains("The account is enabled again", enabled, StringComparison.Ordinal);
        Assert.False((await UserAsync(personId))!.IsDisabled);

        var deleted = await AfterRedirectAsync(browser, await browser.SubmitAsync(await browser.GetAsync($"/Admin/Users?search={Uri.EscapeDataString(person.Email)}"), action: "handler=Delete"));
        Assert.Contains("The account was deleted", deleted, StringComparison.Ordinal);
        Assert.Null(await UserAsync(personId));
        Assert.Equal(["user.disabled", "user.enabled", "user.deleted"],
            (await App.AuditEventsAsync(null)).Where(e => e.TargetId == personId.ToString()).Select(e => e.Action));
    }

    [Fact]
    public async Task The_services_refusals_reach_the_page_and_change_nothing()
    {
        var (admin, _) = await App.OrganizationWithAdminAsync("Last Admin Co");
        var adminId = await App.UserIdAsync(admin);
        var platformAdminId = await App.UserIdAsync(Infrastructure.Organizations.PlatformAdmin);
        using var browser = await App.SignedInBrowserAsync(Infrastructure.Organizations.PlatformAdmin);

        var lastAdmin = await AfterRedirectAsync(browser, await PostAsync(browser, $"/Admin/Users?handler=Delete&id={adminId}"));
        Assert.Contains("last active admin", lastAdmin, StringComparison.Ordinal);
        Assert.NotNull(await UserAsync(adminId));

        var self = await AfterRedirectAsync(browser, await PostAsync(browser, $"/Admin/Users?handler=Disable&id={platformAdminId}"));
        Assert.Contains("You cannot disable your own account", self, StringComparison.Ordinal);
        Assert.False((await UserAsync(platformAdminId))!.IsDisabled);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostWithoutTokenAsync(browser, $"/Admin/Users?handler=Disable&id={adminId}")).StatusCode);
        Assert.False((await UserAsync(adminId))!.IsDisabled);
    }

    [Fact]
    public async Task A_platform_admin_sets_an_organizations_plan_features()
    {
        var (_, orgId) = await App.OrganizationWithAdminAsync("Plan Co");
        using var browser = await App.SignedInBrowserAsync(Infrastructure.Organizations.PlatformAdmin);
        var page = await browser.GetAsync("/Admin/Organizations");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Plan Co", html, StringComparison.Ordinal);

        // Invitations and SCIM stay; units and SSO go (unchecked boxes are absent from the form).
        var saved = await AfterRedirectAsync(browser, await browser.SubmitAsync(page, new Dictionary<string, string>
        {
            ["Plan.Invitations"] = "true",
            ["Plan.Scim"] = "true",
        }, action: $"id={orgId}"));
        Assert.Contains("The plan of Plan Co is saved.", saved, StringComparison.Ordinal);
        var plan = (await OrganizationAsync(App, orgId)).Plan;
        Assert.True(plan.Invitations);
        Assert.False(plan.Units);
        Assert.False(plan.Sso);
        Assert.True(plan.Scim);
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "organization.plan_updated");
        Assert.Matches($"id=\"plan-{orgId:N}-Sso\" name=\"Plan.Sso\" type=\"checkbox\" value=\"true\" />", saved);
    }

    [Fact]
    public async Task Anyone_but_a_platform_admin_gets_404_and_changes_nothing()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Not Platform Co");
        var victim = await App.SignUpAsync("Victim");
        var victimId = await App.UserIdAsync(victim);
        using (var browser = await App.SignedInBrowserAsync(admin))
        {
            Assert.DoesNotContain("Platform admin</a>", await HtmlAsync(browser, "/Orgs"), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/Admin/Users")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/Admin/Organizations")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(browser, $"/Admin/Users?handler=Disable&id={victimId}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(browser, $"/Admin/Users?handler=Delete&id={victimId}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(browser, $"/Admin/Organizations?handler=Plan&id={orgId}")).StatusCode);
        }

        using var anonymous = App.CreateBrowser();
        var redirected = await anonymous.GetAsync("/Admin/Users");
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/Account/Login", Accounts.AccountPages.RedirectPath(redirected));

        Assert.False((await UserAsync(victimId))!.IsDisabled);
        Assert.True((await OrganizationAsync(App, orgId)).Plan.Sso);
    }

    private async Task<global::OrgIdentity.Server.Accounts.User?> UserAsync(Guid id)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id);
    }
}

public sealed class PlatformAdminPageTestsOnSqlite(SqliteApp app) : PlatformAdminPageTests(app), IClassFixture<SqliteApp>;

public sealed class PlatformAdminPageTestsOnPostgreSql(PostgreSqlApp app) : PlatformAdminPageTests(app), IClassFixture<PostgreSqlApp>;
