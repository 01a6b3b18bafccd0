using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>
/// Posts to console pages as their forms do, with the page's antiforgery token and repeated fields (the check boxes of
/// a grid), which <see cref="Browser.SubmitAsync"/> does not send.
/// </summary>
public static partial class ConsoleForms
{
    /// <summary>GETs <paramref name="url"/>, which must answer 200, and returns its HTML.</summary>
    public static async Task<string> HtmlAsync(this Browser browser, string url)
    {
        var response = await browser.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {html}");
        return html;
    }

    /// <summary>
    /// Opens <paramref name="page"/> for its antiforgery token, then posts <paramref name="fields"/> and the token to
    /// <paramref name="action"/> (e.g. <c>?handler=Delete</c> of the page). Redirects are not followed.
    /// </summary>
    public static async Task<HttpResponseMessage> PostFormAsync(this Browser browser, string page, string action, params (string Name, string Value)[] fields)
    {
        var html = await browser.HtmlAsync(page);
        var token = TokenPattern().Match(html);
        Assert.True(token.Success, $"No antiforgery token on {page}");
        return await browser.Http.PostAsync(action, new FormUrlEncodedContent(
            [.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)), new("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups["value"].Value))]));
    }

    /// <summary>A form post with no antiforgery token, as a cross-site page would send it.</summary>
    public static Task<HttpResponseMessage> PostWithoutTokenAsync(this Browser browser, string action, params (string Name, string Value)[] fields) =>
        browser.Http.PostAsync(action, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    /// <summary>Follows the redirect of a console action and returns the page with its one-time flash.</summary>
    public static async Task<string> FollowedHtmlAsync(this Browser browser, HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var page = await browser.FollowAsync(response);
        return await page.Content.ReadAsStringAsync();
    }

    /// <summary>Sets the organization's plan features through the platform admin's API.</summary>
    public static async Task SetPlanAsync(this OrgIdentityApp app, Guid orgId, bool units = true, bool scim = true)
    {
        using var platform = await app.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        Assert.Equal(HttpStatusCode.OK, (await platform.Http.PutAsJsonAsync($"/api/v1/orgs/{orgId}/plan", new { invitations = true, units, sso = true, scim })).StatusCode);
    }

    [GeneratedRegex(@"name=""__RequestVerificationToken"" type=""hidden"" value=""(?<value>[^""]+)""")]
    private static partial Regex TokenPattern();
}
