using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Invitations;

/// <summary>
/// The invitation page (<c>/Account/Invitation</c>) as the invited person meets it, from the link in the e-mail: sign up with a
/// name and a password only, or sign in and accept, or be told to switch account; unknown, revoked and used links join nobody.
/// </summary>
public abstract class InvitationPageTests(OrgIdentityApp app) : ServerTests(app)
{
    private const string NewPassword = "a-fresh-password-1";

    [Fact]
    public async Task Someone_without_an_account_signs_up_from_the_e_mail_link_and_joins_with_the_invited_role_and_units()
    {
        var org = await App.InvitingOrganizationAsync();
        await Invites.CreateRoleAsync(org, "reporter", "orders:view");
        var unit = (await Invites.AssertStatusAsync(await org.Api.Http.PostAsJsonAsync(org.Path("units"), new { name = "North" }), HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        var email = Invites.NewEmail();
        await Invites.InviteAsync(org, email, "viewer", ["reporter"], [unit]);
        var link = (await App.Mail.WaitForAsync(email, "invited you")).Link("/Account/Invitation");
        using var browser = App.CreateBrowser();

        // The first GET keeps the token in a cookie and comes back without it.
        var first = await browser.GetAsync(link);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/Account/Invitation", first.Headers.Location!.OriginalString);
        Assert.DoesNotContain(Invites.TokenOf(link), string.Join(";", first.Headers.GetValues("Set-Cookie")), StringComparison.Ordinal);
        var page = await browser.FollowAsync(first);
        var html = await page.HtmlAsync();
        Assert.Contains(org.Name, html, StringComparison.Ordinal);
        Assert.Contains(email, html, StringComparison.Ordinal);
        Assert.Contains("viewer (with the role reporter)", html, StringComparison.Ordinal);
        Assert.Equal(["Input.Name", "Input.Password", "__RequestVerificationToken"], AccountPages.FormFieldNames(html).Order(StringComparer.Ordinal).ToArray());

        var joined = await browser.FollowAsync(await browser.SubmitAsync(page, new Dictionary<string, string>
        {
            ["Input.Name"] = "Invited Person",
            ["Input.Password"] = NewPassword,
        }));

        var welcome = await joined.HtmlAsync();
        Assert.Contains($"You are now a member of {org.Name}", welcome, StringComparison.Ordinal);
        Assert.Contains("Invited Person", AccountPages.Header(welcome), StringComparison.Ordinal);
        var member = Assert.Single((await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path("members?limit=200")), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray(), m => m.GetProperty("email").GetString() == email);
        Assert.Equal("viewer", member.GetProperty("role").GetString());
        Assert.Equal(["reporter"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());
        Assert.Equal([unit], member.GetProperty("units").EnumerateArray().Select(u => u.GetGuid()).ToArray());
        Assert.True(member.GetProperty("limitedToUnits").GetBoolean());
        Assert.Equal("invitation", member.GetProperty("source").GetString());
        var invitation = Assert.Single((await Invites.AssertStatusAsync(await org.Api.Http.GetAsync(org.Path("invitations")), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray());
        Assert.Equal("accepted", invitation.GetProperty("status").GetString());
        Assert.Equal(member.GetProperty("userId").GetGuid(), invitation.GetProperty("acceptedBy").GetGuid());
        var events = (await App.AuditEventsAsync(org.Id)).Select(e => e.Action).ToList();
        Assert.Contains("invitation.accepted", events);
        Assert.Contains("member.joined", events);

        // The e-mail counts as confirmed: the password works at once, and a token refreshes into one for the organization.
        var person = new TestUser(email, NewPassword, "Invited Person");
        Assert.True(await App.CanSignInAsync(email, NewPassword));
        var tokens = await App.TokensAsync(person);
        using var http = App.CreateBrowser();
        var refreshed = (await Oidc.RefreshAsync(http.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret, org.Id.ToString())).EnsureTokens();
        var jwt = Oidc.Jwt(refreshed.AccessToken!);
        Assert.Equal(org.Id.ToString(), jwt.GetClaim("org_id").Value);
        Assert.Equal("viewer", jwt.GetClaim("org_role").Value);
        await App.Mail.WaitForAsync(email, "Welcome to");
        Assert.Empty(App.Mail.For(email, "Confirm your e-mail"));

        // Used: the link now joins nobody and says so.
        using var again = App.CreateBrowser();
        Assert.Contains("already used", await (await again.OpenAsync(link)).HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Someone_with_an_account_signs_in_from_the_page_and_accepts()
    {
        var org = await App.InvitingOrganizationAsync();
        var person = await App.SignUpAsync("Existing Invitee");
        await Invites.InviteAsync(org, person.Email, "member");
        var link = (await App.Mail.WaitForAsync(person.Email, "invited you")).Link("/Account/Invitation");
        using var browser = App.CreateBrowser();

        var page = await (await browser.OpenAsync(link)).HtmlAsync();
        Assert.Contains("Sign in to accept", page, StringComparison.Ordinal);
        Assert.Contains("/Account/ForgotPassword", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Input.Password", page, StringComparison.Ordinal);

        var signedIn = await browser.SignInAsync(person.Email, person.Password, "/Account/Invitation");
        Assert.Equal("/Account/Invitation", signedIn.Headers.Location!.OriginalString);
        var accept = await browser.FollowAsync(signedIn);
        Assert.Contains("Accept invitation", await accept.HtmlAsync(), StringComparison.Ordinal);
        Assert.Empty(await MembershipsAsync(org.Id, person.Email));

        var joined = await browser.FollowAsync(await browser.SubmitAsync(accept, action: "handler=Accept"));

        Assert.Contains($"You are now a member of {org.Name}", await joined.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(["member"], await MembershipsAsync(org.Id, person.Email));
        var accepted = Assert.Single(await App.AuditEventsAsync(org.Id), e => e.Action == "invitation.accepted");
        Assert.Equal((await App.UserIdAsync(person)).ToString(), accepted.ActorId);
    }

    [Fact]
    public async Task Signed_in_as_someone_else_the_page_says_so_and_offers_to_switch_account()
    {
        var org = await App.InvitingOrganizationAsync();
        var other = await App.SignUpAsync("Someone Else");
        var email = Invites.NewEmail();
        await Invites.InviteAsync(org, email);
        var link = (await App.Mail.WaitForAsync(email, "invited you")).Link("/Account/Invitation");
        using var browser = await App.SignedInBrowserAsync(other);

        var page = await browser.OpenAsync(link);
        var html = await page.HtmlAsync();

        Assert.Contains($"You are signed in as {other.Email}, but this invitation is for {email}", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Accept invitation", html, StringComparison.Ordinal);
        var switched = await browser.FollowAsync(await browser.SubmitAsync(page, action: "handler=SwitchAccount"));
        var after = await switched.HtmlAsync();
        Assert.Contains("Create account and join", after, StringComparison.Ordinal);
        Assert.DoesNotContain("Someone Else", AccountPages.Header(after), StringComparison.Ordinal);
        Assert.Empty(await MembershipsAsync(org.Id, other.Email));
    }

    [Fact]
    public async Task Unknown_revoked_and_resent_away_links_open_a_clear_page_and_join_nobody()
    {
        var org = await App.InvitingOrganizationAsync();
        var revokedEmail = Invites.NewEmail();
        var revokedId = (await Invites.InviteAsync(org, revokedEmail)).GetProperty("id").GetGuid();
        var revokedLink = (await App.Mail.WaitForAsync(revokedEmail, "invited you")).Link("/Account/Invitation");
        Assert.Equal(HttpStatusCode.NoContent, (await org.Api.Http.DeleteAsync(org.Path($"invitations/{revokedId}"))).StatusCode);
        var resentEmail = Invites.NewEmail();
        var resentId = (await Invites.InviteAsync(org, resentEmail)).GetProperty("id").GetGuid();
        var oldLink = (await App.Mail.WaitForAsync(resentEmail, "invited you")).Link("/Account/Invitation");
        await Invites.AssertStatusAsync(await org.Api.Http.PostAsync(org.Path($"invitations/{resentId}/resend"), null), HttpStatusCode.OK);
        var newLink = (await App.Mail.WaitForAsync(resentEmail, "invited you", 2)).Link("/Account/Invitation");

        foreach (var (link, says) in new[]
        {
            (revokedLink, "withdrawn"),
            (oldLink, "does not work"),
            ("/Account/Invitation?token=" + new string('A', 43), "does not work"),
            ("/Account/Invitation?token=garbage", "does not work"),
            ("/Account/Invitation", "does not work"),
        })
        {
            using var browser = App.CreateBrowser();
            var page = await browser.OpenAsync(link);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.HtmlAsync();
            Assert.Contains(says, html, StringComparison.Ordinal);
            Assert.DoesNotContain("<form method=\"post\" action=\"/Account/Invitation?handler=SignUp\"", html, StringComparison.Ordinal);
        }

        // A sign-up posted with the dead token makes no account.
        using (var browser = App.CreateBrowser())
        {
            var live = await browser.OpenAsync(newLink);
            await browser.OpenAsync(oldLink);
            var posted = await browser.SubmitAsync(live, new Dictionary<string, string> { ["Input.Name"] = "Late", ["Input.Password"] = NewPassword });
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            Assert.False(await App.CanSignInAsync(resentEmail, NewPassword));
        }

        // The new link still works.
        using var invitee = App.CreateBrowser();
        var page2 = await invitee.OpenAsync(newLink);
        await invitee.FollowAsync(await invitee.SubmitAsync(page2, new Dictionary<string, string> { ["Input.Name"] = "On time", ["Input.Password"] = NewPassword }));
        Assert.Equal(["member"], await MembershipsAsync(org.Id, resentEmail));
        Assert.Empty(await MembershipsAsync(org.Id, revokedEmail));
    }

    [Fact]
    public async Task Two_accepts_at_once_make_one_membership()
    {
        var org = await App.InvitingOrganizationAsync();
        var person = await App.SignUpAsync("Double Clicker");
        await Invites.InviteAsync(org, person.Email);
        var link = (await App.Mail.WaitForAsync(person.Email, "invited you")).Link("/Account/Invitation");
        var browsers = new List<Browser>();
        var pages = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            var browser = await App.SignedInBrowserAsync(person);
            browsers.Add(browser);
            pages.Add(await browser.OpenAsync(link));
        }

        var answers = await Task.WhenAll(browsers.Select((b, i) => b.SubmitAsync(pages[i], action: "handler=Accept")));

        Assert.All(answers, a => Assert.True((int)a.StatusCode is 200 or 302, $"{(int)a.StatusCode}"));
        Assert.Equal(["member"], await MembershipsAsync(org.Id, person.Email));
        Assert.Single(await App.AuditEventsAsync(org.Id), e => e.Action == "invitation.accepted");
        Assert.Single(await App.AuditEventsAsync(org.Id), e => e.Action == "member.joined");
        foreach (var browser in browsers)
        {
            browser.Dispose();
        }
    }

    [Fact]
    public async Task An_admin_created_member_with_an_existing_account_accepts_the_invitation_it_became()
    {
        var org = await App.InvitingOrganizationAsync();
        var person = await App.SignUpAsync("Existing Person");
        await Invites.AssertStatusAsync(await org.Api.Http.PostAsJsonAsync(org.Path("members"), new { name = "Existing Person", email = person.Email, role = "viewer" }),
            HttpStatusCode.Accepted);
        var link = (await App.Mail.WaitForAsync(person.Email, "invited you")).Link("/Account/Invitation");
        using var browser = await App.SignedInBrowserAsync(person);

        var page = await browser.OpenAsync(link);
        await browser.FollowAsync(await browser.SubmitAsync(page, action: "handler=Accept"));

        Assert.Equal(["viewer"], await MembershipsAsync(org.Id, person.Email));
    }

    /// <summary>The base roles of the memberships in the organization of whoever has this e-mail.</summary>
    private async Task<List<string>> MembershipsAsync(Guid orgId, string email)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var normalized = email.ToUpperInvariant();
        return await db.Memberships.AsNoTracking().Where(m => m.OrganizationId == orgId && m.User.NormalizedEmail == normalized).Select(m => m.BaseRole).ToListAsync();
    }
}

public sealed class InvitationPageTestsOnSqlite(SqliteApp app) : InvitationPageTests(app), IClassFixture<SqliteApp>;

public sealed class InvitationPageTestsOnPostgreSql(PostgreSqlApp app) : InvitationPageTests(app), IClassFixture<PostgreSqlApp>;
