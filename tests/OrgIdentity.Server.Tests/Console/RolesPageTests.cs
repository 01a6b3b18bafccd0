using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>The console's Roles tab and its New role / Edit role pages, through the real pages with the sign-in cookie.</summary>
public abstract class RolesPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_creates_a_custom_role_through_the_grid_edits_it_and_deletes_it()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Roles Co");
        using var browser = await App.SignedInBrowserAsync(admin);
        var roles = $"/Orgs/{orgId}/Roles";

        var list = await browser.HtmlAsync(roles);
        Assert.Contains("All permissions", list, StringComparison.Ordinal);
        Assert.Contains("data-role=\"viewer\"", list, StringComparison.Ordinal);
        Assert.Contains("New role", list, StringComparison.Ordinal);

        // The grid: one row per kind, with the kinds it implies next to it.
        var form = await browser.HtmlAsync($"{roles}/New");
        Assert.Contains("value=\"assets:edit\"", form, StringComparison.Ordinal);
        Assert.Contains("value=\"audit-log:view\"", form, StringComparison.Ordinal);
        Assert.Contains("catalog-items, stages", form, StringComparison.Ordinal);

        var created = await browser.PostFormAsync($"{roles}/New", $"{roles}/New",
            ("Key", "support"), ("Name", "Support"), ("Description", "Helps customers"), ("Granted", "assets:edit"), ("Granted", "members:view"));
        var after = await browser.FollowedHtmlAsync(created);
        Assert.Contains("The role &#x27;Support&#x27; was created.", after, StringComparison.Ordinal);
        Assert.Contains("data-role=\"support\"", after, StringComparison.Ordinal);
        // Listed with what it grants, implied kinds included, and nobody holding it.
        Assert.Contains("catalog-items: edit", after, StringComparison.Ordinal);
        Assert.Equal(["assets:edit", "members:view"], (await RoleAsync(orgId, "support"))!.Permissions);
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "role.created" && e.TargetId == "support");

        var edit = await browser.HtmlAsync($"{roles}/support/Edit");
        Assert.Matches("value=\"assets:edit\" checked", edit);
        Assert.Contains("Helps customers", edit, StringComparison.Ordinal);
        var saved = await browser.PostFormAsync($"{roles}/support/Edit", $"{roles}/support/Edit", ("Name", "Support team"), ("Granted", "orders:view"));
        Assert.Contains("was saved", await browser.FollowedHtmlAsync(saved), StringComparison.Ordinal);
        var role = await RoleAsync(orgId, "support");
        Assert.Equal(("Support team", (string?)null), (role!.Name, role.Description));
        Assert.Equal(["orders:view"], role.Permissions);

        // Built-in roles have no edit page.
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"{roles}/admin/Edit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"{roles}/nosuchrole/Edit")).StatusCode);

        var deleted = await browser.PostFormAsync(roles, $"{roles}?handler=Delete", ("key", "support"));
        Assert.Contains("was deleted", await browser.FollowedHtmlAsync(deleted), StringComparison.Ordinal);
        Assert.Null(await RoleAsync(orgId, "support"));
    }

    [Fact]
    public async Task A_refused_role_is_shown_with_its_reason_and_changes_nothing()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Roles Refusals Co");
        using var browser = await App.SignedInBrowserAsync(admin);
        var roles = $"/Orgs/{orgId}/Roles";

        var badKey = await browser.PostFormAsync($"{roles}/New", $"{roles}/New", ("Key", "Not A Key"), ("Name", "Bad"), ("Granted", "assets:view"));
        Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
        var html = await badKey.Content.ReadAsStringAsync();
        Assert.Contains("class=\"field-error\" id=\"key-error\"", html, StringComparison.Ordinal);
        // The form keeps what was typed and ticked.
        Assert.Contains("value=\"Bad\"", html, StringComparison.Ordinal);
        Assert.Matches("value=\"assets:view\" checked", html);

        var builtIn = await browser.PostFormAsync($"{roles}/New", $"{roles}/New", ("Key", "admin"), ("Name", "Admin again"));
        Assert.Equal(HttpStatusCode.BadRequest, builtIn.StatusCode);

        // A role someone holds cannot be deleted.
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostFormAsync($"{roles}/New", $"{roles}/New", ("Key", "held"), ("Name", "Held"), ("Granted", "orders:view"))).StatusCode);
        await App.AddMemberAsync(orgId, await App.SignUpAsync("Holder"), "member", "held");
        var refused = await browser.FollowedHtmlAsync(await browser.PostFormAsync(roles, $"{roles}?handler=Delete", ("key", "held")));
        Assert.Contains("held by 1 member", refused, StringComparison.Ordinal);
        Assert.NotNull(await RoleAsync(orgId, "held"));
        Assert.Contains("<td class=\"members-count\">1</td>", refused, StringComparison.Ordinal);

        // Without the antiforgery token: 400, nothing created.
        var forged = await browser.PostWithoutTokenAsync($"{roles}/New", ("Key", "forged"), ("Name", "Forged"));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null(await RoleAsync(orgId, "forged"));
    }

    [Fact]
    public async Task Only_roles_edit_changes_roles_and_other_organizations_are_404()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Roles Access Co");
        using (var adminBrowser = await App.SignedInBrowserAsync(admin))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await adminBrowser.PostFormAsync($"/Orgs/{orgId}/Roles/New", $"/Orgs/{orgId}/Roles/New",
                ("Key", "role-reader"), ("Name", "Role reader"), ("Granted", "roles:view"))).StatusCode);
        }

        var roles = $"/Orgs/{orgId}/Roles";

        // A viewer cannot see roles at all.
        var viewer = await App.SignUpAsync("Viewer");
        await App.AddMemberAsync(orgId, viewer, "viewer");
        using (var browser = await App.SignedInBrowserAsync(viewer))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(roles)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync($"{roles}/New")).StatusCode);
        }

        // roles:view sees them, without the buttons; a post anyway is refused by the service.
        var reader = await App.SignUpAsync("Reader");
        await App.AddMemberAsync(orgId, reader, "viewer", "role-reader");
        using (var browser = await App.SignedInBrowserAsync(reader))
        {
            var html = await browser.HtmlAsync(roles);
            Assert.Contains("data-role=\"role-reader\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("New role", html, StringComparison.Ordinal);
            Assert.DoesNotContain("handler=Delete", html, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync($"{roles}/New")).StatusCode);

            var created = await browser.PostFormAsync(roles, $"{roles}/New", ("Key", "sneaky"), ("Name", "Sneaky"));
            Assert.Equal(HttpStatusCode.Forbidden, created.StatusCode);
            Assert.Null(await RoleAsync(orgId, "sneaky"));
            var deleted = await browser.FollowedHtmlAsync(await browser.PostFormAsync(roles, $"{roles}?handler=Delete", ("key", "role-reader")));
            Assert.Contains("roles:edit", deleted, StringComparison.Ordinal);
            Assert.NotNull(await RoleAsync(orgId, "role-reader"));
        }

        // Another organization's admin: 404 on every page and action.
        var (otherAdmin, _) = await App.OrganizationWithAdminAsync("Other Roles Co");
        using (var browser = await App.SignedInBrowserAsync(otherAdmin))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(roles)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"{roles}/New")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"{roles}/role-reader/Edit")).StatusCode);
        }
    }

    private async Task<Server.Roles.OrganizationRole?> RoleAsync(Guid orgId, string key)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().OrganizationRoles.AsNoTracking()
            .SingleOrDefaultAsync(r => r.OrganizationId == orgId && r.Key == key);
    }
}

public sealed class RolesPageTestsOnSqlite(SqliteApp app) : RolesPageTests(app), IClassFixture<SqliteApp>;

public sealed class RolesPageTestsOnPostgreSql(PostgreSqlApp app) : RolesPageTests(app), IClassFixture<PostgreSqlApp>;
