using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// Self sign-up into organizations (DESIGN.md §2): a signed-in person joins, with the organization's self sign-up
/// default role, an organization with open sign-up or one that lets people of its verified domains join. Through the
/// page <c>/Account/Organizations</c> (list, Join buttons, a direct link per organization) and through
/// <c>/api/v1/me/joinable-organizations</c>. Joining is audited and sends the welcome e-mail once, unless the
/// organization switched it off; a member who joins again changes nothing; an organization that allows neither refuses.
/// </summary>
public abstract class SelfJoinTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task A_signed_in_person_sees_an_open_organization_joins_it_as_member_and_gets_one_welcome_email()
    {
        var org = await OrganizationAsync("Open Co", new { openSignUp = true });
        var person = await App.SignUpAsync("Grace Hopper");
        using var browser = await App.SignedInBrowserAsync(person);

        var list = await browser.GetAsync("/Account/Organizations");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var html = await list.HtmlAsync();
        Assert.Contains(org.Name, html, StringComparison.Ordinal);
        Assert.Contains("open to everyone", html, StringComparison.Ordinal);

        var joined = await browser.SubmitAsync(list, new Dictionary<string, string> { ["organizationId"] = org.Id.ToString() });

        Assert.Equal(HttpStatusCode.Redirect, joined.StatusCode);
        var after = await browser.FollowAsync(joined);
        Assert.Contains($"You joined {org.Name} as member.", await after.HtmlAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain($"Join {org.Name}", await after.HtmlAsync(), StringComparison.Ordinal);
        var member = await MemberAsync(org, person);
        Assert.Equal(("member", "selfSignup", "active"), (member.GetProperty("role").GetString(), member.GetProperty("source").GetString(), member.GetProperty("status").GetString()));

        var userId = (await App.UserIdAsync(person)).ToString();
        var events = await NewAuditAsync(org);
        var joinedEvent = Assert.Single(events, e => e.Action == "member.joined");
        Assert.Equal(("user", userId, "user", userId), (joinedEvent.ActorType, joinedEvent.ActorId, joinedEvent.TargetType, joinedEvent.TargetId));
        Assert.Contains("\"selfSignup\"", joinedEvent.Details, StringComparison.Ordinal);
        Assert.Equal(userId, Assert.Single(events, e => e.Action == "member.welcome_sent").TargetId);

        var welcome = await App.Mail.WaitForAsync(person.Email, $"Welcome to {org.Name}");
        Assert.Contains("Hello Grace Hopper,", welcome.Body, StringComparison.Ordinal);
        Assert.Contains($"You are now a member of {org.Name}", welcome.Body, StringComparison.Ordinal);
        Assert.Equal("/Account/Login", welcome.Link("/Account/Login"));
        Assert.Contains("https://localhost/Account/Login", welcome.Body, StringComparison.Ordinal);
        Assert.Contains(org.Name, welcome.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://localhost/Account/Login\"", welcome.Html, StringComparison.Ordinal);
        await App.AllMailDeliveredAsync();
        Assert.Single(App.Mail.For(person.Email, "Welcome"));
    }

    [Fact]
    public async Task A_member_who_joins_again_is_told_so_and_nothing_changes_nor_is_a_second_welcome_sent()
    {
        var org = await OrganizationAsync("Again Co", new { openSignUp = true });
        var person = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(person);
        var offer = await browser.GetAsync($"/Account/Organizations/{org.Slug}");
        Assert.Contains($"Join {org.Name}?", await offer.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SubmitAsync(offer)).StatusCode);
        await App.Mail.WaitForAsync(person.Email, "Welcome");
        var member = (await MemberAsync(org, person)).ToString();
        var audit = await AuditIdsAsync(org);

        // The same form posted again (a second tab, a double click).
        var again = await browser.SubmitAsync(offer);
        var told = await browser.FollowAsync(again);
        var reopened = await browser.GetAsync($"/Account/Organizations/{org.Slug}");

        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Contains($"You are already a member of {org.Name}; nothing changed.", await told.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);
        Assert.Contains("You are already a member", await reopened.HtmlAsync(), StringComparison.Ordinal);
        Assert.Empty(AccountPages.FormFieldNames(await reopened.HtmlAsync()));
        Assert.Equal(member, (await MemberAsync(org, person)).ToString());
        Assert.Empty(await NewAuditAsync(org, audit));
        await App.AllMailDeliveredAsync();
        Assert.Single(App.Mail.For(person.Email, "Welcome"));
    }

    [Fact]
    public async Task An_organization_that_allows_neither_is_not_listed_and_refuses_a_join_with_403()
    {
        var org = await OrganizationAsync("Closed Co");
        var person = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(person);
        var audit = await AuditIdsAsync(org);

        var list = await browser.GetAsync("/Account/Organizations");
        var direct = await browser.GetAsync($"/Account/Organizations/{org.Slug}");
        // A hand-made post of the list's form for this organization.
        var forced = await PostJoinAsync(browser, org);

        Assert.DoesNotContain(org.Name, await list.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);
        Assert.Contains($"{org.Name} does not let people join by themselves", await direct.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, forced.StatusCode);
        Assert.Contains("does not let people join by themselves", await forced.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await org.AdminApi.Http.GetAsync($"/api/v1/orgs/{org.Id}/members/{await App.UserIdAsync(person)}")).StatusCode);
        Assert.Empty(await NewAuditAsync(org, audit));
    }

    [Fact]
    public async Task Without_a_sign_in_the_direct_link_goes_to_the_login_and_comes_back_and_an_unknown_slug_is_404()
    {
        var org = await OrganizationAsync("Link Co", new { openSignUp = true });
        var person = await App.SignUpAsync();
        using var browser = App.CreateBrowser();

        var anonymous = await browser.GetAsync($"/Account/Organizations/{org.Slug}");

        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Equal("/Account/Login", AccountPages.RedirectPath(anonymous));
        var signedIn = await browser.SignInAsync(person.Email, person.Password, $"/Account/Organizations/{org.Slug}");
        var offer = await browser.FollowAsync(signedIn);
        Assert.Contains($"Join {org.Name}?", await offer.HtmlAsync(), StringComparison.Ordinal);
        Assert.Contains("as <strong>member</strong>", await offer.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SubmitAsync(offer)).StatusCode);
        Assert.Equal("selfSignup", (await MemberAsync(org, person)).GetProperty("source").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/Account/Organizations/no-such-organization-here")).StatusCode);
    }

    [Fact]
    public async Task People_of_a_verified_domain_may_join_when_the_organization_allows_it_and_nobody_else_may()
    {
        var domain = NewDomain();
        var org = await OrganizationAsync("Domain Co", new { selfJoinByVerifiedDomain = true });
        await VerifyDomainAsync(org, domain);
        var insider = await SignUpWithEmailAsync($"insider-{Guid.NewGuid():N}@{domain}");
        var subdomain = await SignUpWithEmailAsync($"sub-{Guid.NewGuid():N}@mail.{domain}");
        var outsider = await App.SignUpAsync();
        using var insiderBrowser = await App.SignedInBrowserAsync(insider);
        using var subdomainBrowser = await App.SignedInBrowserAsync(subdomain);
        using var outsiderBrowser = await App.SignedInBrowserAsync(outsider);

        var insiderList = await insiderBrowser.GetAsync("/Account/Organizations");
        Assert.Contains(org.Name, await insiderList.HtmlAsync(), StringComparison.Ordinal);
        Assert.Contains("for your e-mail domain", await insiderList.HtmlAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(org.Name, await (await subdomainBrowser.GetAsync("/Account/Organizations")).HtmlAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(org.Name, await (await outsiderBrowser.GetAsync("/Account/Organizations")).HtmlAsync(), StringComparison.Ordinal);

        var joined = await insiderBrowser.SubmitAsync(insiderList, new Dictionary<string, string> { ["organizationId"] = org.Id.ToString() });
        var refused = await PostJoinAsync(outsiderBrowser, org);
        var refusedToo = await subdomainBrowser.GetAsync($"/Account/Organizations/{org.Slug}");

        Assert.Equal(HttpStatusCode.Redirect, joined.StatusCode);
        Assert.Equal("member", (await MemberAsync(org, insider)).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refusedToo.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await org.AdminApi.Http.GetAsync($"/api/v1/orgs/{org.Id}/members/{await App.UserIdAsync(outsider)}")).StatusCode);
    }

    [Fact]
    public async Task A_domain_that_is_only_added_or_a_verified_domain_without_the_setting_lets_nobody_join()
    {
        var unverified = NewDomain();
        var withoutSetting = NewDomain();
        var pending = await OrganizationAsync("Pending Co", new { selfJoinByVerifiedDomain = true });
        var added = await pending.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{pending.Id}/domains", new { domain = unverified });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var off = await OrganizationAsync("Off Co");
        await VerifyDomainAsync(off, withoutSetting);
        var first = await SignUpWithEmailAsync($"a-{Guid.NewGuid():N}@{unverified}");
        var second = await SignUpWithEmailAsync($"b-{Guid.NewGuid():N}@{withoutSetting}");
        using var firstBrowser = await App.SignedInBrowserAsync(first);
        using var secondBrowser = await App.SignedInBrowserAsync(second);

        Assert.Equal(HttpStatusCode.Forbidden, (await firstBrowser.GetAsync($"/Account/Organizations/{pending.Slug}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await secondBrowser.GetAsync($"/Account/Organizations/{off.Slug}")).StatusCode);
        Assert.DoesNotContain(pending.Name, await (await firstBrowser.GetAsync("/Account/Organizations")).HtmlAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(off.Name, await (await secondBrowser.GetAsync("/Account/Organizations")).HtmlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_welcome_emails_switched_off_joining_sends_none_and_records_no_welcome()
    {
        var org = await OrganizationAsync("Quiet Co", new { openSignUp = true, welcomeEmails = false });
        var person = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(person);

        var joined = await browser.SubmitAsync(await browser.GetAsync($"/Account/Organizations/{org.Slug}"));

        Assert.Equal(HttpStatusCode.Redirect, joined.StatusCode);
        Assert.Equal("member", (await MemberAsync(org, person)).GetProperty("role").GetString());
        var events = await NewAuditAsync(org);
        Assert.Contains(events, e => e.Action == "member.joined");
        Assert.DoesNotContain(events, e => e.Action == "member.welcome_sent");
        await App.AllMailDeliveredAsync();
        Assert.Empty(App.Mail.For(person.Email, "Welcome"));
    }

    [Fact]
    public async Task The_self_sign_up_default_role_decides_the_role_and_admin_is_never_allowed_for_it()
    {
        var org = await OrganizationAsync("Viewer Co", new { openSignUp = true, defaultRoles = new { selfSignup = "viewer" } });
        var person = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(person);

        var offer = await browser.GetAsync($"/Account/Organizations/{org.Slug}");
        await browser.SubmitAsync(offer);
        var admin = await org.AdminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{org.Id}", new { defaultRoles = new { selfSignup = "admin" } });

        Assert.Contains("as <strong>viewer</strong>", await offer.HtmlAsync(), StringComparison.Ordinal);
        Assert.Equal("viewer", (await MemberAsync(org, person)).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, admin.StatusCode);
        Assert.Contains("defaultRoles.selfSignup", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_api_a_person_lists_joins_and_is_told_409_when_already_a_member_403_when_not_allowed_404_when_unknown()
    {
        var open = await OrganizationAsync("Api Open Co", new { openSignUp = true });
        var closed = await OrganizationAsync("Api Closed Co");
        var person = await App.SignUpAsync();
        // A person in no organization yet: the token has no organization (DESIGN.md §6).
        using var api = await App.ApiAsync(person);

        var list = await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/me/joinable-organizations");
        var listed = list.GetProperty("items").EnumerateArray().Single(o => o.GetProperty("id").GetGuid() == open.Id);
        Assert.Equal((open.Slug, open.Name, "member", "openSignUp"),
            (listed.GetProperty("slug").GetString(), listed.GetProperty("name").GetString(), listed.GetProperty("role").GetString(), listed.GetProperty("reason").GetString()));
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), o => o.GetProperty("id").GetGuid() == closed.Id);

        var joined = await api.Http.PostAsync($"/api/v1/me/joinable-organizations/{open.Id}/join", null);
        var again = await api.Http.PostAsync($"/api/v1/me/joinable-organizations/{open.Id}/join", null);
        var refused = await api.Http.PostAsync($"/api/v1/me/joinable-organizations/{closed.Id}/join", null);
        var unknown = await api.Http.PostAsync($"/api/v1/me/joinable-organizations/{Guid.CreateVersion7()}/join", null);

        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        var body = await joined.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((open.Id, "member"), (body.GetProperty("organizationId").GetGuid(), body.GetProperty("role").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already a member", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("selfSignup", (await MemberAsync(open, person)).GetProperty("source").GetString());
        Assert.DoesNotContain((await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/me/joinable-organizations")).GetProperty("items").EnumerateArray(),
            o => o.GetProperty("id").GetGuid() == open.Id);
        await App.Mail.WaitForAsync(person.Email, $"Welcome to {open.Name}");
        await App.AllMailDeliveredAsync();
        Assert.Single(App.Mail.For(person.Email, "Welcome"));
    }

    [Fact]
    public async Task Joining_needs_a_sign_in_and_the_antiforgery_token()
    {
        var org = await OrganizationAsync("Forgery Co", new { openSignUp = true });
        var person = await App.SignUpAsync();
        using var browser = await App.SignedInBrowserAsync(person);
        using var anonymous = App.CreateBrowser();
        var audit = await AuditIdsAsync(org);

        var forged = await browser.Http.PostAsync("/Account/Organizations",
            new FormUrlEncodedContent([new("organizationId", org.Id.ToString())]));
        var noApiToken = await anonymous.Http.PostAsync($"/api/v1/me/joinable-organizations/{org.Id}/join", null);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noApiToken.StatusCode);
        Assert.Empty(await NewAuditAsync(org, audit));
    }

    private sealed record Org(Guid Id, string Slug, string Name, Browser AdminApi);

    /// <summary>A new organization with its settings patched by its admin (<paramref name="settings"/> is the PATCH body).</summary>
    private async Task<Org> OrganizationAsync(string name, object? settings = null)
    {
        name = $"{name} {Guid.NewGuid().ToString("N")[..6]}";
        var (admin, orgId) = await App.OrganizationWithAdminAsync(name);
        var api = await App.ApiAsync(admin, orgId.ToString());
        var org = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}");
        if (settings is not null)
        {
            var patched = await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", settings);
            Assert.True(patched.StatusCode == HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
        }

        return new Org(orgId, org.GetProperty("slug").GetString()!, name, api);
    }

    private async Task VerifyDomainAsync(Org org, string domain)
    {
        var added = await org.AdminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/domains", new { domain });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var id = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        var verified = await platform.Http.PostAsJsonAsync($"/api/v1/orgs/{org.Id}/domains/{id}/verify", new { force = true });
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
    }

    /// <summary>A confirmed account with this address, made through the sign-up form and the e-mailed link.</summary>
    private async Task<TestUser> SignUpWithEmailAsync(string email)
    {
        using var browser = App.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignUpAsync("Domain Person", email, Users.Password)).StatusCode);
        var mail = await App.Mail.WaitForAsync(email, "Confirm your e-mail");
        Assert.Equal(HttpStatusCode.OK, (await browser.ConfirmEmailAsync(mail.Link("/Account/ConfirmEmail"))).StatusCode);
        return new TestUser(email, Users.Password, "Domain Person");
    }

    private async Task<JsonElement> MemberAsync(Org org, TestUser person)
    {
        var response = await org.AdminApi.Http.GetAsync($"/api/v1/orgs/{org.Id}/members/{await App.UserIdAsync(person)}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The join form's post, made by hand for an organization the list does not offer (with a valid antiforgery token).</summary>
    private static async Task<HttpResponseMessage> PostJoinAsync(Browser browser, Org org)
    {
        var profile = await (await browser.GetAsync("/Account/Profile")).HtmlAsync();
        var token = System.Text.RegularExpressions.Regex.Match(profile, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        return await browser.Http.PostAsync("/Account/Organizations",
            new FormUrlEncodedContent([new("organizationId", org.Id.ToString()), new("__RequestVerificationToken", token)]));
    }

    private static string NewDomain() => $"d{Guid.NewGuid():N}"[..16] + ".example.org";

    private async Task<HashSet<Guid>> AuditIdsAsync(Org org) => (await App.AuditEventsAsync(org.Id)).Select(e => e.Id).ToHashSet();

    private async Task<List<Audit.AuditEvent>> NewAuditAsync(Org org, HashSet<Guid>? before = null) =>
        (await App.AuditEventsAsync(org.Id)).Where(e => before is null ? e.Action.StartsWith("member.", StringComparison.Ordinal) && e.TargetId != null : !before.Contains(e.Id))
            .Where(e => before is not null || e.Action is "member.joined" or "member.welcome_sent").ToList();
}

public sealed class SelfJoinTestsOnSqlite(SqliteApp app) : SelfJoinTests(app), IClassFixture<SqliteApp>;

public sealed class SelfJoinTestsOnPostgreSql(PostgreSqlApp app) : SelfJoinTests(app), IClassFixture<PostgreSqlApp>;
