using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>What the member and invitation console tests share: pages that must answer 200, form posts that redirect, and database reads.</summary>
internal static class ConsolePages
{
    /// <summary>GETs <paramref name="url"/> (following local redirects) and asserts a 200.</summary>
    public static async Task<(HttpResponseMessage Page, string Html)> PageAsync(this Browser browser, string url)
    {
        var response = await browser.OpenAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {html}");
        return (response, html);
    }

    /// <summary>
    /// Posts the form of <paramref name="page"/> whose action contains <paramref name="action"/> (e.g. <c>handler=Save"</c>, the quote
    /// ending the attribute); asserts the redirect and returns the decoded HTML it leads to.
    /// </summary>
    public static async Task<string> PostAsync(this Browser browser, HttpResponseMessage page, string action, IDictionary<string, string>? fields = null,
        string? expectedPath = null)
    {
        var posted = await browser.SubmitAsync(page, fields, action: action);
        Assert.True(posted.StatusCode == HttpStatusCode.Redirect, $"{action}: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
        if (expectedPath is not null)
        {
            Assert.Equal(expectedPath, posted.Headers.Location!.OriginalString.Split('?')[0]);
        }

        var landed = await browser.FollowAsync(posted);
        return WebUtility.HtmlDecode(await landed.Content.ReadAsStringAsync());
    }

    /// <summary>A token of the admin for the organization's API, to set up units and custom roles as a client would.</summary>
    public static async Task<Guid> CreateUnitAsync(this OrgIdentityApp app, TestUser admin, Guid orgId, string name)
    {
        using var api = await app.ApiAsync(admin, orgId.ToString());
        var response = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/units", new { name });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static async Task CreateRoleAsync(this OrgIdentityApp app, TestUser admin, Guid orgId, string key, string name, params string[] permissions)
    {
        using var api = await app.ApiAsync(admin, orgId.ToString());
        var response = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key, name, permissions });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The membership of <paramref name="userId"/> as the database holds it now (null when there is none).</summary>
    public static async Task<Membership?> MembershipAsync(this OrgIdentityApp app, Guid orgId, Guid userId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        return await db.Memberships.AsNoTracking().Include(m => m.Roles).ThenInclude(r => r.Role).Include(m => m.Units)
            .SingleOrDefaultAsync(m => m.OrganizationId == orgId && m.UserId == userId);
    }

    public static async Task<List<Server.Invitations.Invitation>> InvitationsAsync(this OrgIdentityApp app, Guid orgId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        return await db.Invitations.AsNoTracking().Where(i => i.OrganizationId == orgId).OrderBy(i => i.InvitedAt).ToListAsync();
    }

    public static async Task<List<Server.Invitations.InviteLink>> InviteLinksAsync(this OrgIdentityApp app, Guid orgId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        return await db.InviteLinks.AsNoTracking().Where(l => l.OrganizationId == orgId).OrderBy(l => l.CreatedAt).ToListAsync();
    }

    /// <summary>A POST with no antiforgery token, as a cross-site form would send.</summary>
    public static Task<HttpResponseMessage> PostWithoutTokenAsync(this Browser browser, string url, IDictionary<string, string>? fields = null) =>
        browser.Http.PostAsync(url, new FormUrlEncodedContent(fields ?? new Dictionary<string, string>()));
}
