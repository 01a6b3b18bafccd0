using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Invitations;

/// <summary>
/// The shareable invite link's admin API (DESIGN.md §2, §6 <c>GET/POST/DELETE /api/v1/orgs/{orgId}/invite-link</c>): one live
/// link per organization, shown again with the same URL, regenerated or revoked (the old URL dies); never <c>admin</c>,
/// never a permission its creator lacks; <c>members:edit</c> and the plan feature <c>invitations</c>.
/// </summary>
public abstract class InviteLinkTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task A_new_link_joins_as_viewer_for_72_hours_and_GET_shows_the_same_url_again()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var audit = await InviteLinkSupport.AuditIdsAsync(App, org.Id);
        var before = App.Time.GetUtcNow().UtcDateTime;

        var response = await InviteLinkSupport.PostLinkAsync(org.AdminApi, org.Id, new { });

        var created = await InviteLinkSupport.AssertStatusAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/v1/orgs/{org.Id}/invite-link", response.Headers.Location?.OriginalString);
        var url = created.GetProperty("url").GetString()!;
        Assert.StartsWith("https://localhost/Account/Join?token=", url, StringComparison.Ordinal);
        Assert.Equal("viewer", created.GetProperty("role").GetString());
        Assert.Empty(created.GetProperty("roles").EnumerateArray());
        Assert.Empty(created.GetProperty("units").EnumerateArray());
        Assert.Empty(created.GetProperty("allowedDomains").EnumerateArray());
        Assert.Equal(0, created.GetProperty("uses").GetInt32());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("maxUses").ValueKind);
        Assert.Equal("active", created.GetProperty("status").GetString());
        Assert.Equal(org.AdminId, created.GetProperty("createdBy").GetGuid());
        var expiresAt = created.GetProperty("expiresAt").GetDateTime();
        Assert.InRange(expiresAt - before, TimeSpan.FromHours(72) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(72) + TimeSpan.FromSeconds(1));

        var fetched = await InviteLinkSupport.AssertStatusAsync(await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.OK);
        Assert.Equal(url, fetched.GetProperty("url").GetString());
        Assert.Equal(created.GetRawText(), fetched.GetRawText());

        var events = await InviteLinkSupport.NewAuditAsync(App, org.Id, audit);
        var e = Assert.Single(events);
        Assert.Equal("invite_link.created", e.Action);
        Assert.Equal(org.AdminId.ToString(), e.ActorId);
        Assert.Equal(created.GetProperty("id").GetGuid().ToString(), e.TargetId);
        // The token is a secret: it is in no audit event.
        var token = url[(url.IndexOf('=', StringComparison.Ordinal) + 1)..];
        Assert.DoesNotContain(token, e.Details ?? "", StringComparison.Ordinal);
        Assert.Equal("viewer", JsonDocument.Parse(e.Details!).RootElement.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Without_a_link_GET_and_DELETE_are_404()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);

        await InviteLinkSupport.AssertProblemAsync(await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.NotFound);
        await InviteLinkSupport.AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Regenerating_revokes_the_old_link_so_its_url_no_longer_works()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var first = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { role = "member" });
        var audit = await InviteLinkSupport.AuditIdsAsync(App, org.Id);

        var second = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { });

        Assert.NotEqual(first.GetProperty("url").GetString(), second.GetProperty("url").GetString());
        var fetched = await InviteLinkSupport.AssertStatusAsync(await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.OK);
        Assert.Equal(second.GetProperty("url").GetString(), fetched.GetProperty("url").GetString());

        var events = await InviteLinkSupport.NewAuditAsync(App, org.Id, audit);
        // One transaction: both events may carry the same time, so their order is not asserted.
        Assert.Equal(["invite_link.created", "invite_link.revoked"], events.Select(e => e.Action).Order(StringComparer.Ordinal));
        Assert.Equal(first.GetProperty("id").GetGuid().ToString(), Assert.Single(events, e => e.Action == "invite_link.revoked").TargetId);

        var person = await App.SignUpAsync("Late joiner");
        using var browser = await App.SignedInBrowserAsync(person);
        var old = await browser.OpenAsync(InviteLinkSupport.PathOf(first));
        Assert.Equal(HttpStatusCode.Gone, old.StatusCode);
        Assert.Contains("revoked", await old.HtmlAsync(), StringComparison.OrdinalIgnoreCase);
        var current = await browser.OpenAsync(InviteLinkSupport.PathOf(second));
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Contains("Accept", await current.HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoking_kills_the_link_and_is_audited()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { });
        var person = await App.SignUpAsync("Too late");
        using var browser = await App.SignedInBrowserAsync(person);
        // Opened before the revocation: the Accept comes after it.
        var page = await browser.OpenAsync(InviteLinkSupport.PathOf(link));
        var audit = await InviteLinkSupport.AuditIdsAsync(App, org.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await org.AdminApi.Http.DeleteAsync(InviteLinkSupport.Path(org.Id))).StatusCode);

        await InviteLinkSupport.AssertProblemAsync(await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.NotFound);
        await InviteLinkSupport.AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.NotFound);
        var accepted = await browser.SubmitAsync(page);
        Assert.Equal(HttpStatusCode.Gone, accepted.StatusCode);
        Assert.Null(await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(person)));
        var e = Assert.Single(await InviteLinkSupport.NewAuditAsync(App, org.Id, audit));
        Assert.Equal("invite_link.revoked", e.Action);
        Assert.Equal(link.GetProperty("id").GetGuid().ToString(), e.TargetId);
    }

    [Fact]
    public async Task Role_roles_units_max_uses_and_allowed_domains_are_kept_and_domains_lowercased()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        await InviteLinkSupport.CreateRoleAsync(org.AdminApi, org.Id, "reporter", "analytics:view");
        var unit = await InviteLinkSupport.AssertStatusAsync(await org.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/units", new { name = "Brand" }),
            HttpStatusCode.Created);

        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new
        {
            role = "member",
            roles = new[] { "reporter" },
            units = new[] { unit.GetProperty("id").GetGuid() },
            expiresInHours = 5,
            maxUses = 3,
            allowedDomains = new[] { " Example.COM ", "example.com", "partner.example." },
        });

        Assert.Equal("member", link.GetProperty("role").GetString());
        Assert.Equal(["reporter"], link.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal([unit.GetProperty("id").GetGuid()], link.GetProperty("units").EnumerateArray().Select(u => u.GetGuid()));
        Assert.Equal(3, link.GetProperty("maxUses").GetInt32());
        Assert.Equal(["example.com", "partner.example"], link.GetProperty("allowedDomains").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(TimeSpan.FromHours(5), link.GetProperty("expiresAt").GetDateTime() - link.GetProperty("createdAt").GetDateTime());
    }

    [Theory]
    [InlineData("""{"role":"admin"}""", "role")]
    [InlineData("""{"role":"owner"}""", "role")]
    [InlineData("""{"roles":["no-such-role"]}""", "roles")]
    [InlineData("""{"roles":[""]}""", "roles")]
    [InlineData("""{"expiresInHours":0}""", "expiresInHours")]
    [InlineData("""{"expiresInHours":721}""", "expiresInHours")]
    [InlineData("""{"maxUses":0}""", "maxUses")]
    [InlineData("""{"allowedDomains":["not a domain"]}""", "allowedDomains")]
    [InlineData("""{"allowedDomains":["*.example.com"]}""", "allowedDomains")]
    [InlineData("""{"allowedDomains":["127.0.0.1"]}""", "allowedDomains")]
    [InlineData("""{"units":["{foreignUnit}"]}""", "units")]
    public async Task Bad_input_is_400_naming_the_field_and_nothing_changes(string body, string field)
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var other = await InviteLinkSupport.OrganizationAsync(App);
        var foreignUnit = await InviteLinkSupport.AssertStatusAsync(await other.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{other.Id}/units", new { name = "Theirs" }),
            HttpStatusCode.Created);
        var existing = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { });
        var audit = await InviteLinkSupport.AuditIdsAsync(App, org.Id);

        using var content = new StringContent(body.Replace("{foreignUnit}", foreignUnit.GetProperty("id").GetString(), StringComparison.Ordinal),
            System.Text.Encoding.UTF8, "application/json");
        var response = await org.AdminApi.Http.PostAsync(InviteLinkSupport.Path(org.Id), content);

        await InviteLinkSupport.AssertInvalidAsync(response, field);
        var still = await InviteLinkSupport.AssertStatusAsync(await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.OK);
        Assert.Equal(existing.GetProperty("url").GetString(), still.GetProperty("url").GetString());
        Assert.Empty(await InviteLinkSupport.NewAuditAsync(App, org.Id, audit));
    }

    [Fact]
    public async Task A_manager_with_members_edit_cannot_put_a_permission_they_lack_into_a_link()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        await InviteLinkSupport.CreateRoleAsync(org.AdminApi, org.Id, "people-manager", "members:edit");
        await InviteLinkSupport.CreateRoleAsync(org.AdminApi, org.Id, "billing-manager", "billing:edit");
        var manager = await App.SignUpAsync("Manager");
        await App.AddMemberAsync(org.Id, manager, "member", "people-manager");
        using var managerApi = await App.ApiAsync(manager, org.Id.ToString());
        var audit = await InviteLinkSupport.AuditIdsAsync(App, org.Id);

        var billing = await managerApi.Http.PostAsJsonAsync(InviteLinkSupport.Path(org.Id), new { roles = new[] { "billing-manager" } });
        var admin = await managerApi.Http.PostAsJsonAsync(InviteLinkSupport.Path(org.Id), new { role = "admin" });

        var problem = await InviteLinkSupport.AssertProblemAsync(billing, HttpStatusCode.Forbidden);
        Assert.Contains("billing:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await InviteLinkSupport.AssertInvalidAsync(admin, "role");
        await InviteLinkSupport.AssertProblemAsync(await managerApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.NotFound);
        Assert.Empty(await InviteLinkSupport.NewAuditAsync(App, org.Id, audit));

        // What the manager holds, the manager may hand out.
        await InviteLinkSupport.CreateRoleAsync(org.AdminApi, org.Id, "reporter", "analytics:view");
        var own = await InviteLinkSupport.CreateLinkAsync(managerApi, org.Id, new { role = "member", roles = new[] { "reporter" } });
        Assert.Equal(["reporter"], own.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Theory]
    [InlineData("members:edit")]
    [InlineData("roles:edit")]
    [InlineData("organization-settings:edit")]
    [InlineData("members:impersonate")]
    public async Task Not_even_an_admin_puts_an_administrative_permission_into_a_link(string permission)
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        await InviteLinkSupport.CreateRoleAsync(org.AdminApi, org.Id, "powerful", permission);
        var audit = await InviteLinkSupport.AuditIdsAsync(App, org.Id);

        var refused = await org.AdminApi.Http.PostAsJsonAsync(InviteLinkSupport.Path(org.Id), new { role = "viewer", roles = new[] { "powerful" } });

        var problem = await InviteLinkSupport.AssertInvalidAsync(refused, "roles");
        Assert.Contains(permission, problem.GetRawText(), StringComparison.Ordinal);
        await InviteLinkSupport.AssertProblemAsync(await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.NotFound);
        Assert.Empty(await InviteLinkSupport.NewAuditAsync(App, org.Id, audit));
    }

    [Fact]
    public async Task Without_members_edit_every_verb_is_403_even_reading_since_the_url_is_a_secret()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { });
        var member = await App.SignUpAsync("Plain member");
        await App.AddMemberAsync(org.Id, member, "member");
        using var api = await App.ApiAsync(member, org.Id.ToString());

        var get = await api.Http.GetAsync(InviteLinkSupport.Path(org.Id));
        var post = await api.Http.PostAsJsonAsync(InviteLinkSupport.Path(org.Id), new { });
        var delete = await api.Http.DeleteAsync(InviteLinkSupport.Path(org.Id));

        foreach (var response in new[] { get, post, delete })
        {
            var problem = await InviteLinkSupport.AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("members:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("token=", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id))).StatusCode);
    }

    [Fact]
    public async Task Without_the_invitations_plan_feature_the_routes_are_403_and_a_live_link_stops_working()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { });
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        Assert.Equal(HttpStatusCode.OK, (await platform.Http.PutAsJsonAsync($"/api/v1/orgs/{org.Id}/plan",
            new { invitations = false, units = true, sso = true, scim = true })).StatusCode);

        foreach (var response in new[]
        {
            await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)),
            await org.AdminApi.Http.PostAsJsonAsync(InviteLinkSupport.Path(org.Id), new { }),
            await org.AdminApi.Http.DeleteAsync(InviteLinkSupport.Path(org.Id)),
        })
        {
            var problem = await InviteLinkSupport.AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("invitations", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var person = await App.SignUpAsync("Blocked");
        using var browser = await App.SignedInBrowserAsync(person);
        var page = await browser.OpenAsync(InviteLinkSupport.PathOf(link));
        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Null(await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(person)));

        Assert.Equal(HttpStatusCode.OK, (await platform.Http.PutAsJsonAsync($"/api/v1/orgs/{org.Id}/plan",
            new { invitations = true, units = true, sso = true, scim = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id))).StatusCode);
    }

    [Fact]
    public async Task Each_organization_sees_only_its_own_link()
    {
        var a = await InviteLinkSupport.OrganizationAsync(App);
        var b = await InviteLinkSupport.OrganizationAsync(App);
        var linkOfA = await InviteLinkSupport.CreateLinkAsync(a.AdminApi, a.Id, new { });
        var linkOfB = await InviteLinkSupport.CreateLinkAsync(b.AdminApi, b.Id, new { });

        var seenByA = await InviteLinkSupport.AssertStatusAsync(await a.AdminApi.Http.GetAsync(InviteLinkSupport.Path(a.Id)), HttpStatusCode.OK);
        var aOnB = await a.AdminApi.Http.GetAsync(InviteLinkSupport.Path(b.Id));

        Assert.Equal(linkOfA.GetProperty("url").GetString(), seenByA.GetProperty("url").GetString());
        await InviteLinkSupport.AssertProblemAsync(aOnB, HttpStatusCode.Forbidden);
        Assert.DoesNotContain(linkOfB.GetProperty("url").GetString()!, await aOnB.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A's revocation leaves B's link alone.
        Assert.Equal(HttpStatusCode.NoContent, (await a.AdminApi.Http.DeleteAsync(InviteLinkSupport.Path(a.Id))).StatusCode);
        var stillB = await InviteLinkSupport.AssertStatusAsync(await b.AdminApi.Http.GetAsync(InviteLinkSupport.Path(b.Id)), HttpStatusCode.OK);
        Assert.Equal(linkOfB.GetProperty("url").GetString(), stillB.GetProperty("url").GetString());
    }
}

