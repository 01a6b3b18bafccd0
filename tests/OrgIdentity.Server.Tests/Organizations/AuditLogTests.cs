using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary><c>GET /api/v1/orgs/{orgId}/audit</c>: the organization's audit log, newest first, filtered and paged (DESIGN.md §6).</summary>
public abstract class AuditLogTests(OrgIdentityApp app) : ServerTests(app)
{
    private const string ClientAddress = "203.0.113.77";

    [Fact]
    public async Task The_log_lists_the_organizations_events_newest_first_with_actor_action_target_ip_and_details()
    {
        using var org = await OrganizationWithHistoryAsync();

        var page = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{org.Id}/audit");

        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["member.updated", "role.updated", "role.created", "role.created", "organization.created"], items.Select(Action));
        Assert.Equal(5, page.GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next").ValueKind);
        var times = items.Select(e => e.GetProperty("at").GetDateTime()).ToList();
        Assert.Equal(times.OrderDescending(), times);

        var changed = items[0];
        Assert.Equal("user", changed.GetProperty("actorType").GetString());
        Assert.Equal(org.AdminId.ToString(), changed.GetProperty("actorId").GetString());
        Assert.Equal("user", changed.GetProperty("targetType").GetString());
        Assert.Equal(org.MemberId.ToString(), changed.GetProperty("targetId").GetString());
        Assert.Equal(ClientAddress, changed.GetProperty("ip").GetString());
        Assert.Equal("member", changed.GetProperty("details").GetProperty("before").GetProperty("role").GetString());
        Assert.Equal("viewer", changed.GetProperty("details").GetProperty("after").GetProperty("role").GetString());
        Assert.Equal(["auditors"], changed.GetProperty("details").GetProperty("after").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(DateTimeKind.Utc, changed.GetProperty("at").GetDateTime().Kind);

        var created = items[^1];
        Assert.Equal(org.Id.ToString(), created.GetProperty("targetId").GetString());
        Assert.Equal("organization", created.GetProperty("targetType").GetString());
        Assert.Equal(org.AdminId.ToString(), created.GetProperty("actorId").GetString());
        Assert.Equal("Audited", created.GetProperty("details").GetProperty("name").GetString());

        // Exactly the organization's events in the database, newest first.
        var stored = await App.AuditEventsAsync(org.Id);
        Assert.Equal(stored.Select(e => e.Id).Reverse(), items.Select(e => e.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Filters_by_action_target_and_actor_narrow_the_list_and_its_total()
    {
        using var org = await OrganizationWithHistoryAsync();
        var route = $"/api/v1/orgs/{org.Id}/audit";

        var roleEvents = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?action=role.created");
        var aboutMember = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?target={org.MemberId}");
        var aboutRole = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?target=auditors");
        var bySecondAdmin = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?actor={org.SecondAdminId}");
        var byFirstAdmin = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?actor={org.AdminId}");
        var combined = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?action=role.created&actor={org.AdminId}");
        var nothing = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?action=no.such.action");

        Assert.Equal(["role.created", "role.created"], Actions(roleEvents));
        Assert.Equal(2, roleEvents.GetProperty("total").GetInt32());
        Assert.Equal(["member.updated"], Actions(aboutMember));
        Assert.Equal(["role.updated", "role.created"], Actions(aboutRole));
        Assert.Equal(["role.updated", "role.created"], Actions(bySecondAdmin));
        Assert.All(bySecondAdmin.GetProperty("items").EnumerateArray(), e => Assert.Equal(org.SecondAdminId.ToString(), e.GetProperty("actorId").GetString()));
        Assert.Equal(["member.updated", "role.created", "organization.created"], Actions(byFirstAdmin));
        Assert.Equal(3, byFirstAdmin.GetProperty("total").GetInt32());
        Assert.Equal(["role.created"], Actions(combined));
        Assert.Empty(nothing.GetProperty("items").EnumerateArray());
        Assert.Equal(0, nothing.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task From_is_inclusive_and_to_exclusive()
    {
        using var org = await OrganizationWithHistoryAsync();
        var route = $"/api/v1/orgs/{org.Id}/audit";
        var all = (await org.AdminApi.Http.GetFromJsonAsync<JsonElement>(route)).GetProperty("items").EnumerateArray().ToList();
        // Newest first: [0] member.updated, [1] role.updated, [2] role.created (second admin), [3] role.created, [4] organization.created.
        var roleUpdatedAt = all[1].GetProperty("at").GetDateTime();
        var memberUpdatedAt = all[0].GetProperty("at").GetDateTime();

        var fromRoleUpdate = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?from={Query(roleUpdatedAt)}");
        var untilRoleUpdate = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?to={Query(roleUpdatedAt)}");
        var window = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?from={Query(roleUpdatedAt)}&to={Query(memberUpdatedAt)}");
        var between = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>(
            $"{route}?from={Query(all[3].GetProperty("at").GetDateTime().AddMilliseconds(1))}&to={Query(roleUpdatedAt.AddMilliseconds(-1))}");
        var future = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?from={Query(memberUpdatedAt.AddSeconds(1))}");

        Assert.Equal(["member.updated", "role.updated"], Actions(fromRoleUpdate));
        Assert.Equal(2, fromRoleUpdate.GetProperty("total").GetInt32());
        Assert.Equal(["role.created", "role.created", "organization.created"], Actions(untilRoleUpdate));
        Assert.Equal(["role.updated"], Actions(window));
        Assert.Equal(["role.created"], Actions(between));
        Assert.Empty(future.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task From_and_to_without_an_offset_are_utc_whatever_the_servers_time_zone()
    {
        using var org = await OrganizationWithHistoryAsync();
        var route = $"/api/v1/orgs/{org.Id}/audit";
        var all = (await org.AdminApi.Http.GetFromJsonAsync<JsonElement>(route)).GetProperty("items").EnumerateArray().ToList();
        // Newest first: [0] member.updated, [1] role.updated, [2] role.created, [3] role.created, [4] organization.created.
        var roleUpdatedAt = all[1].GetProperty("at").GetDateTime();
        Assert.Equal(DateTimeKind.Utc, roleUpdatedAt.Kind);
        // The same instant written without Z or offset. (On a server whose zone is UTC this cannot tell the
        // difference; off UTC, a time read as local moves the bounds by hours and both lists below change.)
        var plain = Uri.EscapeDataString(roleUpdatedAt.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture));

        var from = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?from={plain}");
        var to = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?to={plain}");

        Assert.Equal(["member.updated", "role.updated"], Actions(from));
        Assert.Equal(["role.created", "role.created", "organization.created"], Actions(to));
        // The same answers as with an explicit Z.
        Assert.Equal(Actions(from), Actions(await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?from={Query(roleUpdatedAt)}")));
        Assert.Equal(Actions(to), Actions(await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?to={Query(roleUpdatedAt)}")));
    }

    [Fact]
    public async Task Paging_with_the_next_cursor_visits_every_event_once_in_order()
    {
        using var org = await OrganizationWithHistoryAsync();
        var route = $"/api/v1/orgs/{org.Id}/audit";
        var all = (await org.AdminApi.Http.GetFromJsonAsync<JsonElement>(route)).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("id").GetGuid()).ToList();

        var visited = new List<Guid>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{route}?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            Assert.Equal(5, page.GetProperty("total").GetInt32());
            visited.AddRange(items.Select(e => e.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next").GetString();
            pages++;
            Assert.True(pages <= 5, "The cursor does not end.");
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(all, visited);
    }

    [Fact]
    public async Task Paging_holds_when_events_share_the_same_instant()
    {
        // The clock does not move here: every event has the same time, and the cursor must still order them.
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Same instant");
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());
        for (var i = 0; i < 4; i++)
        {
            var created = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles",
                new { key = $"role-{i}", name = $"Role {i}", permissions = new[] { "assets:view" } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var all = (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}/audit")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("id").GetGuid()).ToList();
        var visited = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}/audit?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            visited.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null && visited.Count <= 10);

        Assert.Equal(5, all.Count);
        Assert.Equal(all, visited);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("201")]
    [InlineData("500")]
    [InlineData("ten")]
    public async Task A_limit_out_of_range_is_a_validation_problem_naming_limit(string limit)
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Limits");
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());

        var response = await api.Http.GetAsync($"/api/v1/orgs/{orgId}/audit?limit={limit}");

        await AssertNamesFieldAsync(response, "limit");
    }

    [Theory]
    [InlineData("garbage", false)]
    [InlineData("!!!", false)]
    [InlineData("not-a-cursor", true)]
    [InlineData("123:not-a-guid", true)]
    [InlineData("638000000000000000", true)]
    [InlineData("-1:01930000-0000-7000-8000-000000000000", true)]
    [InlineData("99999999999999999999:01930000-0000-7000-8000-000000000000", true)]
    [InlineData("638000000000000000:01930000-0000-7000-8000-000000000000:x", true)]
    public async Task A_cursor_the_list_did_not_give_is_a_validation_problem_naming_cursor(string text, bool encode)
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Cursors");
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());
        var cursor = encode ? WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(text)) : text;

        var response = await api.Http.GetAsync($"/api/v1/orgs/{orgId}/audit?cursor={Uri.EscapeDataString(cursor)}");

        await AssertNamesFieldAsync(response, "cursor");
    }

    [Theory]
    [InlineData("from", "yesterday")]
    [InlineData("to", "2026-13-45")]
    public async Task A_from_or_to_that_is_not_a_time_is_a_validation_problem_naming_it(string field, string value)
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Times");
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());

        var response = await api.Http.GetAsync($"/api/v1/orgs/{orgId}/audit?{field}={value}");

        await AssertNamesFieldAsync(response, field);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("member")]
    public async Task A_member_without_audit_log_view_gets_403(string role)
    {
        var (_, orgId) = await App.OrganizationWithAdminAsync("Secretive");
        var member = await App.SignUpAsync("Curious member");
        await App.AddMemberAsync(orgId, member, role);
        using var api = await App.ApiAsync(member, organization: orgId.ToString());

        var response = await api.Http.GetAsync($"/api/v1/orgs/{orgId}/audit");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("audit-log:view", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_with_a_custom_role_granting_audit_log_view_may_read_the_log()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Audited by a viewer");
        using var adminApi = await App.ApiAsync(admin, organization: orgId.ToString());
        var role = await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key = "auditors", name = "Auditors", permissions = new[] { "audit-log:view" } });
        Assert.Equal(HttpStatusCode.Created, role.StatusCode);
        var viewer = await App.SignUpAsync("Auditing viewer");
        await App.AddMemberAsync(orgId, viewer, "viewer", "auditors");
        using var api = await App.ApiAsync(viewer, organization: orgId.ToString());

        var page = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}/audit");

        Assert.Equal(["role.created", "organization.created"], Actions(page));
    }

    [Fact]
    public async Task Events_of_other_organizations_and_of_the_platform_never_appear()
    {
        using var org = await OrganizationWithHistoryAsync();
        var (otherAdmin, otherId) = await App.OrganizationWithAdminAsync("Other");
        using var otherApi = await App.ApiAsync(otherAdmin, organization: otherId.ToString());
        Assert.Equal(HttpStatusCode.Created, (await otherApi.Http.PostAsJsonAsync($"/api/v1/orgs/{otherId}/roles",
            new { key = "auditors", name = "Other auditors", permissions = new[] { "audit-log:view" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await otherApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{otherId}", new { name = "Other renamed" })).StatusCode);
        // Platform-level events about a member of this organization: a profile change, an account disabled and enabled.
        using var memberApi = await App.ApiAsync(org.Member, organization: org.Id.ToString());
        Assert.Equal(HttpStatusCode.OK, (await memberApi.Http.PatchAsJsonAsync("/api/v1/me", new { company = "Elsewhere" })).StatusCode);
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{org.MemberId}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{org.MemberId}/enable", null)).StatusCode);

        var page = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{org.Id}/audit?limit=200");
        var byRole = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{org.Id}/audit?target=auditors");
        var aboutOther = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{org.Id}/audit?target={otherId}");
        var byOtherAdmin = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{org.Id}/audit?actor={await App.UserIdAsync(otherAdmin)}");
        var disabled = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{org.Id}/audit?action=user.disabled");

        Assert.Equal(5, page.GetProperty("total").GetInt32());
        var stored = await App.AuditEventsAsync(org.Id);
        Assert.Equal(stored.Select(e => e.Id).Reverse(), page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
        Assert.DoesNotContain("Other", page.ToString(), StringComparison.Ordinal);
        Assert.Equal(["role.updated", "role.created"], Actions(byRole));
        Assert.Empty(aboutOther.GetProperty("items").EnumerateArray());
        Assert.Empty(byOtherAdmin.GetProperty("items").EnumerateArray());
        Assert.Equal(0, disabled.GetProperty("total").GetInt32());
        Assert.Equal(3, (await otherApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{otherId}/audit")).GetProperty("total").GetInt32());
    }

    /// <summary>An organization, its admin (with an API client whose requests come from <see cref="ClientAddress"/>) and its history.</summary>
    private sealed record History(Guid Id, Browser AdminApi, Guid AdminId, Guid SecondAdminId, TestUser Member, Guid MemberId) : IDisposable
    {
        public void Dispose() => AdminApi.Dispose();
    }

    /// <summary>
    /// Five events, a second apart, oldest first: organization.created (admin), role.created "readers" (admin),
    /// role.created "auditors" (second admin), role.updated "auditors" (second admin), member.updated (admin: the member
    /// becomes a viewer with "auditors").
    /// </summary>
    private async Task<History> OrganizationWithHistoryAsync()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Audited");
        var secondAdmin = await App.SignUpAsync("Second admin");
        await App.AddMemberAsync(orgId, secondAdmin, "admin");
        var member = await App.SignUpAsync("Audited member");
        await App.AddMemberAsync(orgId, member, "member");
        var api = await App.ApiAsync(admin, organization: orgId.ToString());
        api.Http.DefaultRequestHeaders.Add(RemoteAddressFromTestHeader.Header, ClientAddress);
        using var secondApi = await App.ApiAsync(secondAdmin, organization: orgId.ToString());
        var route = $"/api/v1/orgs/{orgId}";

        await Step(() => api.Http.PostAsJsonAsync($"{route}/roles", new { key = "readers", name = "Readers", permissions = new[] { "orders:view" } }));
        await Step(() => secondApi.Http.PostAsJsonAsync($"{route}/roles", new { key = "auditors", name = "Auditors", permissions = new[] { "audit-log:view" } }));
        await Step(() => secondApi.Http.PutAsJsonAsync($"{route}/roles/auditors", new { name = "Auditors", permissions = new[] { "audit-log:view", "members:view" } }));
        var memberId = await App.UserIdAsync(member);
        await Step(() => api.Http.PatchAsJsonAsync($"{route}/members/{memberId}", new { role = "viewer", roles = new[] { "auditors" } }));
        return new History(orgId, api, await App.UserIdAsync(admin), await App.UserIdAsync(secondAdmin), member, memberId);

        async Task Step(Func<Task<HttpResponseMessage>> request)
        {
            App.Time.Advance(TimeSpan.FromSeconds(1));
            var response = await request();
            Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage!.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>A 400 validation problem whose <c>errors</c> name the field at fault (the API's way, see <c>Refusal.Invalid</c>).</summary>
    private static async Task AssertNamesFieldAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        var named = problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase));
        Assert.True(named, $"The problem does not name '{field}': {text}");
    }

    private static string Query(DateTime at) => Uri.EscapeDataString(at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));

    private static string? Action(JsonElement e) => e.GetProperty("action").GetString();

    private static string?[] Actions(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(Action).ToArray();
}

public sealed class AuditLogTestsOnSqlite(SqliteApp app) : AuditLogTests(app), IClassFixture<SqliteApp>;

public sealed class AuditLogTestsOnPostgreSql(PostgreSqlApp app) : AuditLogTests(app), IClassFixture<PostgreSqlApp>;
