using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Sso;

/// <summary>
/// Enterprise SSO (issue 10, DESIGN.md §4) through the full redirect dance: our login page or authorize endpoint, the
/// upstream provider (a second OpenIddict server over real HTTP), our <c>/sso/callback</c>, and the tokens after it.
/// </summary>
public abstract class SsoTests(OrgIdentityApp app, UpstreamProvider upstream) : ServerTests(app)
{
    private const string Scope = "openid profile email orgidentity.api";

    [Fact]
    public async Task A_person_of_a_verified_domain_named_by_the_authorize_request_signs_in_upstream_and_gets_member_tokens_whatever_the_upstream_says()
    {
        var sso = await OrganizationWithSsoAsync();
        var email = $"ann@{sso.Domain}";
        upstream.NextUser = new("ann-sub", email, "Ann Upstream", "admin", "Global Administrator");

        using var browser = App.CreateBrowser();
        var pkce = Oidc.Pkce.Create();
        var authorize = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, Scope, pkce, ("organization", sso.OrganizationId.ToString())));
        // organization=<id> with a connection: straight to the provider, no e-mail step.
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.StartsWith(upstream.Issuer + "connect/authorize", authorize.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);

        var back = await browser.FollowAsync(await FinishUpstreamAsync(browser, authorize.Headers.Location!));
        var code = Oidc.CallbackParameters(back, TestClients.CodeRedirect)["code"];
        var tokens = await Oidc.RedeemCodeAsync(browser.Http, code, pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        var access = Oidc.Jwt(tokens.AccessToken!);
        Assert.Equal(sso.OrganizationId.ToString(), access.GetClaim("org_id").Value);
        Assert.Equal("member", access.GetClaim("org_role").Value);

        var userId = Guid.Parse(access.Subject);
        var member = await sso.AdminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{sso.OrganizationId}/members/{userId}");
        Assert.Equal(("member", "sso", email), (member.GetProperty("role").GetString(), member.GetProperty("source").GetString(), member.GetProperty("email").GetString()));

        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var user = await db.Users.SingleAsync(u => u.Id == userId);
        Assert.Equal((sso.OrganizationId, true, null, "Ann Upstream"), (user.ManagedByOrganizationId, user.EmailConfirmed, user.PasswordHash, user.Name));
        var link = await db.ExternalLogins.SingleAsync(l => l.UserId == userId);
        Assert.Equal((sso.ConnectionId, upstream.Issuer, "ann-sub"), (link.ConnectionId, link.Issuer, link.Subject));
        var actions = (await App.AuditEventsAsync(sso.OrganizationId)).Select(e => e.Action).ToList();
        Assert.Contains("sso.user_created", actions);
        Assert.Contains("member.joined", actions);
        Assert.Contains("sso.signed_in", actions);
    }

    [Fact]
    public async Task Jit_gives_the_organizations_sso_default_role_when_it_was_changed()
    {
        var sso = await OrganizationWithSsoAsync();
        var changed = await sso.AdminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{sso.OrganizationId}", new { defaultRoles = new { sso = "viewer" } });
        Assert.True(changed.StatusCode == HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
        var email = $"kim@{sso.Domain}";
        upstream.NextUser = new("kim-sub", email, "Kim", "admin");
        Assert.Equal(HttpStatusCode.Redirect, (await SignInThroughLoginAsync(email)).StatusCode);
        var member = await sso.AdminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{sso.OrganizationId}/members/{await UserIdAsync(email)}");
        Assert.Equal("viewer", member.GetProperty("role").GetString());
    }

    [Fact]
    public async Task The_login_page_asks_for_the_email_first_and_sends_a_verified_domain_to_its_provider_and_others_to_the_password_step()
    {
        var sso = await OrganizationWithSsoAsync();
        using var browser = App.CreateBrowser();
        var login = await browser.GetAsync("/Account/Login");
        var html = await login.Content.ReadAsStringAsync();
        Assert.Contains("Input.Email", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Input.Password", html, StringComparison.Ordinal);

        var other = await browser.SubmitAsync(login, new Dictionary<string, string> { ["Input.Email"] = "someone@elsewhere.test" });
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Contains("Input.Password", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var toProvider = await browser.SubmitAsync(login, new Dictionary<string, string> { ["Input.Email"] = $"bob@{sso.Domain.ToUpperInvariant()}" });
        Assert.Equal(HttpStatusCode.Redirect, toProvider.StatusCode);
        var location = toProvider.Headers.Location!.AbsoluteUri;
        Assert.StartsWith(upstream.Issuer + "connect/authorize", location, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(toProvider.Headers.Location!.Query);
        Assert.Equal($"bob@{sso.Domain.ToUpperInvariant()}", query["login_hint"].ToString());
        Assert.Equal("https://localhost/sso/callback", query["redirect_uri"].ToString());
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        Assert.False(string.IsNullOrEmpty(query["nonce"].ToString()));

        // The whole dance from the login page ends signed in, at the page asked for.
        upstream.NextUser = new("bob-sub", $"bob@{sso.Domain}", "Bob");
        var done = await FinishUpstreamAsync(browser, toProvider.Headers.Location!);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/", done.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/Profile")).StatusCode);
    }

    [Fact]
    public async Task Later_sign_ins_match_the_upstream_subject_and_refresh_name_and_email_and_an_address_given_to_another_subject_is_refused()
    {
        var sso = await OrganizationWithSsoAsync();
        upstream.NextUser = new("carol-sub", $"carol@{sso.Domain}", "Carol");
        var first = await SignInThroughLoginAsync($"carol@{sso.Domain}");
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var userId = await UserIdAsync($"carol@{sso.Domain}");

        upstream.NextUser = new("carol-sub", $"carol.new@{sso.Domain}", "Carol Renamed");
        Assert.Equal(HttpStatusCode.Redirect, (await SignInThroughLoginAsync($"carol@{sso.Domain}")).StatusCode);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Users.SingleAsync(u => u.Id == userId);
            Assert.Equal(($"carol.new@{sso.Domain}", "Carol Renamed"), (user.Email, user.Name));
        }

        // The provider now gives that address to a different person: never matched on the e-mail alone.
        upstream.NextUser = new("mallory-sub", $"carol.new@{sso.Domain}", "Mallory");
        var refused = await SignInThroughLoginAsync($"carol.new@{sso.Domain}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("linked to another identity", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_confirmed_account_of_the_domain_is_linked_and_its_password_wiped_and_an_unconfirmed_one_is_refused()
    {
        var sso = await OrganizationWithSsoAsync();
        var confirmed = await SignUpAsync($"dave@{sso.Domain}", confirm: true);
        var confirmedId = await UserIdAsync(confirmed.Email);
        upstream.NextUser = new("dave-sub", confirmed.Email, "Dave");
        Assert.Equal(HttpStatusCode.Redirect, (await SignInThroughLoginAsync(confirmed.Email)).StatusCode);

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
            var user = await db.Users.SingleAsync(u => u.Id == confirmedId);
            Assert.Equal((sso.OrganizationId, null), (user.ManagedByOrganizationId, user.PasswordHash));
            Assert.True(await db.ExternalLogins.AnyAsync(l => l.UserId == confirmedId && l.Subject == "dave-sub"));
        }

        // The old password no longer works.
        using (var browser = App.CreateBrowser())
        {
            var signIn = await browser.SignInAsync(confirmed.Email, confirmed.Password);
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        }

        Assert.Contains("sso.user_linked", (await App.AuditEventsAsync(sso.OrganizationId)).Select(e => e.Action));

        var unconfirmed = await SignUpAsync($"erin@{sso.Domain}", confirm: false);
        upstream.NextUser = new("erin-sub", unconfirmed.Email, "Erin");
        var refused = await SignInThroughLoginAsync(unconfirmed.Email);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("not confirmed", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
            var erin = await db.Users.SingleAsync(u => u.Email == unconfirmed.Email);
            Assert.NotNull(erin.PasswordHash);
            Assert.False(await db.ExternalLogins.AnyAsync(l => l.UserId == erin.Id));
            Assert.False(await db.Memberships.AnyAsync(m => m.UserId == erin.Id && m.OrganizationId == sso.OrganizationId));
        }
    }

    [Fact]
    public async Task An_upstream_email_outside_the_verified_domains_is_refused_and_nothing_is_created()
    {
        var sso = await OrganizationWithSsoAsync();
        var victim = await SignUpAsync($"victim-{Guid.NewGuid():N}@elsewhere.test", confirm: true);
        upstream.NextUser = new("foreign-sub", victim.Email, "Not the victim");
        var refused = await SignInThroughLoginAsync($"frank@{sso.Domain}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("not in a domain", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        Assert.False(await db.ExternalLogins.AnyAsync(l => l.Subject == "foreign-sub"));
        var victimId = await UserIdAsync(victim.Email);
        Assert.False(await db.Memberships.AnyAsync(m => m.UserId == victimId && m.OrganizationId == sso.OrganizationId));
        Assert.NotNull((await db.Users.SingleAsync(u => u.Id == victimId)).PasswordHash);
    }

    [Fact]
    public async Task When_sso_is_required_the_password_of_that_domain_is_not_even_checked()
    {
        var domain = NewDomain();
        var person = await SignUpAsync($"gina@{domain}", confirm: true);
        var sso = await OrganizationWithSsoAsync(domain, requireSso: true);

        using var browser = App.CreateBrowser();
        var refused = await browser.SignInAsync(person.Email, person.Password);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("signs in through Contoso IdP", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/Account/Profile")).StatusCode);

        upstream.NextUser = new("gina-sub", person.Email, "Gina");
        Assert.Equal(HttpStatusCode.Redirect, (await SignInThroughLoginAsync(person.Email)).StatusCode);
        Assert.Equal(sso.OrganizationId, (await App.Services.CreateAsyncScope().ServiceProvider.GetRequiredService<OrgIdentityDbContext>()
            .Users.SingleAsync(u => u.Email == person.Email)).ManagedByOrganizationId);
    }

    [Fact]
    public async Task Id_tokens_with_a_wrong_issuer_audience_nonce_expiry_or_signature_are_refused_with_a_clear_page()
    {
        var sso = await OrganizationWithSsoAsync();
        using var foreignKey = RSA.Create(2048);
        var tampers = new (string Case, Func<System.Text.Json.Nodes.JsonObject, SigningCredentials> Tamper)[]
        {
            ("issuer", payload => { payload["iss"] = "https://evil.example/"; return upstream.Signing; }),
            ("audience", payload => { payload["aud"] = "someone-else"; return upstream.Signing; }),
            ("nonce", payload => { payload["nonce"] = "not-the-one-we-sent"; return upstream.Signing; }),
            // OpenIddict's own tokens repeat the expiry in a private claim, which its client prefers; other providers send exp only.
            ("expiry", payload => { payload["exp"] = 1_600_000_000; payload.Remove("oi_exp_dt"); return upstream.Signing; }),
            ("signature", _ => new SigningCredentials(new RsaSecurityKey(foreignKey) { KeyId = "upstream-1" }, SecurityAlgorithms.RsaSha256)),
        };
        foreach (var (name, tamper) in tampers)
        {
            var email = $"{name}@{sso.Domain}";
            upstream.NextUser = new($"{name}-sub", email, name);
            upstream.TamperIdToken = tamper;
            var refused = await SignInThroughLoginAsync(email);
            // 400 for what OpenIddict's client refuses, 403 for what we do (the expiry of a token-endpoint ID token).
            Assert.True(refused.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"{name}: {(int)refused.StatusCode}");
            Assert.Contains("Sign-in refused", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await using var scope = App.Services.CreateAsyncScope();
            Assert.False(await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Users.AnyAsync(u => u.Email == email), name);
        }
    }

    [Fact]
    public async Task A_replayed_callback_a_disabled_user_and_a_suspended_membership_are_refused()
    {
        var sso = await OrganizationWithSsoAsync();
        var email = $"hank@{sso.Domain}";
        upstream.NextUser = new("hank-sub", email, "Hank");
        using var browser = App.CreateBrowser();
        var login = await browser.SubmitAsync(await browser.GetAsync("/Account/Login"), new Dictionary<string, string> { ["Input.Email"] = email });
        using var upstreamClient = upstream.CreateClient();
        var callback = (await upstreamClient.GetAsync(login.Headers.Location)).Headers.Location!;
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(callback.PathAndQuery)).StatusCode);
        // The state is single use.
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync(callback.PathAndQuery)).StatusCode);

        var userId = await UserIdAsync(email);
        var suspend = await sso.AdminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{sso.OrganizationId}/members/{userId}", new { status = "suspended" });
        Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        var suspended = await SignInThroughLoginAsync(email);
        Assert.Equal(HttpStatusCode.Forbidden, suspended.StatusCode);
        Assert.Contains("suspended", await suspended.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{userId}/disable", null)).StatusCode);
        var disabled = await SignInThroughLoginAsync(email);
        Assert.Equal(HttpStatusCode.Forbidden, disabled.StatusCode);
        Assert.Contains("disabled", await disabled.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_are_managed_through_the_api_with_the_secret_kept_protected_tested_and_changed_without_a_restart_on_every_replica()
    {
        var sso = await OrganizationWithSsoAsync();
        var url = $"/api/v1/orgs/{sso.OrganizationId}/sso-connections";
        var view = await sso.AdminApi.Http.GetFromJsonAsync<JsonElement>($"{url}/{sso.ConnectionId}");
        Assert.Equal("https://localhost/sso/callback", view.GetProperty("redirectUri").GetString());
        Assert.True(view.GetProperty("hasClientSecret").GetBoolean());
        Assert.DoesNotContain(UpstreamProvider.ClientSecret, view.GetRawText(), StringComparison.Ordinal);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().SsoConnections.SingleAsync(c => c.Id == sso.ConnectionId);
            Assert.DoesNotContain(UpstreamProvider.ClientSecret, stored.ProtectedClientSecret!, StringComparison.Ordinal);
        }

        // Test connection: the provider's discovery document is usable; a wrong authority is named.
        var tested = await (await sso.AdminApi.Http.PostAsync($"{url}/{sso.ConnectionId}/test", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(tested.GetProperty("ok").GetBoolean(), tested.GetRawText());
        var wrong = await sso.AdminApi.Http.PostAsJsonAsync(url, new { name = "Wrong", authority = upstream.Issuer + "nothing-here/", clientId = "x" });
        Assert.Equal(HttpStatusCode.Created, wrong.StatusCode);
        var wrongId = (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var failed = await (await sso.AdminApi.Http.PostAsync($"{url}/{wrongId}/test", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(failed.GetProperty("ok").GetBoolean());
        Assert.Contains("404", failed.GetProperty("problems")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await sso.AdminApi.Http.DeleteAsync($"{url}/{wrongId}")).StatusCode);

        // Bad input: a clear 400 naming the field, nothing stored.
        var bad = await sso.AdminApi.Http.PostAsJsonAsync(url, new { name = "Bad", authority = "ftp://idp.example", clientId = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("authority", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var nullScope = await sso.AdminApi.Http.PostAsJsonAsync(url, new { name = "Null scope", authority = upstream.Issuer, clientId = "x", scopes = new[] { "email", null } });
        Assert.Equal(HttpStatusCode.Created, nullScope.StatusCode);
        var nullScopeView = await nullScope.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["openid", "email"], nullScopeView.GetProperty("scopes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.NoContent, (await sso.AdminApi.Http.DeleteAsync($"{url}/{nullScopeView.GetProperty("id").GetGuid()}")).StatusCode);

        // A second replica on the same database: a connection change made on the first applies there at the next sign-in.
        await using var replica = App.Replica();
        var email = $"ivy@{sso.Domain}";
        upstream.NextUser = new("ivy-sub", email, "Ivy");
        Assert.Equal(HttpStatusCode.Redirect, (await SignInThroughLoginAsync(email, replica)).StatusCode);
        using var replicaBrowser = replica.CreateBrowser();
        var started = await replicaBrowser.SubmitAsync(await replicaBrowser.GetAsync("/Account/Login"), new Dictionary<string, string> { ["Input.Email"] = email });
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sso.AdminApi.Http.PatchAsJsonAsync($"{url}/{sso.ConnectionId}", new { enabled = false })).StatusCode);
        // A sign-in started before the change ends with a clear page; a new one gets the password step.
        using var upstreamClient = upstream.CreateClient();
        var late = await replicaBrowser.FollowAsync(await replicaBrowser.GetAsync((await upstreamClient.GetAsync(started.Headers.Location)).Headers.Location!.PathAndQuery));
        Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
        Assert.Contains("no longer available", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var passwordStep = await replicaBrowser.SubmitAsync(await replicaBrowser.GetAsync("/Account/Login"), new Dictionary<string, string> { ["Input.Email"] = email });
        Assert.Equal(HttpStatusCode.OK, passwordStep.StatusCode);

        // Outside the plan: the routes answer 403 and nobody is sent to the provider.
        Assert.Equal(HttpStatusCode.OK, (await sso.AdminApi.Http.PatchAsJsonAsync($"{url}/{sso.ConnectionId}", new { enabled = true })).StatusCode);
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        Assert.Equal(HttpStatusCode.OK, (await platform.Http.PutAsJsonAsync($"/api/v1/orgs/{sso.OrganizationId}/plan",
            new { invitations = true, units = true, sso = false, scim = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sso.AdminApi.Http.GetAsync(url)).StatusCode);
        using var browser = App.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await browser.SubmitAsync(await browser.GetAsync("/Account/Login"), new Dictionary<string, string> { ["Input.Email"] = email })).StatusCode);

        var actions = (await App.AuditEventsAsync(sso.OrganizationId)).Select(e => e.Action).ToList();
        Assert.Contains("sso.connection_created", actions);
        Assert.Contains("sso.connection_updated", actions);
        Assert.Contains("sso.connection_deleted", actions);
    }

    [Fact]
    public async Task Signing_out_of_an_application_ends_the_session_at_the_provider_too_and_then_returns_to_the_application()
    {
        var sso = await OrganizationWithSsoAsync();
        var email = $"jane@{sso.Domain}";
        upstream.NextUser = new("jane-sub", email, "Jane");
        using var browser = App.CreateBrowser();
        var toProvider = await browser.SubmitAsync(await browser.GetAsync("/Account/Login"), new Dictionary<string, string> { ["Input.Email"] = email });
        Assert.Equal(HttpStatusCode.Redirect, (await FinishUpstreamAsync(browser, toProvider.Headers.Location!)).StatusCode);

        var confirm = await browser.GetAsync(
            $"/connect/logout?client_id={TestClients.CodeClient}&post_logout_redirect_uri={Uri.EscapeDataString(TestClients.CodePostLogout)}&state=bye");
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var toEndSession = await browser.SubmitAsync(confirm);
        Assert.Equal(HttpStatusCode.Redirect, toEndSession.StatusCode);
        Assert.StartsWith(upstream.Issuer + "connect/logout", toEndSession.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);

        var ended = upstream.EndSessionRequests;
        using var client = upstream.CreateClient();
        var back = await client.GetAsync(toEndSession.Headers.Location);
        Assert.Equal(ended + 1, upstream.EndSessionRequests);
        Assert.Equal("https://localhost/sso/signed-out", back.Headers.Location!.GetLeftPart(UriPartial.Path));

        // Back here: the end-session request resumes, now signed out, and answers the application.
        var resumed = await browser.Http.GetAsync(back.Headers.Location.PathAndQuery);
        Assert.StartsWith("/connect/logout?", resumed.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain("RequestVerificationToken", resumed.Headers.Location.OriginalString, StringComparison.Ordinal);
        var done = await browser.FollowAsync(resumed);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.StartsWith(TestClients.CodePostLogout + "?state=bye", done.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/Account/Profile")).StatusCode);
    }

    private sealed record SsoOrganization(Guid OrganizationId, Browser AdminApi, Guid ConnectionId, string Domain);

    private static string NewDomain() => $"d{Guid.NewGuid():N}"[..13] + ".test";

    /// <summary>An organization with a verified domain and an enabled connection to the upstream provider.</summary>
    private async Task<SsoOrganization> OrganizationWithSsoAsync(string? domain = null, bool requireSso = false)
    {
        domain ??= NewDomain();
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Contoso");
        var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var added = await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/domains", new { domain });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var domainId = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using (var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin))
        {
            Assert.Equal(HttpStatusCode.OK, (await platform.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/domains/{domainId}/verify", new { force = true })).StatusCode);
        }

        var created = await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/sso-connections", new
        {
            name = "Contoso IdP",
            authority = upstream.Issuer,
            clientId = UpstreamProvider.ClientId,
            clientSecret = UpstreamProvider.ClientSecret,
            requireSso,
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var connectionId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        return new SsoOrganization(orgId, adminApi, connectionId, domain);
    }

    /// <summary>E-mail on our login page, then the provider signs in <see cref="UpstreamProvider.NextUser"/>, then our callback's answer.</summary>
    private async Task<HttpResponseMessage> SignInThroughLoginAsync(string email, OrgIdentityApp? server = null)
    {
        using var browser = (server ?? App).CreateBrowser();
        var toProvider = await browser.SubmitAsync(await browser.GetAsync("/Account/Login"), new Dictionary<string, string> { ["Input.Email"] = email });
        Assert.True(toProvider.StatusCode == HttpStatusCode.Redirect, $"{(int)toProvider.StatusCode} {await toProvider.Content.ReadAsStringAsync()}");
        return await FinishUpstreamAsync(browser, toProvider.Headers.Location!);
    }

    private async Task<HttpResponseMessage> FinishUpstreamAsync(Browser browser, Uri authorize)
    {
        using var client = upstream.CreateClient();
        var back = await client.GetAsync(authorize);
        Assert.True(back.StatusCode == HttpStatusCode.Redirect, $"upstream: {(int)back.StatusCode} {await back.Content.ReadAsStringAsync()}");
        var callback = back.Headers.Location!;
        Assert.Equal("https://localhost/sso/callback", callback.GetLeftPart(UriPartial.Path));
        return await browser.Http.GetAsync(callback.PathAndQuery);
    }

    private async Task<TestUser> SignUpAsync(string email, bool confirm)
    {
        using var browser = App.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignUpAsync("Domain Person", email, Users.Password)).StatusCode);
        if (confirm)
        {
            var mail = await App.Mail.WaitForAsync(email, "Confirm your e-mail");
            Assert.Equal(HttpStatusCode.OK, (await browser.ConfirmEmailAsync(mail.Link("/Account/ConfirmEmail"))).StatusCode);
        }

        return new TestUser(email, Users.Password, "Domain Person");
    }

    private Task<Guid> UserIdAsync(string email) => App.UserIdAsync(new TestUser(email, "", ""));
}

public sealed class SsoTestsOnSqlite(SqliteApp app, UpstreamProvider upstream) : SsoTests(app, upstream), IClassFixture<SqliteApp>, IClassFixture<UpstreamProvider>;

public sealed class SsoTestsOnPostgreSql(PostgreSqlApp app, UpstreamProvider upstream) : SsoTests(app, upstream), IClassFixture<PostgreSqlApp>, IClassFixture<UpstreamProvider>;