public sealed class InviteLinkTestsOnSqlite(SqliteApp app) : InviteLinkTests(app), IClassFixture<SqliteApp>;

public sealed class InviteLinkTestsOnPostgreSql(PostgreSqlApp app) : InviteLinkTests(app), IClassFixture<PostgreSqlApp>;

/// <summary>Organizations, links and checks the invite-link tests share.</summary>
internal static class InviteLinkSupport
{
    public sealed record Org(Guid Id, string Name, TestUser Admin, Guid AdminId, Browser AdminApi);

    public static async Task<Org> OrganizationAsync(OrgIdentityApp app)
    {
        var name = $"Acme {Guid.NewGuid():N}"[..13];
        var (admin, orgId) = await app.OrganizationWithAdminAsync(name);
        return new Org(orgId, name, admin, await app.UserIdAsync(admin), await app.ApiAsync(admin, orgId.ToString()));
    }

    public static string Path(Guid orgId) => $"/api/v1/orgs/{orgId}/invite-link";

    public static Task<HttpResponseMessage> PostLinkAsync(Browser api, Guid orgId, object body) => api.Http.PostAsJsonAsync(Path(orgId), body);

    public static async Task<JsonElement> CreateLinkAsync(Browser api, Guid orgId, object body) =>
        await AssertStatusAsync(await PostLinkAsync(api, orgId, body), HttpStatusCode.Created);

