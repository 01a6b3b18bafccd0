using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// The join settings of an organization through <c>GET/PATCH /api/v1/orgs/{orgId}</c>: open sign-up and self-join by
/// verified domain (off by default) and welcome e-mails (on by default). Changing them needs
/// <c>organization-settings:edit</c> and is audited with the values before and after; a refused or empty change
/// writes nothing.
/// </summary>
public abstract class OrganizationSettingsTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task A_new_organization_has_open_sign_up_and_self_join_off_and_welcome_emails_on()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Settings default");
        using var api = await App.ApiAsync(admin, orgId.ToString());

        var organization = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}");

        Assert.Equal((false, false, true), Settings(organization));
        Assert.Equal("member", organization.GetProperty("defaultRoles").GetProperty("selfSignup").GetString());
    }

    [Fact]
    public async Task An_admin_switches_the_settings_and_the_change_is_shown_kept_and_audited_with_before_and_after()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Settings change");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var audit = await AuditIdsAsync(orgId);

        var patched = await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { openSignUp = true, selfJoinByVerifiedDomain = true, welcomeEmails = false });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal((true, true, false), Settings(await patched.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal((true, true, false), Settings(await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")));
        var updated = Assert.Single(await NewAuditAsync(orgId, audit));
        Assert.Equal(("organization.updated", (await App.UserIdAsync(admin)).ToString()), (updated.Action, updated.ActorId));
        var details = JsonDocument.Parse(updated.Details!).RootElement;
        Assert.Equal((false, false, true), Settings(details.GetProperty("before")));
        Assert.Equal((true, true, false), Settings(details.GetProperty("after")));

        // One field at a time; the others stay.
        var one = await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { openSignUp = false });
        Assert.Equal((false, true, false), Settings(await one.Content.ReadFromJsonAsync<JsonElement>()));
    }

    [Fact]
    public async Task Setting_the_same_values_again_changes_nothing_and_writes_no_audit_event()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Settings same");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var audit = await AuditIdsAsync(orgId);

        var same = await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { openSignUp = false, selfJoinByVerifiedDomain = false, welcomeEmails = true });

        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Empty(await NewAuditAsync(orgId, audit));
    }

    [Fact]
    public async Task A_member_without_organization_settings_edit_gets_403_and_nothing_changes()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Settings refused");
        var member = await App.SignUpAsync("Plain member");
        await App.AddMemberAsync(orgId, member, "member");
        using var memberApi = await App.ApiAsync(member, orgId.ToString());
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var before = (await adminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString();
        var audit = await AuditIdsAsync(orgId);

        var refused = await memberApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { openSignUp = true, welcomeEmails = false });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("organization-settings:edit", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await adminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).ToString());
        Assert.Empty(await NewAuditAsync(orgId, audit));
    }

    [Fact]
    public async Task A_setting_that_is_not_a_boolean_is_a_400_and_changes_nothing()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Settings bad");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var audit = await AuditIdsAsync(orgId);

        var bad = await api.Http.PatchAsync($"/api/v1/orgs/{orgId}", JsonContent.Create(JsonDocument.Parse("""{"openSignUp":"yes"}""").RootElement));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal((false, false, true), Settings(await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")));
        Assert.Empty(await NewAuditAsync(orgId, audit));
    }

    private static (bool OpenSignUp, bool SelfJoin, bool Welcome) Settings(JsonElement organization) =>
        (organization.GetProperty("openSignUp").GetBoolean(), organization.GetProperty("selfJoinByVerifiedDomain").GetBoolean(),
            organization.GetProperty("welcomeEmails").GetBoolean());

    private async Task<HashSet<Guid>> AuditIdsAsync(Guid orgId) => (await App.AuditEventsAsync(orgId)).Select(e => e.Id).ToHashSet();

    private async Task<List<Audit.AuditEvent>> NewAuditAsync(Guid orgId, HashSet<Guid> before) =>
        (await App.AuditEventsAsync(orgId)).Where(e => !before.Contains(e.Id)).ToList();
}

public sealed class OrganizationSettingsTestsOnSqlite(SqliteApp app) : OrganizationSettingsTests(app), IClassFixture<SqliteApp>;

public sealed class OrganizationSettingsTestsOnPostgreSql(PostgreSqlApp app) : OrganizationSettingsTests(app), IClassFixture<PostgreSqlApp>;
