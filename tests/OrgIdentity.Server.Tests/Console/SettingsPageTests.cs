using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;
using static OrgIdentity.Server.Tests.Console.AdminConsolePages;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>The console's Settings tab, through the real page with the sign-in cookie.</summary>
public abstract class SettingsPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_saves_the_name_default_roles_units_label_and_joining_settings()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Settings Co");
        using var browser = await App.SignedInBrowserAsync(admin);
        var page = await browser.GetAsync($"/Orgs/{orgId}/Settings");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("value=\"Settings Co\"", html, StringComparison.Ordinal);
        Assert.Contains("Save settings", html, StringComparison.Ordinal);
        // The invite link never makes an admin: the form does not offer it.
        Assert.DoesNotMatch("id=\"default-inviteLink\"[^<]*>\\s*<option value=\"admin\"", html);

        var saved = await browser.SubmitAsync(page, new Dictionary<string, string>
        {
            ["Input.Name"] = "Settings Company",
            ["Input.UnitsLabel"] = "Brands",
            ["Input.DefaultRoles.SelfSignup"] = "viewer",
            ["Input.DefaultRoles.AdminCreated"] = "admin",
            ["Input.OpenSignUp"] = "true",
            ["Input.SelfJoinByVerifiedDomain"] = "true",
            // Welcome e-mails unchecked: absent from the form.
        });
        var after = await AfterRedirectAsync(browser, saved);
        Assert.Contains("Settings saved.", after, StringComparison.Ordinal);
        Assert.Contains("value=\"Settings Company\"", after, StringComparison.Ordinal);

        var organization = await OrganizationAsync(App, orgId);
        Assert.Equal("Settings Company", organization.Name);
        Assert.Equal("Brands", organization.UnitsLabel);
        Assert.Equal("viewer", organization.DefaultRoles.SelfSignup);
        Assert.Equal("admin", organization.DefaultRoles.AdminCreated);
        Assert.Equal("viewer", organization.DefaultRoles.InviteLink);
        Assert.True(organization.OpenSignUp);
        Assert.True(organization.SelfJoinByVerifiedDomain);
        Assert.False(organization.WelcomeEmails);
        var adminId = (await App.UserIdAsync(admin)).ToString();
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "organization.updated" && e.ActorId == adminId);
    }

    [Fact]
    public async Task A_refused_field_is_shown_next_to_it_and_nothing_changes()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Valid Co");
        using var browser = await App.SignedInBrowserAsync(admin);
        var page = await browser.GetAsync($"/Orgs/{orgId}/Settings");

        var blank = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Input.Name"] = "  ", ["Input.WelcomeEmails"] = "true" });
        var html = await blank.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, blank.StatusCode);
        Assert.Matches("id=\"name-error\" class=\"field-error\">The name is required", html);

        // A form made by hand: the invite link cannot make an admin.
        var admins = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Input.DefaultRoles.InviteLink"] = "admin", ["Input.WelcomeEmails"] = "true" });
        Assert.Matches("id=\"default-inviteLink-error\" class=\"field-error\">Joining this way cannot make someone an admin", await admins.Content.ReadAsStringAsync());

        var organization = await OrganizationAsync(App, orgId);
        Assert.Equal("Valid Co", organization.Name);
        Assert.Equal("viewer", organization.DefaultRoles.InviteLink);
        Assert.DoesNotContain(await App.AuditEventsAsync(orgId), e => e.Action == "organization.updated");
    }

    [Fact]
    public async Task Who_may_only_view_sees_a_read_only_form_and_cannot_save()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Readonly Co");
        await CreateRoleAsync(App, admin, orgId, "settings-reader", "organization-settings:view");
        var reader = await App.SignUpAsync("Settings Reader");
        await App.AddMemberAsync(orgId, reader, "viewer", "settings-reader");
        using var browser = await App.SignedInBrowserAsync(reader);

        var page = await browser.GetAsync($"/Orgs/{orgId}/Settings");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<fieldset class=\"plain\" disabled=\"disabled\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Save settings", html, StringComparison.Ordinal);

        var refused = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Input.Name"] = "Taken Over" });
        Assert.Contains("organization-settings:edit", await AfterRedirectAsync(browser, refused), StringComparison.Ordinal);
        Assert.Equal("Readonly Co", (await OrganizationAsync(App, orgId)).Name);
    }

    [Fact]
    public async Task A_member_gets_403_another_organization_404_and_a_post_without_antiforgery_400()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Guarded Co");
        var (_, otherOrg) = await App.OrganizationWithAdminAsync("Other Co");
        var member = await App.SignUpAsync("Plain Member");
        await App.AddMemberAsync(orgId, member, "member");

        using (var browser = await App.SignedInBrowserAsync(member))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync($"/Orgs/{orgId}/Settings")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(browser, $"/Orgs/{orgId}/Settings", new Dictionary<string, string> { ["Input.Name"] = "Mine" })).StatusCode);
        }

        using var adminBrowser = await App.SignedInBrowserAsync(admin);
        Assert.Equal(HttpStatusCode.NotFound, (await adminBrowser.GetAsync($"/Orgs/{otherOrg}/Settings")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(adminBrowser, $"/Orgs/{otherOrg}/Settings", new Dictionary<string, string> { ["Input.Name"] = "Mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostWithoutTokenAsync(adminBrowser, $"/Orgs/{orgId}/Settings", new Dictionary<string, string> { ["Input.Name"] = "Forged" })).StatusCode);

        Assert.Equal("Guarded Co", (await OrganizationAsync(App, orgId)).Name);
        Assert.Equal("Other Co", (await OrganizationAsync(App, otherOrg)).Name);
    }

    [Fact]
    public async Task Fields_of_features_outside_the_plan_are_left_out()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Small Plan Co");
        await SetPlanAsync(App, orgId, plan => { plan.Units = false; plan.Sso = false; plan.Scim = false; plan.Invitations = false; });
        using var browser = await App.SignedInBrowserAsync(admin);
        var html = await HtmlAsync(browser, $"/Orgs/{orgId}/Settings");
        Assert.DoesNotContain("Units label", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"default-sso\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"default-scim\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"default-inviteLink\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"default-selfSignup\"", html, StringComparison.Ordinal);
    }
}

public sealed class SettingsPageTestsOnSqlite(SqliteApp app) : SettingsPageTests(app), IClassFixture<SqliteApp>;

public sealed class SettingsPageTestsOnPostgreSql(PostgreSqlApp app) : SettingsPageTests(app), IClassFixture<PostgreSqlApp>;
