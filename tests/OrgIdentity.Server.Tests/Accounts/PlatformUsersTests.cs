using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

/// <summary>
/// <c>/api/v1/users</c>, the platform admins' routes over accounts (DESIGN.md §2, §6): listing, one account with
/// its memberships, deleting an account made in error (never one's own, never an organization's last admin),
/// disabling and enabling, each audited at platform level; and <c>PATCH /api/v1/me</c>'s audit event.
/// </summary>
public abstract class PlatformUsersTests(OrgIdentityApp app) : ServerTests(app)
{
    private static readonly TestUser PlatformAdmin = new(OrgIdentityApp.AdminEmail, OrgIdentityApp.AdminPassword, "Platform admin");

    [Fact]
    public async Task Someone_who_is_not_a_platform_admin_gets_403_on_every_users_route_even_an_organizations_admin()
    {
        var (orgAdmin, orgId) = await App.OrganizationWithAdminAsync("Not platform");
        var target = await App.SignUpAsync("Target");
        await App.AddMemberAsync(orgId, target, "member");
        var targetId = await App.UserIdAsync(target);
        using var api = await App.ApiAsync(orgAdmin, orgId.ToString());
        var platformAudit = await AuditIdsAsync(null);
        var orgAudit = await AuditIdsAsync(orgId);

        var responses = new[]
        {
            await api.Http.GetAsync("/api/v1/users"),
            await api.Http.GetAsync($"/api/v1/users/{targetId}"),
            await api.Http.DeleteAsync($"/api/v1/users/{targetId}"),
            await api.Http.PostAsync($"/api/v1/users/{targetId}/disable", null),
            await api.Http.PostAsync($"/api/v1/users/{targetId}/enable", null),
        };

        foreach (var response in responses)
        {
            await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        }

        using var platform = await App.ApiAsync(PlatformAdmin);
        var account = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{targetId}"));
        Assert.False(account.GetProperty("user").GetProperty("disabled").GetBoolean());
        Assert.Single(account.GetProperty("memberships").EnumerateArray());
        Assert.True(await App.CanSignInAsync(target.Email, target.Password));
        await AssertNoNewAuditAsync(null, platformAudit);
        await AssertNoNewAuditAsync(orgId, orgAudit);
    }

    [Fact]
    public async Task A_platform_admin_lists_and_searches_accounts()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var zebulon = await App.SignUpAsync($"Zebulon {suffix}");
        var yolanda = await App.SignUpAsync($"Yolanda {suffix}");
        using var platform = await App.ApiAsync(PlatformAdmin);

