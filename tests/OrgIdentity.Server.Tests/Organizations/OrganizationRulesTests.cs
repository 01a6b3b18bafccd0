using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// The rules of organizations through <c>/api/v1/orgs</c>: the creator is the first admin, slugs, settings that
/// need <c>organization-settings:edit</c>, who sees which organizations, and the creation restriction.
/// </summary>
public abstract class OrganizationRulesTests(OrgIdentityApp app) : ServerTests(app)
{
    private static readonly TestUser PlatformAdmin = new(OrgIdentityApp.AdminEmail, OrgIdentityApp.AdminPassword, "Platform admin");

    [Fact]
    public async Task The_creator_becomes_the_organizations_active_admin_and_the_creation_is_audited()
    {
        var creator = await App.SignUpAsync("Founder");
        var creatorId = await App.UserIdAsync(creator);
        using var noOrganization = await App.ApiAsync(creator);
        var slug = $"founded-{Suffix()}";

        var response = await noOrganization.Http.PostAsJsonAsync("/api/v1/orgs", new { name = "Founded Inc", slug });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var orgId = created.GetProperty("id").GetGuid();
        Assert.Equal(slug, created.GetProperty("slug").GetString());
        Assert.Equal("Founded Inc", created.GetProperty("name").GetString());
        Assert.EndsWith($"/api/v1/orgs/{orgId}", response.Headers.Location?.ToString(), StringComparison.Ordinal);

        // A refresh of the token for the new organization (here: a new sign-in naming it) reaches its routes.
        using var api = await App.ApiAsync(creator, slug);
        var members = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}/members");
        var only = Assert.Single(members.GetProperty("items").EnumerateArray());
        Assert.Equal(creatorId, only.GetProperty("userId").GetGuid());
        Assert.Equal("admin", only.GetProperty("role").GetString());
        Assert.Equal("creator", only.GetProperty("source").GetString());
        Assert.Equal("active", only.GetProperty("status").GetString());

