using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>What the tests of the Settings, SSO and domains, Audit log and platform admin pages share.</summary>
internal static partial class AdminConsolePages
{
    /// <summary>GETs a page that must answer 200 and returns its HTML.</summary>
    public static async Task<string> HtmlAsync(Browser browser, string url)
    {
        var response = await browser.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {html}");
        return html;
    }

    /// <summary>
    /// Posts <paramref name="fields"/> to <paramref name="url"/> with a valid antiforgery token of the signed-in person (taken
    /// from the header's sign-out form): a forged post of a form the page did not show them.
    /// </summary>
    public static async Task<HttpResponseMessage> PostAsync(Browser browser, string url, IDictionary<string, string>? fields = null)
    {
        var html = await (await browser.GetAsync("/Orgs")).Content.ReadAsStringAsync();
        var token = WebUtility.HtmlDecode(TokenPattern().Match(html).Groups["token"].Value);
        Assert.False(string.IsNullOrEmpty(token), "No antiforgery token on /Orgs.");
        var values = new Dictionary<string, string>(fields ?? new Dictionary<string, string>()) { ["__RequestVerificationToken"] = token };
        return await browser.Http.PostAsync(url, new FormUrlEncodedContent(values));
    }

    /// <summary>Posts without an antiforgery token, as a cross-site form would.</summary>
    public static Task<HttpResponseMessage> PostWithoutTokenAsync(Browser browser, string url, IDictionary<string, string>? fields = null) =>
        browser.Http.PostAsync(url, new FormUrlEncodedContent(fields ?? new Dictionary<string, string>()));

    /// <summary>Follows the post/redirect/get of a console action and returns the page it lands on.</summary>
    public static async Task<string> AfterRedirectAsync(Browser browser, HttpResponseMessage posted)
    {
        Assert.True(posted.StatusCode == HttpStatusCode.Redirect, $"Expected a redirect, got {(int)posted.StatusCode}: {await posted.Content.ReadAsStringAsync()}");
        var page = await browser.FollowAsync(posted);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await page.Content.ReadAsStringAsync();
    }

    /// <summary>A custom role with <paramref name="permissions"/>, made through the API by the organization's admin.</summary>
    public static async Task CreateRoleAsync(OrgIdentityApp app, TestUser admin, Guid orgId, string key, params string[] permissions)
    {
        using var api = await app.ApiAsync(admin, orgId.ToString());
        var created = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key, name = key, permissions });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    public static async Task<Organization> OrganizationAsync(OrgIdentityApp app, Guid orgId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Organizations.AsNoTracking().SingleAsync(o => o.Id == orgId);
    }

    /// <summary>Sets the organization's plan straight in the database (what a platform admin would do).</summary>
    public static async Task SetPlanAsync(OrgIdentityApp app, Guid orgId, Action<PlanFeatures> change)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var organization = await db.Organizations.SingleAsync(o => o.Id == orgId);
        var plan = new PlanFeatures { Invitations = organization.Plan.Invitations, Units = organization.Plan.Units, Sso = organization.Plan.Sso, Scim = organization.Plan.Scim };
        change(plan);
        organization.Plan = plan;
        await db.SaveChangesAsync();
    }

    [GeneratedRegex(@"name=""__RequestVerificationToken""[^>]*value=""(?<token>[^""]+)""")]
    private static partial Regex TokenPattern();
}
