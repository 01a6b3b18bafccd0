using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Invitations;

/// <summary>
/// Joining through an invite link on <c>/Account/Join</c>: the token leaves the URL at the first GET; signed out, sign in or
/// sign up (even with public sign-up off); signed in, "Join &lt;organization&gt;?" and Accept, which re-checks expiry,
/// revocation, maximum uses and allowed domains (a confirmed e-mail only). A member already is told so; a dead link
/// makes nobody a member.
/// </summary>
public abstract class InviteLinkPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task The_first_GET_moves_the_token_out_of_the_url_into_a_cookie()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { });
        using var browser = App.CreateBrowser();

        var first = await browser.GetAsync(InviteLinkSupport.PathOf(link));

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/Account/Join", first.Headers.Location?.OriginalString);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith("orgidentity.invite_link=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/Account/Join", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Token(link), cookie, StringComparison.Ordinal);

        var page = await browser.GetAsync("/Account/Join");
        var html = await page.HtmlAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains($"Join {org.Name}?", html, StringComparison.Ordinal);
        Assert.Contains("viewer", html, StringComparison.Ordinal);
        Assert.Contains("/Account/Login?returnUrl=%2FAccount%2FJoin", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Token(link), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_in_from_the_link_then_accepting_makes_a_viewer_whose_token_says_so()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { });
        var person = await App.SignUpAsync("Link joiner");
        var personId = await App.UserIdAsync(person);
        var audit = await InviteLinkSupport.AuditIdsAsync(App, org.Id);
        using var browser = App.CreateBrowser();
        await browser.OpenAsync(InviteLinkSupport.PathOf(link));

        var signedIn = await browser.SignInAsync(person.Email, person.Password, returnUrl: "/Account/Join");
        Assert.Equal("/Account/Join", signedIn.Headers.Location?.OriginalString);
        var dialog = await browser.OpenAsync("/Account/Join");
        Assert.Contains($"Join {org.Name}?", await dialog.HtmlAsync(), StringComparison.Ordinal);
        var accepted = await browser.SubmitAsync(dialog);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains($"You are now a member of {org.Name}", await accepted.HtmlAsync(), StringComparison.Ordinal);
        var membership = await InviteLinkSupport.MembershipAsync(App, org.Id, personId);
        Assert.NotNull(membership);
        Assert.Equal("viewer", membership.BaseRole);
        Assert.Equal(MembershipSource.InviteLink, membership.Source);
        Assert.Equal(MembershipStatus.Active, membership.Status);

        var tokens = await App.TokensAsync(person, organization: org.Id.ToString());
        var payload = Payload(tokens.AccessToken!);
        Assert.Equal(org.Id.ToString(), payload.GetProperty("org_id").GetString());
        Assert.Equal("viewer", payload.GetProperty("org_role").GetString());

        var fetched = await InviteLinkSupport.AssertStatusAsync(await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.OK);
        Assert.Equal(1, fetched.GetProperty("uses").GetInt32());
        var events = await InviteLinkSupport.NewAuditAsync(App, org.Id, audit);
        Assert.Contains(events, e => e.Action == "member.joined" && e.TargetId == personId.ToString() && e.Details!.Contains("inviteLink", StringComparison.Ordinal));
        var used = Assert.Single(events, e => e.Action == "invite_link.used");
        Assert.Equal(link.GetProperty("id").GetGuid().ToString(), used.TargetId);
        Assert.Equal(personId.ToString(), used.ActorId);
        Assert.All(events, e => Assert.DoesNotContain(Token(link), e.Details ?? "", StringComparison.Ordinal));
        // The welcome e-mail of any join path.
        await App.Mail.WaitForAsync(person.Email, $"Welcome to {org.Name}");
    }

    [Fact]
    public async Task The_joined_member_gets_the_links_role_custom_roles_and_units()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        await InviteLinkSupport.CreateRoleAsync(org.AdminApi, org.Id, "reporter", "analytics:view");
        var unit = (await InviteLinkSupport.AssertStatusAsync(await org.AdminApi.Http.PostAsync($"/api/v1/orgs/{org.Id}/units",
            JsonContent(new { name = "Brand" })), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { role = "member", roles = new[] { "reporter" }, units = new[] { unit } });
        var person = await App.SignUpAsync("Reporter");

        await JoinAsync(person, link);

        var membership = await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(person));
        Assert.Equal("member", membership!.BaseRole);
        Assert.Equal(["reporter"], membership.Roles);
        Assert.Equal([unit], membership.Units);
        Assert.True(membership.LimitedToUnits);
        var payload = Payload((await App.TokensAsync(person, organization: org.Id.ToString())).AccessToken!);
        Assert.Equal("member", payload.GetProperty("org_role").GetString());
        Assert.Contains("reporter", payload.GetProperty("org_roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal([unit.ToString()], payload.GetProperty("units").EnumerateArray().Select(u => u.GetString()));
    }

    [Fact]
    public async Task Several_people_join_through_one_link_until_its_maximum_uses()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { maxUses = 2 });
        var first = await App.SignUpAsync("First");
        var second = await App.SignUpAsync("Second");
        var third = await App.SignUpAsync("Third");
        // The third opened the link while it still had a use left.
        using var thirdBrowser = await App.SignedInBrowserAsync(third);
        var thirdDialog = await thirdBrowser.OpenAsync(InviteLinkSupport.PathOf(link));
        Assert.Contains("Accept", await thirdDialog.HtmlAsync(), StringComparison.Ordinal);

        await JoinAsync(first, link);
        await JoinAsync(second, link);
        var late = await thirdBrowser.SubmitAsync(thirdDialog);

        Assert.Equal(HttpStatusCode.Gone, late.StatusCode);
        Assert.Contains("used as often", await late.HtmlAsync(), StringComparison.Ordinal);
        Assert.NotNull(await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(first)));
        Assert.NotNull(await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(second)));
        Assert.Null(await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(third)));
        // Used up is no longer live.
        await InviteLinkSupport.AssertProblemAsync(await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.NotFound);
        using var fresh = await App.SignedInBrowserAsync(third);
        Assert.Equal(HttpStatusCode.Gone, (await fresh.OpenAsync(InviteLinkSupport.PathOf(link))).StatusCode);
        Assert.Equal(2, (await App.AuditEventsAsync(org.Id)).Count(e => e.Action == "invite_link.used"));
    }

    [Fact]
    public async Task An_expired_link_makes_nobody_a_member_even_when_opened_before_it_expired()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { expiresInHours = 1 });
        var person = await App.SignUpAsync("Slow");
        App.Time.Advance(TimeSpan.FromMinutes(30));
        using var browser = await App.SignedInBrowserAsync(person);
        var dialog = await browser.OpenAsync(InviteLinkSupport.PathOf(link));
        Assert.Contains("Accept", await dialog.HtmlAsync(), StringComparison.Ordinal);

        App.Time.Advance(TimeSpan.FromMinutes(31));
        var accepted = await browser.SubmitAsync(dialog);

        Assert.Equal(HttpStatusCode.Gone, accepted.StatusCode);
        Assert.Contains("expired", await accepted.HtmlAsync(), StringComparison.Ordinal);
        Assert.Null(await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(person)));
        using var later = await App.SignedInBrowserAsync(person);
        var reopened = await later.OpenAsync(InviteLinkSupport.PathOf(link));
        Assert.Equal(HttpStatusCode.Gone, reopened.StatusCode);
        Assert.Contains("expired", await reopened.HtmlAsync(), StringComparison.Ordinal);
        // The admin's earlier access token has expired meanwhile (10 minutes).
        using var adminApi = await App.ApiAsync(org.Admin, org.Id.ToString());
        await InviteLinkSupport.AssertProblemAsync(await adminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Allowed_domains_admit_a_confirmed_address_of_the_domain_only()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var domain = $"team-{Guid.NewGuid():N}.example";
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { allowedDomains = new[] { domain.ToUpperInvariant() } });
        var insider = await SignUpWithEmailAsync($"in-{Guid.NewGuid():N}@{domain.ToUpperInvariant()}");
        var outsider = await App.SignUpAsync("Outsider");
        var subdomain = await SignUpWithEmailAsync($"sub-{Guid.NewGuid():N}@mail.{domain}");
        var unconfirmed = await SignUpWithEmailAsync($"unconfirmed-{Guid.NewGuid():N}@{domain}");

        // Signed in, then the address stops counting as confirmed (as if it were changed): the link must not take it.
        using var unconfirmedBrowser = await App.SignedInBrowserAsync(unconfirmed);
        var unconfirmedDialog = await unconfirmedBrowser.OpenAsync(InviteLinkSupport.PathOf(link));
        Assert.Contains("Accept", await unconfirmedDialog.HtmlAsync(), StringComparison.Ordinal);
        await SetEmailConfirmedAsync(unconfirmed, false);
        var refused = await unconfirmedBrowser.SubmitAsync(unconfirmedDialog);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("confirm", await refused.HtmlAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Null(await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(unconfirmed)));

        foreach (var stranger in new[] { outsider, subdomain })
        {
            using var browser = await App.SignedInBrowserAsync(stranger);
            var page = await browser.OpenAsync(InviteLinkSupport.PathOf(link));
            var html = await page.HtmlAsync();
            Assert.Contains(domain, html, StringComparison.Ordinal);
            Assert.DoesNotContain(">Accept<", html, StringComparison.Ordinal);
            // Posting anyway changes nothing.
            var forced = await PostAcceptAsync(stranger, link);
            Assert.Equal(HttpStatusCode.Forbidden, forced.StatusCode);
            Assert.Null(await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(stranger)));
        }

        await JoinAsync(insider, link);
        Assert.Equal("viewer", (await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(insider)))!.BaseRole);
    }

    [Fact]
    public async Task A_member_already_is_told_so_and_nothing_changes()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { role = "viewer" });
        var member = await App.SignUpAsync("Member already");
        await App.AddMemberAsync(org.Id, member, "member");
        var audit = await InviteLinkSupport.AuditIdsAsync(App, org.Id);

        using var browser = await App.SignedInBrowserAsync(member);
        var page = await browser.OpenAsync(InviteLinkSupport.PathOf(link));
        Assert.Contains($"You are already a member of {org.Name}", await page.HtmlAsync(), StringComparison.Ordinal);
        var posted = await PostAcceptAsync(member, link);
        Assert.Contains($"You are already a member of {org.Name}", await posted.HtmlAsync(), StringComparison.Ordinal);
        using var adminBrowser = await App.SignedInBrowserAsync(org.Admin);
        var adminPage = await adminBrowser.OpenAsync(InviteLinkSupport.PathOf(link));
        Assert.Contains("already a member", await adminPage.HtmlAsync(), StringComparison.Ordinal);

        Assert.Equal("member", (await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(member)))!.BaseRole);
        Assert.Equal("admin", (await InviteLinkSupport.MembershipAsync(App, org.Id, org.AdminId))!.BaseRole);
        var fetched = await InviteLinkSupport.AssertStatusAsync(await org.AdminApi.Http.GetAsync(InviteLinkSupport.Path(org.Id)), HttpStatusCode.OK);
        Assert.Equal(0, fetched.GetProperty("uses").GetInt32());
        Assert.Empty(await InviteLinkSupport.NewAuditAsync(App, org.Id, audit));
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("")]
    public async Task An_unknown_or_garbage_token_is_a_clear_page_and_no_membership(string token)
    {
        var person = await App.SignUpAsync("Guesser");
        using var browser = await App.SignedInBrowserAsync(person);

        var page = await browser.OpenAsync("/Account/Join?token=" + token);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("This invite link does not work", await page.HtmlAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(">Accept<", await page.HtmlAsync(), StringComparison.Ordinal);
        var posted = await PostAcceptAsync(person, null);
        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
    }

    [Fact]
    public async Task A_tampered_token_finds_nothing()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { });
        var token = Token(link);
        var tampered = (token[0] == 'A' ? 'B' : 'A') + token[1..];
        var person = await App.SignUpAsync("Tamperer");
        using var browser = await App.SignedInBrowserAsync(person);

        var page = await browser.OpenAsync("/Account/Join?token=" + tampered);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Null(await InviteLinkSupport.MembershipAsync(App, org.Id, await App.UserIdAsync(person)));
    }

    [Fact]
    public async Task A_link_of_organization_B_joins_B_and_never_A()
    {
        var a = await InviteLinkSupport.OrganizationAsync(App);
        var b = await InviteLinkSupport.OrganizationAsync(App);
        await InviteLinkSupport.CreateLinkAsync(a.AdminApi, a.Id, new { role = "member" });
        var linkOfB = await InviteLinkSupport.CreateLinkAsync(b.AdminApi, b.Id, new { });
        var person = await App.SignUpAsync("Joins B");
        // A member of A opening B's link: it speaks of B, and joining changes nothing in A.
        await App.AddMemberAsync(a.Id, person, "viewer");
        var auditOfA = (await App.AuditEventsAsync(a.Id)).Count;

        using var browser = await App.SignedInBrowserAsync(person);
        var dialog = await browser.OpenAsync(InviteLinkSupport.PathOf(linkOfB));
        Assert.Contains($"Join {b.Name}?", await dialog.HtmlAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(a.Name, await dialog.HtmlAsync(), StringComparison.Ordinal);
        await browser.SubmitAsync(dialog);

        var personId = await App.UserIdAsync(person);
        Assert.Equal("viewer", (await InviteLinkSupport.MembershipAsync(App, b.Id, personId))!.BaseRole);
        Assert.Equal("viewer", (await InviteLinkSupport.MembershipAsync(App, a.Id, personId))!.BaseRole);
        Assert.Equal(auditOfA, (await App.AuditEventsAsync(a.Id)).Count);
        var linkOfA = await InviteLinkSupport.AssertStatusAsync(await a.AdminApi.Http.GetAsync(InviteLinkSupport.Path(a.Id)), HttpStatusCode.OK);
        Assert.Equal(0, linkOfA.GetProperty("uses").GetInt32());
    }

    [Fact]
    public async Task Signing_up_through_the_link_works_with_public_sign_up_off_and_leads_back_to_the_dialog()
    {
        await using var app = await (App is PostgreSqlApp ? new PostgreSqlApp() : (OrgIdentityApp)new SqliteApp())
            .With("OrgIdentity:SignUp:Enabled", "false").EnsureAvailableAsync();
        var orgId = await app.CreateOrganizationAsync(Infrastructure.Organizations.PlatformAdmin, "Closed shop");
        using var adminApi = await app.ApiAsync(Infrastructure.Organizations.PlatformAdmin, orgId.ToString());
        var link = await InviteLinkSupport.CreateLinkAsync(adminApi, orgId, new { });
        using var browser = app.CreateBrowser();
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/Account/SignUp")).StatusCode);
        var email = $"newcomer-{Guid.NewGuid():N}@example.com";

        var page = await browser.OpenAsync(InviteLinkSupport.PathOf(link));
        var signedUp = await browser.SubmitAsync(page, new Dictionary<string, string>
        {
            ["Input.Name"] = "Newcomer",
            ["Input.Email"] = email,
            ["Input.Password"] = Users.Password,
        }, action: "handler=SignUp");

        Assert.Equal("/Account/CheckEmail", AccountPages.RedirectPath(signedUp));
        var mail = await app.Mail.WaitForAsync(email, "Confirm your e-mail");
        var confirmation = mail.Link("/Account/ConfirmEmail");
        Assert.Contains("returnUrl=%2FAccount%2FJoin", confirmation, StringComparison.Ordinal);
        var confirmed = await browser.ConfirmEmailAsync(confirmation);
        Assert.Contains("/Account/Login?returnUrl=%2FAccount%2FJoin", await confirmed.HtmlAsync(), StringComparison.Ordinal);
        var signedIn = await browser.SignInAsync(email, Users.Password, returnUrl: "/Account/Join");
        var dialog = await browser.FollowAsync(signedIn);
        Assert.Contains("Join Closed shop?", await dialog.HtmlAsync(), StringComparison.Ordinal);
        var joined = await browser.SubmitAsync(dialog);

        Assert.Contains("You are now a member of Closed shop", await joined.HtmlAsync(), StringComparison.Ordinal);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var normalized = email.ToUpperInvariant();
        var membership = await db.Memberships.AsNoTracking().SingleAsync(m => m.OrganizationId == orgId && m.User.NormalizedEmail == normalized);
        Assert.Equal("viewer", membership.BaseRole);
        Assert.Equal(MembershipSource.InviteLink, membership.Source);
    }

    [Fact]
    public async Task A_link_limited_to_domains_makes_accounts_only_for_addresses_in_them()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var domain = $"limited-{Guid.NewGuid():N}.example";
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { allowedDomains = new[] { domain } });
        using var browser = App.CreateBrowser();
        var outsider = $"outsider-{Guid.NewGuid():N}@elsewhere.example";

        var page = await browser.OpenAsync(InviteLinkSupport.PathOf(link));
        var refused = await browser.SubmitAsync(page, new Dictionary<string, string>
        {
            ["Input.Name"] = "Outsider",
            ["Input.Email"] = outsider,
            ["Input.Password"] = Users.Password,
        }, action: "handler=SignUp");

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains(domain, await refused.HtmlAsync(), StringComparison.Ordinal);
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var normalized = outsider.ToUpperInvariant();
        Assert.False(await db.Users.AnyAsync(u => u.NormalizedEmail == normalized));
    }

    [Fact]
    public async Task Signing_up_through_a_dead_link_is_refused()
    {
        var org = await InviteLinkSupport.OrganizationAsync(App);
        var link = await InviteLinkSupport.CreateLinkAsync(org.AdminApi, org.Id, new { });
        using var browser = App.CreateBrowser();
        var page = await browser.OpenAsync(InviteLinkSupport.PathOf(link));
        Assert.Equal(HttpStatusCode.NoContent, (await org.AdminApi.Http.DeleteAsync(InviteLinkSupport.Path(org.Id))).StatusCode);
        var email = $"dead-{Guid.NewGuid():N}@example.com";

        var signedUp = await browser.SubmitAsync(page, new Dictionary<string, string>
        {
            ["Input.Name"] = "Too late",
            ["Input.Email"] = email,
            ["Input.Password"] = Users.Password,
        }, action: "handler=SignUp");

        Assert.Equal(HttpStatusCode.Gone, signedUp.StatusCode);
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var normalized = email.ToUpperInvariant();
        Assert.False(await db.Users.AnyAsync(u => u.NormalizedEmail == normalized));
    }

    // ---- helpers ----

    /// <summary>Opens the link signed in as <paramref name="user"/> and presses Accept; asserts the person joined.</summary>
    private async Task JoinAsync(TestUser user, JsonElement link)
    {
        using var browser = await App.SignedInBrowserAsync(user);
        var dialog = await browser.OpenAsync(InviteLinkSupport.PathOf(link));
        var accepted = await browser.SubmitAsync(dialog);
        var html = await accepted.HtmlAsync();
        Assert.True(accepted.StatusCode == HttpStatusCode.OK && html.Contains("You are now a member of", StringComparison.Ordinal), html);
    }

    /// <summary>
    /// Posts Accept with a valid antiforgery token whatever the dialog offered (a hand-made form): the link's token is kept by
    /// opening it first; <paramref name="link"/> null posts with no link at all.
    /// </summary>
    private async Task<HttpResponseMessage> PostAcceptAsync(TestUser user, JsonElement? link)
    {
        using var browser = await App.SignedInBrowserAsync(user);
        if (link is { } l)
        {
            await browser.GetAsync(InviteLinkSupport.PathOf(l));
        }

        // Any page of ours gives an antiforgery token for this browser; the header's sign-out form has one.
        var profile = await browser.GetAsync("/Account/Profile");
        var html = await profile.HtmlAsync();
        var tokenStart = html.IndexOf("name=\"__RequestVerificationToken\"", StringComparison.Ordinal);
        var value = System.Text.RegularExpressions.Regex.Match(html[tokenStart..], "value=\"(?<v>[^\"]+)\"").Groups["v"].Value;
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", value)]);
        var response = await browser.Http.PostAsync("/Account/Join", form);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task<TestUser> SignUpWithEmailAsync(string email)
    {
        var user = new TestUser(email, Users.Password, "Domain person");
        using var browser = App.CreateBrowser();
        var submitted = await browser.SignUpAsync(user.Name, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.Redirect, submitted.StatusCode);
        var mail = await App.Mail.WaitForAsync(user.Email, "Confirm your e-mail");
        Assert.Equal(HttpStatusCode.OK, (await browser.ConfirmEmailAsync(mail.Link("/Account/ConfirmEmail"))).StatusCode);
        return user;
    }

    private async Task SetEmailConfirmedAsync(TestUser user, bool confirmed)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var normalized = user.Email.ToUpperInvariant();
        await db.Users.Where(u => u.NormalizedEmail == normalized).ExecuteUpdateAsync(u => u.SetProperty(x => x.EmailConfirmed, confirmed));
    }

    private static string Token(JsonElement link) => QueryHelpers.ParseQuery(new Uri(link.GetProperty("url").GetString()!).Query)["token"].ToString();

    private static System.Net.Http.Json.JsonContent JsonContent(object value) => System.Net.Http.Json.JsonContent.Create(value);

    private static JsonElement Payload(string jwt)
    {
        var parts = jwt.Split('.');
        using var document = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[1]));
        return document.RootElement.Clone();
    }
}

public sealed class InviteLinkPageTestsOnSqlite(SqliteApp app) : InviteLinkPageTests(app), IClassFixture<SqliteApp>;

public sealed class InviteLinkPageTestsOnPostgreSql(PostgreSqlApp app) : InviteLinkPageTests(app), IClassFixture<PostgreSqlApp>;