    /// <summary>The link's path and query on this server.</summary>
    public static string PathOf(JsonElement link) => new Uri(link.GetProperty("url").GetString()!).PathAndQuery;

    public static async Task CreateRoleAsync(Browser api, Guid orgId, string key, params string[] permissions) =>
        await AssertStatusAsync(await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key, name = key, permissions }), HttpStatusCode.Created);

    public sealed record MembershipRow(string BaseRole, MembershipSource Source, MembershipStatus Status, List<string> Roles, List<Guid> Units, bool LimitedToUnits);

    public static async Task<MembershipRow?> MembershipAsync(OrgIdentityApp app, Guid orgId, Guid userId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        return await db.Memberships.AsNoTracking().Where(m => m.OrganizationId == orgId && m.UserId == userId)
            .Select(m => new MembershipRow(m.BaseRole, m.Source, m.Status, m.Roles.Select(r => r.Role.Key).ToList(), m.Units.Select(u => u.UnitId).ToList(),
                m.LimitedToUnits))
            .SingleOrDefaultAsync();
    }

    public static async Task<HashSet<Guid>> AuditIdsAsync(OrgIdentityApp app, Guid orgId) => (await app.AuditEventsAsync(orgId)).Select(e => e.Id).ToHashSet();

    public static async Task<List<AuditEvent>> NewAuditAsync(OrgIdentityApp app, Guid orgId, HashSet<Guid> before) =>
        (await app.AuditEventsAsync(orgId)).Where(e => !before.Contains(e.Id)).ToList();

    public static async Task<JsonElement> AssertStatusAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await AssertStatusAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return problem;
    }

    public static async Task<JsonElement> AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase)),
            $"Expected an error naming '{field}': {problem}");
        return problem;
    }
}
