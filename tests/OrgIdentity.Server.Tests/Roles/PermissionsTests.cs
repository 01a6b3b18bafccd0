using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Roles;

/// <summary><c>GET /api/v1/permissions</c>: the catalog and the built-in roles of DESIGN.md §2.</summary>
public abstract class PermissionsTests(OrgIdentityApp app) : ServerTests(app)
{
    private static readonly string[] ProductKinds =
        ["analytics", "apps", "assets", "catalog-items", "configurations", "customers", "developer-accounts", "jobs", "orders", "renders", "stages"];

    [Fact]
    public async Task The_default_catalog_lists_product_and_administrative_kinds_with_their_implications()
    {
        var catalog = await CatalogAsync(App);

        var kinds = catalog.GetProperty("kinds").EnumerateArray().ToDictionary(k => k.GetProperty("key").GetString()!);
        Assert.Equal(ProductKinds, kinds.Values.Where(k => !k.GetProperty("administrative").GetBoolean()).Select(k => k.GetProperty("key").GetString()));
        Assert.Equal(PermissionCatalog.AdministrativeKinds, kinds.Values.Where(k => k.GetProperty("administrative").GetBoolean()).Select(k => k.GetProperty("key").GetString()));
        Assert.Equal(["catalog-items", "stages"], Strings(kinds["assets"], "implies"));
        Assert.Equal(["view", "edit"], Strings(kinds["orders"], "actions"));
        Assert.Equal(["members:impersonate"], Strings(catalog, "special"));
    }

    [Fact]
    public async Task The_built_in_roles_are_exactly_the_design_table()
    {
        var roles = (await CatalogAsync(App)).GetProperty("builtInRoles").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => Strings(r, "permissions").ToHashSet());

        Assert.Equal(["admin", "member", "viewer"], roles.Keys);
        var everything = ProductKinds.Concat(PermissionCatalog.AdministrativeKinds).SelectMany(k => new[] { $"{k}:view", $"{k}:edit" }).Append("members:impersonate");
        Assert.True(roles["admin"].SetEquals(everything));
        var member = ProductKinds.SelectMany(k => new[] { $"{k}:view", $"{k}:edit" }).Concat(["members:view", "units:view"]);
        Assert.True(roles["member"].SetEquals(member), string.Join(" ", roles["member"]));
        var viewer = ProductKinds.Select(k => $"{k}:view").Concat(["members:view", "units:view"]);
        Assert.True(roles["viewer"].SetEquals(viewer), string.Join(" ", roles["viewer"]));
    }

    [Fact]
    public async Task The_catalog_needs_an_api_token()
    {
        using var browser = App.CreateBrowser();

        var response = await browser.GetAsync("/api/v1/permissions");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    internal static async Task<JsonElement> CatalogAsync(OrgIdentityApp app)
    {
        var user = await app.SignUpAsync();
        var tokens = await app.TokensAsync(user);
        using var browser = app.CreateBrowser();
        browser.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return await browser.Http.GetFromJsonAsync<JsonElement>("/api/v1/permissions");
    }

    internal static string[] Strings(JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToArray();
}

public sealed class PermissionsTestsOnSqlite(SqliteApp app) : PermissionsTests(app), IClassFixture<SqliteApp>;

public sealed class PermissionsTestsOnPostgreSql(PostgreSqlApp app) : PermissionsTests(app), IClassFixture<PostgreSqlApp>;

/// <summary>A product's own catalog in <c>OrgIdentity:Permissions</c>.</summary>
public sealed class ConfiguredCatalogTests
{
    [Fact]
    public async Task A_configured_catalog_replaces_the_product_kinds_and_keeps_the_administrative_ones()
    {
        // Kinds may imply each other both ways; expansion stops at what it has seen.
        await using var app = new SqliteApp()
            .With("OrgIdentity:Permissions:widgets:Implies:0", "gadgets")
            .With("OrgIdentity:Permissions:gadgets:Implies:0", "widgets");

        var catalog = await PermissionsTests.CatalogAsync(app);

        var kinds = catalog.GetProperty("kinds").EnumerateArray().Select(k => k.GetProperty("key").GetString()).ToArray();
        Assert.Equal(["gadgets", "widgets", .. PermissionCatalog.AdministrativeKinds], kinds);
        var viewer = catalog.GetProperty("builtInRoles").EnumerateArray().Single(r => r.GetProperty("key").GetString() == "viewer");
        Assert.Equal(["gadgets:view", "members:view", "units:view", "widgets:view"], PermissionsTests.Strings(viewer, "permissions"));
    }

    [Fact]
    public void A_kind_that_implies_an_unknown_kind_stops_the_start_naming_the_setting()
    {
        var problem = Assert.Throws<StartupConfigurationException>(() => new PermissionCatalog(
            new Dictionary<string, PermissionKindOptions> { ["widgets"] = new() { Implies = ["gizmos"] } }));

        Assert.Contains("OrgIdentity:Permissions:widgets:Implies", problem.Message, StringComparison.Ordinal);
        Assert.Contains("gizmos", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Edit_brings_view_and_a_kind_brings_the_kinds_it_implies_at_the_same_action()
    {
        var catalog = new PermissionCatalog(PermissionCatalog.DefaultKinds);

        var expanded = catalog.Expand(["assets:edit"]);

        Assert.Equal(["assets:edit", "assets:view", "catalog-items:edit", "catalog-items:view", "stages:edit", "stages:view"], expanded);
        Assert.Equal(["members:impersonate"], catalog.Expand(["members:impersonate"]));
    }
}
