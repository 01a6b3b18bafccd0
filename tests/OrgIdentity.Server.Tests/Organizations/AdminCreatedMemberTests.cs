using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// Members an admin creates (DESIGN.md §2, §6 <c>POST /api/v1/orgs/{orgId}/members</c>): a new account without a password,
/// the organization's default role unless the admin picks one, an optional welcome e-mail whose link chooses the password
/// (and confirms the address); an e-mail that already has an account gets an invitation instead (202). And the password-reset
/// e-mail an admin sends a member (<c>POST .../members/{userId}/password-reset</c>). A refused request creates and sends
/// nothing and writes no audit event.
/// </summary>
public abstract class AdminCreatedMemberTests(OrgIdentityApp app) : ServerTests(app)
{
    private const string ChosenPassword = "a-password-of-my-own";
    private static readonly TestUser PlatformAdmin = Infrastructure.Organizations.PlatformAdmin;

    // ---- creating ----

    [Fact]
    public async Task An_admin_creates_a_member_whose_account_has_no_password_yet()
    {
        var org = await OrganizationAsync();
        var email = NewEmail();
        var audit = await AuditIdsAsync(org.Id);

        var response = await CreateAsync(org.AdminApi, org.Id,
            new { givenName = "Grace", familyName = "Hopper", email, company = "Navy", role = "viewer" });

        var member = await AssertStatusAsync(response, HttpStatusCode.Created);
        var userId = member.GetProperty("userId").GetGuid();
        Assert.Equal($"/api/v1/orgs/{org.Id}/members/{userId}", response.Headers.Location?.OriginalString);
        Assert.Equal(email, member.GetProperty("email").GetString());
        Assert.Equal("Grace", member.GetProperty("givenName").GetString());
        Assert.Equal("Hopper", member.GetProperty("familyName").GetString());
        Assert.Equal("Navy", member.GetProperty("company").GetString());
        Assert.Contains("Grace", member.GetProperty("displayName").GetString(), StringComparison.Ordinal);
        Assert.Equal("viewer", member.GetProperty("role").GetString());
        Assert.Empty(member.GetProperty("roles").EnumerateArray());
        Assert.Equal("admin", member.GetProperty("source").GetString());
        Assert.Equal("active", member.GetProperty("status").GetString());
        Assert.False(member.GetProperty("limitedToUnits").GetBoolean());
        Assert.Empty(member.GetProperty("units").EnumerateArray());
        Assert.False(member.GetProperty("disabled").GetBoolean());

        var fetched = await AssertStatusAsync(await org.AdminApi.Http.GetAsync(MemberPath(org.Id, userId)), HttpStatusCode.OK);
        Assert.Equal("viewer", fetched.GetProperty("role").GetString());
        Assert.Equal("admin", fetched.GetProperty("source").GetString());
        Assert.Contains(userId, (await MembersAsync(org.AdminApi, org.Id)).Select(m => m.GetProperty("userId").GetGuid()));

        var account = await AccountAsync(email);
        Assert.NotNull(account);
        Assert.Equal(userId, account.Id);
        Assert.Null(account.PasswordHash);
        Assert.False(account.EmailConfirmed);
        Assert.False(await App.CanSignInAsync(email, Users.Password));
        Assert.False(await App.CanSignInAsync(email, ""));

        var created = await SingleNewEventAsync(org.Id, audit, "member.created");
        Assert.Equal(org.AdminId.ToString(), created.ActorId);
        Assert.Equal(userId.ToString(), created.TargetId);
        Assert.Equal("viewer", Details(created).GetProperty("role").GetString());

        // No welcome e-mail was asked for, so none was sent.
        await App.AllMailDeliveredAsync();
        Assert.Empty(App.Mail.For(email, ""));
    }

