using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>The console's Units tab (plan feature Units), through the real page with the sign-in cookie.</summary>
public abstract class UnitsPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_adds_renames_and_deletes_units_under_the_organizations_label()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Units Co");
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
            (await db.Organizations.SingleAsync(o => o.Id == orgId)).UnitsLabel = "Brands";
            await db.SaveChangesAsync();
        }

        using var browser = await App.SignedInBrowserAsync(admin);
        var units = $"/Orgs/{orgId}/Units";
        var empty = await browser.HtmlAsync(units);
        Assert.Contains("<h1>Brands</h1>", empty, StringComparison.Ordinal);
        Assert.Contains("No brands yet.", empty, StringComparison.Ordinal);

        var added = await browser.FollowedHtmlAsync(await browser.PostFormAsync(units, $"{units}?handler=Create", ("name", "  Acme Shoes ")));
        Assert.Contains("&#x27;Acme Shoes&#x27; was added.", added, StringComparison.Ordinal);
        var unit = Assert.Single(await UnitsAsync(orgId));
        Assert.Equal("Acme Shoes", unit.Name);

        var duplicate = await browser.FollowedHtmlAsync(await browser.PostFormAsync(units, $"{units}?handler=Create", ("name", "Acme Shoes")));
        Assert.Contains("already has a unit named", duplicate, StringComparison.Ordinal);
        Assert.Single(await UnitsAsync(orgId));

        var renamed = await browser.FollowedHtmlAsync(await browser.PostFormAsync(units, $"{units}?handler=Rename", ("unitId", unit.Id.ToString()), ("name", "Acme Boots")));
        Assert.Contains("Renamed to &#x27;Acme Boots&#x27;.", renamed, StringComparison.Ordinal);
        Assert.Equal("Acme Boots", Assert.Single(await UnitsAsync(orgId)).Name);
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "unit.renamed");

        Assert.Contains("The unit was deleted.", await browser.FollowedHtmlAsync(await browser.PostFormAsync(units, $"{units}?handler=Delete", ("unitId", unit.Id.ToString()))),
            StringComparison.Ordinal);
        Assert.Empty(await UnitsAsync(orgId));

        // Without the antiforgery token: 400, nothing added.
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostWithoutTokenAsync($"{units}?handler=Create", ("name", "Forged"))).StatusCode);
        Assert.Empty(await UnitsAsync(orgId));
    }

    [Fact]
    public async Task A_viewer_sees_the_units_but_cannot_change_them_and_without_the_plan_feature_the_tab_is_404()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Units Access Co");
        using (var adminBrowser = await App.SignedInBrowserAsync(admin))
        {
            await adminBrowser.FollowedHtmlAsync(await adminBrowser.PostFormAsync($"/Orgs/{orgId}/Units", $"/Orgs/{orgId}/Units?handler=Create", ("name", "Kept")));
        }

        var units = $"/Orgs/{orgId}/Units";
        var viewer = await App.SignUpAsync("Unit viewer");
        await App.AddMemberAsync(orgId, viewer, "viewer");
        using (var browser = await App.SignedInBrowserAsync(viewer))
        {
            var html = await browser.HtmlAsync(units);
            Assert.Contains("Kept", html, StringComparison.Ordinal);
            Assert.DoesNotContain("handler=Create", html, StringComparison.Ordinal);
            Assert.DoesNotContain("handler=Delete", html, StringComparison.Ordinal);

            var kept = Assert.Single(await UnitsAsync(orgId));
            var refused = await browser.FollowedHtmlAsync(await browser.PostFormAsync(units, $"{units}?handler=Delete", ("unitId", kept.Id.ToString())));
            Assert.Contains("units:edit", refused, StringComparison.Ordinal);
            Assert.Single(await UnitsAsync(orgId));
        }

        var (otherAdmin, _) = await App.OrganizationWithAdminAsync("Other Units Co");
        using (var browser = await App.SignedInBrowserAsync(otherAdmin))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(units)).StatusCode);
        }

        await App.SetPlanAsync(orgId, units: false);
        using (var browser = await App.SignedInBrowserAsync(admin))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(units)).StatusCode);
            Assert.DoesNotContain("/Units\"", await browser.HtmlAsync($"/Orgs/{orgId}/Members"), StringComparison.Ordinal);
            // A post (with a good token, from another page) is 404 too, and changes nothing.
            var posted = await browser.PostFormAsync($"/Orgs/{orgId}/Members", $"{units}?handler=Create", ("name", "Off plan"));
            Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
            Assert.Single(await UnitsAsync(orgId));
        }
    }

    private async Task<List<Server.Units.Unit>> UnitsAsync(Guid orgId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Units.AsNoTracking().Where(u => u.OrganizationId == orgId).ToListAsync();
    }
}

public sealed class UnitsPageTestsOnSqlite(SqliteApp app) : UnitsPageTests(app), IClassFixture<SqliteApp>;

public sealed class UnitsPageTestsOnPostgreSql(PostgreSqlApp app) : UnitsPageTests(app), IClassFixture<PostgreSqlApp>;
