using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Email;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Invitations;

/// <summary>
/// E-mail invitations through the admin API (DESIGN.md §2, §6 <c>.../invitations</c>): made by <c>members:edit</c>, never granting more
/// than the inviter holds, one pending invitation per address, resend with a new token, revoke, 409 for a current member,
/// the plan feature, and the member export's invitation rows.
/// </summary>
public abstract class InvitationTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_invites_an_address_and_it_is_e_mailed_listed_as_pending_and_audited()
    {
        var org = await App.InvitingOrganizationAsync();
        var email = Invites.NewEmail();

        var response = await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email, role = "viewer" });

        var answer = await Invites.AssertStatusAsync(response, HttpStatusCode.Created);
        Assert.Equal("Invitation was successfully sent.", answer.GetProperty("message").GetString());
        var invitation = answer.GetProperty("invitation");
        Assert.Equal(email, invitation.GetProperty("email").GetString());
        Assert.Equal("viewer", invitation.GetProperty("role").GetString());
        Assert.Equal("pending", invitation.GetProperty("status").GetString());
        Assert.Equal(1, invitation.GetProperty("sendCount").GetInt32());
        Assert.Equal(org.AdminId, invitation.GetProperty("invitedBy").GetGuid());
        var expires = invitation.GetProperty("expiresAt").GetDateTime();
        Assert.InRange(expires - invitation.GetProperty("invitedAt").GetDateTime(), TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));

        var mail = await App.Mail.WaitForAsync(email, "invited you");
        Assert.Contains(org.Name, mail.Subject, StringComparison.Ordinal);
        Assert.Contains(org.Name, mail.Body, StringComparison.Ordinal);
        Assert.Contains("Invitation admin", mail.Body, StringComparison.Ordinal);
        Assert.Contains("viewer", mail.Body, StringComparison.Ordinal);
        Assert.Contains(org.Name, mail.Html, StringComparison.Ordinal);
        var link = mail.Link("/Account/Invitation");
        var token = Invites.TokenOf(link);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token);

        var listed = await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path("invitations")), HttpStatusCode.OK);
        var row = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("next").ValueKind);
        Assert.Equal(invitation.GetProperty("id").GetGuid(), row.GetProperty("id").GetGuid());
        Assert.Equal("pending", row.GetProperty("status").GetString());
        Assert.Equal(1, row.GetProperty("sendCount").GetInt32());

        // Only the hash is stored.
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
            var stored = await db.Invitations.AsNoTracking().SingleAsync(i => i.OrganizationId == org.Id);
            Assert.NotEqual(token, stored.TokenHash);
            Assert.DoesNotContain(await db.Invitations.AsNoTracking().Select(i => i.TokenHash).ToListAsync(), h => h == token);
        }

        var created = Assert.Single(await App.AuditEventsAsync(org.Id), e => e.Action == "invitation.created");
        Assert.Equal(org.AdminId.ToString(), created.ActorId);
        Assert.Equal(invitation.GetProperty("id").GetGuid().ToString(), created.TargetId);
        Assert.DoesNotContain(token, created.Details ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_role_the_organizations_invitation_default_applies()
    {
        var org = await App.InvitingOrganizationAsync();

        var member = await Invites.InviteAsync(org, Invites.NewEmail());
        await Invites.AssertStatusAsync(await org.Api.Http.PatchAsJsonAsync(org.Path(""), new { defaultRoles = new { invitation = "viewer" } }), HttpStatusCode.OK);
        var viewer = await Invites.InviteAsync(org, Invites.NewEmail());

        Assert.Equal("member", member.GetProperty("role").GetString());
        Assert.Equal("viewer", viewer.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Inviting_an_address_with_a_pending_invitation_sends_that_one_again_instead_of_a_second()
    {
        var org = await App.InvitingOrganizationAsync();
        var email = Invites.NewEmail();
        var first = await Invites.InviteAsync(org, email, "viewer");

        var again = await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = email.ToUpperInvariant(), role = "viewer" });

        var answer = await Invites.AssertStatusAsync(again, HttpStatusCode.OK);
        Assert.Equal("Invitation was successfully sent.", answer.GetProperty("message").GetString());
        Assert.Equal(first.GetProperty("id").GetGuid(), answer.GetProperty("invitation").GetProperty("id").GetGuid());
        Assert.Equal(2, answer.GetProperty("invitation").GetProperty("sendCount").GetInt32());
        var listed = await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path("invitations")), HttpStatusCode.OK);
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
        await App.Mail.WaitForAsync(email, "invited you", 2);
    }

    [Fact]
    public async Task Resending_makes_a_new_token_counts_the_send_and_is_audited()
    {
        var org = await App.InvitingOrganizationAsync();
        var email = Invites.NewEmail();
        var id = (await Invites.InviteAsync(org, email)).GetProperty("id").GetGuid();
        var firstToken = Invites.TokenOf((await App.Mail.WaitForAsync(email, "invited you")).Link("/Account/Invitation"));
        App.Time.Advance(TimeSpan.FromMinutes(1));

        var resent = await Invites.AssertStatusAsync(await org.Api.Http.PostAsync(org.Path($"invitations/{id}/resend"), null), HttpStatusCode.OK);

        Assert.Equal("Invitation was successfully sent.", resent.GetProperty("message").GetString());
        var invitation = resent.GetProperty("invitation");
        Assert.Equal(2, invitation.GetProperty("sendCount").GetInt32());
        Assert.True(invitation.GetProperty("lastSentAt").GetDateTime() > invitation.GetProperty("invitedAt").GetDateTime());
        Assert.Equal(invitation.GetProperty("lastSentAt").GetDateTime().AddDays(7), invitation.GetProperty("expiresAt").GetDateTime(), TimeSpan.FromSeconds(1));
        var secondToken = Invites.TokenOf((await App.Mail.WaitForAsync(email, "invited you", 2)).Link("/Account/Invitation"));
        Assert.NotEqual(firstToken, secondToken);
        Assert.Contains(await App.AuditEventsAsync(org.Id), e => e.Action == "invitation.resent" && e.TargetId == id.ToString());
    }

    [Fact]
    public async Task A_revoked_invitation_is_listed_as_revoked_cannot_be_resent_and_the_address_can_be_invited_again()
    {
        var org = await App.InvitingOrganizationAsync();
        var email = Invites.NewEmail();
        var id = (await Invites.InviteAsync(org, email)).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NoContent, (await org.Api.Http.DeleteAsync(org.Path($"invitations/{id}"))).StatusCode);

        var revoked = await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path("invitations?status=revoked")), HttpStatusCode.OK);
        Assert.Equal(id, Assert.Single(revoked.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(0, (await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path("invitations?status=pending")), HttpStatusCode.OK))
            .GetProperty("total").GetInt32());
        Assert.Contains(await App.AuditEventsAsync(org.Id), e => e.Action == "invitation.revoked" && e.TargetId == id.ToString());
        await Invites.AssertProblemAsync(await org.Api.Http.PostAsync(org.Path($"invitations/{id}/resend"), null), HttpStatusCode.Conflict);
        // Revoking again changes nothing.
        Assert.Equal(HttpStatusCode.NoContent, (await org.Api.Http.DeleteAsync(org.Path($"invitations/{id}"))).StatusCode);
        Assert.Single(await App.AuditEventsAsync(org.Id), e => e.Action == "invitation.revoked");

        var again = await Invites.InviteAsync(org, email);
        Assert.NotEqual(id, again.GetProperty("id").GetGuid());
        Assert.Equal("pending", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Inviting_a_current_member_is_a_conflict_that_says_so()
    {
        var org = await App.InvitingOrganizationAsync();
        var member = await App.SignUpAsync("Present member");
        await App.AddMemberAsync(org.Id, member, "viewer");
        var audit = (await App.AuditEventsAsync(org.Id)).Count;

        var problem = await Invites.AssertProblemAsync(await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = member.Email.ToUpperInvariant() }),
            HttpStatusCode.Conflict);

        Assert.Contains("already a member", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(audit, (await App.AuditEventsAsync(org.Id)).Count);
    }

    [Fact]
    public async Task A_member_with_members_edit_but_not_admin_cannot_invite_an_admin_nor_grant_a_role_they_lack()
    {
        var org = await App.InvitingOrganizationAsync();
        await Invites.CreateRoleAsync(org, "people-manager", "members:edit");
        await Invites.CreateRoleAsync(org, "billing-manager", "billing:edit");
        var manager = await App.SignUpAsync("Manager");
        await App.AddMemberAsync(org.Id, manager, "member", "people-manager");
        using var api = await App.ApiAsync(manager, org.Id.ToString());
        var plain = await App.SignUpAsync("Plain");
        await App.AddMemberAsync(org.Id, plain, "member");
        using var plainApi = await App.ApiAsync(plain, org.Id.ToString());

        var admin = await Invites.AssertProblemAsync(await api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = Invites.NewEmail(), role = "admin" }),
            HttpStatusCode.Forbidden);
        var biller = await Invites.AssertProblemAsync(await api.Http.PostAsJsonAsync(org.Path("invitations"),
            new { email = Invites.NewEmail(), role = "viewer", roles = new[] { "billing-manager" } }), HttpStatusCode.Forbidden);
        var withoutEdit = await Invites.AssertProblemAsync(await plainApi.Http.PostAsJsonAsync(org.Path("invitations"), new { email = Invites.NewEmail() }),
            HttpStatusCode.Forbidden);

        Assert.Contains("not hold", admin.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("billing:edit", biller.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("members:edit", withoutEdit.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path("invitations")), HttpStatusCode.OK)).GetProperty("total").GetInt32());

        // An admin's invitation is out of the manager's reach too; a viewer's is not.
        var adminInvitation = (await Invites.InviteAsync(org, Invites.NewEmail(), "admin")).GetProperty("id").GetGuid();
        await Invites.AssertProblemAsync(await api.Http.PostAsync(org.Path($"invitations/{adminInvitation}/resend"), null), HttpStatusCode.Forbidden);
        await Invites.AssertProblemAsync(await api.Http.DeleteAsync(org.Path($"invitations/{adminInvitation}")), HttpStatusCode.Forbidden);
        var viewer = await Invites.AssertStatusAsync(await api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = Invites.NewEmail(), role = "viewer" }),
            HttpStatusCode.Created);
        Assert.Equal("viewer", viewer.GetProperty("invitation").GetProperty("role").GetString());
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field()
    {
        var org = await App.InvitingOrganizationAsync();
        var other = await App.InvitingOrganizationAsync();
        var theirUnit = (await Invites.AssertStatusAsync(await other.Api.Http.PostAsJsonAsync(other.Path("units"), new { name = "Theirs" }), HttpStatusCode.Created))
            .GetProperty("id").GetGuid();

        await Invites.AssertInvalidAsync(await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = "not-an-email" }), "email");
        await Invites.AssertInvalidAsync(await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = "  " }), "email");
        await Invites.AssertInvalidAsync(await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { role = "viewer" }), "email");
        await Invites.AssertInvalidAsync(await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = Invites.NewEmail(), role = "owner" }), "role");
        await Invites.AssertInvalidAsync(await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = Invites.NewEmail(), roles = new[] { "nope" } }), "roles");
        await Invites.AssertInvalidAsync(await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = Invites.NewEmail(), units = new[] { theirUnit } }), "units");
        await Invites.AssertInvalidAsync(await org.Api.Http.GetAsync(org.Path("invitations?status=lost")), "status");

        Assert.Equal(0, (await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path("invitations")), HttpStatusCode.OK)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Without_the_invitations_plan_feature_the_routes_are_403_and_an_existing_account_is_not_invited()
    {
        var org = await App.InvitingOrganizationAsync();
        var existing = await App.SignUpAsync("Existing");
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        await Invites.AssertStatusAsync(await platform.Http.PutAsJsonAsync(org.Path("plan"), new { invitations = false, units = true, sso = true, scim = true }),
            HttpStatusCode.OK);

        var list = await Invites.AssertProblemAsync(await org.Api.Http.GetAsync(org.Path("invitations")), HttpStatusCode.Forbidden);
        await Invites.AssertProblemAsync(await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email = Invites.NewEmail() }), HttpStatusCode.Forbidden);
        await Invites.AssertProblemAsync(await org.Api.Http.PostAsJsonAsync(org.Path("members"), new { name = "Existing", email = existing.Email }),
            HttpStatusCode.Forbidden);

        Assert.Contains("invitations", list.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_pages_newest_first()
    {
        var org = await App.InvitingOrganizationAsync();
        var emails = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            emails.Add(Invites.NewEmail());
            await Invites.InviteAsync(org, emails[^1]);
            App.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path("invitations?limit=2")), HttpStatusCode.OK);
        var next = first.GetProperty("next").GetString();
        var second = await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path($"invitations?limit=2&cursor={next}")), HttpStatusCode.OK);

        Assert.Equal(3, first.GetProperty("total").GetInt32());
        var order = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(i => i.GetProperty("email").GetString()!).ToList();
        Assert.Equal(Enumerable.Reverse(emails).ToList(), order);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        await Invites.AssertInvalidAsync(await org.Api.Http.GetAsync(org.Path("invitations?cursor=garbage")), "cursor");
    }

    [Fact]
    public async Task The_member_export_appends_pending_invitations_only_when_asked()
    {
        var org = await App.InvitingOrganizationAsync();
        await Invites.CreateRoleAsync(org, "reporter", "orders:view");
        var pending = Invites.NewEmail();
        var revoked = Invites.NewEmail();
        await Invites.InviteAsync(org, pending, "viewer", roles: ["reporter"]);
        var revokedId = (await Invites.InviteAsync(org, revoked)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await org.Api.Http.DeleteAsync(org.Path($"invitations/{revokedId}"))).StatusCode);

        var plain = await org.Api.Http.GetStringAsync(org.Path("members/export"));
        var withInvitations = await org.Api.Http.GetStringAsync(org.Path("members/export?includeInvitations=true"));

        Assert.DoesNotContain(pending, plain, StringComparison.Ordinal);
        var row = Assert.Single(withInvitations.Split("\r\n"), l => l.Contains(pending, StringComparison.Ordinal));
        Assert.Equal(["", pending, "", "viewer", "reporter", "*", "invited", "invitation", "", ""], row.Split(','));
        Assert.DoesNotContain(revoked, withInvitations, StringComparison.Ordinal);
        Assert.Contains(org.Admin.Email, withInvitations, StringComparison.Ordinal);
    }
}

