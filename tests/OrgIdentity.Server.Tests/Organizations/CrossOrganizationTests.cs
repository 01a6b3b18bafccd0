using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// Tenant isolation of <c>/api/v1/orgs/{orgId}</c> (DESIGN.md §6): a token is for one organization, and only a
/// platform admin may use one elsewhere; membership is read from the database at every request.
/// </summary>
public abstract partial class CrossOrganizationTests(OrgIdentityApp app) : ServerTests(app)
{
    /// <summary>
    /// Every route under <c>/api/v1/orgs/{orgId}</c>: method, path after the organization (with <c>{userId}</c> and
    /// <c>{key}</c> standing for a member and a custom role of the organization attacked, <c>domains/{id}</c> for one of
    /// its domains) and a JSON body that would change something there if it got through.
    /// </summary>
    public static readonly TheoryData<string, string, string?> Routes = new()
    {
        { "GET", "", null },
        { "PATCH", "", """{"name":"Taken over","slug":"taken-over","openSignUp":true,"welcomeEmails":false}""" },
        { "GET", "members", null },
        { "GET", "members/export", null },
        { "POST", "members", """{"email":"intruder@taken-over.example","name":"Taken over"}""" },
        { "POST", "members/{userId}/password-reset", null },
        { "GET", "members/{userId}", null },
        { "PATCH", "members/{userId}", """{"role":"admin"}""" },
        { "DELETE", "members/{userId}", null },
        { "GET", "roles", null },
        { "POST", "roles", """{"key":"taken-over","name":"Taken over","permissions":["billing:edit"]}""" },
        { "GET", "roles/{key}", null },
        { "PUT", "roles/{key}", """{"name":"Taken over","permissions":["billing:edit","audit-log:view"]}""" },
        { "DELETE", "roles/{key}", null },
        { "GET", "audit", null },
        { "GET", "audit/export", null },
        { "PUT", "plan", """{"invitations":false,"units":false,"sso":false,"scim":false}""" },
        { "GET", "units", null },
        { "POST", "units", """{"name":"Taken over"}""" },
        { "PATCH", "units/{unitId}", """{"name":"Taken over"}""" },
        { "DELETE", "units/{unitId}", null },
        { "POST", "authz/check", """{"subject":"{userId}","permission":"billing:edit"}""" },
        { "GET", "domains", null },
        { "POST", "domains", """{"domain":"taken-over.example"}""" },
        { "GET", "domains/{id}", null },
        { "DELETE", "domains/{id}", null },
        { "POST", "domains/{id}/verify", """{"force":true}""" },
        { "GET", "invitations", null },
        { "POST", "invitations", """{"email":"intruder@taken-over.example","role":"admin"}""" },
        { "POST", "invitations/{invitationId}/resend", null },
        { "DELETE", "invitations/{invitationId}", null },
        { "GET", "invite-link", null },
        { "POST", "invite-link", """{"role":"member"}""" },
        { "DELETE", "invite-link", null },
        { "GET", "directory-tokens", null },
        { "POST", "directory-tokens", """{"name":"Taken over"}""" },
        { "DELETE", "directory-tokens/{tokenId}", null },
        { "GET", "directory-groups", null },
        { "GET", "directory-groups/{groupId}/mapping", null },
        { "PUT", "directory-groups/{groupId}/mapping", """{"role":"admin"}""" },
        { "POST", "directory-groups/{groupId}/mapping/preview", """{"role":"admin"}""" },
        { "GET", "service-accounts", null },
        { "POST", "service-accounts", """{"name":"Taken over","role":"admin"}""" },
        { "GET", "service-accounts/{accountId}", null },
        { "PATCH", "service-accounts/{accountId}", """{"role":"admin","disabled":true}""" },
        { "DELETE", "service-accounts/{accountId}", null },
        { "POST", "service-accounts/{accountId}/secrets", null },
        { "DELETE", "service-accounts/{accountId}/secrets/{secretId}", null },
        { "POST", "impersonations", """{"userId":"{userId}","reason":"Taken over"}""" },
        { "DELETE", "impersonations/{impersonationId}", null },
        { "GET", "sso-connections", null },
        { "POST", "sso-connections", """{"name":"Taken over","authority":"https://evil.example/","clientId":"evil"}""" },
        { "GET", "sso-connections/{connectionId}", null },
        { "PATCH", "sso-connections/{connectionId}", """{"authority":"https://evil.example/","enabled":true}""" },
        { "DELETE", "sso-connections/{connectionId}", null },
        { "POST", "sso-connections/{connectionId}/test", null },
    };

