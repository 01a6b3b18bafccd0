using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// DESIGN.md §2 invariants of members, through <c>/api/v1/orgs/{orgId}/members</c>: the last active admin stays,
/// only <c>members:edit</c> changes others, nobody grants or acts beyond what they hold, every change bumps
/// <c>authzVersion</c> and is audited, and a refused change changes nothing and writes no audit event.
/// </summary>
public abstract class MemberRulesTests(OrgIdentityApp app) : ServerTests(app)
{
    private static readonly TestUser PlatformAdmin = new(OrgIdentityApp.AdminEmail, OrgIdentityApp.AdminPassword, "Platform admin");

    // ---- the last active admin ----

    [Fact]
    public async Task The_only_admin_cannot_be_removed_suspended_or_demoted_even_by_a_platform_admin()
    {
        var org = await OrganizationAsync();
        using var platform = await App.ApiAsync(PlatformAdmin);
        var before = await StateAsync(org.AdminApi, org.Id, org.AdminId);
        var audit = await AuditIdsAsync(org.Id);

        var removed = await platform.Http.DeleteAsync(MemberPath(org.Id, org.AdminId));
        var suspended = await PatchMemberAsync(platform, org.Id, org.AdminId, new { status = "suspended" });
        var demoted = await PatchMemberAsync(platform, org.Id, org.AdminId, new { role = "member" });
        var demotedToViewer = await PatchMemberAsync(platform, org.Id, org.AdminId, new { role = "viewer", status = "suspended" });

        foreach (var response in new[] { removed, suspended, demoted, demotedToViewer })
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.Conflict);
            Assert.Contains("last active admin", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, org.AdminId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task The_only_admin_cannot_demote_or_suspend_themselves_nor_leave()
    {
        var org = await OrganizationAsync();
        var before = await StateAsync(org.AdminApi, org.Id, org.AdminId);
        var audit = await AuditIdsAsync(org.Id);

        var demoted = await PatchMemberAsync(org.AdminApi, org.Id, org.AdminId, new { role = "member" });
        var suspended = await PatchMemberAsync(org.AdminApi, org.Id, org.AdminId, new { status = "suspended" });
        var left = await org.AdminApi.Http.DeleteAsync(MemberPath(org.Id, org.AdminId));

        foreach (var response in new[] { demoted, suspended, left })
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.Conflict);
            Assert.Contains("last active admin", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, org.AdminId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_suspended_second_admin_does_not_count_as_an_active_admin()
    {
        var org = await OrganizationAsync();
        var (_, secondId) = await MemberAsync(org.Id, "Second admin", "admin");
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, secondId, new { status = "suspended" }));
        var before = await StateAsync(org.AdminApi, org.Id, org.AdminId);
        var audit = await AuditIdsAsync(org.Id);

        var demoted = await PatchMemberAsync(org.AdminApi, org.Id, org.AdminId, new { role = "member" });
        var left = await org.AdminApi.Http.DeleteAsync(MemberPath(org.Id, org.AdminId));

        await AssertProblemAsync(demoted, HttpStatusCode.Conflict);
        await AssertProblemAsync(left, HttpStatusCode.Conflict);
        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, org.AdminId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task An_admin_whose_account_is_disabled_does_not_count_as_an_active_admin()
    {
        var org = await OrganizationAsync();
        var (_, secondId) = await MemberAsync(org.Id, "Disabled admin", "admin");
        using var platform = await App.ApiAsync(PlatformAdmin);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{secondId}/disable", null)).StatusCode);
        var before = await StateAsync(org.AdminApi, org.Id, org.AdminId);
        var audit = await AuditIdsAsync(org.Id);

        await AssertProblemAsync(await PatchMemberAsync(org.AdminApi, org.Id, org.AdminId, new { role = "member" }), HttpStatusCode.Conflict);
        await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(MemberPath(org.Id, org.AdminId)), HttpStatusCode.Conflict);

        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, org.AdminId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task Two_admins_demoting_each_other_at_once_leave_exactly_one_admin()
    {
        using var platform = await App.ApiAsync(PlatformAdmin);
        for (var round = 0; round < 5; round++)
        {
            var org = await OrganizationAsync();
            var (second, secondId) = await MemberAsync(org.Id, "Second admin", "admin");
            using var secondApi = await App.ApiAsync(second, org.Id.ToString());

            var responses = await Task.WhenAll(
                PatchMemberAsync(org.AdminApi, org.Id, secondId, new { role = "member" }),
                PatchMemberAsync(secondApi, org.Id, org.AdminId, new { role = "member" }));

            // One wins; the other is refused as the last admin (409), or, when it came after, as no longer an admin (403).
            var statuses = responses.Select(r => (int)r.StatusCode).Order().ToArray();
            Assert.True(statuses is [200, 403] or [200, 409], $"Round {round}: {string.Join(", ", statuses)}");
            var admins = (await MembersAsync(platform, org.Id)).GetProperty("items").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "admin");
            Assert.Equal(1, admins);
        }
    }

