using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// <c>POST /api/v1/orgs/{orgId}/authz/check</c> (DESIGN.md §6): may <c>subject</c> do <c>permission</c> here, now? Answered from
/// the database, so a change of roles or membership shows at once, whatever the tokens say.
/// </summary>
public abstract class AuthzCheckTests(OrgIdentityApp app) : ServerTests(app)
{
    [Theory]
    [InlineData("member", "assets:edit", true)]
    [InlineData("member", "orders:view", true)]
    [InlineData("member", "members:view", true)]
    [InlineData("member", "members:edit", false)]
    [InlineData("member", "billing:view", false)]
    [InlineData("member", "audit-log:view", false)]
    [InlineData("viewer", "orders:view", true)]
    [InlineData("viewer", "orders:edit", false)]
    [InlineData("viewer", "units:view", true)]
    [InlineData("viewer", "units:edit", false)]
    [InlineData("admin", "billing:edit", true)]
    [InlineData("admin", "members:impersonate", true)]
    public async Task The_answer_follows_the_built_in_role(string role, string permission, bool allowed)
    {
        using var org = await OrganizationAsync();
        var user = await App.SignUpAsync("Subject");
        await App.AddMemberAsync(org.Id, user, role);

        Assert.Equal(allowed, await CheckAsync(org.AdminApi, org.Id, await App.UserIdAsync(user), permission));
    }

    [Theory]
    [InlineData("assets:edit", true)]
    [InlineData("assets:view", true)]
    [InlineData("catalog-items:edit", true)]
    [InlineData("catalog-items:view", true)]
    [InlineData("stages:edit", true)]
    [InlineData("billing:edit", true)]
    [InlineData("billing:view", true)]
    [InlineData("orders:edit", false)]
    [InlineData("members:edit", false)]
    [InlineData("organization-settings:view", false)]
    public async Task A_custom_role_grants_its_permissions_and_what_they_imply(string permission, bool allowed)
    {
        using var org = await OrganizationAsync();
        await CreateRoleAsync(org, "asset-editors", "assets:edit", "billing:edit");
        var viewer = await App.SignUpAsync("Asset editor");
        await App.AddMemberAsync(org.Id, viewer, "viewer", "asset-editors");

        Assert.Equal(allowed, await CheckAsync(org.AdminApi, org.Id, await App.UserIdAsync(viewer), permission));
    }

