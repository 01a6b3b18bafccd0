using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// Units (DESIGN.md §2, §6): <c>/api/v1/orgs/{orgId}/units</c> needs <c>units:edit</c> to change; a member limited to units
/// gets exactly their unit ids in tokens and in <c>authz/check</c>, anyone else (admins always) <c>["*"]</c>; a unit someone
/// is limited to stays until they are not; the units label is a setting; the <c>units</c> plan feature, set by platform
/// admins only, gates all of it. A refused change changes nothing and writes no audit event.
/// </summary>
public abstract class UnitTests(OrgIdentityApp app) : ServerTests(app)
{
    private static readonly TestUser PlatformAdmin = Infrastructure.Organizations.PlatformAdmin;

    // ---- create, list, rename, delete ----

    [Fact]
    public async Task An_admin_creates_lists_renames_and_deletes_units_and_each_change_is_audited()
    {
        var org = await OrganizationAsync();

        var audit = await AuditIdsAsync(org.Id);
        var response = await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name = "  Sales  " });
        var created = await AssertStatusAsync(response, HttpStatusCode.Created);
        var salesId = created.GetProperty("id").GetGuid();
        Assert.Equal("Sales", created.GetProperty("name").GetString());
        Assert.Equal(0, created.GetProperty("limitedMembers").GetInt32());
        Assert.Equal($"/api/v1/orgs/{org.Id}/units/{salesId}", response.Headers.Location?.OriginalString);
        var creation = await SingleNewEventAsync(org.Id, audit, "unit.created");
        Assert.Equal(org.AdminId.ToString(), creation.ActorId);
        Assert.Equal(salesId.ToString(), creation.TargetId);
        Assert.Equal("Sales", Details(creation).GetProperty("name").GetString());

        var alphaId = await CreateUnitAsync(org, "Alpha");
        var listed = await ListUnitsAsync(org.AdminApi, org.Id);
        Assert.Equal(2, listed.GetProperty("total").GetInt32());
        Assert.Equal(["Alpha", "Sales"], listed.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("name").GetString()!));
        Assert.Equal([alphaId, salesId], listed.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetGuid()));

        audit = await AuditIdsAsync(org.Id);
        var renamed = await AssertStatusAsync(await RenameUnitAsync(org.AdminApi, org.Id, salesId, "Marketing"), HttpStatusCode.OK);
        Assert.Equal(salesId, renamed.GetProperty("id").GetGuid());
        Assert.Equal("Marketing", renamed.GetProperty("name").GetString());
        var renaming = await SingleNewEventAsync(org.Id, audit, "unit.renamed");
        Assert.Equal(salesId.ToString(), renaming.TargetId);
        Assert.Equal("Sales", Details(renaming).GetProperty("before").GetString());
        Assert.Equal("Marketing", Details(renaming).GetProperty("after").GetString());
        Assert.Contains("Marketing", UnitNames(await ListUnitsAsync(org.AdminApi, org.Id)));

        // Renaming to the name it has changes nothing and writes nothing.
        audit = await AuditIdsAsync(org.Id);
        await AssertStatusAsync(await RenameUnitAsync(org.AdminApi, org.Id, salesId, "Marketing"), HttpStatusCode.OK);
        await AssertNoNewAuditAsync(org.Id, audit);

        audit = await AuditIdsAsync(org.Id);
        Assert.Equal(HttpStatusCode.NoContent, (await org.AdminApi.Http.DeleteAsync(UnitPath(org.Id, salesId))).StatusCode);
        var deletion = await SingleNewEventAsync(org.Id, audit, "unit.deleted");
        Assert.Equal(salesId.ToString(), deletion.TargetId);
        Assert.Equal("Marketing", Details(deletion).GetProperty("name").GetString());
        Assert.Equal(["Alpha"], UnitNames(await ListUnitsAsync(org.AdminApi, org.Id)));

        await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(UnitPath(org.Id, salesId)), HttpStatusCode.NotFound);
        await AssertProblemAsync(await RenameUnitAsync(org.AdminApi, org.Id, salesId, "Back"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_viewer_may_list_units_but_not_create_rename_or_delete_them()
    {
        var org = await OrganizationAsync();
        var unitId = await CreateUnitAsync(org, "Sales");
        var (viewer, _) = await MemberAsync(org.Id, "Viewer", "viewer");
        using var api = await App.ApiAsync(viewer, org.Id.ToString());
        var before = await UnitsStateAsync(org);
        var audit = await AuditIdsAsync(org.Id);

        Assert.Equal(["Sales"], UnitNames(await ListUnitsAsync(api, org.Id)));
        var responses = new[]
        {
            await api.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name = "Sneaky" }),
            await RenameUnitAsync(api, org.Id, unitId, "Renamed"),
            await api.Http.DeleteAsync(UnitPath(org.Id, unitId)),
        };

        foreach (var response in responses)
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("units:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await UnitsStateAsync(org));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_duplicate_name_is_refused_with_409_and_an_empty_one_with_400_naming_name()
    {
        var org = await OrganizationAsync();
        var salesId = await CreateUnitAsync(org, "Sales");
        var supportId = await CreateUnitAsync(org, "Support");
        var before = await UnitsStateAsync(org);
        var audit = await AuditIdsAsync(org.Id);

        foreach (var duplicate in new[]
        {
            await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name = "Sales" }),
            await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name = " Sales " }),
            await RenameUnitAsync(org.AdminApi, org.Id, supportId, "Sales"),
        })
        {
            var problem = await AssertProblemAsync(duplicate, HttpStatusCode.Conflict);
            Assert.Contains("Sales", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name = "" }), "name");
        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name = "   " }), "name");
        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name = (string?)null }), "name");
        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { }), "name");
        await AssertInvalidAsync(await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name = new string('x', 101) }), "name");
        await AssertInvalidAsync(await RenameUnitAsync(org.AdminApi, org.Id, salesId, ""), "name");
        await AssertInvalidAsync(await RenameUnitAsync(org.AdminApi, org.Id, salesId, "  "), "name");

        Assert.Equal(before, await UnitsStateAsync(org));
        await AssertNoNewAuditAsync(org.Id, audit);

        // The same name in another organization is no conflict.
        var other = await OrganizationAsync();
        await CreateUnitAsync(other, "Sales");
    }

    [Fact]
    public async Task A_unit_of_another_organization_is_not_found_there()
    {
        var org = await OrganizationAsync();
        var other = await OrganizationAsync();
        var theirs = await CreateUnitAsync(other, "Theirs");
        var audit = await AuditIdsAsync(other.Id);

        await AssertProblemAsync(await RenameUnitAsync(org.AdminApi, org.Id, theirs, "Mine now"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(UnitPath(org.Id, theirs)), HttpStatusCode.NotFound);

        Assert.Equal(["Theirs"], UnitNames(await ListUnitsAsync(other.AdminApi, other.Id)));
        Assert.Empty(UnitNames(await ListUnitsAsync(org.AdminApi, org.Id)));
        await AssertNoNewAuditAsync(other.Id, audit);
    }

    // ---- tokens ----

    [Fact]
    public async Task A_limited_member_gets_exactly_their_unit_ids_in_the_token_and_everyone_else_all_units()
    {
        var org = await OrganizationAsync();
        var a = await CreateUnitAsync(org, "A");
        var b = await CreateUnitAsync(org, "B");
        await CreateUnitAsync(org, "C");
        var (limited, limitedId) = await MemberAsync(org.Id, "Limited", "member");
        var (single, singleId) = await MemberAsync(org.Id, "Single unit", "viewer");
        var (unlimited, _) = await MemberAsync(org.Id, "Unlimited", "member");
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, limitedId, new { limitedToUnits = true, units = new[] { b, a } }));
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, singleId, new { limitedToUnits = true, units = new[] { a } }));
        // Admins are never limited, whatever their membership says.
        var adminLimited = await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, org.AdminId, new { limitedToUnits = true, units = new[] { a } }));
        Assert.True(adminLimited.GetProperty("limitedToUnits").GetBoolean());

        Assert.Equal(Ids(a, b), await TokenUnitsAsync(limited, org.Id));
        Assert.Equal(Ids(a), await TokenUnitsAsync(single, org.Id));
        Assert.Equal(["*"], await TokenUnitsAsync(unlimited, org.Id));
        Assert.Equal(["*"], await TokenUnitsAsync(org.Admin, org.Id));
    }

    [Fact]
    public async Task A_refreshed_token_follows_a_change_of_units()
    {
        var org = await OrganizationAsync();
        var a = await CreateUnitAsync(org, "A");
        var b = await CreateUnitAsync(org, "B");
        var (member, memberId) = await MemberAsync(org.Id, "Member", "member");
        var tokens = await App.TokensAsync(member, organization: org.Id.ToString());
        Assert.Equal(["*"], TokenUnits(tokens.AccessToken!));
        using var browser = App.CreateBrowser();

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { limitedToUnits = true, units = new[] { b } }));
        var refreshed = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.Equal(Ids(b), TokenUnits(refreshed.AccessToken!));

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { units = new[] { a, b } }));
        refreshed = (await Oidc.RefreshAsync(browser.Http, refreshed.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.Equal(Ids(a, b), TokenUnits(refreshed.AccessToken!));

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { limitedToUnits = false }));
        refreshed = (await Oidc.RefreshAsync(browser.Http, refreshed.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.Equal(["*"], TokenUnits(refreshed.AccessToken!));
    }

    [Fact]
    public async Task A_unit_created_later_is_visible_at_once_to_a_member_who_is_not_limited()
    {
        var org = await OrganizationAsync();
        await CreateUnitAsync(org, "Early");
        var (member, memberId) = await MemberAsync(org.Id, "Unlimited", "member");
        Assert.Equal(["*"], await TokenUnitsAsync(member, org.Id));

        var late = await CreateUnitAsync(org, "Late");

        Assert.Equal(["*"], await TokenUnitsAsync(member, org.Id));
        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:view", late));
        // The member may ask about themselves too.
        using var api = await App.ApiAsync(member, org.Id.ToString());
        Assert.True(await CheckAsync(api, org.Id, memberId, "assets:edit", late));
        var listed = await ListUnitsAsync(api, org.Id);
        Assert.Contains(late, listed.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetGuid()));
    }

    // ---- authz/check ----

    [Fact]
    public async Task Authz_check_with_a_unit_allows_a_limited_member_in_their_units_only()
    {
        var org = await OrganizationAsync();
        var a = await CreateUnitAsync(org, "A");
        var b = await CreateUnitAsync(org, "B");
        var c = await CreateUnitAsync(org, "C");
        var other = await OrganizationAsync();
        var elsewhere = await CreateUnitAsync(other, "Elsewhere");
        var (_, memberId) = await MemberAsync(org.Id, "Limited", "member");
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { limitedToUnits = true, units = new[] { a, b } }));

        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:edit", a));
        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "orders:view", b));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:edit", c));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:view", elsewhere));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:view", Guid.CreateVersion7()));
        // In their unit they still hold only what their roles grant.
        Assert.False(await CheckAsync(org.AdminApi, org.Id, memberId, "billing:view", a));

        // An admin, even one marked limited, is allowed in every unit.
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, org.AdminId, new { limitedToUnits = true, units = new[] { a } }));
        Assert.True(await CheckAsync(org.AdminApi, org.Id, org.AdminId, "assets:edit", c));

        // Un-limited, the member is allowed in every unit at once.
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { limitedToUnits = false }));
        Assert.True(await CheckAsync(org.AdminApi, org.Id, memberId, "assets:edit", c));

        var badUnit = await org.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/authz/check",
            new { subject = memberId.ToString(), permission = "assets:view", unit = "not-a-unit" });
        await AssertInvalidAsync(badUnit, "unit");
    }

    // ---- member units ----

    [Fact]
    public async Task Units_of_another_organization_cannot_be_given_to_a_member()
    {
        var org = await OrganizationAsync();
        var mine = await CreateUnitAsync(org, "Mine");
        var other = await OrganizationAsync();
        var theirs = await CreateUnitAsync(other, "Theirs");
        var (_, memberId) = await MemberAsync(org.Id, "Target", "member");
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { limitedToUnits = true, units = new[] { mine } }));
        var before = await MemberStateAsync(org.AdminApi, org.Id, memberId);
        var audit = await AuditIdsAsync(org.Id);

        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { units = new[] { theirs } }), "units");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { units = new[] { mine, theirs } }), "units");
        await AssertInvalidAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { limitedToUnits = true, units = new[] { Guid.CreateVersion7() } }), "units");

        Assert.Equal(before, await MemberStateAsync(org.AdminApi, org.Id, memberId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_change_of_limitedToUnits_or_units_bumps_authzVersion_and_is_audited()
    {
        var org = await OrganizationAsync();
        var a = await CreateUnitAsync(org, "A");
        var b = await CreateUnitAsync(org, "B");
        var (_, memberId) = await MemberAsync(org.Id, "Versioned", "member");
        var version = (await MemberStateAsync(org.AdminApi, org.Id, memberId)).AuthzVersion;

        var audit = await AuditIdsAsync(org.Id);
        var limited = await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { limitedToUnits = true, units = new[] { a } }));
        Assert.Equal(++version, limited.GetProperty("authzVersion").GetInt32());
        Assert.True(limited.GetProperty("limitedToUnits").GetBoolean());
        Assert.Equal([a], limited.GetProperty("units").EnumerateArray().Select(u => u.GetGuid()));
        var limiting = await SingleNewEventAsync(org.Id, audit, "member.updated");
        Assert.Equal(memberId.ToString(), limiting.TargetId);
        Assert.False(Details(limiting).GetProperty("before").GetProperty("limitedToUnits").GetBoolean());
        Assert.True(Details(limiting).GetProperty("after").GetProperty("limitedToUnits").GetBoolean());
        Assert.Equal([a.ToString()], Details(limiting).GetProperty("after").GetProperty("units").EnumerateArray().Select(u => u.GetString()));

        audit = await AuditIdsAsync(org.Id);
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { units = new[] { a, b } }));
        Assert.Equal(++version, (await MemberStateAsync(org.AdminApi, org.Id, memberId)).AuthzVersion);
        var adding = await SingleNewEventAsync(org.Id, audit, "member.updated");
        Assert.Equal(Ids(a, b), Details(adding).GetProperty("after").GetProperty("units").EnumerateArray().Select(u => u.GetString()!).Order());

        audit = await AuditIdsAsync(org.Id);
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { limitedToUnits = false }));
        Assert.Equal(++version, (await MemberStateAsync(org.AdminApi, org.Id, memberId)).AuthzVersion);
        await SingleNewEventAsync(org.Id, audit, "member.updated");

        // The same units again, in another order, are no change.
        audit = await AuditIdsAsync(org.Id);
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, memberId, new { limitedToUnits = false, units = new[] { b, a } }));
        Assert.Equal(version, (await MemberStateAsync(org.AdminApi, org.Id, memberId)).AuthzVersion);
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_member_without_members_edit_cannot_change_anyones_units()
    {
        var org = await OrganizationAsync();
        var a = await CreateUnitAsync(org, "A");
        var (member, memberId) = await MemberAsync(org.Id, "Plain member", "member");
        var (_, viewerId) = await MemberAsync(org.Id, "Viewer", "viewer");
        using var api = await App.ApiAsync(member, org.Id.ToString());
        var viewerBefore = await MemberStateAsync(org.AdminApi, org.Id, viewerId);
        var memberBefore = await MemberStateAsync(org.AdminApi, org.Id, memberId);
        var audit = await AuditIdsAsync(org.Id);

        await AssertProblemAsync(await PatchMemberAsync(api, org.Id, viewerId, new { limitedToUnits = true, units = new[] { a } }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await PatchMemberAsync(api, org.Id, memberId, new { limitedToUnits = true, units = new[] { a } }), HttpStatusCode.Forbidden);

        Assert.Equal(viewerBefore, await MemberStateAsync(org.AdminApi, org.Id, viewerId));
        Assert.Equal(memberBefore, await MemberStateAsync(org.AdminApi, org.Id, memberId));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    // ---- deleting a unit in use ----

    [Fact]
    public async Task A_unit_someone_is_limited_to_cannot_be_deleted_until_nobody_is()
    {
        var org = await OrganizationAsync();
        var a = await CreateUnitAsync(org, "Busy");
        var b = await CreateUnitAsync(org, "Other");
        var (_, firstId) = await MemberAsync(org.Id, "First", "member");
        var (_, secondId) = await MemberAsync(org.Id, "Second", "viewer");
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, firstId, new { limitedToUnits = true, units = new[] { a } }));
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, secondId, new { limitedToUnits = true, units = new[] { a, b } }));
        var busy = (await ListUnitsAsync(org.AdminApi, org.Id)).GetProperty("items").EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == a);
        Assert.Equal(2, busy.GetProperty("limitedMembers").GetInt32());
        var before = await UnitsStateAsync(org);
        var audit = await AuditIdsAsync(org.Id);

        var refused = await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(UnitPath(org.Id, a)), HttpStatusCode.Conflict);
        Assert.Contains("2 members", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await UnitsStateAsync(org));
        await AssertNoNewAuditAsync(org.Id, audit);

        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, firstId, new { limitedToUnits = false }));
        audit = await AuditIdsAsync(org.Id);
        refused = await AssertProblemAsync(await org.AdminApi.Http.DeleteAsync(UnitPath(org.Id, a)), HttpStatusCode.Conflict);
        Assert.Contains("1 member", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNoNewAuditAsync(org.Id, audit);

        // Taking the unit from the second member (still limited, to the other unit) frees it.
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, secondId, new { units = new[] { b } }));
        audit = await AuditIdsAsync(org.Id);
        Assert.Equal(HttpStatusCode.NoContent, (await org.AdminApi.Http.DeleteAsync(UnitPath(org.Id, a))).StatusCode);
        await SingleNewEventAsync(org.Id, audit, "unit.deleted");
        Assert.Equal(["Other"], UnitNames(await ListUnitsAsync(org.AdminApi, org.Id)));

        // The first member, no longer limited, kept a grant of the deleted unit: it went with the unit.
        var first = await AssertOkAsync(await org.AdminApi.Http.GetAsync(MemberPath(org.Id, firstId)));
        Assert.Empty(first.GetProperty("units").EnumerateArray());
    }

    [Fact]
    public async Task An_admin_marked_limited_is_not_counted_as_limited_to_a_unit()
    {
        var org = await OrganizationAsync();
        var a = await CreateUnitAsync(org, "Admins only");
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, org.AdminId, new { limitedToUnits = true, units = new[] { a } }));

        // DESIGN.md §2: admins are never limited, so the unit has no limited member.
        var listed = (await ListUnitsAsync(org.AdminApi, org.Id)).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(0, listed.GetProperty("limitedMembers").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await org.AdminApi.Http.DeleteAsync(UnitPath(org.Id, a))).StatusCode);
    }

    // ---- the units label ----

    [Fact]
    public async Task The_units_label_is_an_organization_setting()
    {
        var org = await OrganizationAsync();
        Assert.Equal("Units", (await OrganizationViewAsync(org.AdminApi, org.Id)).GetProperty("unitsLabel").GetString());

        var audit = await AuditIdsAsync(org.Id);
        var patched = await AssertOkAsync(await org.AdminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{org.Id}", new { unitsLabel = "Brands" }));

        Assert.Equal("Brands", patched.GetProperty("unitsLabel").GetString());
        Assert.Equal("Brands", (await OrganizationViewAsync(org.AdminApi, org.Id)).GetProperty("unitsLabel").GetString());
        await SingleNewEventAsync(org.Id, audit, "organization.updated");

        audit = await AuditIdsAsync(org.Id);
        await AssertInvalidAsync(await org.AdminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{org.Id}", new { unitsLabel = "   " }), "unitsLabel");
        await AssertInvalidAsync(await org.AdminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{org.Id}", new { unitsLabel = new string('x', 51) }), "unitsLabel");
        var (viewer, _) = await MemberAsync(org.Id, "Viewer", "viewer");
        using var viewerApi = await App.ApiAsync(viewer, org.Id.ToString());
        await AssertProblemAsync(await viewerApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{org.Id}", new { unitsLabel = "Projects" }), HttpStatusCode.Forbidden);
        Assert.Equal("Brands", (await OrganizationViewAsync(org.AdminApi, org.Id)).GetProperty("unitsLabel").GetString());
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    // ---- the plan ----

    [Fact]
    public async Task A_platform_admin_sets_the_plan_and_the_organizations_admin_cannot()
    {
        var org = await OrganizationAsync();
        using var platform = await App.ApiAsync(PlatformAdmin);
        var plan = (await OrganizationViewAsync(org.AdminApi, org.Id)).GetProperty("plan");
        Assert.Equal((true, true, true, true), Plan(plan));

        var audit = await AuditIdsAsync(org.Id);
        var set = await AssertOkAsync(await PutPlanAsync(platform, org.Id, new { invitations = false, units = true, sso = false, scim = true }));
        Assert.Equal((false, true, false, true), Plan(set.GetProperty("plan")));
        Assert.Equal((false, true, false, true), Plan((await OrganizationViewAsync(org.AdminApi, org.Id)).GetProperty("plan")));
        var change = await SingleNewEventAsync(org.Id, audit, "organization.plan_updated");
        Assert.Equal((await App.UserIdAsync(PlatformAdmin)).ToString(), change.ActorId);

        audit = await AuditIdsAsync(org.Id);
        var refused = await AssertProblemAsync(await PutPlanAsync(org.AdminApi, org.Id, new { invitations = true, units = true, sso = true, scim = true }),
            HttpStatusCode.Forbidden);
        Assert.Contains("platform admin", refused.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal((false, true, false, true), Plan((await OrganizationViewAsync(org.AdminApi, org.Id)).GetProperty("plan")));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_plan_with_a_missing_field_is_refused_and_changes_nothing()
    {
        var org = await OrganizationAsync();
        using var platform = await App.ApiAsync(PlatformAdmin);
        var audit = await AuditIdsAsync(org.Id);

        await AssertInvalidAsync(await PutPlanAsync(platform, org.Id, new { invitations = false, units = false, sso = false }), "scim");
        await AssertInvalidAsync(await PutPlanAsync(platform, org.Id, new { units = false }), "invitations");
        await AssertInvalidAsync(await PutPlanAsync(platform, org.Id, new { invitations = false, units = (bool?)null, sso = false, scim = false }), "units");
        var empty = await PutPlanAsync(platform, org.Id, new { });
        await AssertProblemAsync(empty, HttpStatusCode.BadRequest);

        Assert.Equal((true, true, true, true), Plan((await OrganizationViewAsync(org.AdminApi, org.Id)).GetProperty("plan")));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task Without_units_in_the_plan_units_are_refused_and_tokens_carry_all_units_until_it_is_back()
    {
        var org = await OrganizationAsync();
        var a = await CreateUnitAsync(org, "A");
        var b = await CreateUnitAsync(org, "B");
        var c = await CreateUnitAsync(org, "C");
        var (limited, limitedId) = await MemberAsync(org.Id, "Limited", "member");
        var (_, otherId) = await MemberAsync(org.Id, "Other", "viewer");
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, limitedId, new { limitedToUnits = true, units = new[] { a, b } }));
        Assert.Equal(Ids(a, b), await TokenUnitsAsync(limited, org.Id));
        using var platform = await App.ApiAsync(PlatformAdmin);

        await AssertOkAsync(await PutPlanAsync(platform, org.Id, new { invitations = true, units = false, sso = true, scim = true }));
        var limitedBefore = await MemberStateAsync(org.AdminApi, org.Id, limitedId);
        var otherBefore = await MemberStateAsync(org.AdminApi, org.Id, otherId);
        var unitCount = await UnitCountAsync(org.Id);
        var audit = await AuditIdsAsync(org.Id);

        var unitRoutes = new[]
        {
            await org.AdminApi.Http.GetAsync(UnitsPath(org.Id)),
            await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name = "D" }),
            await RenameUnitAsync(org.AdminApi, org.Id, a, "A2"),
            await org.AdminApi.Http.DeleteAsync(UnitPath(org.Id, c)),
            // Not even a platform admin uses a feature the plan lacks.
            await platform.Http.GetAsync(UnitsPath(org.Id)),
        };
        foreach (var response in unitRoutes)
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
            var detail = problem.GetProperty("detail").GetString();
            Assert.Contains("units", detail, StringComparison.Ordinal);
            Assert.Contains("plan", detail, StringComparison.Ordinal);
        }

        var memberChanges = new[]
        {
            await PatchMemberAsync(org.AdminApi, org.Id, limitedId, new { units = new[] { c } }),
            await PatchMemberAsync(org.AdminApi, org.Id, limitedId, new { limitedToUnits = false }),
            await PatchMemberAsync(org.AdminApi, org.Id, otherId, new { limitedToUnits = true, units = new[] { a } }),
        };
        foreach (var response in memberChanges)
        {
            Assert.Contains("plan", (await AssertProblemAsync(response, HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var email = $"planless-{Guid.NewGuid():N}@example.com";
        var created = await org.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/members", new { name = "Planless", email, units = new[] { a } });
        await AssertProblemAsync(created, HttpStatusCode.Forbidden);
        Assert.False(await AccountExistsAsync(email));

        Assert.Equal(limitedBefore, await MemberStateAsync(org.AdminApi, org.Id, limitedId));
        Assert.Equal(otherBefore, await MemberStateAsync(org.AdminApi, org.Id, otherId));
        Assert.Equal(unitCount, await UnitCountAsync(org.Id));
        await AssertNoNewAuditAsync(org.Id, audit);

        // The limited member is limited no more while the plan has no units.
        Assert.Equal(["*"], await TokenUnitsAsync(limited, org.Id));
        Assert.True(await CheckAsync(org.AdminApi, org.Id, limitedId, "assets:edit", c));
        // A change of something else still works.
        Assert.Equal("member", (await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, otherId, new { role = "member" }))).GetProperty("role").GetString());

        await AssertOkAsync(await PutPlanAsync(platform, org.Id, new { invitations = true, units = true, sso = true, scim = true }));

        Assert.Equal(["A", "B", "C"], UnitNames(await ListUnitsAsync(org.AdminApi, org.Id)));
        Assert.Equal(Ids(a, b), await TokenUnitsAsync(limited, org.Id));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, limitedId, "assets:edit", c));
        Assert.True(await CheckAsync(org.AdminApi, org.Id, limitedId, "assets:edit", a));
        await CreateUnitAsync(org, "D");
        await AssertOkAsync(await PatchMemberAsync(org.AdminApi, org.Id, limitedId, new { units = new[] { c } }));
        Assert.Equal(Ids(c), await TokenUnitsAsync(limited, org.Id));
    }

    // ---- helpers ----

    private sealed record Org(Guid Id, TestUser Admin, Guid AdminId, Browser AdminApi);

    private sealed record MemberState(string Role, string Status, bool LimitedToUnits, string Units, int AuthzVersion);

    private async Task<Org> OrganizationAsync()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Units");
        return new Org(orgId, admin, await App.UserIdAsync(admin), await App.ApiAsync(admin, orgId.ToString()));
    }

    private async Task<(TestUser User, Guid Id)> MemberAsync(Guid orgId, string name, string role)
    {
        var user = await App.SignUpAsync(name);
        await App.AddMemberAsync(orgId, user, role);
        return (user, await App.UserIdAsync(user));
    }

    private static string UnitsPath(Guid orgId) => $"/api/v1/orgs/{orgId}/units";

    private static string UnitPath(Guid orgId, Guid unitId) => $"/api/v1/orgs/{orgId}/units/{unitId}";

    private static string MemberPath(Guid orgId, Guid userId) => $"/api/v1/orgs/{orgId}/members/{userId}";

    private static async Task<Guid> CreateUnitAsync(Org org, string name)
    {
        var created = await AssertStatusAsync(await org.AdminApi.Http.PostAsJsonAsync(UnitsPath(org.Id), new { name }), HttpStatusCode.Created);
        return created.GetProperty("id").GetGuid();
    }

    private static Task<HttpResponseMessage> RenameUnitAsync(Browser api, Guid orgId, Guid unitId, string? name) =>
        api.Http.PatchAsJsonAsync(UnitPath(orgId, unitId), new { name });

    private static async Task<JsonElement> ListUnitsAsync(Browser api, Guid orgId) =>
        await AssertOkAsync(await api.Http.GetAsync(UnitsPath(orgId)));

    private static string[] UnitNames(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("name").GetString()!).ToArray();

    /// <summary>The units as the database holds them: id, name and who is limited to each, in one comparable string.</summary>
    private async Task<string> UnitsStateAsync(Org org)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var units = await db.Units.AsNoTracking().Where(u => u.OrganizationId == org.Id).OrderBy(u => u.Id).Select(u => $"{u.Id}={u.Name}").ToListAsync();
        var grants = await db.MembershipUnits.AsNoTracking().Where(mu => mu.Membership.OrganizationId == org.Id)
            .Select(mu => $"{mu.MembershipId}>{mu.UnitId}").ToListAsync();
        return string.Join(";", units) + "|" + string.Join(";", grants.Order(StringComparer.Ordinal));
    }

    private async Task<int> UnitCountAsync(Guid orgId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        return await db.Units.CountAsync(u => u.OrganizationId == orgId);
    }

    private async Task<bool> AccountExistsAsync(string email)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var normalized = email.ToUpperInvariant();
        return await db.Users.AnyAsync(u => u.NormalizedEmail == normalized);
    }

    private static Task<HttpResponseMessage> PatchMemberAsync(Browser api, Guid orgId, Guid userId, object body) =>
        api.Http.PatchAsJsonAsync(MemberPath(orgId, userId), body);

    private static Task<HttpResponseMessage> PutPlanAsync(Browser api, Guid orgId, object body) =>
        api.Http.PutAsJsonAsync($"/api/v1/orgs/{orgId}/plan", body);

    private static async Task<JsonElement> OrganizationViewAsync(Browser api, Guid orgId) =>
        await AssertOkAsync(await api.Http.GetAsync($"/api/v1/orgs/{orgId}"));

    private static (bool Invitations, bool Units, bool Sso, bool Scim) Plan(JsonElement plan) =>
        (plan.GetProperty("invitations").GetBoolean(), plan.GetProperty("units").GetBoolean(), plan.GetProperty("sso").GetBoolean(),
            plan.GetProperty("scim").GetBoolean());

    private static async Task<MemberState> MemberStateAsync(Browser api, Guid orgId, Guid userId)
    {
        var member = await AssertOkAsync(await api.Http.GetAsync(MemberPath(orgId, userId)));
        return new MemberState(member.GetProperty("role").GetString()!, member.GetProperty("status").GetString()!,
            member.GetProperty("limitedToUnits").GetBoolean(),
            string.Join(",", member.GetProperty("units").EnumerateArray().Select(u => u.GetGuid()).Order()),
            member.GetProperty("authzVersion").GetInt32());
    }

    private static async Task<bool> CheckAsync(Browser api, Guid orgId, Guid subject, string permission, Guid unit)
    {
        var response = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/authz/check", new { subject = subject.ToString(), permission, unit = unit.ToString() });
        return (await AssertOkAsync(response)).GetProperty("allowed").GetBoolean();
    }

    /// <summary>Unit ids as the token writes them: their string forms, in order.</summary>
    private static string[] Ids(params Guid[] units) => units.Select(u => u.ToString()).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The <c>units</c> claim of a fresh access token of <paramref name="user"/> for the organization.</summary>
    private async Task<string[]> TokenUnitsAsync(TestUser user, Guid orgId) =>
        TokenUnits((await App.TokensAsync(user, organization: orgId.ToString())).AccessToken!);

    /// <summary>The JWT's <c>units</c> claim, which must be a JSON array of strings (sorted here, for comparison).</summary>
    private static string[] TokenUnits(string jwt)
    {
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        using var payload = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[1]));
        Assert.True(payload.RootElement.TryGetProperty("units", out var units), $"No 'units' in {payload.RootElement}");
        Assert.True(units.ValueKind == JsonValueKind.Array, $"'units' is a {units.ValueKind}, not an array: {units.GetRawText()}");
        return units.EnumerateArray().Select(u => u.GetString()!).Order(StringComparer.Ordinal).ToArray();
    }

    private static async Task<JsonElement> AssertStatusAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static Task<JsonElement> AssertOkAsync(HttpResponseMessage response) => AssertStatusAsync(response, HttpStatusCode.OK);

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await AssertStatusAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return problem;
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase)),
            $"Expected an error naming '{field}': {problem}");
    }

    private async Task<HashSet<Guid>> AuditIdsAsync(Guid orgId) => (await App.AuditEventsAsync(orgId)).Select(e => e.Id).ToHashSet();

    private async Task<List<AuditEvent>> NewAuditAsync(Guid orgId, HashSet<Guid> before) =>
        (await App.AuditEventsAsync(orgId)).Where(e => !before.Contains(e.Id)).ToList();

    private async Task AssertNoNewAuditAsync(Guid orgId, HashSet<Guid> before)
    {
        var added = await NewAuditAsync(orgId, before);
        Assert.True(added.Count == 0, $"Unexpected audit events: {string.Join(", ", added.Select(e => e.Action))}");
    }

    private async Task<AuditEvent> SingleNewEventAsync(Guid orgId, HashSet<Guid> before, string action)
    {
        var added = await NewAuditAsync(orgId, before);
        Assert.True(added.Count == 1, $"Expected one {action}, got: {string.Join(", ", added.Select(e => e.Action))}");
        Assert.Equal(action, added[0].Action);
        return added[0];
    }

    private static JsonElement Details(AuditEvent e) => JsonDocument.Parse(e.Details ?? "null").RootElement.Clone();
}

public sealed class UnitTestsOnSqlite(SqliteApp app) : UnitTests(app), IClassFixture<SqliteApp>;

public sealed class UnitTestsOnPostgreSql(PostgreSqlApp app) : UnitTests(app), IClassFixture<PostgreSqlApp>;
