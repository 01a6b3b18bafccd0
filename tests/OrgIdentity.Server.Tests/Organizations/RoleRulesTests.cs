using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// DESIGN.md §2 invariants of custom roles, through <c>/api/v1/orgs/{orgId}/roles</c>: only <c>roles:edit</c>
/// defines them, from the catalog and from what the caller holds; a held role is not deleted; the built-in
/// ones are read-only; every change is audited and a refused one changes nothing.
/// </summary>
public abstract class RoleRulesTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_creates_a_role_it_is_listed_after_the_built_in_ones_and_audited()
    {
        var org = await OrganizationAsync();
        var audit = await AuditIdsAsync(org.Id);

        var response = await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id),
            new { key = "order-desk", name = "Order desk", description = "Takes orders", permissions = new[] { "orders:edit", "customers:view" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("order-desk", created.GetProperty("key").GetString());
        Assert.False(created.GetProperty("builtIn").GetBoolean());
        Assert.Equal(["customers:view", "orders:edit"], Strings(created, "permissions").Order(StringComparer.Ordinal));
        var list = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>(RolesPath(org.Id));
        var roles = list.GetProperty("items");
        Assert.Equal(4, list.GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("next").ValueKind);
        Assert.Equal(["admin", "member", "viewer", "order-desk"], roles.EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        var byKey = roles.EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!);
        foreach (var builtIn in new[] { "admin", "member", "viewer" })
        {
            Assert.True(byKey[builtIn].GetProperty("builtIn").GetBoolean(), builtIn);
        }

        Assert.False(byKey["order-desk"].GetProperty("builtIn").GetBoolean());
        Assert.Equal("Order desk", (await RoleAsync(org.AdminApi, org.Id, "order-desk")).GetProperty("name").GetString());
        var createdEvent = await SingleNewEventAsync(org.Id, audit, "role.created");
        Assert.Equal("order-desk", createdEvent.TargetId);
        Assert.Equal(org.AdminId.ToString(), createdEvent.ActorId);
    }

    [Fact]
    public async Task Only_roles_edit_may_create_change_or_delete_a_role()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        var (member, _) = await MemberAsync(org.Id, "Plain member", "member");
        using var api = await App.ApiAsync(member, org.Id.ToString());
        var before = await RoleStateAsync(org.AdminApi, org.Id, "reporter");
        var audit = await AuditIdsAsync(org.Id);

        var created = await api.Http.PostAsJsonAsync(RolesPath(org.Id), new { key = "sneaky", name = "Sneaky", permissions = new[] { "orders:view" } });
        var changed = await api.Http.PutAsJsonAsync(RolePath(org.Id, "reporter"), new { name = "Changed", permissions = new[] { "orders:edit" } });
        var deleted = await api.Http.DeleteAsync(RolePath(org.Id, "reporter"));

        foreach (var response in new[] { created, changed, deleted })
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("roles:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await RoleStateAsync(org.AdminApi, org.Id, "reporter"));
        await AssertProblemAsync(await org.AdminApi.Http.GetAsync(RolePath(org.Id, "sneaky")), HttpStatusCode.NotFound);
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task An_unknown_permission_is_a_validation_problem_naming_permissions()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        var before = await RoleStateAsync(org.AdminApi, org.Id, "reporter");
        var audit = await AuditIdsAsync(org.Id);

        foreach (var permission in new[] { "orders:delete", "widgets:view", "nonsense", "members:impersonate-all", "" })
        {
            await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id),
                new { key = "bad-permissions", name = "Bad", permissions = new[] { "orders:view", permission } }), "permissions");
            await AssertInvalidAsync(await org.AdminApi.Http.PutAsJsonAsync(RolePath(org.Id, "reporter"),
                new { name = "Reporter", permissions = new[] { permission } }), "permissions");
        }

        await AssertProblemAsync(await org.AdminApi.Http.GetAsync(RolePath(org.Id, "bad-permissions")), HttpStatusCode.NotFound);
        Assert.Equal(before, await RoleStateAsync(org.AdminApi, org.Id, "reporter"));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_bad_key_is_a_validation_problem_naming_key()
    {
        var org = await OrganizationAsync();
        var audit = await AuditIdsAsync(org.Id);
        var count = (await RolesAsync(org.AdminApi, org.Id)).GetArrayLength();

        foreach (var key in new[] { "Upper", "under_score", "x", "-leading", "trailing-", "has space", "", new string('k', 64) })
        {
            await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id), new { key, name = "Bad key", permissions = new[] { "orders:view" } }), "key");
        }

        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id), new { name = "No key", permissions = new[] { "orders:view" } }), "key");
        Assert.Equal(count, (await RolesAsync(org.AdminApi, org.Id)).GetArrayLength());
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_duplicate_key_is_a_conflict_and_the_first_role_stays()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        var before = await RoleStateAsync(org.AdminApi, org.Id, "reporter");
        var audit = await AuditIdsAsync(org.Id);

        var duplicate = await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id), new { key = "reporter", name = "Another", permissions = new[] { "jobs:edit" } });

        await AssertProblemAsync(duplicate, HttpStatusCode.Conflict);
        Assert.Equal(before, await RoleStateAsync(org.AdminApi, org.Id, "reporter"));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task The_same_key_may_be_used_by_two_organizations()
    {
        var first = await OrganizationAsync();
        var second = await OrganizationAsync();

        await CreateRoleAsync(first.AdminApi, first.Id, "reporter", "orders:view");
        await CreateRoleAsync(second.AdminApi, second.Id, "reporter", "jobs:view");

        Assert.Equal(["orders:view"], Strings(await RoleAsync(first.AdminApi, first.Id, "reporter"), "permissions"));
        Assert.Equal(["jobs:view"], Strings(await RoleAsync(second.AdminApi, second.Id, "reporter"), "permissions"));
    }

    [Fact]
    public async Task Nobody_defines_a_role_granting_a_permission_they_do_not_hold()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "role-editor", "roles:edit");
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        // A viewer who may define roles: product views, members:view, units:view and roles:edit (and so roles:view).
        var (editor, _) = await MemberAsync(org.Id, "Role editor", "viewer", "role-editor");
        using var api = await App.ApiAsync(editor, org.Id.ToString());
        var before = await RoleStateAsync(org.AdminApi, org.Id, "reporter");
        var audit = await AuditIdsAsync(org.Id);

        foreach (var permission in new[] { "billing:edit", "billing:view", "orders:edit", "assets:edit", "members:edit", "members:impersonate" })
        {
            var created = await api.Http.PostAsJsonAsync(RolesPath(org.Id), new { key = "escalation", name = "Escalation", permissions = new[] { permission } });
            var problem = await AssertProblemAsync(created, HttpStatusCode.Forbidden);
            Assert.Contains(permission, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var changed = await api.Http.PutAsJsonAsync(RolePath(org.Id, "reporter"), new { name = "Reporter", permissions = new[] { "orders:view", permission } });
            await AssertProblemAsync(changed, HttpStatusCode.Forbidden);
        }

        await AssertProblemAsync(await org.AdminApi.Http.GetAsync(RolePath(org.Id, "escalation")), HttpStatusCode.NotFound);
        Assert.Equal(before, await RoleStateAsync(org.AdminApi, org.Id, "reporter"));
        await AssertNoNewAuditAsync(org.Id, audit);

        // What the editor holds, they may grant.
        var allowed = await api.Http.PostAsJsonAsync(RolesPath(org.Id), new { key = "viewers-plus", name = "Viewers plus", permissions = new[] { "orders:view", "roles:view" } });
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        Assert.Equal("role.created", (await SingleNewEventAsync(org.Id, audit, "role.created")).Action);
    }

    [Fact]
    public async Task A_role_held_by_members_cannot_be_deleted_until_it_is_taken_from_them()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        var (_, firstId) = await MemberAsync(org.Id, "First holder", "viewer", "reporter");
        var (_, secondId) = await MemberAsync(org.Id, "Second holder", "member", "reporter");
        var before = await RoleStateAsync(org.AdminApi, org.Id, "reporter");
        Assert.Equal(2, (await RoleAsync(org.AdminApi, org.Id, "reporter")).GetProperty("members").GetInt32());
        var audit = await AuditIdsAsync(org.Id);

        var refused = await org.AdminApi.Http.DeleteAsync(RolePath(org.Id, "reporter"));

        var problem = await AssertProblemAsync(refused, HttpStatusCode.Conflict);
        Assert.Contains("2 members", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await RoleStateAsync(org.AdminApi, org.Id, "reporter"));
        await AssertNoNewAuditAsync(org.Id, audit);

        await AssertOkAsync(await org.AdminApi.Http.PatchAsJsonAsync(MemberPath(org.Id, firstId), new { roles = Array.Empty<string>() }));
        var stillHeld = await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(RolePath(org.Id, "reporter")), HttpStatusCode.Conflict);
        Assert.Contains("1 member", stillHeld.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertOkAsync(await org.AdminApi.Http.PatchAsJsonAsync(MemberPath(org.Id, secondId), new { roles = Array.Empty<string>() }));

        audit = await AuditIdsAsync(org.Id);
        var deleted = await org.AdminApi.Http.DeleteAsync(RolePath(org.Id, "reporter"));

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertProblemAsync(await org.AdminApi.Http.GetAsync(RolePath(org.Id, "reporter")), HttpStatusCode.NotFound);
        var deletion = await SingleNewEventAsync(org.Id, audit, "role.deleted");
        Assert.Equal("reporter", deletion.TargetId);
        Assert.DoesNotContain((await RolesAsync(org.AdminApi, org.Id)).EnumerateArray(),
            r => r.GetProperty("key").GetString() == "reporter");
    }

    [Fact]
    public async Task Built_in_roles_cannot_be_changed_deleted_or_redefined()
    {
        var org = await OrganizationAsync();
        var before = (await org.AdminApi.Http.GetFromJsonAsync<JsonElement>(RolesPath(org.Id))).ToString();
        var audit = await AuditIdsAsync(org.Id);

        foreach (var key in new[] { "admin", "member", "viewer" })
        {
            var changed = await org.AdminApi.Http.PutAsJsonAsync(RolePath(org.Id, key), new { name = "Mine now", permissions = new[] { "orders:view" } });
            await AssertProblemAsync(changed, HttpStatusCode.Conflict);
            await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(RolePath(org.Id, key)), HttpStatusCode.Conflict);
            var redefined = await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id), new { key, name = "Shadow", permissions = new[] { "orders:view" } });
            Assert.True(redefined.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict,
                $"Creating a role '{key}': {(int)redefined.StatusCode} {await redefined.Content.ReadAsStringAsync()}");
            var builtIn = await RoleAsync(org.AdminApi, org.Id, key);
            Assert.True(builtIn.GetProperty("builtIn").GetBoolean());
        }

        Assert.Equal(before, (await org.AdminApi.Http.GetFromJsonAsync<JsonElement>(RolesPath(org.Id))).ToString());
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task Editing_a_role_is_audited_and_changes_its_holders_access_at_once()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "people-manager", "members:edit");
        var (holder, holderId) = await MemberAsync(org.Id, "Holder", "viewer", "people-manager");
        using var holderApi = await App.ApiAsync(holder, org.Id.ToString());
        var (_, viewerId) = await MemberAsync(org.Id, "Viewer", "viewer");
        await AssertOkAsync(await holderApi.Http.PatchAsJsonAsync(MemberPath(org.Id, viewerId), new { status = "suspended" }));
        var version = (await AssertOkAsync(await org.AdminApi.Http.GetAsync(MemberPath(org.Id, holderId)))).GetProperty("authzVersion").GetInt32();
        var audit = await AuditIdsAsync(org.Id);

        var edited = await org.AdminApi.Http.PutAsJsonAsync(RolePath(org.Id, "people-manager"),
            new { name = "People reader", description = "Reads people", permissions = new[] { "members:view" } });

        var role = await AssertOkAsync(edited);
        Assert.Equal(["members:view"], Strings(role, "permissions"));
        Assert.Equal("People reader", (await RoleAsync(org.AdminApi, org.Id, "people-manager")).GetProperty("name").GetString());
        var update = await SingleNewEventAsync(org.Id, audit, "role.updated");
        Assert.Equal("people-manager", update.TargetId);
        var details = Details(update);
        Assert.Contains("members:edit", details.GetProperty("before").GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        Assert.DoesNotContain("members:edit", details.GetProperty("after").GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(version + 1, (await AssertOkAsync(await org.AdminApi.Http.GetAsync(MemberPath(org.Id, holderId)))).GetProperty("authzVersion").GetInt32());

        // The holder's token, issued when the role had members:edit, no longer acts on anyone.
        var viewerBefore = (await AssertOkAsync(await org.AdminApi.Http.GetAsync(MemberPath(org.Id, viewerId)))).ToString();
        audit = await AuditIdsAsync(org.Id);
        await AssertProblemAsync(await holderApi.Http.PatchAsJsonAsync(MemberPath(org.Id, viewerId), new { status = "active" }), HttpStatusCode.Forbidden);
        Assert.Equal(viewerBefore, (await AssertOkAsync(await org.AdminApi.Http.GetAsync(MemberPath(org.Id, viewerId)))).ToString());
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_role_editor_cannot_change_or_delete_a_role_that_grants_more_than_they_hold()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "role-editor", "roles:edit");
        await CreateRoleAsync(org.AdminApi, org.Id, "billing-manager", "billing:edit");
        var (editor, _) = await MemberAsync(org.Id, "Role editor", "member", "role-editor");
        using var api = await App.ApiAsync(editor, org.Id.ToString());
        var before = await RoleStateAsync(org.AdminApi, org.Id, "billing-manager");
        var audit = await AuditIdsAsync(org.Id);

        await AssertProblemAsync(await api.Http.PutAsJsonAsync(RolePath(org.Id, "billing-manager"), new { name = "Billing", permissions = new[] { "billing:view" } }),
            HttpStatusCode.Forbidden);
        await AssertProblemAsync(await api.Http.DeleteAsync(RolePath(org.Id, "billing-manager")), HttpStatusCode.Forbidden);

        Assert.Equal(before, await RoleStateAsync(org.AdminApi, org.Id, "billing-manager"));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_null_permission_is_a_validation_problem_naming_permissions()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        var before = await RoleStateAsync(org.AdminApi, org.Id, "reporter");
        var count = (await RolesAsync(org.AdminApi, org.Id)).GetArrayLength();
        var audit = await AuditIdsAsync(org.Id);

        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id),
            new { key = "null-permission", name = "Null", permissions = new string?[] { null } }), "permissions");
        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id),
            new { key = "null-permission", name = "Null", permissions = new string?[] { "orders:view", null } }), "permissions");
        await AssertInvalidAsync(await org.AdminApi.Http.PutAsJsonAsync(RolePath(org.Id, "reporter"),
            new { name = "Reporter", permissions = new string?[] { "orders:view", null } }), "permissions");

        await AssertProblemAsync(await org.AdminApi.Http.GetAsync(RolePath(org.Id, "null-permission")), HttpStatusCode.NotFound);
        Assert.Equal(count, (await RolesAsync(org.AdminApi, org.Id)).GetArrayLength());
        Assert.Equal(before, await RoleStateAsync(org.AdminApi, org.Id, "reporter"));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task Changing_a_role_someone_holds_needs_members_edit_besides_roles_edit()
    {
        var org = await OrganizationAsync();
        // A member (product edits) who may define roles but not change members.
        await CreateRoleAsync(org.AdminApi, org.Id, "role-editor", "roles:edit");
        await CreateRoleAsync(org.AdminApi, org.Id, "held", "orders:view");
        await CreateRoleAsync(org.AdminApi, org.Id, "unheld", "orders:view");
        var (editor, _) = await MemberAsync(org.Id, "Role editor", "member", "role-editor");
        await MemberAsync(org.Id, "Holder", "viewer", "held");
        using var api = await App.ApiAsync(editor, org.Id.ToString());
        var before = await RoleStateAsync(org.AdminApi, org.Id, "held");
        var audit = await AuditIdsAsync(org.Id);

        var refused = await api.Http.PutAsJsonAsync(RolePath(org.Id, "held"), new { name = "Held", permissions = new[] { "orders:view", "orders:edit" } });

        var problem = await AssertProblemAsync(refused, HttpStatusCode.Forbidden);
        Assert.Contains("members:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await RoleStateAsync(org.AdminApi, org.Id, "held"));
        await AssertNoNewAuditAsync(org.Id, audit);

        // The same edit of a role nobody holds changes nobody, and is allowed.
        var allowed = await AssertOkAsync(await api.Http.PutAsJsonAsync(RolePath(org.Id, "unheld"),
            new { name = "Unheld", permissions = new[] { "orders:view", "orders:edit" } }));
        Assert.Equal(["orders:edit", "orders:view"], Strings(allowed, "permissions").Order(StringComparer.Ordinal));
        Assert.Equal("unheld", (await SingleNewEventAsync(org.Id, audit, "role.updated")).TargetId);
    }

    [Fact]
    public async Task A_put_naming_another_key_in_its_body_is_a_validation_problem_naming_key()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        var before = await RoleStateAsync(org.AdminApi, org.Id, "reporter");
        var audit = await AuditIdsAsync(org.Id);

        await AssertInvalidAsync(await org.AdminApi.Http.PutAsJsonAsync(RolePath(org.Id, "reporter"),
            new { key = "renamed", name = "Renamed", permissions = new[] { "orders:edit" } }), "key");

        Assert.Equal(before, await RoleStateAsync(org.AdminApi, org.Id, "reporter"));
        await AssertProblemAsync(await org.AdminApi.Http.GetAsync(RolePath(org.Id, "renamed")), HttpStatusCode.NotFound);
        await AssertNoNewAuditAsync(org.Id, audit);

        // The role's own key in the body is no rename.
        var same = await AssertOkAsync(await org.AdminApi.Http.PutAsJsonAsync(RolePath(org.Id, "reporter"),
            new { key = "reporter", name = "Reporter", permissions = new[] { "orders:edit" } }));
        Assert.Equal("reporter", same.GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_missing_name_or_permissions_is_a_validation_problem_and_an_unknown_role_is_404()
    {
        var org = await OrganizationAsync();
        var audit = await AuditIdsAsync(org.Id);

        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id), new { key = "nameless", permissions = new[] { "orders:view" } }), "name");
        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(RolesPath(org.Id), new { key = "listless", name = "Listless" }), "permissions");
        await AssertProblemAsync(await org.AdminApi.Http.PutAsJsonAsync(RolePath(org.Id, "ghost"), new { name = "Ghost", permissions = new[] { "orders:view" } }),
            HttpStatusCode.NotFound);
        await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(RolePath(org.Id, "ghost")), HttpStatusCode.NotFound);

        await AssertNoNewAuditAsync(org.Id, audit);
    }

    // ---- helpers ----

    private sealed record Org(Guid Id, TestUser Admin, Guid AdminId, Browser AdminApi);

    private async Task<Org> OrganizationAsync()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Roles");
        return new Org(orgId, admin, await App.UserIdAsync(admin), await App.ApiAsync(admin, orgId.ToString()));
    }

    private async Task<(TestUser User, Guid Id)> MemberAsync(Guid orgId, string name, string role, params string[] customRoles)
    {
        var user = await App.SignUpAsync(name);
        await App.AddMemberAsync(orgId, user, role, customRoles);
        return (user, await App.UserIdAsync(user));
    }

    private static async Task CreateRoleAsync(Browser api, Guid orgId, string key, params string[] permissions)
    {
        var response = await api.Http.PostAsJsonAsync(RolesPath(orgId), new { key, name = key, permissions });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Creating role {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static string RolesPath(Guid orgId) => $"/api/v1/orgs/{orgId}/roles";

    private static string RolePath(Guid orgId, string key) => $"/api/v1/orgs/{orgId}/roles/{Uri.EscapeDataString(key)}";

    private static string MemberPath(Guid orgId, Guid userId) => $"/api/v1/orgs/{orgId}/members/{userId}";

    /// <summary>The items of <c>GET .../roles</c> (all roles on one page).</summary>
    private static async Task<JsonElement> RolesAsync(Browser api, Guid orgId) =>
        (await AssertOkAsync(await api.Http.GetAsync(RolesPath(orgId)))).GetProperty("items");

    private static async Task<JsonElement> RoleAsync(Browser api, Guid orgId, string key) => await AssertOkAsync(await api.Http.GetAsync(RolePath(orgId, key)));

    /// <summary>What a role is: its name, description and permissions, as GET shows them.</summary>
    private static async Task<string> RoleStateAsync(Browser api, Guid orgId, string key)
    {
        var role = await RoleAsync(api, orgId, key);
        return $"{role.GetProperty("name").GetString()}|{role.GetProperty("description")}|{string.Join(",", Strings(role, "permissions"))}|{role.GetProperty("members").GetInt32()}";
    }

    private static string[] Strings(JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static async Task<JsonElement> AssertOkAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase)),
            $"Expected an error naming '{field}': {problem}");
    }

    private async Task<HashSet<Guid>> AuditIdsAsync(Guid? orgId) => (await App.AuditEventsAsync(orgId)).Select(e => e.Id).ToHashSet();

    private async Task<List<AuditEvent>> NewAuditAsync(Guid? orgId, HashSet<Guid> before) =>
        (await App.AuditEventsAsync(orgId)).Where(e => !before.Contains(e.Id)).ToList();

    private async Task AssertNoNewAuditAsync(Guid? orgId, HashSet<Guid> before)
    {
        var added = await NewAuditAsync(orgId, before);
        Assert.True(added.Count == 0, $"Unexpected audit events: {string.Join(", ", added.Select(e => e.Action))}");
    }

    private async Task<AuditEvent> SingleNewEventAsync(Guid? orgId, HashSet<Guid> before, string action)
    {
        var added = await NewAuditAsync(orgId, before);
        Assert.True(added.Count == 1, $"Expected one {action}, got: {string.Join(", ", added.Select(e => e.Action))}");
        Assert.Equal(action, added[0].Action);
        Assert.Equal(orgId, added[0].OrganizationId);
        return added[0];
    }

    private static JsonElement Details(AuditEvent e) => JsonDocument.Parse(e.Details ?? "null").RootElement.Clone();
}

public sealed class RoleRulesTestsOnSqlite(SqliteApp app) : RoleRulesTests(app), IClassFixture<SqliteApp>;

public sealed class RoleRulesTestsOnPostgreSql(PostgreSqlApp app) : RoleRulesTests(app), IClassFixture<PostgreSqlApp>;
