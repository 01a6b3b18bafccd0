using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Impersonation;

/// <summary>Issue 11, "log in as": started through the API with a reason, redeemed once by token exchange, pinned, audited, stoppable.</summary>
public abstract class ImpersonationTests(OrgIdentityApp app) : ServerTests(app)
{
    private const string TokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";

    [Fact]
    public async Task The_admins_signed_in_browser_becomes_the_members_session_with_a_banner_changes_nothing_of_theirs_and_stop_ends_it()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Browser Acting Co");
        var member = await App.SignUpAsync("Bea Member");
        await App.AddMemberAsync(orgId, member, "member");
        var memberId = await App.UserIdAsync(member);
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());
        var started = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/impersonations", new { userId = memberId, reason = "Ticket 815: the profile page" });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var view = await started.Content.ReadFromJsonAsync<JsonElement>();
        var id = view.GetProperty("id").GetString()!;
        var sessionUrl = new Uri(view.GetProperty("sessionUrl").GetString()!);
        Assert.Equal($"/Account/Impersonate/{id}", sessionUrl.AbsolutePath);

        // Only in the browser of the admin who started it.
        var other = await App.SignUpAsync("Other person");
        using (var otherBrowser = await App.SignedInBrowserAsync(other))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await otherBrowser.GetAsync(sessionUrl.PathAndQuery)).StatusCode);
        }

        using var browser = await App.SignedInBrowserAsync(admin);
        var confirm = await browser.GetAsync(sessionUrl.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Contains("Ticket 815", await confirm.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var begun = await browser.SubmitAsync(confirm);
        Assert.Equal(HttpStatusCode.Redirect, begun.StatusCode);
        var profile = await browser.FollowAsync(begun);
        var html = await profile.Content.ReadAsStringAsync();
        Assert.Contains("Stop impersonating", html, StringComparison.Ordinal);
        Assert.Contains("Bea Member", html, StringComparison.Ordinal);
        Assert.Contains(member.Email, html, StringComparison.Ordinal);

        // Nothing of the member's changes, no application is signed in to, and the link works once.
        var change = await browser.SubmitAsync(profile, new Dictionary<string, string> { ["Input.Name"] = "Changed by the admin" });
        Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
        var authorize = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create()));
        Assert.Equal("access_denied", Oidc.CallbackParameters(authorize, TestClients.CodeRedirect)["error"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(sessionUrl.PathAndQuery)).StatusCode);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
            Assert.Equal("Bea Member", (await db.Users.SingleAsync(u => u.Id == memberId)).Name);
        }

        // The banner's button ends the impersonation and its session.
        var stopped = await browser.SubmitAsync(profile, action: "StopImpersonating");
        Assert.Equal(HttpStatusCode.Redirect, stopped.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/Account/Profile")).StatusCode);
        var events = (await App.AuditEventsAsync(orgId)).Where(e => e.Action.StartsWith("impersonation.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["impersonation.started", "impersonation.used", "impersonation.stopped"], events.Select(e => e.Action));
        Assert.Contains("browser", events[1].Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_impersonation_ends_when_stopped_through_the_api_or_at_its_expiry()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Ending Co");
        var member = await App.SignUpAsync("Eve Member");
        await App.AddMemberAsync(orgId, member, "member");
        var memberId = await App.UserIdAsync(member);
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());
        using var browser = await App.SignedInBrowserAsync(admin);

        async Task<string> StartInBrowserAsync()
        {
            var view = await (await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/impersonations", new { userId = memberId, reason = "Checking" }))
                .Content.ReadFromJsonAsync<JsonElement>();
            var url = new Uri(view.GetProperty("sessionUrl").GetString()!).PathAndQuery;
            Assert.Equal(HttpStatusCode.Redirect, (await browser.SubmitAsync(await browser.GetAsync(url))).StatusCode);
            Assert.Contains("Stop impersonating", await (await browser.GetAsync("/Account/Profile")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
            return view.GetProperty("id").GetString()!;
        }

        var first = await StartInBrowserAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await api.Http.DeleteAsync($"/api/v1/orgs/{orgId}/impersonations/{first}")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/Account/Profile")).StatusCode);

        // Signed out by the stop; the admin signs in again as themselves.
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(admin.Email, admin.Password)).StatusCode);
        await StartInBrowserAsync();
        App.Time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/Account/Profile")).StatusCode);
    }

    [Fact]
    public async Task An_admin_acts_as_a_member_with_an_act_claim_for_at_most_fifteen_minutes_and_can_stop()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Acting Co");
        var member = await App.SignUpAsync("Mia Member");
        await App.AddMemberAsync(orgId, member, "member");
        var adminTokens = await App.TokensAsync(admin, organization: orgId.ToString());
        using var api = App.ApiWithToken(adminTokens.AccessToken!);
        var memberId = await App.UserIdAsync(member);
        var adminId = await App.UserIdAsync(admin);

        var started = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/impersonations", new { userId = memberId, reason = "Ticket 4711: cannot see the orders page" });
        Assert.True(started.StatusCode == HttpStatusCode.Created, await started.Content.ReadAsStringAsync());
        var impersonation = await started.Content.ReadFromJsonAsync<JsonElement>();
        var id = impersonation.GetProperty("id").GetString()!;
        Assert.Equal(TokenExchange, impersonation.GetProperty("exchange").GetProperty("grantType").GetString());

        using var http = App.CreateBrowser();
        var tokens = await ExchangeAsync(http, adminTokens.AccessToken!, id);
        Assert.True(tokens.AccessToken is not null, tokens.Json.ToString());
        Assert.Null(tokens.RefreshToken);
        var jwt = Oidc.Jwt(tokens.AccessToken!);
        Assert.Equal(memberId.ToString(), jwt.Subject);
        Assert.Equal(adminId.ToString(), jwt.GetPayloadValue<JsonElement>("act").GetProperty("sub").GetString());
        Assert.Equal((orgId.ToString(), "member"), (jwt.GetClaim("org_id").Value, jwt.GetClaim("org_role").Value));
        Assert.True(jwt.ValidTo - jwt.IssuedAt <= TimeSpan.FromMinutes(15));

        // Acting as the member: their API works, their own account does not change, no second impersonation, no refresh.
        using var acting = App.ApiWithToken(tokens.AccessToken!);
        Assert.Equal(HttpStatusCode.OK, (await acting.Http.GetAsync($"/api/v1/orgs/{orgId}/members")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await acting.Http.PatchAsJsonAsync("/api/v1/me", new { name = "Changed by admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await acting.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/impersonations", new { userId = adminId, reason = "chain" })).StatusCode);
        Assert.Equal("invalid_grant", (await Oidc.RefreshAsync(http.Http, tokens.AccessToken!, TestClients.CodeClient, TestClients.CodeSecret)).Error);
        // Redeemed once only.
        Assert.Equal("invalid_grant", (await ExchangeAsync(http, adminTokens.AccessToken!, id)).Error);

        Assert.Equal(HttpStatusCode.NoContent, (await acting.Http.DeleteAsync($"/api/v1/orgs/{orgId}/impersonations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await acting.Http.GetAsync($"/api/v1/orgs/{orgId}/members")).StatusCode);

        var events = (await App.AuditEventsAsync(orgId)).Where(e => e.Action.StartsWith("impersonation.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["impersonation.started", "impersonation.used", "impersonation.stopped"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(memberId.ToString(), e.TargetId));
        Assert.Contains("Ticket 4711", events[0].Details, StringComparison.Ordinal);
        var visible = await api.Http.GetStringAsync($"/api/v1/orgs/{orgId}/audit?action=impersonation.started");
        Assert.Contains("Ticket 4711", visible, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Impersonation_is_refused_without_the_permission_of_platform_admins_of_members_with_more_and_of_oneself()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Refusing Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        Assert.Equal(HttpStatusCode.Created, (await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles",
            new { key = "support", name = "Support", permissions = new[] { "members:impersonate", "members:view" } })).StatusCode);
        var support = await App.SignUpAsync("Sam Support");
        await App.AddMemberAsync(orgId, support, "viewer", "support");
        var member = await App.SignUpAsync("Max Member");
        await App.AddMemberAsync(orgId, member, "member");
        var viewer = await App.SignUpAsync("Vic Viewer");
        await App.AddMemberAsync(orgId, viewer, "viewer");
        await App.AddMemberAsync(orgId, Infrastructure.Organizations.PlatformAdmin, "viewer");
        using var supportApi = await App.ApiAsync(support, orgId.ToString());
        using var memberApi = await App.ApiAsync(member, orgId.ToString());
        var url = $"/api/v1/orgs/{orgId}/impersonations";

        async Task<HttpStatusCode> StartAsync(Browser api, TestUser target, string? reason = "Support ticket") =>
            (await api.Http.PostAsJsonAsync(url, new { userId = await App.UserIdAsync(target), reason })).StatusCode;

        Assert.Equal(HttpStatusCode.Forbidden, await StartAsync(memberApi, viewer));
        Assert.Equal(HttpStatusCode.Forbidden, await StartAsync(supportApi, member));
        Assert.Equal(HttpStatusCode.Forbidden, await StartAsync(adminApi, Infrastructure.Organizations.PlatformAdmin));
        Assert.Equal(HttpStatusCode.BadRequest, await StartAsync(adminApi, admin));
        Assert.Equal(HttpStatusCode.BadRequest, await StartAsync(adminApi, viewer, reason: " "));
        Assert.Equal(HttpStatusCode.NotFound, await StartAsync(adminApi, await App.SignUpAsync("Not a member")));
        // A viewer holds nothing the support role lacks.
        Assert.Equal(HttpStatusCode.Created, await StartAsync(supportApi, viewer));
        Assert.Single(await App.AuditEventsAsync(orgId), e => e.Action == "impersonation.started");
    }

    private static Task<TokenResponse> ExchangeAsync(Browser http, string subjectToken, string impersonation) =>
        Oidc.TokenAsync(http.Http, Oidc.Form(("grant_type", TokenExchange), ("client_id", TestClients.CodeClient), ("client_secret", TestClients.CodeSecret),
            ("subject_token", subjectToken), ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"), ("impersonation", impersonation)));
}

public sealed class ImpersonationTestsOnSqlite(SqliteApp app) : ImpersonationTests(app), IClassFixture<SqliteApp>;

public sealed class ImpersonationTestsOnPostgreSql(PostgreSqlApp app) : ImpersonationTests(app), IClassFixture<PostgreSqlApp>;
