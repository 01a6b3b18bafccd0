using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Scim;
using OrgIdentity.Server.Tests.Infrastructure;
using OrgIdentity.Server.Tests.Scim;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>The console's Directory sync tab (plan feature Scim) and its group mapping page, through the real pages.</summary>
public abstract partial class DirectorySyncPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_creates_a_directory_token_sees_it_once_and_revokes_it()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Directory Co");
        using var browser = await App.SignedInBrowserAsync(admin);
        var page = $"/Orgs/{orgId}/DirectorySync";
        var html = await browser.HtmlAsync(page);
        Assert.Contains("/scim/v2/</code>", html, StringComparison.Ordinal);
        Assert.Contains("data-copy=\"scim-url\"", html, StringComparison.Ordinal);

        var created = await browser.PostFormAsync(page, $"{page}?handler=CreateToken", ("Name", "Entra ID"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Contains("no-store", created.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var token = TokenPattern().Match(await created.Content.ReadAsStringAsync()).Groups["token"].Value;
        Assert.StartsWith(DirectoryTokensService.TokenPrefix, token, StringComparison.Ordinal);

        // The token works against /scim/v2, and the page never shows it again.
        using (var scim = ScimClient.WithToken(App, token))
        {
            Assert.Equal(HttpStatusCode.OK, (await scim.GetAsync("/Users")).StatusCode);
        }

        var reloaded = await browser.HtmlAsync(page);
        Assert.DoesNotContain(token, reloaded, StringComparison.Ordinal);
        Assert.Contains(token[..12], reloaded, StringComparison.Ordinal);

        var row = Assert.Single(await TokensAsync(orgId));
        var revoked = await browser.FollowedHtmlAsync(await browser.PostFormAsync(page, $"{page}?handler=RevokeToken", ("tokenId", row.Id.ToString())));
        Assert.Contains("The token was revoked", revoked, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single(await TokensAsync(orgId)).RevokedAt);
        using (var scim = ScimClient.WithToken(App, token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await scim.GetAsync("/Users")).StatusCode);
        }

        var unnamed = await browser.PostFormAsync(page, $"{page}?handler=CreateToken", ("Name", " "));
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
        Assert.Contains("Give the token a name", await unnamed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostWithoutTokenAsync($"{page}?handler=CreateToken", ("Name", "Forged"))).StatusCode);
        Assert.Single(await TokensAsync(orgId));
    }

    [Fact]
    public async Task An_admin_previews_a_group_mapping_which_changes_nothing_then_saves_it()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Directory Groups Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (scim, _, _) = await ScimClient.CreateAsync(App, adminApi, orgId);
        using var _scim = scim;
        var email = $"erin-{Guid.NewGuid():N}@groups.example";
        var user = (await ScimClient.ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{email}}"}"""), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var group = (await ScimClient.ExpectAsync(await scim.PostAsync("/Groups", $$"""{"displayName":"Support team","members":[{"value":"{{user}}"}]}"""), HttpStatusCode.Created))
            .GetProperty("id").GetGuid();

        using var browser = await App.SignedInBrowserAsync(admin);
        var list = await browser.HtmlAsync($"/Orgs/{orgId}/DirectorySync");
        Assert.Contains("Support team", list, StringComparison.Ordinal);
        Assert.Contains("nothing (not mapped)", list, StringComparison.Ordinal);

        var page = $"/Orgs/{orgId}/DirectorySync/Groups/{group}";
        Assert.Contains("<h1>Support team</h1>", await browser.HtmlAsync(page), StringComparison.Ordinal);
        var preview = await browser.PostFormAsync(page, $"{page}?handler=Preview", ("Role", "viewer"));
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var previewHtml = await preview.Content.ReadAsStringAsync();
        Assert.Contains("Preview: 1 member would change", previewHtml, StringComparison.Ordinal);
        Assert.Contains(email, previewHtml, StringComparison.Ordinal);
        Assert.Contains("member &#x2192; viewer", previewHtml, StringComparison.Ordinal);
        Assert.Equal("member", await BaseRoleAsync(orgId, email));

        var saved = await browser.FollowedHtmlAsync(await browser.PostFormAsync(page, $"{page}?handler=Save", ("Role", "viewer")));
        Assert.Contains("was saved and applied to its 1 member(s)", saved, StringComparison.Ordinal);
        Assert.Contains("<option value=\"viewer\" selected=\"selected\">", saved, StringComparison.Ordinal);
        Assert.Equal("viewer", await BaseRoleAsync(orgId, email));

        // An unknown custom role is refused with its reason and changes nothing.
        var refused = await browser.PostFormAsync(page, $"{page}?handler=Save", ("Role", "admin"), ("CustomRoles", "no-such-role"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("no role", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("viewer", await BaseRoleAsync(orgId, email));

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{orgId}/DirectorySync/Groups/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Directory_sync_needs_organization_settings_edit_and_the_scim_plan_feature()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Directory Access Co");
        var page = $"/Orgs/{orgId}/DirectorySync";

        var member = await App.SignUpAsync("Directory member");
        await App.AddMemberAsync(orgId, member, "member");
        using (var browser = await App.SignedInBrowserAsync(member))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(page)).StatusCode);
            var posted = await browser.PostFormAsync($"/Orgs/{orgId}/Members", $"{page}?handler=CreateToken", ("Name", "Member's"));
            Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        }

        var (otherAdmin, _) = await App.OrganizationWithAdminAsync("Other Directory Co");
        using (var browser = await App.SignedInBrowserAsync(otherAdmin))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(page)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.PostFormAsync("/Orgs", $"{page}?handler=CreateToken", ("Name", "Outsider's"))).StatusCode);
        }

        await App.SetPlanAsync(orgId, scim: false);
        using (var browser = await App.SignedInBrowserAsync(admin))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(page)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.PostFormAsync($"/Orgs/{orgId}/Members", $"{page}?handler=CreateToken", ("Name", "Off plan"))).StatusCode);
            Assert.DoesNotContain("/DirectorySync\"", await browser.HtmlAsync($"/Orgs/{orgId}/Members"), StringComparison.Ordinal);
        }

        Assert.Empty(await TokensAsync(orgId));
    }

    private async Task<List<DirectoryToken>> TokensAsync(Guid orgId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().DirectoryTokens.AsNoTracking().Where(t => t.OrganizationId == orgId).ToListAsync();
    }

    private async Task<string> BaseRoleAsync(Guid orgId, string email)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var normalized = email.ToUpperInvariant();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Memberships.AsNoTracking()
            .Where(m => m.OrganizationId == orgId && m.User.NormalizedEmail == normalized).Select(m => m.BaseRole).SingleAsync();
    }

    [GeneratedRegex(@"<code id=""directory-token"" class=""secret""[^>]*>(?<token>[^<]+)</code>")]
    private static partial Regex TokenPattern();
}

public sealed class DirectorySyncPageTestsOnSqlite(SqliteApp app) : DirectorySyncPageTests(app), IClassFixture<SqliteApp>;

public sealed class DirectorySyncPageTestsOnPostgreSql(PostgreSqlApp app) : DirectorySyncPageTests(app), IClassFixture<PostgreSqlApp>;