    [Fact]
    public async Task The_welcome_email_has_the_chosen_subject_a_copy_to_the_admin_and_a_link_that_sets_the_password()
    {
        var org = await OrganizationAsync();
        var email = NewEmail();

        var member = await AssertStatusAsync(await CreateAsync(org.AdminApi, org.Id, new
        {
            givenName = "Grace",
            familyName = "Hopper",
            email,
            role = "viewer",
            welcomeEmail = new { send = true, subject = "Hello from Acme", bccMe = true },
        }), HttpStatusCode.Created);
        var userId = member.GetProperty("userId").GetGuid();

        var mail = await App.Mail.WaitForAsync(email, "Hello from Acme");
        Assert.Equal("Hello from Acme", mail.Subject);
        var headers = Headers(mail);
        Assert.True(headers.TryGetValue("Bcc", out var bcc), $"No Bcc header in {string.Join(", ", headers.Keys)}");
        Assert.Contains(org.Admin.Email, bcc, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(org.Admin.Email, headers["To"], StringComparison.OrdinalIgnoreCase);
        Assert.False(await App.CanSignInAsync(email, ChosenPassword));

        using var browser = App.CreateBrowser();
        var reset = await browser.ResetPasswordAsync(mail.Link("/Account/ResetPassword"), ChosenPassword);

        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.True((await AccountAsync(email))!.EmailConfirmed);
        Assert.True(await App.CanSignInAsync(email, ChosenPassword));
        var tokens = await App.TokensAsync(new TestUser(email, ChosenPassword, "Grace Hopper"), organization: org.Id.ToString());
        Assert.Equal(org.Id.ToString(), Oidc.Jwt(tokens.AccessToken!).GetClaim("org_id").Value);
        Assert.Equal("viewer", Oidc.Jwt(tokens.AccessToken!).GetClaim("org_role").Value);
        // The link works once.
        using var again = App.CreateBrowser();
        await again.ResetPasswordAsync(mail.Link("/Account/ResetPassword"), "yet-another-password-9");
        Assert.False(await App.CanSignInAsync(email, "yet-another-password-9"));
        Assert.Equal(userId, (await AccountAsync(email))!.Id);
    }

    [Fact]
    public async Task Without_a_subject_or_bccMe_the_welcome_email_has_the_default_subject_and_no_copy()
    {
        var org = await OrganizationAsync();
        var email = NewEmail();

        await AssertStatusAsync(await CreateAsync(org.AdminApi, org.Id,
            new { name = "Alan Turing", email, welcomeEmail = new { send = true } }), HttpStatusCode.Created);

        var mail = await App.Mail.WaitForAsync(email, "Welcome to");
        Assert.Contains(org.Name, mail.Subject, StringComparison.Ordinal);
        Assert.False(Headers(mail).ContainsKey("Bcc"));
        Assert.Contains("/Account/ResetPassword", mail.Link("/Account/ResetPassword"), StringComparison.Ordinal);

        // send: false sends nothing.
        var quiet = NewEmail();
        await AssertStatusAsync(await CreateAsync(org.AdminApi, org.Id,
            new { name = "Quiet", email = quiet, welcomeEmail = new { send = false, subject = "Never", bccMe = true } }), HttpStatusCode.Created);
        await App.AllMailDeliveredAsync();
        Assert.Empty(App.Mail.For(quiet, ""));
        Assert.DoesNotContain(App.Mail.All(), m => m.Subject.Contains("Never", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_role_the_organizations_default_for_admin_created_members_applies()
    {
        var org = await OrganizationAsync();

        var member = await AssertStatusAsync(await CreateAsync(org.AdminApi, org.Id, new { name = "Default", email = NewEmail() }), HttpStatusCode.Created);
        Assert.Equal("member", member.GetProperty("role").GetString());

        await AssertStatusAsync(await org.AdminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{org.Id}", new { defaultRoles = new { adminCreated = "viewer" } }),
            HttpStatusCode.OK);
        var viewer = await AssertStatusAsync(await CreateAsync(org.AdminApi, org.Id, new { name = "Viewer default", email = NewEmail() }), HttpStatusCode.Created);
        Assert.Equal("viewer", viewer.GetProperty("role").GetString());

        // A role the admin picks wins over the default.
        var picked = await AssertStatusAsync(await CreateAsync(org.AdminApi, org.Id, new { name = "Picked", email = NewEmail(), role = "member" }), HttpStatusCode.Created);
        Assert.Equal("member", picked.GetProperty("role").GetString());
    }

    [Fact]
    public async Task An_email_that_already_has_an_account_gets_an_invitation_instead_and_no_account_or_membership_is_made()
    {
        var org = await OrganizationAsync();
        var existing = await App.SignUpAsync("Existing person");
        var existingId = await App.UserIdAsync(existing);
        var members = (await MembersAsync(org.AdminApi, org.Id)).Count;
        var audit = await AuditIdsAsync(org.Id);

        var ids = new List<Guid>();
        foreach (var email in new[] { existing.Email, existing.Email.ToUpperInvariant(), $"  {existing.Email}  " })
        {
            var response = await CreateAsync(org.AdminApi, org.Id, new
            {
                name = "Someone else",
                email,
                role = "viewer",
                welcomeEmail = new { send = true, subject = "Should not arrive", bccMe = true },
            });
            var answer = await AssertStatusAsync(response, HttpStatusCode.Accepted);
            Assert.True(answer.GetProperty("invited").GetBoolean());
            Assert.Equal("Invitation was successfully sent.", answer.GetProperty("message").GetString());
            var invitation = answer.GetProperty("invitation");
            Assert.Equal("pending", invitation.GetProperty("status").GetString());
            Assert.Equal("viewer", invitation.GetProperty("role").GetString());
            Assert.Equal(org.AdminId, invitation.GetProperty("invitedBy").GetGuid());
            ids.Add(invitation.GetProperty("id").GetGuid());
        }

        // One invitation, sent again each time, not three.
        Assert.Single(ids.Distinct());
        var listed = await AssertStatusAsync(await org.AdminApi.Http.GetAsync($"/api/v1/orgs/{org.Id}/invitations"), HttpStatusCode.OK);
        var only = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(3, only.GetProperty("sendCount").GetInt32());

        Assert.Equal(members, (await MembersAsync(org.AdminApi, org.Id)).Count);
        await AssertProblemAsync(await org.AdminApi.Http.GetAsync(MemberPath(org.Id, existingId)), HttpStatusCode.NotFound);
        var account = await AccountAsync(existing.Email);
        Assert.Equal(existingId, account!.Id);
        Assert.Equal("Existing person", account.Name);
        Assert.Equal(1, await AccountCountAsync(existing.Email));
        Assert.True(await App.CanSignInAsync(existing.Email, existing.Password));
        Assert.Equal(["invitation.created", "invitation.resent", "invitation.resent"], (await NewAuditAsync(org.Id, audit)).Select(e => e.Action).ToArray());
        await App.Mail.WaitForAsync(existing.Email, "invited you", 3);
        await App.AllMailDeliveredAsync();
        Assert.DoesNotContain(App.Mail.All(), m => m.Subject.Contains("Should not arrive", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Creating_a_current_member_again_is_a_conflict_saying_so_and_changes_nothing()
    {
        var org = await OrganizationAsync();
        var (member, _) = await MemberAsync(org.Id, "Already a member", "viewer");
        var audit = await AuditIdsAsync(org.Id);

        var problem = await AssertProblemAsync(await CreateAsync(org.AdminApi, org.Id, new { name = "Again", email = member.Email, role = "admin" }),
            HttpStatusCode.Conflict);

        Assert.Contains("already a member", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task The_admin_created_welcome_counts_as_the_memberships_welcome_and_names_the_organization_in_text_and_html()
    {
        var org = await OrganizationAsync();
        var email = NewEmail();

        var member = await AssertStatusAsync(await CreateAsync(org.AdminApi, org.Id, new { name = "Welcomed", email, welcomeEmail = new { send = true } }),
            HttpStatusCode.Created);

        var mail = await App.Mail.WaitForAsync(email, "Welcome to");
        Assert.Contains(org.Name, mail.Body, StringComparison.Ordinal);
        Assert.Contains(org.Name, mail.Html, StringComparison.Ordinal);
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var userId = member.GetProperty("userId").GetGuid();
        Assert.NotNull(await db.Memberships.Where(m => m.OrganizationId == org.Id && m.UserId == userId).Select(m => m.WelcomeSentAt).SingleAsync());
        await App.AllMailDeliveredAsync();
        Assert.Single(App.Mail.For(email, ""));
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_creates_nothing()
    {
        var org = await OrganizationAsync();
        var other = await OrganizationAsync();
        var theirs = await AssertStatusAsync(await other.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{other.Id}/units", new { name = "Theirs" }),
            HttpStatusCode.Created);
        var members = (await MembersAsync(org.AdminApi, org.Id)).Count;
        var audit = await AuditIdsAsync(org.Id);
        var emails = Enumerable.Range(0, 8).Select(_ => NewEmail()).ToArray();

        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id, new { name = "Bad e-mail", email = "not-an-email" }), "email");
        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id, new { name = "Blank e-mail", email = "   " }), "email");
        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id, new { name = "No e-mail" }), "email");
        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id, new { email = emails[0], company = "Nameless Inc." }), "name");
        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id, new { email = emails[1], name = "  ", givenName = "", familyName = " " }), "name");
        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id, new { email = emails[2], name = "Owner", role = "owner" }), "role");
        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id, new { email = emails[3], name = "Unknown role", roles = new[] { "no-such-role" } }), "roles");
        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id, new { email = emails[4], name = "Empty role", roles = new[] { "" } }), "roles");
        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id,
            new { email = emails[5], name = "Foreign unit", units = new[] { theirs.GetProperty("id").GetGuid() } }), "units");
        await AssertInvalidAsync(await CreateAsync(org.AdminApi, org.Id, new { email = emails[6], name = "Unknown unit", units = new[] { Guid.CreateVersion7() } }), "units");

        Assert.Equal(members, (await MembersAsync(org.AdminApi, org.Id)).Count);
        foreach (var email in emails)
        {
            Assert.Null(await AccountAsync(email));
        }

        Assert.Null(await AccountAsync("not-an-email"));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_member_without_members_edit_cannot_create_members()
    {
        var org = await OrganizationAsync();
        var (plain, _) = await MemberAsync(org.Id, "Plain member", "member");
        var (viewer, _) = await MemberAsync(org.Id, "Viewer", "viewer");
        var members = (await MembersAsync(org.AdminApi, org.Id)).Count;
        var audit = await AuditIdsAsync(org.Id);
        var email = NewEmail();

        foreach (var user in new[] { plain, viewer })
        {
            using var api = await App.ApiAsync(user, org.Id.ToString());
            var problem = await AssertProblemAsync(await CreateAsync(api, org.Id, new { name = "Newcomer", email, role = "viewer" }), HttpStatusCode.Forbidden);
            Assert.Contains("members:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(members, (await MembersAsync(org.AdminApi, org.Id)).Count);
        Assert.Null(await AccountAsync(email));
        await AssertNoNewAuditAsync(org.Id, audit);
    }

    [Fact]
    public async Task A_manager_cannot_create_an_admin_nor_grant_a_role_they_lack_but_may_create_a_viewer()
    {
        var org = await OrganizationWithManagerAsync();
        var members = (await MembersAsync(org.AdminApi, org.Id)).Count;
        var audit = await AuditIdsAsync(org.Id);
        var adminEmail = NewEmail();
        var billerEmail = NewEmail();

        var admin = await AssertProblemAsync(await CreateAsync(org.ManagerApi, org.Id, new { name = "New admin", email = adminEmail, role = "admin" }),
            HttpStatusCode.Forbidden);
        Assert.Contains("not hold", admin.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var biller = await AssertProblemAsync(await CreateAsync(org.ManagerApi, org.Id,
            new { name = "New biller", email = billerEmail, role = "viewer", roles = new[] { "billing-manager" } }), HttpStatusCode.Forbidden);
        Assert.Contains("billing:edit", biller.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(members, (await MembersAsync(org.AdminApi, org.Id)).Count);
        Assert.Null(await AccountAsync(adminEmail));
        Assert.Null(await AccountAsync(billerEmail));
        await AssertNoNewAuditAsync(org.Id, audit);

        var viewer = await AssertStatusAsync(await CreateAsync(org.ManagerApi, org.Id,
            new { name = "New viewer", email = NewEmail(), role = "viewer", roles = new[] { "people-manager" } }), HttpStatusCode.Created);
        Assert.Equal("viewer", viewer.GetProperty("role").GetString());
        var created = await SingleNewEventAsync(org.Id, audit, "member.created");
        Assert.Equal(org.ManagerId.ToString(), created.ActorId);
    }

    [Fact]
    public async Task Custom_roles_and_units_given_at_creation_are_the_members()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "reporter", "orders:view");
        await CreateRoleAsync(org.AdminApi, org.Id, "analyst", "analytics:edit");
        var a = await CreateUnitAsync(org, "A");
        var b = await CreateUnitAsync(org, "B");
        var c = await CreateUnitAsync(org, "C");
        var audit = await AuditIdsAsync(org.Id);

        var member = await AssertStatusAsync(await CreateAsync(org.AdminApi, org.Id, new
        {
            name = "Scoped",
            email = NewEmail(),
            role = "viewer",
            roles = new[] { "reporter", "analyst" },
            units = new[] { b, a },
        }), HttpStatusCode.Created);
        var userId = member.GetProperty("userId").GetGuid();

        var fetched = await AssertStatusAsync(await org.AdminApi.Http.GetAsync(MemberPath(org.Id, userId)), HttpStatusCode.OK);
        Assert.Equal("viewer", fetched.GetProperty("role").GetString());
        Assert.Equal(["analyst", "reporter"], fetched.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.True(fetched.GetProperty("limitedToUnits").GetBoolean());
        Assert.Equal(new[] { a, b }.Order().ToArray(), fetched.GetProperty("units").EnumerateArray().Select(u => u.GetGuid()).Order().ToArray());

        var created = await SingleNewEventAsync(org.Id, audit, "member.created");
        Assert.Equal(userId.ToString(), created.TargetId);
        Assert.Equal(["analyst", "reporter"], Details(created).GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(2, Details(created).GetProperty("units").GetArrayLength());

        // The permission check sees the roles and the units at once.
        Assert.True(await CheckAsync(org.AdminApi, org.Id, userId, "analytics:edit", a));
        Assert.True(await CheckAsync(org.AdminApi, org.Id, userId, "orders:view", b));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, userId, "analytics:edit", c));
        Assert.False(await CheckAsync(org.AdminApi, org.Id, userId, "assets:edit", a));
    }

    // ---- password resets an admin sends ----

    [Fact]
    public async Task An_admin_sends_a_member_a_password_reset_email_and_it_is_audited()
    {
        var org = await OrganizationAsync();
        var (member, memberId) = await MemberAsync(org.Id, "Forgetful", "member");
        var audit = await AuditIdsAsync(org.Id);

        var response = await org.AdminApi.Http.PostAsync(ResetPath(org.Id, memberId), null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var sent = await SingleNewEventAsync(org.Id, audit, "member.password_reset_sent");
        Assert.Equal(org.AdminId.ToString(), sent.ActorId);
        Assert.Equal(memberId.ToString(), sent.TargetId);
        var mail = await App.Mail.WaitForAsync(member.Email, "Reset your password");
        Assert.Contains("Forgetful", mail.Body, StringComparison.Ordinal);
        Assert.Contains(org.Name, mail.Body, StringComparison.Ordinal);
        Assert.Contains(org.Name, mail.Html, StringComparison.Ordinal);

        using var browser = App.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.ResetPasswordAsync(mail.Link("/Account/ResetPassword"), ChosenPassword)).StatusCode);
        Assert.True(await App.CanSignInAsync(member.Email, ChosenPassword));
        Assert.False(await App.CanSignInAsync(member.Email, member.Password));
    }

    [Fact]
    public async Task An_admin_created_member_without_a_welcome_email_gets_in_through_a_reset_the_admin_sends()
    {
        var org = await OrganizationAsync();
        var email = NewEmail();
        var userId = (await AssertStatusAsync(await CreateAsync(org.AdminApi, org.Id, new { name = "Later", email }), HttpStatusCode.Created))
            .GetProperty("userId").GetGuid();

        Assert.Equal(HttpStatusCode.Accepted, (await org.AdminApi.Http.PostAsync(ResetPath(org.Id, userId), null)).StatusCode);

        var mail = await App.Mail.WaitForAsync(email, "Reset your password");
        using var browser = App.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.ResetPasswordAsync(mail.Link("/Account/ResetPassword"), ChosenPassword)).StatusCode);
        Assert.True((await AccountAsync(email))!.EmailConfirmed);
        Assert.True(await App.CanSignInAsync(email, ChosenPassword));
    }

    [Fact]
    public async Task A_viewer_cannot_send_a_password_reset()
    {
        var org = await OrganizationAsync();
        var (viewer, _) = await MemberAsync(org.Id, "Viewer", "viewer");
        var (target, targetId) = await MemberAsync(org.Id, "Target", "viewer");
        using var api = await App.ApiAsync(viewer, org.Id.ToString());
        var audit = await AuditIdsAsync(org.Id);

        var problem = await AssertProblemAsync(await api.Http.PostAsync(ResetPath(org.Id, targetId), null), HttpStatusCode.Forbidden);

        Assert.Contains("members:edit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNoNewAuditAsync(org.Id, audit);
        await AssertNoResetMailAsync(target);
    }

    [Fact]
    public async Task A_manager_cannot_send_a_password_reset_to_someone_who_holds_more_than_they_do()
    {
        var org = await OrganizationWithManagerAsync();
        var (viewer, viewerId) = await MemberAsync(org.Id, "Viewer", "viewer");
        var audit = await AuditIdsAsync(org.Id);

        await AssertProblemAsync(await org.ManagerApi.Http.PostAsync(ResetPath(org.Id, org.AdminId), null), HttpStatusCode.Forbidden);

        await AssertNoNewAuditAsync(org.Id, audit);
        await AssertNoResetMailAsync(org.Admin);

        // Someone who holds no more than the manager is fair game.
        Assert.Equal(HttpStatusCode.Accepted, (await org.ManagerApi.Http.PostAsync(ResetPath(org.Id, viewerId), null)).StatusCode);
        Assert.Equal(org.ManagerId.ToString(), (await SingleNewEventAsync(org.Id, audit, "member.password_reset_sent")).ActorId);
        await App.Mail.WaitForAsync(viewer.Email, "Reset your password");
    }

    [Fact]
    public async Task A_disabled_account_gets_no_password_reset()
    {
        var org = await OrganizationAsync();
        var (member, memberId) = await MemberAsync(org.Id, "Disabled", "member");
        using var platform = await App.ApiAsync(PlatformAdmin);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{memberId}/disable", null)).StatusCode);
        var audit = await AuditIdsAsync(org.Id);

        var problem = await AssertProblemAsync(await org.AdminApi.Http.PostAsync(ResetPath(org.Id, memberId), null), HttpStatusCode.Conflict);

        Assert.Contains("disabled", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        await AssertNoNewAuditAsync(org.Id, audit);
        await AssertNoResetMailAsync(member);
    }

    [Fact]
    public async Task A_password_reset_for_someone_who_is_not_a_member_is_not_found()
    {
        var org = await OrganizationAsync();
        var stranger = await App.SignUpAsync("Stranger");
        var strangerId = await App.UserIdAsync(stranger);
        var audit = await AuditIdsAsync(org.Id);

        await AssertProblemAsync(await org.AdminApi.Http.PostAsync(ResetPath(org.Id, strangerId), null), HttpStatusCode.NotFound);
        await AssertProblemAsync(await org.AdminApi.Http.PostAsync(ResetPath(org.Id, Guid.CreateVersion7()), null), HttpStatusCode.NotFound);

        await AssertNoNewAuditAsync(org.Id, audit);
        await AssertNoResetMailAsync(stranger);
    }

    // ---- helpers ----

    private sealed record Org(Guid Id, string Name, TestUser Admin, Guid AdminId, Browser AdminApi);

    private sealed record ManagedOrg(Guid Id, TestUser Admin, Guid AdminId, Browser AdminApi, Guid ManagerId, Browser ManagerApi);

    private async Task<Org> OrganizationAsync()
    {
        var name = $"Acme {Guid.NewGuid():N}"[..13];
        var (admin, orgId) = await App.OrganizationWithAdminAsync(name);
        return new Org(orgId, name, admin, await App.UserIdAsync(admin), await App.ApiAsync(admin, orgId.ToString()));
    }

    /// <summary>
    /// An organization with the custom roles <c>people-manager</c> (<c>members:edit</c>) and <c>billing-manager</c>
    /// (<c>billing:edit</c>), and a manager: base role member plus people-manager, without billing.
    /// </summary>
    private async Task<ManagedOrg> OrganizationWithManagerAsync()
    {
        var org = await OrganizationAsync();
        await CreateRoleAsync(org.AdminApi, org.Id, "people-manager", "members:edit");
        await CreateRoleAsync(org.AdminApi, org.Id, "billing-manager", "billing:edit");
        var (manager, managerId) = await MemberAsync(org.Id, "Manager", "member", "people-manager");
        return new ManagedOrg(org.Id, org.Admin, org.AdminId, org.AdminApi, managerId, await App.ApiAsync(manager, org.Id.ToString()));
    }

    private async Task<(TestUser User, Guid Id)> MemberAsync(Guid orgId, string name, string role, params string[] customRoles)
    {
        var user = await App.SignUpAsync(name);
        await App.AddMemberAsync(orgId, user, role, customRoles);
        return (user, await App.UserIdAsync(user));
    }

    private static string NewEmail() => $"created-{Guid.NewGuid():N}@example.com";

    private static string MemberPath(Guid orgId, Guid userId) => $"/api/v1/orgs/{orgId}/members/{userId}";

    private static string ResetPath(Guid orgId, Guid userId) => $"/api/v1/orgs/{orgId}/members/{userId}/password-reset";

    private static Task<HttpResponseMessage> CreateAsync(Browser api, Guid orgId, object body) =>
        api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/members", body);

    private static async Task<List<JsonElement>> MembersAsync(Browser api, Guid orgId) =>
        (await AssertStatusAsync(await api.Http.GetAsync($"/api/v1/orgs/{orgId}/members?limit=200"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().ToList();

    private static async Task CreateRoleAsync(Browser api, Guid orgId, string key, params string[] permissions) =>
        await AssertStatusAsync(await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key, name = key, permissions }), HttpStatusCode.Created);

    private static async Task<Guid> CreateUnitAsync(Org org, string name) =>
        (await AssertStatusAsync(await org.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/units", new { name }), HttpStatusCode.Created))
            .GetProperty("id").GetGuid();

    private static async Task<bool> CheckAsync(Browser api, Guid orgId, Guid subject, string permission, Guid? unit)
    {
        var response = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/authz/check", new { subject = subject.ToString(), permission, unit = unit?.ToString() });
        return (await AssertStatusAsync(response, HttpStatusCode.OK)).GetProperty("allowed").GetBoolean();
    }

    private async Task<Server.Accounts.User?> AccountAsync(string email)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var normalized = email.Trim().ToUpperInvariant();
        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized);
    }

    private async Task<int> AccountCountAsync(string email)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var normalized = email.Trim().ToUpperInvariant();
        return await db.Users.CountAsync(u => u.NormalizedEmail == normalized);
    }

    /// <summary>Every header of a picked-up e-mail (the pickup file keeps Bcc for the agent that delivers it).</summary>
    private static Dictionary<string, string> Headers(Mailbox.Email mail)
    {
        var text = File.ReadAllText(mail.Path);
        var head = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\r\n\t", " ", StringComparison.Ordinal);
        return head.Split("\r\n").Select(h => h.Split(':', 2)).Where(h => h.Length == 2)
            .GroupBy(h => h[0].Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(h => h[1].Trim())), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Waits until the outbox has sent everything queued so far, then checks no reset e-mail went to <paramref name="user"/>.</summary>
    private async Task AssertNoResetMailAsync(TestUser user)
    {
        await App.AllMailDeliveredAsync();
        Assert.Empty(App.Mail.For(user.Email, "Reset your password"));
    }

    private static async Task<JsonElement> AssertStatusAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

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

public sealed class AdminCreatedMemberTestsOnSqlite(SqliteApp app) : AdminCreatedMemberTests(app), IClassFixture<SqliteApp>;

public sealed class AdminCreatedMemberTestsOnPostgreSql(PostgreSqlApp app) : AdminCreatedMemberTests(app), IClassFixture<PostgreSqlApp>;