public sealed class InvitationTestsOnSqlite(SqliteApp app) : InvitationTests(app), IClassFixture<SqliteApp>;

public sealed class InvitationTestsOnPostgreSql(PostgreSqlApp app) : InvitationTests(app), IClassFixture<PostgreSqlApp>;

/// <summary>
/// Invitations over days, on a server of their own (its clock jumps a week): expiry is derived and shown, an expired link
/// opens a clear page and joins nobody, and the address can be invited again. The server logs at the production levels,
/// and no invitation token ever reaches the log.
/// </summary>
public abstract class InvitationExpiryTests(InvitationLogApp app) : ServerTests(app)
{
    private InvitationLogApp Logged { get; } = app;

    [Fact]
    public async Task An_invitation_expires_after_the_configured_days_and_the_address_can_be_invited_again_and_no_token_is_logged()
    {
        var org = await App.InvitingOrganizationAsync();
        var email = Invites.NewEmail();
        var id = (await Invites.InviteAsync(org, email)).GetProperty("id").GetGuid();
        var link = (await App.Mail.WaitForAsync(email, "invited you")).Link("/Account/Invitation");

        App.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));

        var expired = await Invites.AssertStatusAsync(await org.FreshApiAsync(App), HttpStatusCode.OK);
        Assert.Equal("expired", Assert.Single(expired.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == id).GetProperty("status").GetString());
        using (var browser = App.CreateBrowser())
        {
            var page = await (await browser.OpenAsync(link)).HtmlAsync();
            Assert.Contains("expired", page, StringComparison.Ordinal);
            Assert.DoesNotContain("Create account", page, StringComparison.Ordinal);
        }

        using var api = await App.ApiAsync(org.Admin, org.Id.ToString());
        var again = await Invites.AssertStatusAsync(await api.Http.PostAsJsonAsync(org.Path("invitations"), new { email }), HttpStatusCode.Created);
        Assert.NotEqual(id, again.GetProperty("invitation").GetProperty("id").GetGuid());
        var export = await api.Http.GetStringAsync(org.Path("members/export?includeInvitations=true"));
        Assert.Contains("invitation-expired", export, StringComparison.Ordinal);
        Assert.Contains(",invited,", export, StringComparison.Ordinal);

        // The newer link works; the log never saw either token.
        var newLink = (await App.Mail.WaitForAsync(email, "invited you", 2)).Link("/Account/Invitation");
        using var invitee = App.CreateBrowser();
        Assert.Contains("Create account", await (await invitee.OpenAsync(newLink)).HtmlAsync(), StringComparison.Ordinal);
        Assert.NotEmpty(Logged.Logs.All);
        foreach (var token in new[] { Invites.TokenOf(link), Invites.TokenOf(newLink) })
        {
            Assert.DoesNotContain(Logged.Logs.All, line => line.Contains(token, StringComparison.Ordinal));
        }
    }
}

