using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrgIdentity.AspNetCore;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.AspNetCore;

/// <summary>
/// Issue 11: a tiny API built with OrgIdentity.AspNetCore, validating tokens of the OrgIdentity under test (discovery,
/// JWKS and permission checks over HTTP through the test server's handler).
/// </summary>
public abstract class ResourceServerTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task The_api_admits_tokens_with_the_permission_refuses_others_and_reads_the_organization_claims()
    {
        await using var api = await StartApiAsync();
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Resource Co");
        var member = await App.SignUpAsync("Rita Resource");
        await App.AddMemberAsync(orgId, member, "member");
        var viewer = await App.SignUpAsync("Vera Viewer");
        await App.AddMemberAsync(orgId, viewer, "viewer");
        var memberTokens = await App.TokensAsync(member, organization: orgId.ToString());
        var viewerToken = (await App.TokensAsync(viewer, organization: orgId.ToString())).AccessToken!;

        var seen = await ExpectAsync(api, "/assets", memberTokens.AccessToken, HttpStatusCode.OK);
        Assert.Equal(orgId.ToString(), seen.GetProperty("org").GetString());
        Assert.Equal("member", seen.GetProperty("role").GetString());
        Assert.Equal(["member"], seen.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["*"], seen.GetProperty("units").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(("user", JsonValueKind.Null), (seen.GetProperty("type").GetString(), seen.GetProperty("actor").ValueKind));
        Assert.True(seen.GetProperty("authzVersion").GetInt32() >= 1);

        await ExpectAsync(api, "/orders/edit", viewerToken, HttpStatusCode.Forbidden);
        await ExpectAsync(api, "/assets", null, HttpStatusCode.Unauthorized);
        await ExpectAsync(api, "/assets", "not-a-token", HttpStatusCode.Unauthorized);
        // An ID token is not an access token (typ JWT, audience the client).
        await ExpectAsync(api, "/assets", memberTokens.IdToken, HttpStatusCode.Unauthorized);
        // Without the API scope the token is not for this audience.
        await ExpectAsync(api, "/assets", (await App.TokensAsync(member, scope: "openid", organization: orgId.ToString())).AccessToken, HttpStatusCode.Unauthorized);
        // Same claims, signed by a key OrgIdentity never published.
        await ExpectAsync(api, "/assets", Forged(Oidc.Jwt(memberTokens.AccessToken!), DateTime.UtcNow.AddMinutes(5)), HttpStatusCode.Unauthorized);
        // A configured client's token names no organization.
        using var http = App.CreateBrowser();
        var clientToken = (await Oidc.ClientCredentialsAsync(http.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens().AccessToken;
        await ExpectAsync(api, "/assets", clientToken, HttpStatusCode.Forbidden);
        _ = admin;
    }

    [Fact]
    public async Task Service_accounts_and_impersonations_are_told_apart_and_the_live_check_sees_a_role_removed_since()
    {
        await using var api = await StartApiAsync();
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Checked Co");
        var member = await App.SignUpAsync("Cleo Checked");
        await App.AddMemberAsync(orgId, member, "member");
        var adminTokens = await App.TokensAsync(admin, organization: orgId.ToString());
        using var adminApi = App.ApiWithToken(adminTokens.AccessToken!);
        using var http = App.CreateBrowser();

        var account = await (await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts", new { name = "Robot", role = "viewer" })).Content.ReadFromJsonAsync<JsonElement>();
        var robotToken = (await Oidc.ClientCredentialsAsync(http.Http, account.GetProperty("clientId").GetString()!, account.GetProperty("clientSecret").GetString()!, "orgidentity.api"))
            .EnsureTokens().AccessToken;
        Assert.Equal("service_account", (await ExpectAsync(api, "/assets", robotToken, HttpStatusCode.OK)).GetProperty("type").GetString());

        var memberId = await App.UserIdAsync(member);
        var started = await (await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/impersonations", new { userId = memberId, reason = "Checking the API" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var acting = (await Oidc.TokenAsync(http.Http, Oidc.Form(("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("client_id", TestClients.CodeClient),
            ("client_secret", TestClients.CodeSecret), ("subject_token", adminTokens.AccessToken), ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"),
            ("impersonation", started.GetProperty("id").GetString())))).EnsureTokens().AccessToken;
        Assert.Equal((await App.UserIdAsync(admin)).ToString(), (await ExpectAsync(api, "/assets", acting, HttpStatusCode.OK)).GetProperty("actor").GetString());

        // The member is made a viewer: the token still says assets:edit for its ten minutes; the live check does not.
        var memberToken = (await App.TokensAsync(member, organization: orgId.ToString())).AccessToken;
        Assert.Equal(HttpStatusCode.OK, (await adminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{memberId}", new { role = "viewer" })).StatusCode);
        await ExpectAsync(api, "/assets/edit", memberToken, HttpStatusCode.OK);
        Assert.False((await ExpectAsync(api, "/assets/edit/live", memberToken, HttpStatusCode.OK)).GetProperty("allowed").GetBoolean());
        Assert.True((await ExpectAsync(api, "/assets/view/live", memberToken, HttpStatusCode.OK)).GetProperty("allowed").GetBoolean());
    }

    /// <summary>The API an application would write: a handful of lines with the library.</summary>
    private async Task<WebApplication> StartApiAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddOrgIdentity(o =>
        {
            o.Authority = "https://localhost/";
            o.BackchannelHttpHandler = App.Server.CreateHandler();
        });
        var api = builder.Build();
        api.UseAuthentication();
        api.UseAuthorization();
        api.MapGet("/assets", (ClaimsPrincipal user) => new
        {
            org = user.GetOrgId()?.ToString(),
            role = user.GetOrgRole(),
            roles = user.GetOrgRoles(),
            units = user.GetUnits(),
            type = user.GetPrincipalType(),
            actor = user.GetActor(),
            authzVersion = user.GetAuthzVersion(),
        }).RequireOrgPermission("assets:view");
        api.MapGet("/assets/edit", () => "ok").RequireOrgPermission("assets:edit");
        api.MapGet("/orders/edit", () => "ok").RequireOrgPermission("orders:edit");
        api.MapGet("/assets/{action}/live", async (string action, OrgIdentityPermissionCheck check) => new { allowed = await check.IsAllowedAsync($"assets:{action}") })
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(OrgIdentityServiceCollectionExtensions.Scheme).RequireAuthenticatedUser());
        await api.StartAsync(TestContext.Current.CancellationToken);
        return api;
    }

    private static async Task<JsonElement> ExpectAsync(WebApplication api, string path, string? token, HttpStatusCode expected)
    {
        using var client = api.GetTestClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: expected {(int)expected}, got {(int)response.StatusCode} {body}");
        return response.StatusCode == HttpStatusCode.OK && body.StartsWith('{') ? JsonDocument.Parse(body).RootElement.Clone() : default;
    }

    /// <summary>The claims of a real token, re-signed with a key of our own.</summary>
    private static string Forged(JsonWebToken original, DateTime expires)
    {
        using var rsa = RSA.Create(2048);
        var claims = original.Claims.Where(c => c.Type is not ("exp" or "iat" or "nbf")).GroupBy(c => c.Type)
            .ToDictionary(g => g.Key, g => (object)(g.Count() == 1 ? g.First().Value : g.Select(c => c.Value).ToArray()));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "at+jwt",
            Claims = claims,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = original.Kid }, SecurityAlgorithms.RsaSha256),
        });
    }
}

public sealed class ResourceServerTestsOnSqlite(SqliteApp app) : ResourceServerTests(app), IClassFixture<SqliteApp>;

public sealed class ResourceServerTestsOnPostgreSql(PostgreSqlApp app) : ResourceServerTests(app), IClassFixture<PostgreSqlApp>;