    [Fact]
    public async Task With_a_second_admin_an_admin_can_be_suspended_demoted_and_removed()
    {
        var org = await OrganizationAsync();
        var (_, secondId) = await MemberAsync(org.Id, "Second admin", "admin");

        var audit = await AuditIdsAsync(org.Id);
        var suspended = await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, secondId, new { status = "suspended" }));
        Assert.Equal("suspended", suspended.GetProperty("status").GetString());
        var updated = await SingleNewEventAsync(org.Id, audit, "member.updated");
        Assert.Equal(org.AdminId.ToString(), updated.ActorId);
        Assert.Equal(secondId.ToString(), updated.TargetId);
        Assert.Equal("active", Details(updated).GetProperty("before").GetProperty("status").GetString());
        Assert.Equal("suspended", Details(updated).GetProperty("after").GetProperty("status").GetString());

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, secondId, new { status = "active" }));
        audit = await AuditIdsAsync(org.Id);
        var demoted = await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, secondId, new { role = "member" }));
        Assert.Equal("member", demoted.GetProperty("role").GetString());
        var demotion = await SingleNewEventAsync(org.Id, audit, "member.updated");
        Assert.Equal("admin", Details(demotion).GetProperty("before").GetProperty("role").GetString());
        Assert.Equal("member", Details(demotion).GetProperty("after").GetProperty("role").GetString());

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, secondId, new { role = "admin" }));
        audit = await AuditIdsAsync(org.Id);
        var removed = await org.AdminApi.Http.DeleteAsync(MemberPath(org.Id, secondId));
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        var removal = await SingleNewEventAsync(org.Id, audit, "member.removed");
        Assert.Equal(secondId.ToString(), removal.TargetId);
        Assert.Equal(HttpStatusCode.NotFound, (await org.AdminApi.Http.GetAsync(MemberPath(org.Id, secondId))).StatusCode);

        // The first admin is the only one again.
        await AssertProblemAsync(await PatchMemberAsync(org.AdminApi, org.Id, org.AdminId, new { role = "member" }), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task With_a_second_admin_an_admin_may_step_down_or_leave()
    {
        var org = await OrganizationAsync();
        var (second, secondId) = await MemberAsync(org.Id, "Second admin", "admin");
        using var secondApi = await App.ApiAsync(second, org.Id.ToString());

        var audit = await AuditIdsAsync(org.Id);
        var left = await secondApi.Http.DeleteAsync(MemberPath(org.Id, secondId));

        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        var leaving = await SingleNewEventAsync(org.Id, audit, "member.left");
        Assert.Equal(secondId.ToString(), leaving.ActorId);
        Assert.Equal(secondId.ToString(), leaving.TargetId);
        Assert.Equal(HttpStatusCode.NotFound, (await org.AdminApi.Http.GetAsync(MemberPath(org.Id, secondId))).StatusCode);

        var (_, thirdId) = await MemberAsync(org.Id, "Third admin", "admin");
        var stepDown = await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, org.AdminId, new { role = "viewer" }));
        Assert.Equal("viewer", stepDown.GetProperty("role").GetString());
        Assert.Equal("admin", (await StateAsync(org.AdminApi, org.Id, thirdId)).Role);
    }

    // ---- members:edit ----

    [Fact]
    public async Task A_member_without_members_edit_cannot_change_suspend_or_remove_anyone()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        var (member, _) = await MemberAsync(org.Id, "Plain member", "member");
        var (_, viewerId) = await MemberAsync(org.Id, "Viewer", "viewer");
        using var api = await App.ApiAsync(member, org.Id.ToString());
        var before = await StateAsync(org.AdminApi, org.Id, viewerId);
        var audit = await AuditIdsAsync(org.Id);

        var responses = new[]
        {
            await PatchMemberAsync(api, org.Id, viewerId, new { role = "member" }),
            await PatchMemberAsync(api, org.Id, viewerId, new { roles = new[] { "reporter" } }),
            await PatchMemberAsync(api, org.Id, viewerId, new { status = "suspended" }),
            await api.Http.DeleteAsync(MemberPath(org.Id, viewerId)),
            await PatchMemberAsync(api, org.Id, org.AdminId, new { status = "suspended" }),
        };

        foreach (var response in responses)
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("members:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, viewerId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_member_cannot_promote_themselves()
    {
        var org = await OrganizationAsync();
        var (member, memberId) = await MemberAsync(org.Id, "Ambitious", "viewer");
        using var api = await App.ApiAsync(member, org.Id.ToString());
        var before = await StateAsync(org.AdminApi, org.Id, memberId);
        var audit = await AuditIdsAsync(org.Id);

        await AssertProblemAsync(await PatchMemberAsync(api, org.Id, memberId, new { role = "member" }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await PatchMemberAsync(api, org.Id, memberId, new { role = "admin" }), HttpStatusCode.Forbidden);

        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, memberId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_members_editor_cannot_grant_a_custom_role_with_a_permission_they_lack()
    {
        var org = await OrganizationWithManagerAsync();
        var (_, viewerId) = await MemberAsync(org.Id, "Viewer", "viewer");
        var before = await StateAsync(org.AdminApi, org.Id, viewerId);
        var audit = await AuditIdsAsync(org.Id);

        var granted = await PatchMemberAsync(org.ManagerApi, org.Id, viewerId, new { roles = new[] { "billing-manager" } });
        var grantedWithPromotion = await PatchMemberAsync(org.ManagerApi, org.Id, viewerId, new { role = "member", roles = new[] { "people-manager", "billing-manager" } });

        foreach (var response in new[] { granted, grantedWithPromotion })
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("billing:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, viewerId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_members_editor_cannot_make_anyone_an_admin_themselves_included()
    {
        var org = await OrganizationWithManagerAsync();
        var (_, viewerId) = await MemberAsync(org.Id, "Viewer", "viewer");
        var viewerBefore = await StateAsync(org.AdminApi, org.Id, viewerId);
        var managerBefore = await StateAsync(org.AdminApi, org.Id, org.ManagerId);
        var audit = await AuditIdsAsync(org.Id);

        await AssertProblemAsync(await PatchMemberAsync(org.ManagerApi, org.Id, viewerId, new { role = "admin" }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await PatchMemberAsync(org.ManagerApi, org.Id, org.ManagerId, new { role = "admin" }), HttpStatusCode.Forbidden);

        Assert.Equal(viewerBefore, await StateAsync(org.AdminApi, org.Id, viewerId));
        Assert.Equal(managerBefore, await StateAsync(org.AdminApi, org.Id, org.ManagerId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_members_editor_cannot_change_suspend_or_remove_someone_who_holds_more_than_they_do()
    {
        var org = await OrganizationWithManagerAsync();
        var (_, billerId) = await MemberAsync(org.Id, "Biller", "member", "billing-manager");
        var adminBefore = await StateAsync(org.AdminApi, org.Id, org.AdminId);
        var billerBefore = await StateAsync(org.AdminApi, org.Id, billerId);
        var audit = await AuditIdsAsync(org.Id);

        var responses = new[]
        {
            await PatchMemberAsync(org.ManagerApi, org.Id, org.AdminId, new { role = "member" }),
            await PatchMemberAsync(org.ManagerApi, org.Id, org.AdminId, new { status = "suspended" }),
            await org.ManagerApi.Http.DeleteAsync(MemberPath(org.Id, org.AdminId)),
            await PatchMemberAsync(org.ManagerApi, org.Id, billerId, new { status = "suspended" }),
            await PatchMemberAsync(org.ManagerApi, org.Id, billerId, new { role = "viewer" }),
            await PatchMemberAsync(org.ManagerApi, org.Id, billerId, new { roles = Array.Empty<string>() }),
            await org.ManagerApi.Http.DeleteAsync(MemberPath(org.Id, billerId)),
        };

        foreach (var response in responses)
        {
            await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        }

        Assert.Equal(adminBefore, await StateAsync(org.AdminApi, org.Id, org.AdminId));
        Assert.Equal(billerBefore, await StateAsync(org.AdminApi, org.Id, billerId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_members_editor_can_promote_suspend_and_remove_someone_who_holds_no_more_than_they_do()
    {
        var org = await OrganizationWithManagerAsync();
        var (_, viewerId) = await MemberAsync(org.Id, "Viewer", "viewer");
        var before = await StateAsync(org.AdminApi, org.Id, viewerId);

        var audit = await AuditIdsAsync(org.Id);
        var promoted = await AssertOkAsync(await PatchMemberAsync(org.ManagerApi, org.Id, viewerId, new { role = "member" }));

        Assert.Equal("member", promoted.GetProperty("role").GetString());
        Assert.Equal(before.AuthzVersion + 1, promoted.GetProperty("authzVersion").GetInt32());
        Assert.Equal("member", (await StateAsync(org.AdminApi, org.Id, viewerId)).Role);
        var promotion = await SingleNewEventAsync(org.Id, audit, "member.updated");
        Assert.Equal(org.ManagerId.ToString(), promotion.ActorId);
        Assert.Equal(viewerId.ToString(), promotion.TargetId);
        Assert.Equal("viewer", Details(promotion).GetProperty("before").GetProperty("role").GetString());
        Assert.Equal("member", Details(promotion).GetProperty("after").GetProperty("role").GetString());

        // Granting a custom role the editor holds is no escalation.
        var granted = await AssertOkAsync(await PatchMemberAsync(org.ManagerApi, org.Id, viewerId, new { roles = new[] { "people-manager" } }));
        Assert.Equal(["people-manager"], Strings(granted, "roles"));

        audit = await AuditIdsAsync(org.Id);
        await AssertOkAsync(await PatchMemberAsync(org.ManagerApi, org.Id, viewerId, new { status = "suspended" }));
        Assert.Equal("suspended", (await StateAsync(org.AdminApi, org.Id, viewerId)).Status);
        await SingleNewEventAsync(org.Id, audit, "member.updated");

        audit = await AuditIdsAsync(org.Id);
        Assert.Equal(HttpStatusCode.NoContent, (await org.ManagerApi.Http.DeleteAsync(MemberPath(org.Id, viewerId))).StatusCode);
        var removal = await SingleNewEventAsync(org.Id, audit, "member.removed");
        Assert.Equal(org.ManagerId.ToString(), removal.ActorId);
        Assert.Equal(HttpStatusCode.NotFound, (await org.AdminApi.Http.GetAsync(MemberPath(org.Id, viewerId))).StatusCode);
    }

    // ---- the database, not the token ----

    [Fact]
    public async Task The_callers_permissions_are_read_from_the_database_not_from_their_token()
    {
        var org = await OrganizationWithManagerAsync();
        var (plain, plainId) = await MemberAsync(org.Id, "Plain member", "member");
        using var plainApi = await App.ApiAsync(plain, org.Id.ToString());
        var (_, viewerId) = await MemberAsync(org.Id, "Viewer", "viewer");

        // The manager loses members:edit: their token, issued before, no longer changes anyone.
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, org.ManagerId, new { roles = Array.Empty<string>() }));
        var before = await StateAsync(org.AdminApi, org.Id, viewerId);
        var audit = await AuditIdsAsync(org.Id);
        await AssertProblemAsync(await PatchMemberAsync(org.ManagerApi, org.Id, viewerId, new { role = "member" }), HttpStatusCode.Forbidden);
        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, viewerId));
        await AssertNoNewAuditAsync(org.Id, audit);

        // The plain member gains it: their token, issued before, now may.
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, plainId, new { roles = new[] { "people-manager" } }));
        var promoted = await AssertOkAsync(await PatchMemberAsync(plainApi, org.Id, viewerId, new { role = "member" }));
        Assert.Equal("member", promoted.GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_suspended_or_removed_member_is_refused_at_once_with_the_token_they_already_have()
    {
        var org = await OrganizationAsync();
        var (member, memberId) = await MemberAsync(org.Id, "Member", "member");
        using var api = await App.ApiAsync(member, org.Id.ToString());
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync($"/api/v1/orgs/{org.Id}/members")).StatusCode);

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { status = "suspended" }));
        await AssertProblemAsync(await api.Http.GetAsync($"/api/v1/orgs/{org.Id}/members"), HttpStatusCode.Forbidden);

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { status = "active" }));
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync($"/api/v1/orgs/{org.Id}/members")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await org.AdminApi.Http.DeleteAsync(MemberPath(org.Id, memberId))).StatusCode);
        await AssertProblemAsync(await api.Http.GetAsync($"/api/v1/orgs/{org.Id}/members"), HttpStatusCode.Forbidden);
    }

    // ---- authzVersion ----

    [Fact]
    public async Task AuthzVersion_goes_up_on_every_change_of_roles_or_status_and_on_an_edit_of_a_custom_role_held()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        await CreateRoleAsync(org.AdminApi, org.Id, "unrelated", "jobs:view");
        var (_, userId) = await MemberAsync(org.Id, "Versioned", "viewer");
        var version = (await StateAsync(org.AdminApi, org.Id, userId)).AuthzVersion;

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, userId, new { role = "member" }));
        Assert.Equal(++version, (await StateAsync(org.AdminApi, org.Id, userId)).AuthzVersion);

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, userId, new { status = "suspended" }));
        Assert.Equal(++version, (await StateAsync(org.AdminApi, org.Id, userId)).AuthzVersion);

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, userId, new { status = "active" }));
        Assert.Equal(++version, (await StateAsync(org.AdminApi, org.Id, userId)).AuthzVersion);

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, userId, new { roles = new[] { "reporter" } }));
        Assert.Equal(++version, (await StateAsync(org.AdminApi, org.Id, userId)).AuthzVersion);

        var edited = await org.AdminApi.Http.PutAsJsonAsync($"/api/v1/orgs/{org.Id}/roles/reporter",
            new { name = "Reporter", permissions = new[] { "orders:view", "analytics:view" } });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal(++version, (await StateAsync(org.AdminApi, org.Id, userId)).AuthzVersion);

        // A role the member does not hold is not their business.
        var other = await org.AdminApi.Http.PutAsJsonAsync($"/api/v1/orgs/{org.Id}/roles/unrelated",
            new { name = "Unrelated", permissions = new[] { "jobs:edit" } });
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(version, (await StateAsync(org.AdminApi, org.Id, userId)).AuthzVersion);

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, userId, new { roles = Array.Empty<string>() }));
        Assert.Equal(++version, (await StateAsync(org.AdminApi, org.Id, userId)).AuthzVersion);
    }

    // ---- leaving and removing ----

    [Fact]
    public async Task Anyone_may_leave_and_it_is_audited_as_leaving()
    {
        var org = await OrganizationAsync();
        var (viewer, viewerId) = await MemberAsync(org.Id, "Leaver", "viewer");
        using var api = await App.ApiAsync(viewer, org.Id.ToString());
        var total = (await MembersAsync(org.AdminApi, org.Id)).GetProperty("total").GetInt32();
        var audit = await AuditIdsAsync(org.Id);

        var left = await api.Http.DeleteAsync(MemberPath(org.Id, viewerId));

        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        var leaving = await SingleNewEventAsync(org.Id, audit, "member.left");
        Assert.Equal(viewerId.ToString(), leaving.ActorId);
        Assert.Equal(viewerId.ToString(), leaving.TargetId);
        Assert.Equal(total - 1, (await MembersAsync(org.AdminApi, org.Id)).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await org.AdminApi.Http.GetAsync(MemberPath(org.Id, viewerId))).StatusCode);
        await AssertProblemAsync(await api.Http.GetAsync($"/api/v1/orgs/{org.Id}/members"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Removing_a_member_removes_the_membership_only_and_is_audited()
    {
        var org = await OrganizationAsync();
        var (member, memberId) = await MemberAsync(org.Id, "Removed", "member");
        var audit = await AuditIdsAsync(org.Id);

        var removed = await org.AdminApi.Http.DeleteAsync(MemberPath(org.Id, memberId));

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        var removal = await SingleNewEventAsync(org.Id, audit, "member.removed");
        Assert.Equal(org.AdminId.ToString(), removal.ActorId);
        Assert.Equal(memberId.ToString(), removal.TargetId);
        Assert.Equal(HttpStatusCode.NotFound, (await org.AdminApi.Http.GetAsync(MemberPath(org.Id, memberId))).StatusCode);
        var members = await MembersAsync(org.AdminApi, org.Id);
        Assert.DoesNotContain(members.GetProperty("items").EnumerateArray(), m => m.GetProperty("userId").GetGuid() == memberId);
        // The account stays: an organization never deletes a person.
        Assert.True(await Accounts.AccountPages.CanSignInAsync(App, member.Email, member.Password));
        var again = await org.AdminApi.Http.DeleteAsync(MemberPath(org.Id, memberId));
        await AssertProblemAsync(again, HttpStatusCode.NotFound);
    }

    // ---- bad input ----

    [Fact]
    public async Task Unknown_roles_statuses_and_members_are_refused_naming_the_field_and_change_nothing()
    {
        var org = await OrganizationAsync();
        var (_, memberId) = await MemberAsync(org.Id, "Target", "member");
        var before = await StateAsync(org.AdminApi, org.Id, memberId);
        var audit = await AuditIdsAsync(org.Id);

        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { role = "owner" }), "role");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { role = "Admin" }), "role");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { roles = new[] { "no-such-role" } }), "roles");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { roles = new[] { "admin" } }), "roles");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { status = "deleted" }), "status");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { status = "1" }), "status");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { role = "viewer", status = "gone" }), "status");

        var unknown = Guid.NewGuid();
        await AssertProblemAsync(await PatchMemberAsync(org.AdminApi, org.Id, unknown, new { role = "viewer" }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(MemberPath(org.Id, unknown)), HttpStatusCode.NotFound);
        await AssertProblemAsync(await org.AdminApi.Http.GetAsync(MemberPath(org.Id, unknown)), HttpStatusCode.NotFound);

        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, memberId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task Empty_role_keys_and_statuses_that_are_not_exactly_active_or_suspended_are_refused_and_change_nothing()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        var (_, memberId) = await MemberAsync(org.Id, "Target", "member", "reporter");
        var before = await StateAsync(org.AdminApi, org.Id, memberId);
        var audit = await AuditIdsAsync(org.Id);

        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { roles = new string?[] { null } }), "roles");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { roles = new[] { "" } }), "roles");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { roles = new[] { "  " } }), "roles");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { roles = new string?[] { "reporter", null } }), "roles");
        // A flags-style combination and another casing are not statuses.
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { status = "active,suspended" }), "status");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { status = "suspended, active" }), "status");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { status = "Active" }), "status");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { status = "SUSPENDED" }), "status");

        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, memberId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_custom_role_of_another_organization_cannot_be_given()
    {
        var org = await OrganizationAsync();
        var other = await OrganizationAsync();
        await CreateRoleAsync(other.AdminApi, other.Id, "elsewhere", "orders:view");
        var (_, memberId) = await MemberAsync(org.Id, "Target", "member");
        var before = await StateAsync(org.AdminApi, org.Id, memberId);
        var audit = await AuditIdsAsync(org.Id);

        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { roles = new[] { "elsewhere" } }), "roles");

        Assert.Equal(before, await StateAsync(org.AdminApi, org.Id, memberId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task The_member_list_pages_with_a_cursor()
    {
        var org = await OrganizationAsync();
        var ids = new List<Guid> { org.AdminId };
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await MemberAsync(org.Id, $"Paged {i}", "viewer")).Id);
        }

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await org.AdminApi.Http.GetFromJsonAsync<JsonElement>(
                $"/api/v1/orgs/{org.Id}/members?limit=2{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            Assert.Equal(5, page.GetProperty("total").GetInt32());
            var items = page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("userId").GetGuid()).ToList();
            Assert.InRange(items.Count, 1, 2);
            seen.AddRange(items);
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(ids.Order(), seen.Order());
        await AssertInvalidAsync(await org.AdminApi.Http.GetAsync($"/api/v1/orgs/{org.Id}/members?limit=0"), "limit");
    }

    // ---- helpers ----

    private sealed record Org(Guid Id, TestUser Admin, Guid AdminId, Browser AdminApi);

    private sealed record ManagedOrg(Guid Id, Guid AdminId, Browser AdminApi, TestUser Manager, Guid ManagerId, Browser ManagerApi);

    private sealed record MemberState(string Role, string Roles, string Status, int AuthzVersion);

    private async Task<Org> OrganizationAsync()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Members");
        return new Org(orgId, admin, await App.UserIdAsync(admin), await App.ApiAsync(admin, orgId.ToString()));
    }

    /// <summary>
    /// An organization with the custom roles <c>people-manager</c> (<c>members:edit</c>) and <c>billing-manager</c>
    /// (<c>billing:edit</c>), and a manager: base role member (product edits) plus people-manager, without billing.
    /// </summary>
    private async Task<ManagedOrg> OrganizationWithManagerAsync()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "people-manager", "members:edit");
        await CreateRoleAsync(org.AdminApi, org.Id, "billing-manager", "billing:edit");
        var (manager, managerId) = await MemberAsync(org.Id, "Manager", "member", "people-manager");
        return new ManagedOrg(org.Id, org.AdminId, org.AdminApi, manager, managerId, await App.ApiAsync(manager, org.Id.ToString()));
    }

    private async Task<(TestUser User, Guid Id)> MemberAsync(Guid orgId, string name, string role, params string[] customRoles)
    {
        var user = await App.SignUpAsync(name);
        await App.AddMemberAsync(orgId, user, role, customRoles);
        return (user, await App.UserIdAsync(user));
    }

    private static async Task CreateRoleAsync(Browser api, Guid orgId, string key, params string[] permissions)
    {
        var response = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key, name = key, permissions });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Creating role {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static string MemberPath(Guid orgId, Guid userId) => $"/api/v1/orgs/{orgId}/members/{userId}";

    private static Task<HttpResponseMessage> PatchMemberAsync(Browser api, Guid orgId, Guid userId, object body) =>
        api.Http.PatchAsJsonAsync(MemberPath(orgId, userId), body);

    private static async Task<JsonElement> MembersAsync(Browser api, Guid orgId) =>
        await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}/members?limit=200");

    private static async Task<MemberState> StateAsync(Browser api, Guid orgId, Guid userId)
    {
        var member = await AssertOkAsync(await api.Http.GetAsync(MemberPath(orgId, userId)));
        return new MemberState(member.GetProperty("role").GetString()!, string.Join(",", Strings(member, "roles")),
            member.GetProperty("status").GetString()!, member.GetProperty("authzVersion").GetInt32());
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

public sealed class MemberRulesTestsOnSqlite(SqliteApp app) : MemberRulesTests(app), IClassFixture<SqliteApp>;

public sealed class MemberRulesTestsOnPostgreSql(PostgreSqlApp app) : MemberRulesTests(app), IClassFixture<PostgreSqlApp>;
