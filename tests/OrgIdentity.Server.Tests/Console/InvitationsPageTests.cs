using System.Net;
using System.Net.Http.Json;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>
/// The Members tab's Invite and Create New User dialogs and the Invitations tab (invitations, the invite link card) over HTTP
/// with the sign-in cookie: each action goes through its service and changes the database; refusals change nothing.
/// </summary>
public abstract class InvitationsPageTests(OrgIdentityApp app) : ServerTests(app)
{
    private static string NewEmail() => $"console-invitee-{Guid.NewGuid():N}@example.com";

    [Fact]
    public async Task An_admin_invites_from_the_members_tab_then_resends_and_revokes_on_the_invitations_tab()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Inviting Co");
        await App.CreateRoleAsync(admin, orgId, "reporter", "Reporter", "orders:view");
        var unit = await App.CreateUnitAsync(admin, orgId, "West");
        using var browser = await App.SignedInBrowserAsync(admin);
        var email = NewEmail();

        var (members, html) = await browser.PageAsync($"/Orgs/{orgId}/Members");
        Assert.Contains("data-dialog-open=\"invite-dialog\"", html, StringComparison.Ordinal);
        Assert.Contains("data-dialog-open=\"create-user-dialog\"", html, StringComparison.Ordinal);
        var sent = await browser.PostAsync(members, "handler=Invite\"", new Dictionary<string, string>
        {
            ["Invite.Email"] = email,
            ["Invite.Role"] = "viewer",
            ["Invite.Roles"] = "reporter",
            ["Invite.Units"] = unit.ToString(),
        }, expectedPath: $"/Orgs/{orgId}/Members");
        Assert.Contains("Invitation was successfully sent.", sent, StringComparison.Ordinal);
        var invitation = Assert.Single(await App.InvitationsAsync(orgId));
        Assert.Equal((email, "viewer", 1), (invitation.Email, invitation.BaseRole, invitation.SendCount));
        Assert.Equal([unit], invitation.UnitIds);
        await App.Mail.WaitForAsync(email, "invited you");

        var (page, list) = await browser.PageAsync($"/Orgs/{orgId}/Invitations");
        Assert.Contains(email, list, StringComparison.Ordinal);
        Assert.Contains(">pending</span>", list, StringComparison.Ordinal);
        Assert.Contains("Inviting Co admin", list, StringComparison.Ordinal);
        Assert.Contains("viewer + reporter", WebUtility.HtmlDecode(list), StringComparison.Ordinal);

        var resent = await browser.PostAsync(page, "handler=Resend", expectedPath: $"/Orgs/{orgId}/Invitations");
        Assert.Contains("Invitation was successfully sent.", resent, StringComparison.Ordinal);
        Assert.Equal(2, Assert.Single(await App.InvitationsAsync(orgId)).SendCount);

        (page, _) = await browser.PageAsync($"/Orgs/{orgId}/Invitations");
        var revoked = await browser.PostAsync(page, $"invitationId={invitation.Id}&amp;handler=Revoke\"");
        Assert.Contains("The invitation was revoked", revoked, StringComparison.Ordinal);
        Assert.Equal(InvitationStatus.Revoked, Assert.Single(await App.InvitationsAsync(orgId)).Status);