        var all = await AssertOkAsync(await platform.Http.GetAsync("/api/v1/users?limit=200"));
        var emails = all.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()).ToList();
        Assert.Contains(zebulon.Email, emails);
        Assert.Contains(yolanda.Email, emails);
        Assert.Contains(OrgIdentityApp.AdminEmail, emails);
        Assert.Equal(emails.Count, all.GetProperty("total").GetInt32());

        var byEmail = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?search={Uri.EscapeDataString(zebulon.Email)}"));
        Assert.Equal(1, byEmail.GetProperty("total").GetInt32());
        var found = Assert.Single(byEmail.GetProperty("items").EnumerateArray());
        Assert.Equal(zebulon.Email, found.GetProperty("email").GetString());
        Assert.Equal(await App.UserIdAsync(zebulon), found.GetProperty("id").GetGuid());

        var byName = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?search={Uri.EscapeDataString($"Yolanda {suffix}")}"));
        Assert.Equal([yolanda.Email], byName.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()));

        var nobody = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?search=nobody-{suffix}"));
        Assert.Equal(0, nobody.GetProperty("total").GetInt32());
        Assert.Empty(nobody.GetProperty("items").EnumerateArray());

        // Paging: one at a time, the cursor leads through everyone once.
        var seen = new List<string?>();
        string? cursor = null;
        do
        {
            var page = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?limit=1{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()));
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        while (cursor is not null && seen.Count <= emails.Count);

        Assert.Equal(emails.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_list_is_newest_first_by_creation_time_and_pages_in_that_order()
    {
        var first = await App.SignUpAsync("First signed up");
        var second = await App.SignUpAsync("Second signed up");
        var third = await App.SignUpAsync("Third signed up");
        var ids = new[] { await App.UserIdAsync(first), await App.UserIdAsync(second), await App.UserIdAsync(third) };
        // Creation times that disagree with the order of the ids (which are time-ordered here, not on every
        // database): the list must follow the times. Later than anyone else, so these three are the newest.
        var newest = DateTime.UtcNow.AddDays(1);
        await SetCreatedAtAsync(ids[0], newest.AddMinutes(2));
        await SetCreatedAtAsync(ids[1], newest);
        await SetCreatedAtAsync(ids[2], newest.AddMinutes(1));
        Guid[] expected = [ids[0], ids[2], ids[1]];
        using var platform = await App.ApiAsync(PlatformAdmin);

        var page = await AssertOkAsync(await platform.Http.GetAsync("/api/v1/users?limit=3"));

        Assert.Equal(expected, page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetGuid()));
        var created = page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("createdAt").GetDateTime()).ToList();
        Assert.Equal(created.OrderDescending(), created);

        // One at a time, the cursor follows the same order.
        var seen = new List<Guid>();
        string? cursor = null;
        for (var i = 0; i < 3; i++)
        {
            var one = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?limit=1{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}"));
            seen.AddRange(one.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetGuid()));
            cursor = one.GetProperty("next").GetString();
            Assert.NotNull(cursor);
        }

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Searching_by_name_ignores_case()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var person = await App.SignUpAsync($"McAllister-DuBois {suffix}");
        using var platform = await App.ApiAsync(PlatformAdmin);

        foreach (var search in new[] { $"mcallister-dubois {suffix}", $"MCALLISTER-DUBOIS {suffix}", $"McAllister-DuBois {suffix}", "mcallister-dubois" })
        {
            var found = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?search={Uri.EscapeDataString(search)}&limit=200"));
            Assert.True(found.GetProperty("items").EnumerateArray().Any(u => u.GetProperty("email").GetString() == person.Email),
                $"Searching '{search}' does not find '{person.Name}': {found}");
        }

        var byLowercase = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?search={Uri.EscapeDataString($"mcallister-dubois {suffix}")}"));
        Assert.Equal(1, byLowercase.GetProperty("total").GetInt32());
        Assert.Equal([person.Email], byLowercase.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()));
        // Still the start of the name, not anywhere in it.
        Assert.Equal(0, (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?search={Uri.EscapeDataString($"dubois {suffix}")}"))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Searching_by_a_name_with_letters_beyond_ascii_finds_it_as_written()
    {
        // Another case of non-ASCII letters is found on PostgreSQL only: SQLite's upper() changes ASCII letters alone.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var person = await App.SignUpAsync($"José Ångström {suffix}");
        using var platform = await App.ApiAsync(PlatformAdmin);

        foreach (var search in new[] { $"José Ångström {suffix}", $"José Å" })
        {
            var found = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?search={Uri.EscapeDataString(search)}"));
            Assert.True(found.GetProperty("items").EnumerateArray().Any(u => u.GetProperty("email").GetString() == person.Email),
                $"Searching '{search}' does not find '{person.Name}': {found}");
        }
    }

    [Fact]
    public async Task One_account_shows_all_its_memberships_suspended_ones_included()
    {
        var (person, ownOrg) = await App.OrganizationWithAdminAsync("Own org");
        var (_, otherOrg) = await App.OrganizationWithAdminAsync("Other org");
        await App.AddMemberAsync(otherOrg, person, "viewer");
        var personId = await App.UserIdAsync(person);
        using var platform = await App.ApiAsync(PlatformAdmin);
        var suspended = await platform.Http.PatchAsJsonAsync($"/api/v1/orgs/{otherOrg}/members/{personId}", new { status = "suspended" });
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);

        var account = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{personId}"));

        Assert.Equal(person.Email, account.GetProperty("user").GetProperty("email").GetString());
        var memberships = account.GetProperty("memberships").EnumerateArray().ToDictionary(m => m.GetProperty("organizationId").GetGuid());
        Assert.Equal(2, memberships.Count);
        Assert.Equal("admin", memberships[ownOrg].GetProperty("role").GetString());
        Assert.Equal("active", memberships[ownOrg].GetProperty("status").GetString());
        Assert.Equal("viewer", memberships[otherOrg].GetProperty("role").GetString());
        Assert.Equal("suspended", memberships[otherOrg].GetProperty("status").GetString());
        await AssertProblemAsync(await platform.Http.GetAsync($"/api/v1/users/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_platform_admin_cannot_delete_or_disable_their_own_account()
    {
        using var platform = await App.ApiAsync(PlatformAdmin);
        var adminId = await App.UserIdAsync(PlatformAdmin);
        var audit = await AuditIdsAsync(null);

        await AssertProblemAsync(await platform.Http.DeleteAsync($"/api/v1/users/{adminId}"), HttpStatusCode.Conflict);
        await AssertProblemAsync(await platform.Http.PostAsync($"/api/v1/users/{adminId}/disable", null), HttpStatusCode.Conflict);

        var account = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{adminId}"));
        Assert.False(account.GetProperty("user").GetProperty("disabled").GetBoolean());
        Assert.True(account.GetProperty("user").GetProperty("isPlatformAdmin").GetBoolean());
        await AssertNoNewAuditAsync(null, audit);
    }

    [Fact]
    public async Task An_organizations_last_active_admin_cannot_be_deleted_until_there_is_another()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Last admin");
        var adminId = await App.UserIdAsync(admin);
        using var platform = await App.ApiAsync(PlatformAdmin);
        var slug = (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/orgs/{orgId}"))).GetProperty("slug").GetString()!;
        // A suspended second admin does not count.
        var suspendedAdmin = await App.SignUpAsync("Suspended admin");
        await App.AddMemberAsync(orgId, suspendedAdmin, "admin");
        var suspendedId = await App.UserIdAsync(suspendedAdmin);
        Assert.Equal(HttpStatusCode.OK, (await platform.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{suspendedId}", new { status = "suspended" })).StatusCode);
        var before = (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{adminId}"))).ToString();
        var platformAudit = await AuditIdsAsync(null);
        var orgAudit = await AuditIdsAsync(orgId);

        var refused = await platform.Http.DeleteAsync($"/api/v1/users/{adminId}");

        var problem = await AssertProblemAsync(refused, HttpStatusCode.Conflict);
        Assert.Contains(slug, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{adminId}"))).ToString());
        Assert.Equal("admin", (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/orgs/{orgId}/members/{adminId}"))).GetProperty("role").GetString());
        Assert.True(await App.CanSignInAsync(admin.Email, admin.Password));
        await AssertNoNewAuditAsync(null, platformAudit);
        await AssertNoNewAuditAsync(orgId, orgAudit);

        Assert.Equal(HttpStatusCode.OK, (await platform.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{suspendedId}", new { status = "active" })).StatusCode);
        var deleted = await platform.Http.DeleteAsync($"/api/v1/users/{adminId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task An_admin_whose_account_is_disabled_does_not_count_when_deleting_the_other_admin()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Disabled co-admin");
        var adminId = await App.UserIdAsync(admin);
        var other = await App.SignUpAsync("Disabled admin");
        await App.AddMemberAsync(orgId, other, "admin");
        using var platform = await App.ApiAsync(PlatformAdmin);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{await App.UserIdAsync(other)}/disable", null)).StatusCode);
        var platformAudit = await AuditIdsAsync(null);
        var orgAudit = await AuditIdsAsync(orgId);

        await AssertProblemAsync(await platform.Http.DeleteAsync($"/api/v1/users/{adminId}"), HttpStatusCode.Conflict);

        await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{adminId}"));
        await AssertNoNewAuditAsync(null, platformAudit);
        await AssertNoNewAuditAsync(orgId, orgAudit);
    }

    [Fact]
    public async Task Deleting_one_admin_while_they_demote_the_other_at_once_leaves_the_organization_an_admin()
    {
        using var platform = await App.ApiAsync(PlatformAdmin);
        for (var round = 0; round < 5; round++)
        {
            var (admin, orgId) = await App.OrganizationWithAdminAsync("Race");
            var adminId = await App.UserIdAsync(admin);
            var other = await App.SignUpAsync("Other admin");
            await App.AddMemberAsync(orgId, other, "admin");
            var otherId = await App.UserIdAsync(other);
            using var adminApi = await App.ApiAsync(admin, orgId.ToString());

            var responses = await Task.WhenAll(
                platform.Http.DeleteAsync($"/api/v1/users/{adminId}"),
                adminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{otherId}", new { role = "member" }));

            Assert.True(responses.All(r => (int)r.StatusCode < 500),
                $"Round {round}: delete {(int)responses[0].StatusCode} {await responses[0].Content.ReadAsStringAsync()}, demote {(int)responses[1].StatusCode} {await responses[1].Content.ReadAsStringAsync()}");
            var members = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/orgs/{orgId}/members"));
            var admins = members.GetProperty("items").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "admin" && m.GetProperty("status").GetString() == "active");
            Assert.True(admins >= 1, $"Round {round}: delete {(int)responses[0].StatusCode}, demote {(int)responses[1].StatusCode}, and no active admin is left.");
        }
    }

    [Fact]
    public async Task Deleting_an_ordinary_member_removes_the_account_and_its_memberships_and_is_audited()
    {
        var (firstAdmin, firstOrg) = await App.OrganizationWithAdminAsync("First org");
        var (_, secondOrg) = await App.OrganizationWithAdminAsync("Second org");
        using (var firstAdminApi = await App.ApiAsync(firstAdmin, firstOrg.ToString()))
        {
            var role = await firstAdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{firstOrg}/roles", new { key = "reporter", name = "Reporter", permissions = new[] { "orders:view" } });
            Assert.Equal(HttpStatusCode.Created, role.StatusCode);
        }

        var person = await App.SignUpAsync("Made in error");
        // Holding a custom role does not keep the membership (or the account) alive.
        await App.AddMemberAsync(firstOrg, person, "member", "reporter");
        await App.AddMemberAsync(secondOrg, person, "viewer");
        var personId = await App.UserIdAsync(person);
        using var platform = await App.ApiAsync(PlatformAdmin);
        var platformAdminId = await App.UserIdAsync(PlatformAdmin);
        var firstTotal = (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/orgs/{firstOrg}/members"))).GetProperty("total").GetInt32();
        var platformAudit = await AuditIdsAsync(null);
        var firstAudit = await AuditIdsAsync(firstOrg);
        var secondAudit = await AuditIdsAsync(secondOrg);

        var deleted = await platform.Http.DeleteAsync($"/api/v1/users/{personId}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertProblemAsync(await platform.Http.GetAsync($"/api/v1/users/{personId}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await platform.Http.GetAsync($"/api/v1/orgs/{firstOrg}/members/{personId}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await platform.Http.GetAsync($"/api/v1/orgs/{secondOrg}/members/{personId}"), HttpStatusCode.NotFound);
        Assert.Equal(firstTotal - 1, (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/orgs/{firstOrg}/members"))).GetProperty("total").GetInt32());
        Assert.Equal(0, (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users?search={Uri.EscapeDataString(person.Email)}"))).GetProperty("total").GetInt32());
        Assert.False(await App.CanSignInAsync(person.Email, person.Password));

        var userDeleted = await SingleNewEventAsync(null, platformAudit, "user.deleted");
        Assert.Equal(personId.ToString(), userDeleted.TargetId);
        Assert.Equal(platformAdminId.ToString(), userDeleted.ActorId);
        foreach (var (orgId, audit) in new[] { (firstOrg, firstAudit), (secondOrg, secondAudit) })
        {
            var removed = await SingleNewEventAsync(orgId, audit, "member.removed");
            Assert.Equal(personId.ToString(), removed.TargetId);
            Assert.Equal(platformAdminId.ToString(), removed.ActorId);
        }

        Assert.Equal(0, (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/orgs/{firstOrg}/roles/reporter"))).GetProperty("members").GetInt32());
        await AssertProblemAsync(await platform.Http.DeleteAsync($"/api/v1/users/{personId}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Disabling_and_enabling_are_audited_at_platform_level()
    {
        var (_, orgId) = await App.OrganizationWithAdminAsync("Disabling");
        var person = await App.SignUpAsync("Switched");
        await App.AddMemberAsync(orgId, person, "member");
        var personId = await App.UserIdAsync(person);
        using var platform = await App.ApiAsync(PlatformAdmin);
        var platformAdminId = await App.UserIdAsync(PlatformAdmin);
        var orgAudit = await AuditIdsAsync(orgId);

        var audit = await AuditIdsAsync(null);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{personId}/disable", null)).StatusCode);
        var disabled = await SingleNewEventAsync(null, audit, "user.disabled");
        Assert.Equal(personId.ToString(), disabled.TargetId);
        Assert.Equal(platformAdminId.ToString(), disabled.ActorId);
        var account = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{personId}"));
        Assert.True(account.GetProperty("user").GetProperty("disabled").GetBoolean());
        Assert.True(account.GetProperty("user").GetProperty("disabledAt").ValueKind == JsonValueKind.String);
        // The membership stays; the member shows as disabled.
        var member = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/orgs/{orgId}/members/{personId}"));
        Assert.True(member.GetProperty("disabled").GetBoolean());

        audit = await AuditIdsAsync(null);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{personId}/enable", null)).StatusCode);
        var enabled = await SingleNewEventAsync(null, audit, "user.enabled");
        Assert.Equal(personId.ToString(), enabled.TargetId);
        account = await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{personId}"));
        Assert.False(account.GetProperty("user").GetProperty("disabled").GetBoolean());
        Assert.True(await App.CanSignInAsync(person.Email, person.Password));
        await AssertNoNewAuditAsync(orgId, orgAudit);
    }

    [Fact]
    public async Task Enabling_an_account_that_is_not_disabled_answers_204_and_writes_nothing()
    {
        var person = await App.SignUpAsync("Never disabled");
        var personId = await App.UserIdAsync(person);
        using var platform = await App.ApiAsync(PlatformAdmin);
        var before = (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{personId}"))).ToString();
        var audit = await AuditIdsAsync(null);

        var enabled = await platform.Http.PostAsync($"/api/v1/users/{personId}/enable", null);
        var again = await platform.Http.PostAsync($"/api/v1/users/{personId}/enable", null);

        Assert.Equal(HttpStatusCode.NoContent, enabled.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.DoesNotContain(await NewAuditAsync(null, audit), e => e.Action == "user.enabled");
        await AssertNoNewAuditAsync(null, audit);
        Assert.Equal(before, (await AssertOkAsync(await platform.Http.GetAsync($"/api/v1/users/{personId}"))).ToString());
        Assert.True(await App.CanSignInAsync(person.Email, person.Password));
    }

    [Fact]
    public async Task Unknown_accounts_are_404_and_write_nothing()
    {
        using var platform = await App.ApiAsync(PlatformAdmin);
        var audit = await AuditIdsAsync(null);
        var unknown = Guid.NewGuid();

        await AssertProblemAsync(await platform.Http.GetAsync($"/api/v1/users/{unknown}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await platform.Http.DeleteAsync($"/api/v1/users/{unknown}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await platform.Http.PostAsync($"/api/v1/users/{unknown}/disable", null), HttpStatusCode.NotFound);
        await AssertProblemAsync(await platform.Http.PostAsync($"/api/v1/users/{unknown}/enable", null), HttpStatusCode.NotFound);

        await AssertNoNewAuditAsync(null, audit);
    }

    [Fact]
    public async Task Patching_me_writes_a_platform_level_profile_event_and_a_refused_patch_writes_none()
    {
        var person = await App.SignUpAsync("Old Name");
        var personId = await App.UserIdAsync(person);
        using var api = await App.ApiAsync(person);

        var audit = await AuditIdsAsync(null);
        var refused = await api.Http.PatchAsJsonAsync("/api/v1/me", new { name = "Never", company = new string('x', 201) });
        await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
        await AssertNoNewAuditAsync(null, audit);

        var patched = await api.Http.PatchAsJsonAsync("/api/v1/me", new { name = "New Name" });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var updated = await SingleNewEventAsync(null, audit, "user.profile_updated");
        Assert.Equal(personId.ToString(), updated.ActorId);
        Assert.Equal(personId.ToString(), updated.TargetId);
        var details = JsonDocument.Parse(updated.Details!).RootElement;
        Assert.Equal("Old Name", details.GetProperty("before").GetProperty("name").GetString());
        Assert.Equal("New Name", details.GetProperty("after").GetProperty("name").GetString());
    }

    // ---- helpers ----

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

    /// <summary>Sets an account's creation time in the database (sign-up stamps it with the server's clock).</summary>
    private async Task SetCreatedAtAsync(Guid userId, DateTime createdAt)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var user = await db.Users.SingleAsync(u => u.Id == userId);
        user.CreatedAt = createdAt;
        await db.SaveChangesAsync();
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
}

public sealed class PlatformUsersTestsOnSqlite(SqliteApp app) : PlatformUsersTests(app), IClassFixture<SqliteApp>;

public sealed class PlatformUsersTestsOnPostgreSql(PostgreSqlApp app) : PlatformUsersTests(app), IClassFixture<PostgreSqlApp>;