public sealed class InvitationExpiryTestsOnSqlite(InvitationLogApp.OnSqlite app) : InvitationExpiryTests(app), IClassFixture<InvitationLogApp.OnSqlite>;

public sealed class InvitationExpiryTestsOnPostgreSql(InvitationLogApp.OnPostgreSql app) : InvitationExpiryTests(app), IClassFixture<InvitationLogApp.OnPostgreSql>;

/// <summary>A server that logs at the levels of appsettings.json (information, the framework's warnings) into <see cref="Logs"/>.</summary>
public abstract class InvitationLogApp : OrgIdentityApp
{
    protected InvitationLogApp(TestDatabase database) : base(database)
    {
        With("Logging:LogLevel:Default", "Information");
        With("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        With("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Warning");
        With("Logging:LogLevel:OpenIddict", "Warning");
    }

    public LogLines Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    public sealed class OnSqlite() : InvitationLogApp(TestDatabase.Sqlite());

    public sealed class OnPostgreSql() : InvitationLogApp(TestDatabase.PostgreSql());
}

/// <summary>An organization whose admin invites, with the admin's API client.</summary>
public sealed record InvitingOrganization(Guid Id, string Name, TestUser Admin, Guid AdminId, Browser Api)
{
    public string Path(string rest) => $"/api/v1/orgs/{Id}" + (rest.Length == 0 ? "" : "/" + rest);