        var filtered = (await browser.PageAsync($"/Orgs/{orgId}/Invitations?status=pending")).Html;
        Assert.DoesNotContain(email, filtered, StringComparison.Ordinal);
        Assert.Contains(email, (await browser.PageAsync($"/Orgs/{orgId}/Invitations?status=revoked")).Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync($"/Orgs/{orgId}/Invitations?status=lost")).StatusCode);

        // The Invitations tab has the same Invite dialog, and comes back to itself.
        (page, _) = await browser.PageAsync($"/Orgs/{orgId}/Invitations");
        var again = await browser.PostAsync(page, "handler=Invite\"", new Dictionary<string, string> { ["Invite.Email"] = email },
            expectedPath: $"/Orgs/{orgId}/Invitations");
        Assert.Contains("Invitation was successfully sent.", again, StringComparison.Ordinal);
        Assert.Contains(await App.InvitationsAsync(orgId), i => i.Email == email && i.Status == InvitationStatus.Pending && i.BaseRole == "member");
    }

    [Fact]
    public async Task Create_new_user_makes_an_account_with_a_welcome_e_mail_or_invites_an_address_that_has_one()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Creating Co");
        using var browser = await App.SignedInBrowserAsync(admin);
        var email = NewEmail();

        var (members, _) = await browser.PageAsync($"/Orgs/{orgId}/Members");
        var created = await browser.PostAsync(members, "handler=Create\"", new Dictionary<string, string>
        {
            ["NewUser.GivenName"] = "Nora",
            ["NewUser.FamilyName"] = "New",
            ["NewUser.Email"] = email,
            ["NewUser.Company"] = "Nora Corp",
            ["NewUser.Role"] = "",
            ["NewUser.SendWelcome"] = "true",
            ["NewUser.WelcomeSubject"] = "Hello from Creating Co",
        });
        Assert.Contains("Nora New was added to Creating Co. A welcome e-mail is on its way.", created, StringComparison.Ordinal);
        Assert.Contains(email, created, StringComparison.Ordinal);
        await App.Mail.WaitForAsync(email, "Hello from Creating Co");
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "member.created");

        // An address with an account is invited instead (adding a person needs their consent).
        var existing = await App.SignUpAsync("Already Here");
        (members, _) = await browser.PageAsync($"/Orgs/{orgId}/Members");
        var invited = await browser.PostAsync(members, "handler=Create\"", new Dictionary<string, string>
        {
            ["NewUser.GivenName"] = "Already",
            ["NewUser.Email"] = existing.Email,
        });
        Assert.Contains("already has an account, so they were invited instead. Invitation was successfully sent.", invited, StringComparison.Ordinal);
        Assert.Contains(await App.InvitationsAsync(orgId), i => i.Email == existing.Email);

        // A refusal is shown and makes nothing.
        (members, _) = await browser.PageAsync($"/Orgs/{orgId}/Members");
        var refused = await browser.PostAsync(members, "handler=Create\"", new Dictionary<string, string> { ["NewUser.Email"] = "not-an-address" });
        Assert.Contains("A valid e-mail address is required.", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_invite_link_card_creates_copies_regenerates_and_revokes_the_link()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Link Co");
        using var browser = await App.SignedInBrowserAsync(admin);

        var (page, html) = await browser.PageAsync($"/Orgs/{orgId}/Invitations");
        Assert.Contains("No invite link is live", html, StringComparison.Ordinal);
        var createdHtml = await browser.PostAsync(page, "handler=CreateLink\"", new Dictionary<string, string> { ["role"] = "viewer", ["expiresInHours"] = "24", ["maxUses"] = "5" });
        Assert.Contains("A new invite link is ready", createdHtml, StringComparison.Ordinal);
        var first = Assert.Single(await App.InviteLinksAsync(orgId));
        Assert.Equal(("viewer", (int?)5), (first.BaseRole, first.MaxUses));
        var url = LinkUrl(createdHtml);
        Assert.Contains("/Account/Join?token=", url, StringComparison.Ordinal);
        Assert.Contains("data-copy=\"invite-link-url\"", createdHtml, StringComparison.Ordinal);
        Assert.Contains("0 of 5", createdHtml, StringComparison.Ordinal);

        // Regenerated with a custom role, a unit and allowed domains, as the API takes them.
        await App.CreateRoleAsync(admin, orgId, "support", "Support", "orders:view");
        var unitId = await App.CreateUnitAsync(admin, orgId, "Acme Kids");
        (page, _) = await browser.PageAsync($"/Orgs/{orgId}/Invitations");
        var regenerated = await browser.PostAsync(page, "handler=CreateLink\"", new Dictionary<string, string>
        {
            ["role"] = "member",
            ["Link.Roles"] = "support",
            ["Link.Units"] = unitId.ToString(),
            ["allowedDomains"] = "link.example, other.example",
        });
        Assert.NotEqual(url, LinkUrl(regenerated));
        var links = await App.InviteLinksAsync(orgId);
        Assert.Equal(2, links.Count);
        Assert.NotNull(links[0].RevokedAt);
        Assert.Equal("member", links[1].BaseRole);
        Assert.Single(links[1].RoleIds);
        Assert.Equal([unitId], links[1].UnitIds);
        Assert.Equal(["link.example", "other.example"], links[1].AllowedDomains.Order());
        Assert.Contains("Only e-mails at", regenerated, StringComparison.Ordinal);
        Assert.Contains("link.example, other.example", regenerated, StringComparison.Ordinal);

        // An invite link never makes admins: the service refuses and nothing changes.
        (page, _) = await browser.PageAsync($"/Orgs/{orgId}/Invitations");
        Assert.Contains("never makes admins", await browser.PostAsync(page, "handler=CreateLink\"", new Dictionary<string, string> { ["role"] = "admin" }),
            StringComparison.Ordinal);
        Assert.Equal(2, (await App.InviteLinksAsync(orgId)).Count);

        (page, _) = await browser.PageAsync($"/Orgs/{orgId}/Invitations");
        var revoked = await browser.PostAsync(page, "handler=RevokeLink\"");
        Assert.Contains("The invite link was revoked", revoked, StringComparison.Ordinal);
        Assert.Contains("No invite link is live", revoked, StringComparison.Ordinal);
        Assert.All(await App.InviteLinksAsync(orgId), l => Assert.NotNull(l.RevokedAt));
    }

    [Fact]
    public async Task A_viewer_sees_invitations_without_the_link_or_actions_and_their_posts_change_nothing()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Watched Co");
        var viewer = await App.SignUpAsync("Val Viewer");
        await App.AddMemberAsync(orgId, viewer, "viewer");
        using (var adminBrowser = await App.SignedInBrowserAsync(admin))
        {
            var (page, _) = await adminBrowser.PageAsync($"/Orgs/{orgId}/Invitations");
            await adminBrowser.PostAsync(page, "handler=CreateLink\"", new Dictionary<string, string> { ["role"] = "viewer" });
            (page, _) = await adminBrowser.PageAsync($"/Orgs/{orgId}/Members");
            await adminBrowser.PostAsync(page, "handler=Invite\"", new Dictionary<string, string> { ["Invite.Email"] = NewEmail() });
        }

        var invitation = Assert.Single(await App.InvitationsAsync(orgId));
        using var browser = await App.SignedInBrowserAsync(viewer);
        var (list, html) = await browser.PageAsync($"/Orgs/{orgId}/Invitations");
        Assert.Contains(invitation.Email, html, StringComparison.Ordinal);
        Assert.DoesNotContain("Invite link", html, StringComparison.Ordinal);
        Assert.DoesNotContain("/Account/Join?token=", html, StringComparison.Ordinal);
        Assert.DoesNotContain(">Resend</button>", html, StringComparison.Ordinal);
        var members = (await browser.PageAsync($"/Orgs/{orgId}/Members")).Html;
        Assert.DoesNotContain("invite-dialog", members, StringComparison.Ordinal);
        Assert.DoesNotContain("create-user-dialog", members, StringComparison.Ordinal);

        var token = AntiforgeryToken(html);
        foreach (var (path, handler, fields) in new (string, string, Dictionary<string, string>)[]
        {
            ("Invitations", $"Revoke&invitationId={invitation.Id}", new()),
            ("Invitations", $"Resend&invitationId={invitation.Id}", new()),
            ("Invitations", "RevokeLink", new()),
            ("Invitations", "CreateLink", new() { ["role"] = "viewer" }),
            ("Members", "Invite", new() { ["Invite.Email"] = NewEmail() }),
            ("Invitations", "Invite", new() { ["Invite.Email"] = NewEmail() }),
            ("Members", "Create", new() { ["NewUser.GivenName"] = "Sneaky", ["NewUser.Email"] = NewEmail() }),
        })
        {
            fields["__RequestVerificationToken"] = token;
            var posted = await browser.Http.PostAsync($"/Orgs/{orgId}/{path}?handler={handler}", new FormUrlEncodedContent(fields));
            Assert.True(posted.StatusCode == HttpStatusCode.Redirect, $"{handler}: {(int)posted.StatusCode}");
            var shown = WebUtility.HtmlDecode(await (await browser.FollowAsync(posted)).Content.ReadAsStringAsync());
            Assert.Contains("members:edit", shown, StringComparison.Ordinal);
        }

        var after = Assert.Single(await App.InvitationsAsync(orgId));
        Assert.Equal((InvitationStatus.Pending, 1), (after.Status, after.SendCount));
        var link = Assert.Single(await App.InviteLinksAsync(orgId));
        Assert.Null(link.RevokedAt);
        Assert.Equal(2, (await App.AuditEventsAsync(orgId)).Count(e => e.Action is "invitation.created" or "invite_link.created"));
        _ = list;
    }

    [Fact]
    public async Task Outside_the_plan_or_the_organization_the_tab_is_404_and_a_post_without_antiforgery_token_is_refused()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Planless Co");
        var outsider = await App.SignUpAsync("Olly Outsider");
        using (var other = await App.SignedInBrowserAsync(outsider))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/Orgs/{orgId}/Invitations")).StatusCode);
        }

        using var browser = await App.SignedInBrowserAsync(admin);
        var forged = await browser.PostWithoutTokenAsync($"/Orgs/{orgId}/Invitations?handler=CreateLink", new Dictionary<string, string> { ["role"] = "viewer" });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var forgedInvite = await browser.PostWithoutTokenAsync($"/Orgs/{orgId}/Members?handler=Invite", new Dictionary<string, string> { ["Invite.Email"] = NewEmail() });
        Assert.Equal(HttpStatusCode.BadRequest, forgedInvite.StatusCode);
        Assert.Empty(await App.InviteLinksAsync(orgId));
        Assert.Empty(await App.InvitationsAsync(orgId));

        // A plan without invitations: the tab and its actions are not there, and the Members tab offers no Invite.
        using (var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin))
        {
            var plan = await platform.Http.PutAsJsonAsync($"/api/v1/orgs/{orgId}/plan", new { invitations = false, units = true, sso = true, scim = true });
            Assert.True(plan.IsSuccessStatusCode, await plan.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{orgId}/Invitations")).StatusCode);
        var members = (await browser.PageAsync($"/Orgs/{orgId}/Members")).Html;
        Assert.DoesNotContain("invite-dialog", members, StringComparison.Ordinal);
        Assert.DoesNotContain($"/Orgs/{orgId}/Invitations", members, StringComparison.Ordinal);
    }

    private static string LinkUrl(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, "id=\"invite-link-url\" type=\"text\" readonly value=\"(?<url>[^\"]+)\"");
        Assert.True(match.Success, "The card shows the link.");
        return match.Groups["url"].Value;
    }

    private static string AntiforgeryToken(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"(?<v>[^\"]+)\"");
        Assert.True(match.Success, "The page has an antiforgery token.");
        return match.Groups["v"].Value;
    }
}

public sealed class InvitationsPageTestsOnSqlite(SqliteApp app) : InvitationsPageTests(app), IClassFixture<SqliteApp>;

public sealed class InvitationsPageTestsOnPostgreSql(PostgreSqlApp app) : InvitationsPageTests(app), IClassFixture<PostgreSqlApp>;