        var audit = Assert.Single(await App.AuditEventsAsync(orgId));
        Assert.Equal("organization.created", audit.Action);
        Assert.Equal(creatorId.ToString(), audit.ActorId);
        Assert.Equal(orgId.ToString(), audit.TargetId);
    }

    [Fact]
    public async Task A_slug_is_made_from_the_name_when_none_is_given_and_kept_unique()
    {
        var suffix = Suffix();
        var first = await CreateAsync($"Blue Sky {suffix}!");
        var second = await CreateAsync($"Blue Sky {suffix}!");

        Assert.Equal($"blue-sky-{suffix}", first.GetProperty("slug").GetString());
        var other = second.GetProperty("slug").GetString()!;
        Assert.NotEqual($"blue-sky-{suffix}", other);
        Assert.StartsWith($"blue-sky-{suffix}", other, StringComparison.Ordinal);
        Assert.Matches("^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$", other);
    }

    [Fact]
    public async Task A_bad_slug_or_name_is_a_validation_problem_naming_it_and_creates_nothing()
    {
        var creator = await App.SignUpAsync("Founder");
        using var api = await App.ApiAsync(creator);
        var organizations = await OrganizationCountAsync();

        foreach (var slug in new[] { "Upper-Case", "under_score", "a", "-leading", "trailing-", "two words", "", new string('s', 64) })
        {
            await AssertInvalidAsync(await api.Http.PostAsJsonAsync("/api/v1/orgs", new { name = "Badly slugged", slug }), "slug");
        }

        await AssertInvalidAsync(await api.Http.PostAsJsonAsync("/api/v1/orgs", new { name = "   ", slug = $"blank-{Suffix()}" }), "name");
        await AssertInvalidAsync(await api.Http.PostAsJsonAsync("/api/v1/orgs", new { slug = $"nameless-{Suffix()}" }), "name");

        Assert.Equal(organizations, await OrganizationCountAsync());
        Assert.Empty((await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/orgs")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_taken_slug_is_a_conflict_on_creation_and_on_change()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Slug owner");
        using var ownerApi = await App.ApiAsync(admin, orgId.ToString());
        var taken = (await ownerApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).GetProperty("slug").GetString()!;
        var (otherAdmin, otherId) = await App.OrganizationWithAdminAsync("Slug wanter");
        using var otherApi = await App.ApiAsync(otherAdmin, otherId.ToString());
        var otherBefore = (await otherApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{otherId}")).ToString();
        var organizations = await OrganizationCountAsync();
        var audit = await AuditIdsAsync(otherId);

        var created = await otherApi.Http.PostAsJsonAsync("/api/v1/orgs", new { name = "Copycat", slug = taken });
        var changed = await otherApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{otherId}", new { slug = taken, name = "Renamed too" });

        Assert.Contains(taken, (await AssertProblemAsync(created, HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertProblemAsync(changed, HttpStatusCode.Conflict);
        Assert.Equal(organizations, await OrganizationCountAsync());
        Assert.Equal(otherBefore, (await otherApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{otherId}")).ToString());
        await AssertNoNewAuditAsync(otherId, audit);
    }

    [Fact]
    public async Task An_admin_renames_and_reslugs_the_organization_and_it_is_audited()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Old name");
        var adminId = await App.UserIdAsync(admin);
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var slug = $"new-name-{Suffix()}";
        var audit = await AuditIdsAsync(orgId);

        var response = await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name = "New name", slug });

        var updated = await AssertOkAsync(response);
        Assert.Equal("New name", updated.GetProperty("name").GetString());
        var again = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}");
        Assert.Equal("New name", again.GetProperty("name").GetString());
        Assert.Equal(slug, again.GetProperty("slug").GetString());
        var audited = await SingleNewEventAsync(orgId, audit, "organization.updated");
        Assert.Equal(adminId.ToString(), audited.ActorId);
        var details = JsonDocument.Parse(audited.Details!).RootElement;
        Assert.Equal("Old name", details.GetProperty("before").GetProperty("name").GetString());
        Assert.Equal("New name", details.GetProperty("after").GetProperty("name").GetString());
        Assert.Equal(slug, details.GetProperty("after").GetProperty("slug").GetString());

        // The organization parameter finds it by its new slug.
        using var bySlug = await App.ApiAsync(admin, slug);
        Assert.Equal(HttpStatusCode.OK, (await bySlug.Http.GetAsync($"/api/v1/orgs/{orgId}")).StatusCode);
    }

    [Fact]
    public async Task A_member_without_organization_settings_edit_cannot_change_the_organization()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Settings");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var member = await App.SignUpAsync("Member");
        await App.AddMemberAsync(orgId, member, "member");
        using var api = await App.ApiAsync(member, orgId.ToString());
        var before = (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString();
        var audit = await AuditIdsAsync(orgId);

        var renamed = await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name = "Taken over" });
        var defaults = await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { defaultRoles = Defaults(invitation: "viewer") });

        foreach (var response in new[] { renamed, defaults })
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("organization-settings:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, (await adminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString());
        await AssertNoNewAuditAsync(orgId, audit);
    }

    [Fact]
    public async Task A_bad_slug_or_name_on_change_is_a_validation_problem_and_changes_nothing()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Stable");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var before = (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString();
        var audit = await AuditIdsAsync(orgId);

        foreach (var slug in new[] { "Upper", "under_score", "x", "-x-", "" })
        {
            await AssertInvalidAsync(await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name = "Changed", slug }), "slug");
        }

        await AssertInvalidAsync(await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name = "" }), "name");
        await AssertInvalidAsync(await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name = new string('n', 201) }), "name");

        Assert.Equal(before, (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString());
        await AssertNoNewAuditAsync(orgId, audit);
    }

    [Fact]
    public async Task Joining_without_an_admin_acting_never_defaults_to_admin()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Defaults");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var before = (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString();
        var audit = await AuditIdsAsync(orgId);

        await AssertInvalidAsync(await PatchDefaultsAsync(api, orgId, Defaults(inviteLink: "admin")), "inviteLink");
        await AssertInvalidAsync(await PatchDefaultsAsync(api, orgId, Defaults(selfSignup: "admin")), "selfSignup");
        await AssertInvalidAsync(await PatchDefaultsAsync(api, orgId, Defaults(sso: "admin")), "sso");
        await AssertInvalidAsync(await PatchDefaultsAsync(api, orgId, Defaults(scim: "admin")), "scim");
        await AssertInvalidAsync(await PatchDefaultsAsync(api, orgId, Defaults(invitation: "owner")), "invitation");

        Assert.Equal(before, (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString());
        await AssertNoNewAuditAsync(orgId, audit);

        // The paths where an admin picks may default to admin.
        var allowed = await AssertOkAsync(await PatchDefaultsAsync(api, orgId, Defaults(invitation: "admin", adminCreated: "admin", inviteLink: "member")));
        var defaults = allowed.GetProperty("defaultRoles");
        Assert.Equal("admin", defaults.GetProperty("invitation").GetString());
        Assert.Equal("admin", defaults.GetProperty("adminCreated").GetString());
        Assert.Equal("member", defaults.GetProperty("inviteLink").GetString());
        var stored = (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).GetProperty("defaultRoles");
        Assert.Equal("admin", stored.GetProperty("invitation").GetString());
        await SingleNewEventAsync(orgId, audit, "organization.updated");
    }

    [Fact]
    public async Task A_partial_default_roles_change_sets_only_the_paths_it_names()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Partial defaults");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        await AssertOkAsync(await PatchDefaultsAsync(api, orgId, Defaults(inviteLink: "member", sso: "viewer")));
        var audit = await AuditIdsAsync(orgId);

        var patched = await AssertOkAsync(await PatchDefaultsAsync(api, orgId, new { invitation = "viewer" }));

        foreach (var defaults in new[] { patched.GetProperty("defaultRoles"), (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).GetProperty("defaultRoles") })
        {
            Assert.Equal("viewer", defaults.GetProperty("invitation").GetString());
            Assert.Equal("member", defaults.GetProperty("adminCreated").GetString());
            Assert.Equal("member", defaults.GetProperty("inviteLink").GetString());
            Assert.Equal("member", defaults.GetProperty("selfSignup").GetString());
            Assert.Equal("viewer", defaults.GetProperty("sso").GetString());
            Assert.Equal("member", defaults.GetProperty("scim").GetString());
        }

        var updated = await SingleNewEventAsync(orgId, audit, "organization.updated");
        var details = JsonDocument.Parse(updated.Details!).RootElement;
        Assert.Equal("member", details.GetProperty("before").GetProperty("defaultRoles").GetProperty("invitation").GetString());
        Assert.Equal("viewer", details.GetProperty("after").GetProperty("defaultRoles").GetProperty("invitation").GetString());
        Assert.Equal("member", details.GetProperty("after").GetProperty("defaultRoles").GetProperty("inviteLink").GetString());
    }

    [Fact]
    public async Task A_settings_editor_who_is_not_an_admin_cannot_make_admin_a_default_role()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Settings editor");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var role = await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles",
            new { key = "settings-editor", name = "Settings editor", permissions = new[] { "organization-settings:edit" } });
        Assert.Equal(HttpStatusCode.Created, role.StatusCode);
        var editor = await App.SignUpAsync("Settings editor");
        await App.AddMemberAsync(orgId, editor, "member", "settings-editor");
        using var api = await App.ApiAsync(editor, orgId.ToString());
        var before = (await adminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString();
        var audit = await AuditIdsAsync(orgId);

        var refused = await PatchDefaultsAsync(api, orgId, new { invitation = "admin" });
        var refusedToo = await PatchDefaultsAsync(api, orgId, new { adminCreated = "admin" });

        foreach (var response in new[] { refused, refusedToo })
        {
            var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("admin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, (await adminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString());
        await AssertNoNewAuditAsync(orgId, audit);

        // A default that grants no more than the editor holds is theirs to set; so is renaming.
        var allowed = await AssertOkAsync(await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name = "Renamed by editor", defaultRoles = new { invitation = "viewer" } }));
        Assert.Equal("viewer", allowed.GetProperty("defaultRoles").GetProperty("invitation").GetString());
        Assert.Equal("Renamed by editor", allowed.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_slug_that_reads_as_an_id_is_a_validation_problem_naming_slug()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Id-like slug");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var before = (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString();
        var organizations = await OrganizationCountAsync();
        var audit = await AuditIdsAsync(orgId);

        foreach (var slug in new[] { Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("D"), orgId.ToString("N"), orgId.ToString("D") })
        {
            await AssertInvalidAsync(await api.Http.PostAsJsonAsync("/api/v1/orgs", new { name = "Id-like", slug }), "slug");
            await AssertInvalidAsync(await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { slug }), "slug");
        }

        Assert.Equal(organizations, await OrganizationCountAsync());
        Assert.Equal(before, (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString());
        await AssertNoNewAuditAsync(orgId, audit);
    }

    [Fact]
    public async Task A_change_that_changes_nothing_writes_no_audit_event()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Unchanged");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var current = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}");
        var name = current.GetProperty("name").GetString()!;
        var slug = current.GetProperty("slug").GetString()!;
        var audit = await AuditIdsAsync(orgId);

        await AssertOkAsync(await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name, slug }));
        await AssertOkAsync(await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name, slug, defaultRoles = Defaults() }));
        await AssertOkAsync(await PatchDefaultsAsync(api, orgId, new { inviteLink = "viewer" }));
        await AssertOkAsync(await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { }));

        Assert.Equal(current.ToString(), (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString());
        await AssertNoNewAuditAsync(orgId, audit);
    }

    [Fact]
    public async Task The_default_roles_per_join_path_are_the_designs()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Design defaults");
        using var api = await App.ApiAsync(admin, orgId.ToString());

        var defaults = (await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).GetProperty("defaultRoles");

        Assert.Equal("member", defaults.GetProperty("invitation").GetString());
        Assert.Equal("member", defaults.GetProperty("adminCreated").GetString());
        Assert.Equal("viewer", defaults.GetProperty("inviteLink").GetString());
        Assert.Equal("member", defaults.GetProperty("selfSignup").GetString());
        Assert.Equal("member", defaults.GetProperty("sso").GetString());
        Assert.Equal("member", defaults.GetProperty("scim").GetString());
    }

    [Fact]
    public async Task A_platform_admin_lists_every_organization_and_a_person_only_their_active_ones()
    {
        var (alice, aliceOrg) = await App.OrganizationWithAdminAsync("Alice co");
        var (bob, bobOrg) = await App.OrganizationWithAdminAsync("Bob co");
        var (_, carolOrg) = await App.OrganizationWithAdminAsync("Carol co");
        // Alice is also in Bob's and Carol's organizations, suspended in Carol's.
        await App.AddMemberAsync(bobOrg, alice, "viewer");
        await App.AddMemberAsync(carolOrg, alice, "viewer");
        using var platform = await App.ApiAsync(PlatformAdmin);
        var suspended = await platform.Http.PatchAsJsonAsync($"/api/v1/orgs/{carolOrg}/members/{await App.UserIdAsync(alice)}", new { status = "suspended" });
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);

        using var aliceApi = await App.ApiAsync(alice, aliceOrg.ToString());
        var alices = await aliceApi.Http.GetFromJsonAsync<JsonElement>("/api/v1/orgs");
        Assert.Equal(2, alices.GetProperty("total").GetInt32());
        Assert.Equal(new[] { aliceOrg, bobOrg }.Order(), Ids(alices).Order());

        using var bobApi = await App.ApiAsync(bob, bobOrg.ToString());
        var bobs = await bobApi.Http.GetFromJsonAsync<JsonElement>("/api/v1/orgs");
        Assert.Equal([bobOrg], Ids(bobs));

        var all = await platform.Http.GetFromJsonAsync<JsonElement>("/api/v1/orgs?limit=200");
        Assert.Equal(await OrganizationCountAsync(), all.GetProperty("total").GetInt32());
        Assert.Superset(new[] { aliceOrg, bobOrg, carolOrg }.ToHashSet(), Ids(all).ToHashSet());

        // A platform admin reads any organization; a person only the one their token is for.
        Assert.Equal(HttpStatusCode.OK, (await platform.Http.GetAsync($"/api/v1/orgs/{carolOrg}")).StatusCode);
        await AssertProblemAsync(await bobApi.Http.GetAsync($"/api/v1/orgs/{aliceOrg}"), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await aliceApi.Http.GetAsync($"/api/v1/orgs/{bobOrg}"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_person_cannot_change_an_organization_their_token_is_not_for()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Target");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (intruder, intruderOrg) = await App.OrganizationWithAdminAsync("Intruder");
        using var intruderApi = await App.ApiAsync(intruder, intruderOrg.ToString());
        var before = (await adminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString();
        var audit = await AuditIdsAsync(orgId);

        await AssertProblemAsync(await intruderApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name = "Owned" }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await intruderApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{await App.UserIdAsync(admin)}", new { role = "viewer" }),
            HttpStatusCode.Forbidden);
        await AssertProblemAsync(await intruderApi.Http.GetAsync($"/api/v1/orgs/{Guid.NewGuid()}"), HttpStatusCode.Forbidden);

        Assert.Equal(before, (await adminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString());
        await AssertNoNewAuditAsync(orgId, audit);
    }

    [Fact]
    public async Task When_creation_is_restricted_only_platform_admins_create_organizations()
    {
        await using var restricted = await NewApp().With("OrgIdentity:Organizations:CreationRestrictedToPlatformAdmins", "true").EnsureAvailableAsync();
        var person = await restricted.SignUpAsync("Would-be founder");
        using var personApi = await restricted.ApiAsync(person);

        var refused = await personApi.Http.PostAsJsonAsync("/api/v1/orgs", new { name = "Not allowed", slug = "not-allowed" });

        await AssertProblemAsync(refused, HttpStatusCode.Forbidden);
        Assert.Equal(0, await OrganizationCountAsync(restricted));
        using var platform = await restricted.ApiAsync(PlatformAdmin);
        var created = await platform.Http.PostAsJsonAsync("/api/v1/orgs", new { name = "Allowed", slug = "allowed" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(1, await OrganizationCountAsync(restricted));
    }

    // ---- helpers ----

    private OrgIdentityApp NewApp() => App switch
    {
        PostgreSqlApp => new PostgreSqlApp(),
        _ => new SqliteApp(),
    };

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private async Task<JsonElement> CreateAsync(string name)
    {
        var creator = await App.SignUpAsync("Founder");
        using var api = await App.ApiAsync(creator);
        var response = await api.Http.PostAsJsonAsync("/api/v1/orgs", new { name });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static object Defaults(string invitation = "member", string adminCreated = "member", string inviteLink = "viewer", string selfSignup = "member",
        string sso = "member", string scim = "member") =>
        new { invitation, adminCreated, inviteLink, selfSignup, sso, scim };

    private static Task<HttpResponseMessage> PatchDefaultsAsync(Browser api, Guid orgId, object defaults) =>
        api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { defaultRoles = defaults });

    private static Guid[] Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("id").GetGuid()).ToArray();

    private Task<int> OrganizationCountAsync() => OrganizationCountAsync(App);

    private static async Task<int> OrganizationCountAsync(OrgIdentityApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Organizations.CountAsync();
    }

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

    /// <summary>A validation problem whose <c>errors</c> name <paramref name="field"/> (a nested one, e.g. <c>defaultRoles.sso</c>, ends with it).</summary>
    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors)
            && errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase) || e.Name.EndsWith($".{field}", StringComparison.OrdinalIgnoreCase)),
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
}

public sealed class OrganizationRulesTestsOnSqlite(SqliteApp app) : OrganizationRulesTests(app), IClassFixture<SqliteApp>;

public sealed class OrganizationRulesTestsOnPostgreSql(PostgreSqlApp app) : OrganizationRulesTests(app), IClassFixture<PostgreSqlApp>;
