using System.Net;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>
/// The console's member page (the "user menu") over HTTP with the sign-in cookie: each action changes the database through
/// the service of its API route, and each refusal (a viewer, the last admin, another organization's member, a post without
/// its antiforgery token) changes nothing.
/// </summary>
public abstract class MemberPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_changes_role_custom_roles_and_units_in_one_save_and_suspends_and_reactivates_a_member()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Member Page Co");
        await App.CreateRoleAsync(admin, orgId, "reporter", "Reporter", "orders:view");
        var north = await App.CreateUnitAsync(admin, orgId, "North");
        var south = await App.CreateUnitAsync(admin, orgId, "South");
        var amy = await App.SignUpAsync("Amy Adams");
        await App.AddMemberAsync(orgId, amy, "member");
        var amyId = await App.UserIdAsync(amy);
        using var browser = await App.SignedInBrowserAsync(admin);

        var url = $"/Orgs/{orgId}/Members/{amyId}";
        // The Members tab links each name to the member page, and shows the units column.
        var list = (await browser.PageAsync($"/Orgs/{orgId}/Members")).Html;
        Assert.Contains($"href=\"{url}\">Amy Adams</a>", list, StringComparison.Ordinal);
        Assert.Contains("<th>Units</th>", list, StringComparison.Ordinal);

        var (page, html) = await browser.PageAsync(url);
        Assert.Contains("Amy Adams", html, StringComparison.Ordinal);
        Assert.Contains("Reporter", html, StringComparison.Ordinal);
        Assert.Contains("North", html, StringComparison.Ordinal);
        Assert.Contains("Yes, remove member", html, StringComparison.Ordinal);
        Assert.Contains("Send password reset", html, StringComparison.Ordinal);
        Assert.Contains("Log in as", html, StringComparison.Ordinal);

        var saved = await browser.PostAsync(page, "handler=Save\"", new Dictionary<string, string>
        {
            ["Access.Role"] = "viewer",
            ["Access.Roles"] = "reporter",
            ["Access.Units"] = north.ToString(),
        }, expectedPath: url);
        Assert.Contains("The role and access were saved.", saved, StringComparison.Ordinal);
        var membership = (await App.MembershipAsync(orgId, amyId))!;
        Assert.Equal("viewer", membership.BaseRole);
        Assert.Equal(["reporter"], membership.Roles.Select(r => r.Role.Key).ToArray());
        Assert.True(membership.LimitedToUnits);
        Assert.Equal([north], membership.Units.Select(u => u.UnitId).ToArray());
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "member.updated" && e.TargetId == amyId.ToString());

        // The Members tab shows her unit, and its unit filter keeps her to North (the admin sees every unit).
        Assert.Contains("<td>North</td>", (await browser.PageAsync($"/Orgs/{orgId}/Members")).Html, StringComparison.Ordinal);
        Assert.Contains("Amy Adams", (await browser.PageAsync($"/Orgs/{orgId}/Members?unit={north}")).Html, StringComparison.Ordinal);
        var inSouth = (await browser.PageAsync($"/Orgs/{orgId}/Members?unit={south}")).Html;
        Assert.DoesNotContain("Amy Adams", inSouth, StringComparison.Ordinal);
        Assert.Contains(admin.Email, inSouth, StringComparison.Ordinal);

        // Nothing checked: no custom roles, and every unit again.
        (page, _) = await browser.PageAsync(url);
        await browser.PostAsync(page, "handler=Save\"", new Dictionary<string, string> { ["Access.Role"] = "member" });
        membership = (await App.MembershipAsync(orgId, amyId))!;
        Assert.Equal("member", membership.BaseRole);
        Assert.Empty(membership.Roles);
        Assert.False(membership.LimitedToUnits);
        Assert.Empty(membership.Units);

        (page, _) = await browser.PageAsync(url);
        var suspended = await browser.PostAsync(page, "handler=Status\"");
        Assert.Contains("The membership is suspended.", suspended, StringComparison.Ordinal);
        Assert.Equal(MembershipStatus.Suspended, (await App.MembershipAsync(orgId, amyId))!.Status);
        Assert.Contains("Reactivate membership", suspended, StringComparison.Ordinal);

        (page, _) = await browser.PageAsync(url);
        var reactivated = await browser.PostAsync(page, "handler=Status\"");
        Assert.Contains("The membership is active again.", reactivated, StringComparison.Ordinal);
        Assert.Equal(MembershipStatus.Active, (await App.MembershipAsync(orgId, amyId))!.Status);
    }

    [Fact]
    public async Task An_admin_sends_a_password_reset_logs_in_as_with_a_reason_and_removes_a_member()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Member Actions Co");
        var bob = await App.SignUpAsync("Bob Brown");
        await App.AddMemberAsync(orgId, bob, "viewer");
        var bobId = await App.UserIdAsync(bob);
        using var browser = await App.SignedInBrowserAsync(admin);
        var url = $"/Orgs/{orgId}/Members/{bobId}";

        var (page, _) = await browser.PageAsync(url);
        Assert.Contains("A password reset e-mail was sent.", await browser.PostAsync(page, "handler=PasswordReset\""), StringComparison.Ordinal);
        await App.Mail.WaitForAsync(bob.Email, "Reset your password");

        // Log in as: without a reason the service refuses; with one, the admin's browser is sent to the impersonation's session URL.
        (page, _) = await browser.PageAsync(url);
        Assert.Contains("Say why", await browser.PostAsync(page, "handler=Impersonate\"", new Dictionary<string, string> { ["reason"] = " " }),
            StringComparison.Ordinal);
        (page, _) = await browser.PageAsync(url);
        var started = await browser.SubmitAsync(page, new Dictionary<string, string> { ["reason"] = "Support ticket 42" }, action: "handler=Impersonate\"");
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        Assert.Contains("/Account/Impersonate/", started.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "impersonation.started" && e.TargetId == bobId.ToString());

        (page, _) = await browser.PageAsync(url);
        var removed = await browser.PostAsync(page, "handler=Remove\"", expectedPath: $"/Orgs/{orgId}/Members");
        Assert.Contains("Bob Brown was removed from Member Actions Co.", removed, StringComparison.Ordinal);
        Assert.Null(await App.MembershipAsync(orgId, bobId));
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "member.removed" && e.TargetId == bobId.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task The_only_admin_is_told_why_their_role_cannot_change_and_the_service_refuses_it()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Lone Admin Co");
        var adminId = await App.UserIdAsync(admin);
        using var browser = await App.SignedInBrowserAsync(admin);
        var url = $"/Orgs/{orgId}/Members/{adminId}";

        var (page, html) = await browser.PageAsync(url);
        Assert.Contains("only active admin, so your role cannot change", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Contains("<select id=\"access-role\" name=\"Access.Role\" disabled=\"disabled\"", html, StringComparison.Ordinal);

        // A post that asks anyway (the select is disabled in the page) is refused by the service with its reason.
        var refused = await browser.PostAsync(page, "handler=Save\"", new Dictionary<string, string> { ["Access.Role"] = "member" });
        Assert.Contains("last active admin and cannot be demoted", refused, StringComparison.Ordinal);
        Assert.Equal("admin", (await App.MembershipAsync(orgId, adminId))!.BaseRole);

        (page, _) = await browser.PageAsync(url);
        Assert.Contains("cannot be removed", await browser.PostAsync(page, "handler=Remove\""), StringComparison.Ordinal);
        Assert.NotNull(await App.MembershipAsync(orgId, adminId));

        // With a second admin the explanation goes away.
        var second = await App.SignUpAsync("Second Admin");
        await App.AddMemberAsync(orgId, second, "admin");
        (_, html) = await browser.PageAsync(url);
        Assert.DoesNotContain("only active admin", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_sees_the_member_without_actions_and_their_posts_change_nothing()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Viewer Co");
        var adminId = await App.UserIdAsync(admin);
        var viewer = await App.SignUpAsync("Vera Viewer");
        await App.AddMemberAsync(orgId, viewer, "viewer");
        var other = await App.SignUpAsync("Otto Other");
        await App.AddMemberAsync(orgId, other, "member");
        var otherId = await App.UserIdAsync(other);
        using var browser = await App.SignedInBrowserAsync(viewer);

        var (page, html) = await browser.PageAsync($"/Orgs/{orgId}/Members/{otherId}");
        Assert.Contains("Otto Other", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Yes, remove member", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Send password reset", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Log in as", html, StringComparison.Ordinal);
        Assert.DoesNotContain(">Save</button>", html, StringComparison.Ordinal);

        // The forms are not in the page; posted anyway, with a valid token, the service refuses.
        var (members, _) = await browser.PageAsync($"/Orgs/{orgId}/Members");
        var token = await AntiforgeryTokenAsync(members);
        foreach (var (handler, fields) in new (string, Dictionary<string, string>)[]
        {
            ("Save", new() { ["Access.Role"] = "admin" }),
            ("Status", new() { ["status"] = "suspended" }),
            ("Remove", new()),
            ("PasswordReset", new()),
            ("Impersonate", new() { ["reason"] = "curious" }),
        })
        {
            fields["__RequestVerificationToken"] = token;
            var posted = await browser.Http.PostAsync($"/Orgs/{orgId}/Members/{otherId}?handler={handler}", new FormUrlEncodedContent(fields));
            Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
            var shown = WebUtility.HtmlDecode(await (await browser.FollowAsync(posted)).Content.ReadAsStringAsync());
            Assert.Contains("class=\"flash bad\"", shown, StringComparison.Ordinal);
        }

        var membership = (await App.MembershipAsync(orgId, otherId))!;
        Assert.Equal("member", membership.BaseRole);
        Assert.Equal(MembershipStatus.Active, membership.Status);
        Assert.Equal("admin", (await App.MembershipAsync(orgId, adminId))!.BaseRole);
        Assert.DoesNotContain(await App.AuditEventsAsync(orgId), e => e.Action is "member.updated" or "member.removed" or "impersonation.started"
            or "member.password_reset_sent");
    }

    [Fact]
    public async Task Another_organizations_member_is_404_and_a_post_without_antiforgery_token_is_refused()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Home Co");
        var (otherAdmin, otherOrgId) = await App.OrganizationWithAdminAsync("Elsewhere Co");
        var stranger = await App.UserIdAsync(otherAdmin);
        var member = await App.SignUpAsync("Mia Member");
        await App.AddMemberAsync(orgId, member, "member");
        var memberId = await App.UserIdAsync(member);
        using var browser = await App.SignedInBrowserAsync(admin);

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{orgId}/Members/{stranger}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{otherOrgId}/Members/{stranger}")).StatusCode);

        // Acting on another organization's member through this organization: the service finds no such member.
        var (members, _) = await browser.PageAsync($"/Orgs/{orgId}/Members");
        var token = await AntiforgeryTokenAsync(members);
        foreach (var handler in new[] { "Save", "Status", "Remove", "PasswordReset", "Impersonate" })
        {
            var posted = await browser.Http.PostAsync($"/Orgs/{orgId}/Members/{stranger}?handler={handler}", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["Access.Role"] = "viewer",
                ["status"] = "suspended",
                ["reason"] = "testing",
            }));
            Assert.True(posted.StatusCode == HttpStatusCode.NotFound, $"{handler}: {(int)posted.StatusCode}");
        }

        var untouched = (await App.MembershipAsync(otherOrgId, stranger))!;
        Assert.Equal(("admin", MembershipStatus.Active), (untouched.BaseRole, untouched.Status));

        var forged = await browser.PostWithoutTokenAsync($"/Orgs/{orgId}/Members/{memberId}?handler=Save", new Dictionary<string, string> { ["Access.Role"] = "admin" });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("member", (await App.MembershipAsync(orgId, memberId))!.BaseRole);
    }

    private static async Task<string> AntiforgeryTokenAsync(HttpResponseMessage page)
    {
        var html = await page.Content.ReadAsStringAsync();
        var match = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"(?<v>[^\"]+)\"");
        Assert.True(match.Success, "The page has an antiforgery token.");
        return match.Groups["v"].Value;
    }
}

public sealed class MemberPageTestsOnSqlite(SqliteApp app) : MemberPageTests(app), IClassFixture<SqliteApp>;

public sealed class MemberPageTestsOnPostgreSql(PostgreSqlApp app) : MemberPageTests(app), IClassFixture<PostgreSqlApp>;
