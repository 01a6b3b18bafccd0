using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

public abstract class SmokeTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task Creator_gets_an_admin_token_for_the_new_organization()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Smoke Corp");
        var tokens = await App.TokensAsync(admin, "openid profile offline_access orgidentity.api assets:view billing:edit");
        var jwt = Oidc.Jwt(tokens.AccessToken!);
        Assert.Equal(orgId.ToString(), jwt.GetClaim("org_id").Value);
        Assert.Equal("admin", jwt.GetClaim("org_role").Value);
        Assert.Contains("assets:view billing:edit", tokens.Get("scope"), StringComparison.Ordinal);

        using var api = App.ApiWithToken(tokens.AccessToken!);
        var members = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}/members");
        Assert.Equal(1, members.GetProperty("total").GetInt32());
        var roles = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key = "billing-editor", name = "Billing editor", permissions = new[] { "billing:edit" } });
        Assert.Equal(HttpStatusCode.Created, roles.StatusCode);
        var audit = await api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}/audit");
        Assert.Equal(2, audit.GetProperty("total").GetInt32());
        var openapi = await api.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openapi.StatusCode);
        Console.WriteLine(tokens.AccessToken);
    }
}

public sealed class SmokeTestsOnSqlite(SqliteApp app) : SmokeTests(app), IClassFixture<SqliteApp>;