    /// <summary>The invitation list through a token issued now (after the clock moved).</summary>
    public async Task<HttpResponseMessage> FreshApiAsync(OrgIdentityApp app)
    {
        using var api = await app.ApiAsync(Admin, Id.ToString());
        var response = await api.Http.GetAsync(Path("invitations"));
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}

internal static class Invites
{
    public static async Task<InvitingOrganization> InvitingOrganizationAsync(this OrgIdentityApp app)
    {
        var name = $"Invite {Guid.NewGuid():N}"[..15];
        var admin = await app.SignUpAsync("Invitation admin");
        var orgId = await app.CreateOrganizationAsync(admin, name);
        return new InvitingOrganization(orgId, name, admin, await app.UserIdAsync(admin), await app.ApiAsync(admin, orgId.ToString()));
    }

    public static string NewEmail() => $"invitee-{Guid.NewGuid():N}@example.com";

    /// <summary>Invites through the API (201) and returns the invitation.</summary>
    public static async Task<JsonElement> InviteAsync(InvitingOrganization org, string email, string? role = null, string[]? roles = null, Guid[]? units = null) =>
        (await AssertStatusAsync(await org.Api.Http.PostAsJsonAsync(org.Path("invitations"), new { email, role, roles, units }), HttpStatusCode.Created))
            .GetProperty("invitation");

    public static string TokenOf(string link) => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(new Uri("https://localhost"), link).Query)["token"].ToString();

    public static async Task CreateRoleAsync(InvitingOrganization org, string key, params string[] permissions) =>
        await AssertStatusAsync(await org.Api.Http.PostAsJsonAsync(org.Path("roles"), new { key, name = key, permissions }), HttpStatusCode.Created);

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

    public static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase)),
            $"Expected an error naming '{field}': {problem}");
    }
}