    [Fact]
    public void The_route_table_of_these_tests_covers_every_organization_route_of_the_server()
    {
        var served = App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/orgs/{orgId", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToHashSet();
        var tested = Routes.Select(r => $"{r.Data.Item1} {Normalize("/api/v1/orgs/{orgId}/" + r.Data.Item2)}").ToHashSet();

        Assert.NotEmpty(served);
        var untested = served.Except(tested).Order(StringComparer.Ordinal).ToList();
        Assert.True(untested.Count == 0, "Routes missing from the isolation table: " + string.Join(", ", untested));
    }

    [Theory]
    [MemberData(nameof(Routes), MemberType = typeof(CrossOrganizationTests))]
    public async Task An_admin_of_one_organization_gets_403_on_every_route_of_another_and_nothing_changes_there(string method, string path, string? body)
    {
        var a = await App.OrganizationWithAdminAsync("Alpha");
        var b = await SharedTargetAsync();
        using var api = await App.ApiAsync(a.Admin, organization: a.OrganizationId.ToString());
        var before = await SnapshotAsync(b);
        var auditOfA = (await App.AuditEventsAsync(a.OrganizationId)).Count;

        var response = await SendAsync(api, method, b.OrganizationId, path, body, b);

        await AssertForbiddenProblemAsync(response);
        var text = await response.Content.ReadAsStringAsync();
        foreach (var secret in b.Secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(before, await SnapshotAsync(b));
        Assert.Equal(auditOfA, (await App.AuditEventsAsync(a.OrganizationId)).Count);
    }

    [Theory]
    [MemberData(nameof(Routes), MemberType = typeof(CrossOrganizationTests))]
    public async Task A_person_in_both_organizations_cannot_use_a_token_for_one_on_the_other(string method, string path, string? body)
    {
        var b = await SharedTargetAsync();
        var (both, aId) = await App.OrganizationWithAdminAsync("Alpha");
        await App.AddMemberAsync(b.OrganizationId, both, "admin");
        using var api = await App.ApiAsync(both, organization: aId.ToString());
        var before = await SnapshotAsync(b);

        var response = await SendAsync(api, method, b.OrganizationId, path, body, b);

        await AssertForbiddenProblemAsync(response);
        Assert.Equal(before, await SnapshotAsync(b));
    }

    [Theory]
    [MemberData(nameof(Routes), MemberType = typeof(CrossOrganizationTests))]
    public async Task An_organization_that_does_not_exist_is_403_like_a_foreign_one_for_a_person_but_404_for_the_platform_admin(string method, string path, string? body)
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Alpha");
        var foreign = await SharedTargetAsync();
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        var missing = Guid.CreateVersion7();

        var asPerson = await SendAsync(api, method, missing, path, body, foreign);
        var onForeign = await SendAsync(api, method, foreign.OrganizationId, path, body, foreign);
        var asPlatformAdmin = await SendAsync(platform, method, missing, path, body, foreign);

        var problem = await AssertForbiddenProblemAsync(asPerson);
        var foreignProblem = await AssertForbiddenProblemAsync(onForeign);
        Assert.Equal(foreignProblem.GetProperty("detail").GetString(), problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, asPlatformAdmin.StatusCode);
        Assert.Equal("application/problem+json", asPlatformAdmin.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(Routes), MemberType = typeof(CrossOrganizationTests))]
    public async Task A_client_token_gets_403_on_every_organization_route(string method, string path, string? body)
    {
        var b = await SharedTargetAsync();
        using var browser = App.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();
        using var api = App.ApiWithToken(tokens.AccessToken!);
        var before = await SnapshotAsync(b);

        var response = await SendAsync(api, method, b.OrganizationId, path, body, b);

        await AssertForbiddenProblemAsync(response);
        Assert.Equal(before, await SnapshotAsync(b));
    }

    [Fact]
    public async Task The_platform_admin_without_an_organization_in_the_token_may_call_any_organizations_routes()
    {
        var b = await TargetAsync();
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        var platformAdminId = await App.UserIdAsync(Infrastructure.Organizations.PlatformAdmin);
        var route = $"/api/v1/orgs/{b.OrganizationId}";

        var organization = await platform.Http.GetAsync(route);
        var members = await platform.Http.GetAsync($"{route}/members");
        var member = await platform.Http.GetAsync($"{route}/members/{b.MemberId}");
        var roles = await platform.Http.GetAsync($"{route}/roles");
        var role = await platform.Http.GetAsync($"{route}/roles/{b.SpareRole}");
        var audit = await platform.Http.GetAsync($"{route}/audit");
        var check = await platform.Http.PostAsJsonAsync($"{route}/authz/check", new { subject = b.MemberId.ToString(), permission = "assets:edit" });
        var renamed = await platform.Http.PatchAsJsonAsync(route, new { name = "Renamed by the platform" });

        foreach (var response in new[] { organization, members, member, roles, role, audit, check, renamed })
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK,
                $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(b.Name, (await organization.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        Assert.Equal(2, (await members.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total").GetInt32());
        Assert.True((await check.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("allowed").GetBoolean());
        Assert.Equal("Renamed by the platform", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        var last = (await App.AuditEventsAsync(b.OrganizationId))[^1];
        Assert.Equal(("organization.updated", platformAdminId.ToString()), (last.Action, last.ActorId));
    }

    [Fact]
    public async Task A_suspended_member_gets_403_at_once_with_a_still_valid_token_and_access_again_when_reactivated()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Alpha");
        var member = await App.SignUpAsync("Suspended member");
        await App.AddMemberAsync(orgId, member, "member");
        var memberId = await App.UserIdAsync(member);
        using var adminApi = await App.ApiAsync(admin, organization: orgId.ToString());
        using var memberApi = await App.ApiAsync(member, organization: orgId.ToString());
        Assert.Equal(HttpStatusCode.OK, (await memberApi.Http.GetAsync($"/api/v1/orgs/{orgId}/members")).StatusCode);

        var suspended = await adminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{memberId}", new { status = "suspended" });
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);

        await AssertForbiddenProblemAsync(await memberApi.Http.GetAsync($"/api/v1/orgs/{orgId}"));
        await AssertForbiddenProblemAsync(await memberApi.Http.GetAsync($"/api/v1/orgs/{orgId}/members"));
        await AssertForbiddenProblemAsync(await memberApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/authz/check",
            new { subject = memberId.ToString(), permission = "assets:view" }));
        // The token itself is still good elsewhere: the refusal is the membership's, not the token's.
        Assert.Equal(HttpStatusCode.OK, (await memberApi.Http.GetAsync("/api/v1/me")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await adminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{memberId}", new { status = "active" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await memberApi.Http.GetAsync($"/api/v1/orgs/{orgId}/members")).StatusCode);
    }

    [Fact]
    public async Task A_removed_member_gets_403_at_once_with_a_still_valid_token()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Alpha");
        var member = await App.SignUpAsync("Removed member");
        await App.AddMemberAsync(orgId, member, "admin");
        var memberId = await App.UserIdAsync(member);
        using var adminApi = await App.ApiAsync(admin, organization: orgId.ToString());
        using var memberApi = await App.ApiAsync(member, organization: orgId.ToString());
        Assert.Equal(HttpStatusCode.OK, (await memberApi.Http.GetAsync($"/api/v1/orgs/{orgId}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.Http.DeleteAsync($"/api/v1/orgs/{orgId}/members/{memberId}")).StatusCode);

        await AssertForbiddenProblemAsync(await memberApi.Http.GetAsync($"/api/v1/orgs/{orgId}"));
        await AssertForbiddenProblemAsync(await memberApi.Http.GetAsync($"/api/v1/orgs/{orgId}/audit"));
        await AssertForbiddenProblemAsync(await memberApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name = "Revenge" }));
        await AssertForbiddenProblemAsync(await memberApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles",
            new { key = "revenge", name = "Revenge", permissions = new[] { "billing:edit" } }));
        var organization = await adminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}");
        Assert.Equal("Alpha", organization.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await adminApi.Http.GetAsync($"/api/v1/orgs/{orgId}/roles/revenge")).StatusCode);
    }

    [Fact]
    public async Task A_token_without_the_api_scope_is_refused_on_organization_routes()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Alpha");
        var tokens = await App.TokensAsync(admin, "openid profile email offline_access", organization: orgId.ToString());
        using var api = App.ApiWithToken(tokens.AccessToken!);

        var read = await api.Http.GetAsync($"/api/v1/orgs/{orgId}");
        var write = await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}", new { name = "Without scope" });

        Assert.Contains(read.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        Assert.Contains(write.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        using var full = await App.ApiAsync(admin, organization: orgId.ToString());
        Assert.Equal("Alpha", (await full.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task No_token_gets_401_on_organization_routes()
    {
        var (_, orgId) = await App.OrganizationWithAdminAsync("Alpha");
        using var anonymous = App.CreateBrowser();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/orgs/{orgId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/orgs/{orgId}/members")).StatusCode);
    }

    [Theory]
    [InlineData("GET", "members/{unknown}", null)]
    [InlineData("PATCH", "members/{unknown}", """{"role":"viewer"}""")]
    [InlineData("DELETE", "members/{unknown}", null)]
    [InlineData("GET", "roles/no-such-role", null)]
    [InlineData("PUT", "roles/no-such-role", """{"name":"Nothing","permissions":["assets:view"]}""")]
    [InlineData("DELETE", "roles/no-such-role", null)]
    [InlineData("GET", "domains/{unknown}", null)]
    [InlineData("DELETE", "domains/{unknown}", null)]
    [InlineData("POST", "domains/{unknown}/verify", null)]
    [InlineData("POST", "invitations/{unknown}/resend", null)]
    [InlineData("DELETE", "invitations/{unknown}", null)]
    [InlineData("GET", "sso-connections/{unknown}", null)]
    [InlineData("PATCH", "sso-connections/{unknown}", """{"enabled":false}""")]
    [InlineData("DELETE", "sso-connections/{unknown}", null)]
    [InlineData("POST", "sso-connections/{unknown}/test", null)]
    public async Task An_unknown_member_or_role_of_ones_own_organization_is_404(string method, string path, string? body)
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Alpha");
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());
        var auditBefore = (await App.AuditEventsAsync(orgId)).Count;

        var response = await SendAsync(api, method, orgId, path.Replace("{unknown}", Guid.CreateVersion7().ToString(), StringComparison.Ordinal), body, target: null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(auditBefore, (await App.AuditEventsAsync(orgId)).Count);
    }

    [Theory]
    [InlineData("GET", "members/{userId}", null)]
    [InlineData("PATCH", "members/{userId}", """{"role":"viewer"}""")]
    [InlineData("PATCH", "members/{userId}", """{"status":"suspended"}""")]
    [InlineData("DELETE", "members/{userId}", null)]
    [InlineData("GET", "roles/{key}", null)]
    [InlineData("PUT", "roles/{key}", """{"name":"Taken over","permissions":["billing:edit"]}""")]
    [InlineData("DELETE", "roles/{key}", null)]
    [InlineData("GET", "domains/{id}", null)]
    [InlineData("DELETE", "domains/{id}", null)]
    [InlineData("POST", "domains/{id}/verify", null)]
    [InlineData("POST", "invitations/{invitationId}/resend", null)]
    [InlineData("DELETE", "invitations/{invitationId}", null)]
    [InlineData("DELETE", "directory-tokens/{tokenId}", null)]
    [InlineData("GET", "directory-groups/{groupId}/mapping", null)]
    [InlineData("PUT", "directory-groups/{groupId}/mapping", """{"role":"viewer"}""")]
    [InlineData("POST", "directory-groups/{groupId}/mapping/preview", """{"role":"viewer"}""")]
    [InlineData("GET", "service-accounts/{accountId}", null)]
    [InlineData("PATCH", "service-accounts/{accountId}", """{"disabled":true}""")]
    [InlineData("DELETE", "service-accounts/{accountId}", null)]
    [InlineData("POST", "service-accounts/{accountId}/secrets", null)]
    [InlineData("DELETE", "service-accounts/{accountId}/secrets/{secretId}", null)]
    [InlineData("GET", "sso-connections/{connectionId}", null)]
    [InlineData("PATCH", "sso-connections/{connectionId}", """{"authority":"https://evil.example/"}""")]
    [InlineData("DELETE", "sso-connections/{connectionId}", null)]
    [InlineData("POST", "sso-connections/{connectionId}/test", null)]
    public async Task Another_organizations_members_and_roles_named_on_ones_own_routes_are_404_and_untouched(string method, string path, string? body)
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Alpha");
        var b = await SharedTargetAsync();
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());
        var before = await SnapshotAsync(b);

        // The member and role of B, on A's own routes with A's own token.
        var response = await SendAsync(api, method, orgId, path, body, b);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        foreach (var secret in b.Secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(before, await SnapshotAsync(b));
    }

    [Fact]
    public async Task Another_organizations_admin_named_as_a_member_of_ones_own_is_404_too()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Alpha");
        var b = await TargetAsync();
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());
        var before = await SnapshotAsync(b);

        var get = await api.Http.GetAsync($"/api/v1/orgs/{orgId}/members/{b.AdminId}");
        var demote = await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{b.AdminId}", new { role = "viewer" });
        var remove = await api.Http.DeleteAsync($"/api/v1/orgs/{orgId}/members/{b.AdminId}");

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound], new[] { get.StatusCode, demote.StatusCode, remove.StatusCode });
        Assert.Equal(before, await SnapshotAsync(b));
    }

    [Fact]
    public async Task Ones_own_lists_and_checks_never_show_another_organizations_members_roles_or_events()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Alpha");
        var b = await TargetAsync();
        using var api = await App.ApiAsync(admin, organization: orgId.ToString());

        var members = await api.Http.GetStringAsync($"/api/v1/orgs/{orgId}/members");
        var roles = await api.Http.GetStringAsync($"/api/v1/orgs/{orgId}/roles");
        var audit = await api.Http.GetStringAsync($"/api/v1/orgs/{orgId}/audit");
        var domains = await api.Http.GetStringAsync($"/api/v1/orgs/{orgId}/domains");
        var check = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/authz/check", new { subject = b.MemberId.ToString(), permission = "assets:view" });

        foreach (var secret in b.Secrets.Append(b.MemberId.ToString()).Append(b.AdminId.ToString()).Append(b.OrganizationId.ToString()))
        {
            Assert.DoesNotContain(secret, members, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, roles, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, audit, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, domains, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(1, JsonDocument.Parse(members).RootElement.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.False((await check.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("allowed").GetBoolean());
    }

    /// <summary>Organization B, the one attacked: its admin, a member holding a custom role, and a second role nobody holds.</summary>
    private sealed record Target(Guid OrganizationId, string Name, string Slug, TestUser Admin, Guid AdminId, string AdminToken, TestUser Member, Guid MemberId,
        string SpareRole)
    {
        /// <summary>A domain B has added (unverified).</summary>
        public required (Guid Id, string Name) Domain { get; init; }

        /// <summary>A unit of B.</summary>
        public required Guid UnitId { get; init; }

        /// <summary>A pending invitation of B.</summary>
        public required (Guid Id, string Email) Invitation { get; init; }
        public required Guid DirectoryTokenId { get; init; }
        public required Guid DirectoryGroupId { get; init; }
        public required (Guid Id, Guid SecretId) ServiceAccount { get; init; }
        public required Guid SsoConnectionId { get; init; }

        /// <summary>What must never show in an answer to someone outside B (they did not send it).</summary>
        public IEnumerable<string> Secrets => [Name, Slug, Admin.Email, Member.Email, "Bravo held role", "Bravo spare role", Domain.Name, "Bravo brand", Invitation.Email, "Bravo IdP"];
    }

    // One B per server for the route theories: each asserts B is unchanged by its own request, so they may share it
    // (building B takes a dozen calls; the theories run hundreds of times). Facts that change B build their own.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<OrgIdentityApp, Task<Target>> SharedTargets = [];

    private Task<Target> SharedTargetAsync() => SharedTargets.GetValue(App, _ => TargetAsync());

    private async Task<Target> TargetAsync()
    {
        var name = "Bravo " + Guid.NewGuid().ToString("N")[..10];
        var (admin, orgId) = await App.OrganizationWithAdminAsync(name);
        var token = (await App.TokensAsync(admin, organization: orgId.ToString())).AccessToken!;
        using var api = App.ApiWithToken(token);
        foreach (var (key, label) in new[] { ("b-held", "Bravo held role"), ("b-spare", "Bravo spare role") })
        {
            var created = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key, name = label, permissions = new[] { "billing:view" } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var member = await App.SignUpAsync("Bravo member");
        await App.AddMemberAsync(orgId, member, "member", "b-held");
        var domain = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/domains", new { domain = $"bravo-{Guid.NewGuid():N}.example" });
        Assert.Equal(HttpStatusCode.Created, domain.StatusCode);
        var domainView = await domain.Content.ReadFromJsonAsync<JsonElement>();
        var unit = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/units", new { name = "Bravo brand" });
        Assert.Equal(HttpStatusCode.Created, unit.StatusCode);
        var unitId = (await unit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var invited = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/invitations", new { email = $"bravo-invitee-{Guid.NewGuid():N}@example.com" });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var invitation = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("invitation");
        Assert.Equal(HttpStatusCode.Created, (await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/invite-link", new { })).StatusCode);
        var directoryToken = await (await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/directory-tokens", new { name = "Bravo directory" })).Content.ReadFromJsonAsync<JsonElement>();
        using var directory = App.CreateBrowser();
        directory.Http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {directoryToken.GetProperty("token").GetString()}");
        var group = await directory.Http.PostAsync("/scim/v2/Groups", new StringContent("""{"displayName":"Bravo group"}""", Encoding.UTF8, "application/scim+json"));
        Assert.Equal(HttpStatusCode.Created, group.StatusCode);
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var serviceAccount = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts", new { name = "Bravo robot", role = "viewer" });
        Assert.Equal(HttpStatusCode.Created, serviceAccount.StatusCode);
        var serviceAccountView = await serviceAccount.Content.ReadFromJsonAsync<JsonElement>();
        var sso = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/sso-connections", new { name = "Bravo IdP", authority = "https://idp.bravo.example/", clientId = "bravo" });
        Assert.Equal(HttpStatusCode.Created, sso.StatusCode);
        var organization = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}");
        return new Target(orgId, name, organization.GetProperty("slug").GetString()!, admin, await App.UserIdAsync(admin), token, member,
            await App.UserIdAsync(member), "b-spare")
        {
            Domain = (domainView.GetProperty("id").GetGuid(), domainView.GetProperty("domain").GetString()!),
            UnitId = unitId,
            Invitation = (invitation.GetProperty("id").GetGuid(), invitation.GetProperty("email").GetString()!),
            DirectoryTokenId = directoryToken.GetProperty("id").GetGuid(),
            DirectoryGroupId = groupId,
            ServiceAccount = (serviceAccountView.GetProperty("account").GetProperty("id").GetGuid(), serviceAccountView.GetProperty("secretId").GetGuid()),
            SsoConnectionId = (await sso.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(),
        };
    }

    /// <summary>B as its own admin sees it (organization, members, roles, domains) and the number of its audit events, read from the database.</summary>
    private async Task<string> SnapshotAsync(Target target)
    {
        using var api = App.ApiWithToken(target.AdminToken);
        var route = $"/api/v1/orgs/{target.OrganizationId}";
        var snapshot = new StringBuilder();
        foreach (var path in new[] { route, $"{route}/members", $"{route}/roles", $"{route}/roles/{target.SpareRole}", $"{route}/members/{target.MemberId}",
            $"{route}/domains", $"{route}/units", $"{route}/invitations", $"{route}/invite-link", $"{route}/directory-tokens",
            $"{route}/directory-groups", $"{route}/service-accounts", $"{route}/sso-connections" })
        {
            var response = await api.Http.GetAsync(path);
            snapshot.Append(path).Append(": ").Append((int)response.StatusCode).Append(' ').AppendLine(await response.Content.ReadAsStringAsync());
        }

        return snapshot.Append("audit events: ").Append((await App.AuditEventsAsync(target.OrganizationId)).Count).ToString();
    }

    private static async Task<HttpResponseMessage> SendAsync(Browser api, string method, Guid organizationId, string path, string? body, Target? target)
    {
        string Fill(string text) => target is null
            ? text
            : text.Replace("{userId}", target.MemberId.ToString(), StringComparison.Ordinal).Replace("{key}", target.SpareRole, StringComparison.Ordinal)
                .Replace("domains/{id}", $"domains/{target.Domain.Id}", StringComparison.Ordinal)
                .Replace("{unitId}", target.UnitId.ToString(), StringComparison.Ordinal)
                .Replace("{invitationId}", target.Invitation.Id.ToString(), StringComparison.Ordinal)
                .Replace("{tokenId}", target.DirectoryTokenId.ToString(), StringComparison.Ordinal)
                .Replace("{groupId}", target.DirectoryGroupId.ToString(), StringComparison.Ordinal)
                .Replace("{accountId}", target.ServiceAccount.Id.ToString(), StringComparison.Ordinal)
                .Replace("{secretId}", target.ServiceAccount.SecretId.ToString(), StringComparison.Ordinal)
                .Replace("{connectionId}", target.SsoConnectionId.ToString(), StringComparison.Ordinal)
                // B has no impersonation to aim at; the organization check comes first anyway.
                .Replace("{impersonationId}", Guid.CreateVersion7().ToString(), StringComparison.Ordinal);

        var url = $"/api/v1/orgs/{organizationId}" + (path.Length == 0 ? "" : "/" + Fill(path));
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(Fill(body), Encoding.UTF8, "application/json");
        }

        var response = await api.Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task<JsonElement> AssertForbiddenProblemAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden,
            $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: expected 403, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(403, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary><c>/api/v1/orgs/{orgId:guid}/members/{userId:guid}/</c> → <c>/api/v1/orgs/{orgId}/members/{userId}</c>.</summary>
    private static string Normalize(string pattern) => RouteConstraint().Replace(pattern, "{$1}").TrimEnd('/');

    [GeneratedRegex(@"\{(\w+):[^}]*\}")]
    private static partial Regex RouteConstraint();
}

public sealed class CrossOrganizationTestsOnSqlite(SqliteApp app) : CrossOrganizationTests(app), IClassFixture<SqliteApp>;

public sealed class CrossOrganizationTestsOnPostgreSql(PostgreSqlApp app) : CrossOrganizationTests(app), IClassFixture<PostgreSqlApp>;