    [Fact]
    public async Task Someone_who_is_not_a_member_is_allowed_nothing()
    {
        using var org = await OrganizationAsync();
        var stranger = await App.SignUpAsync("Stranger");
        var (_, otherId) = await App.OrganizationWithAdminAsync("Elsewhere");
        var elsewhere = await App.SignUpAsync("Admin elsewhere");
        await App.AddMemberAsync(otherId, elsewhere, "admin");

        Assert.False(await CheckAsync(org.AdminApi, org.Id, await App.UserIdAsync(stranger), "assets:view"));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, await App.UserIdAsync(elsewhere), "assets:view"));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, Guid.CreateVersion7(), "assets:view"));
    }

    [Fact]
    public async Task A_suspended_member_is_allowed_nothing_until_reactivated()
    {
        using var org = await OrganizationAsync();
        var member = await App.SignUpAsync("Suspended");
        await App.AddMemberAsync(org.Id, member, "member");
        var memberId = await App.UserIdAsync(member);
        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:edit"));

        await PatchMemberAsync(org, memberId, new { status = "suspended" });
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:edit"));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:view"));

        await PatchMemberAsync(org, memberId, new { status = "active" });
        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:edit"));
    }

    [Fact]
    public async Task A_disabled_account_is_allowed_nothing_until_enabled()
    {
        using var org = await OrganizationAsync();
        var member = await App.SignUpAsync("Disabled");
        await App.AddMemberAsync(org.Id, member, "admin");
        var memberId = await App.UserIdAsync(member);
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);

        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{memberId}/disable", null)).StatusCode);
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:view"));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "members:edit"));

        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{memberId}/enable", null)).StatusCode);
        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "members:edit"));
    }

    [Fact]
    public async Task A_removed_member_is_allowed_nothing_at_once()
    {
        using var org = await OrganizationAsync();
        var member = await App.SignUpAsync("Removed");
        await App.AddMemberAsync(org.Id, member, "member");
        var memberId = await App.UserIdAsync(member);
        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "orders:edit"));

        Assert.Equal(HttpStatusCode.NoContent, (await org.AdminApi.Http.DeleteAsync($"/api/v1/orgs/{org.Id}/members/{memberId}")).StatusCode);

        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "orders:edit"));
    }

    [Fact]
    public async Task A_viewer_may_ask_about_others_and_about_themselves()
    {
        using var org = await OrganizationAsync();
        var viewer = await App.SignUpAsync("Viewer");
        await App.AddMemberAsync(org.Id, viewer, "viewer");
        var member = await App.SignUpAsync("Member");
        await App.AddMemberAsync(org.Id, member, "member");
        using var api = await App.ApiAsync(viewer, organization: org.Id.ToString());
        var viewerId = await App.UserIdAsync(viewer);

        Assert.True(await CheckAsync(api, org.Id, await App.UserIdAsync(member), "orders:edit"));
        Assert.True(await CheckAsync(api, org.Id, org.AdminId, "billing:edit"));
        Assert.True(await CheckAsync(api, org.Id, viewerId, "orders:view"));
        Assert.False(await CheckAsync(api, org.Id, viewerId, "orders:edit"));
    }

    [Fact]
    public async Task The_answer_changes_at_once_after_a_role_change_without_a_new_token()
    {
        using var org = await OrganizationAsync();
        await CreateRoleAsync(org, "billing", "billing:edit");
        var member = await App.SignUpAsync("Changing roles");
        await App.AddMemberAsync(org.Id, member, "member");
        var memberId = await App.UserIdAsync(member);
        using var memberApi = await App.ApiAsync(member, organization: org.Id.ToString());
        Assert.True(await CheckAsync(memberApi, org.Id, memberId, "assets:edit"));
        Assert.False(await CheckAsync(memberApi, org.Id, memberId, "billing:view"));

        await PatchMemberAsync(org, memberId, new { role = "viewer", roles = new[] { "billing" } });

        // The same tokens, on both sides: the check reads the database.
        Assert.False(await CheckAsync(memberApi, org.Id, memberId, "assets:edit"));
        Assert.True(await CheckAsync(memberApi, org.Id, memberId, "billing:view"));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:edit"));
        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "billing:edit"));

        // A change of the custom role itself counts too.
        var changed = await org.AdminApi.Http.PutAsJsonAsync($"/api/v1/orgs/{org.Id}/roles/billing", new { name = "Billing", permissions = new[] { "billing:view" } });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.False(await CheckAsync(memberApi, org.Id, memberId, "billing:edit"));
        Assert.True(await CheckAsync(memberApi, org.Id, memberId, "billing:view"));

        await PatchMemberAsync(org, memberId, new { role = "admin", roles = Array.Empty<string>() });
        Assert.True(await CheckAsync(memberApi, org.Id, memberId, "members:edit"));
    }

    [Fact]
    public async Task A_member_not_limited_to_units_is_allowed_in_any_unit()
    {
        using var org = await OrganizationAsync();
        var member = await App.SignUpAsync("Everywhere");
        await App.AddMemberAsync(org.Id, member, "member");
        var memberId = await App.UserIdAsync(member);

        var brand = Guid.CreateVersion7().ToString();
        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:edit", unit: brand));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "billing:view", unit: brand));
    }

    [Theory]
    [InlineData("assets:delete")]
    [InlineData("nonsense")]
    [InlineData("ASSETS:VIEW")]
    [InlineData("assets")]
    [InlineData("no-such-kind:view")]
    [InlineData("members:impersonate:view")]
    [InlineData("")]
    [InlineData(null)]
    public async Task A_permission_outside_the_catalog_is_a_validation_problem_naming_permission(string? permission)
    {
        using var org = await OrganizationAsync();

        var response = await org.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/authz/check", new { subject = org.AdminId.ToString(), permission });

        await AssertNamesFieldAsync(response, "permission");
    }

    [Theory]
    [InlineData("not-a-user-id")]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData(null)]
    public async Task A_subject_that_is_not_a_user_id_is_a_validation_problem_naming_subject(string? subject)
    {
        using var org = await OrganizationAsync();

        var response = await org.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/authz/check", new { subject, permission = "assets:view" });

        await AssertNamesFieldAsync(response, "subject");
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"subject":5,"permission":"assets:view"}""")]
    [InlineData("""{"subject":"{admin}","permission":["assets:view"]}""")]
    [InlineData("[]")]
    public async Task A_body_that_is_not_the_expected_json_is_a_problem_not_a_500(string body)
    {
        using var org = await OrganizationAsync();

        var response = await org.AdminApi.Http.PostAsync($"/api/v1/orgs/{org.Id}/authz/check",
            new StringContent(body.Replace("{admin}", org.AdminId.ToString(), StringComparison.Ordinal), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Asking_changes_nothing_and_writes_no_audit_event()
    {
        using var org = await OrganizationAsync();
        var before = (await App.AuditEventsAsync(org.Id)).Count;

        Assert.True(await CheckAsync(org.AdminApi, org.Id, org.AdminId, "audit-log:view"));

        Assert.Equal(before, (await App.AuditEventsAsync(org.Id)).Count);
    }

    private sealed record Org(Guid Id, TestUser Admin, Guid AdminId, Browser AdminApi) : IDisposable
    {
        public void Dispose() => AdminApi.Dispose();
    }

    private async Task<Org> OrganizationAsync()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Checked");
        return new Org(orgId, admin, await App.UserIdAsync(admin), await App.ApiAsync(admin, organization: orgId.ToString()));
    }

    private static async Task CreateRoleAsync(Org org, string key, params string[] permissions)
    {
        var response = await org.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/roles", new { key, name = key, permissions });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task PatchMemberAsync(Org org, Guid userId, object change)
    {
        var response = await org.AdminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{org.Id}/members/{userId}", change);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<bool> CheckAsync(Browser api, Guid orgId, Guid subject, string permission, string? unit = null)
    {
        var response = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/authz/check", new { subject = subject.ToString(), permission, unit });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"authz/check {permission}: {(int)response.StatusCode} {text}");
        var answer = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["allowed"], answer.EnumerateObject().Select(p => p.Name));
        return answer.GetProperty("allowed").GetBoolean();
    }

    private static async Task AssertNamesFieldAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(text).RootElement.TryGetProperty("errors", out var errors), $"No errors naming '{field}': {text}");
        Assert.True(errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase)), text);
    }
}

public sealed class AuthzCheckTestsOnSqlite(SqliteApp app) : AuthzCheckTests(app), IClassFixture<SqliteApp>;

public sealed class AuthzCheckTestsOnPostgreSql(PostgreSqlApp app) : AuthzCheckTests(app), IClassFixture<PostgreSqlApp>;
