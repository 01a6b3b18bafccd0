using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Hosting;

/// <summary>The admin API's OpenAPI document (DESIGN.md §6) describes every route group.</summary>
public sealed class OpenApiTests(SqliteApp app) : ServerTests(app), IClassFixture<SqliteApp>
{
    [Fact]
    public async Task The_openapi_document_lists_the_admin_api_routes_with_their_schemas()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Subset(paths.ToHashSet(), new HashSet<string>
        {
            "/api/v1/me", "/api/v1/permissions", "/api/v1/orgs", "/api/v1/orgs/{orgId}", "/api/v1/orgs/{orgId}/members",
            "/api/v1/orgs/{orgId}/members/{userId}", "/api/v1/orgs/{orgId}/roles", "/api/v1/orgs/{orgId}/roles/{key}",
            "/api/v1/orgs/{orgId}/authz/check", "/api/v1/orgs/{orgId}/audit", "/api/v1/users", "/api/v1/users/{id}",
        });
        Assert.DoesNotContain(paths, p => p.StartsWith("/connect", StringComparison.Ordinal));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("MemberView", out _));
        Assert.True(schemas.TryGetProperty("RoleView", out _));
    }
}
