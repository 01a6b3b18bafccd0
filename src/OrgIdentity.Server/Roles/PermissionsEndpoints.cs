using Microsoft.AspNetCore.Http.HttpResults;
using OrgIdentity.Server.Accounts;

namespace OrgIdentity.Server.Roles;

/// <summary><c>GET /api/v1/permissions</c>: the catalog and the built-in roles, so a UI can draw the View/Edit grid.</summary>
internal static class PermissionsEndpoints
{
    public static IHostApplicationBuilder AddRoles(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(PermissionCatalog.Section);
        var configured = section.Exists()
            ? section.Get<Dictionary<string, PermissionKindOptions>>() ?? []
            : PermissionCatalog.DefaultKinds.ToDictionary();
        builder.Services.AddSingleton(new PermissionCatalog(configured));
        builder.Services.AddSingleton<BuiltInRoles>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPermissions(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/permissions", GetCatalog).RequireAuthorization(UsersEndpoints.ApiPolicy).WithTags("Roles").WithName("GetPermissions");
        return app;
    }

    public static Ok<CatalogResponse> GetCatalog(PermissionCatalog catalog, BuiltInRoles roles) =>
        TypedResults.Ok(new CatalogResponse(
            catalog.Kinds.Select(kind => new KindResponse(kind, PermissionCatalog.AdministrativeKinds.Contains(kind), catalog.ImpliedKinds(kind),
                [PermissionCatalog.View, PermissionCatalog.Edit])).ToList(),
            [PermissionCatalog.Impersonate],
            BuiltInRoles.Keys.Select(key => new RoleResponse(key, [.. roles.PermissionsOf(key)])).ToList()));

    public sealed record CatalogResponse(IReadOnlyList<KindResponse> Kinds, IReadOnlyList<string> Special, IReadOnlyList<RoleResponse> BuiltInRoles);

    public sealed record KindResponse(string Key, bool Administrative, IReadOnlyList<string> Implies, IReadOnlyList<string> Actions);

    public sealed record RoleResponse(string Key, IReadOnlyList<string> Permissions);
}
