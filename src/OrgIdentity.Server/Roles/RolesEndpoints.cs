using System.ComponentModel.DataAnnotations;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Roles;

/// <summary><c>/api/v1/orgs/{orgId}/roles</c>: the built-in roles (read-only) and the organization's custom roles.</summary>
internal static class RolesEndpoints
{
    public static RouteGroupBuilder MapRoles(this RouteGroupBuilder organization)
    {
        var roles = organization.MapGroup("/roles").WithTags("Roles");
        roles.MapGet("/", ListAsync).RequirePermission("roles:view").WithName("ListRoles").Produces<Page<RoleView>>();
        roles.MapPost("/", CreateAsync).WithName("CreateRole").Produces<RoleView>(StatusCodes.Status201Created);
        roles.MapGet("/{key}", GetAsync).RequirePermission("roles:view").WithName("GetRole").Produces<RoleView>();
        roles.MapPut("/{key}", UpdateAsync).WithName("UpdateRole").Produces<RoleView>();
        roles.MapDelete("/{key}", DeleteAsync).WithName("DeleteRole").Produces(StatusCodes.Status204NoContent);
        return organization;
    }

    /// <summary>Every role on one page: an organization has a handful, so <c>next</c> is always null.</summary>
    public static async Task<IResult> ListAsync(CurrentOrganizationCaller caller, CustomRolesService roles, CancellationToken cancellationToken)
    {
        var all = await roles.ListAsync(caller.Value, cancellationToken);
        return TypedResults.Ok(new Page<RoleView>(all, all.Count, null));
    }

    public static async Task<IResult> GetAsync(string key, CurrentOrganizationCaller caller, CustomRolesService roles, CancellationToken cancellationToken) =>
        (await roles.GetAsync(caller.Value, key, cancellationToken)).ToResult(TypedResults.Ok);

    public static async Task<IResult> CreateAsync(RoleRequest request, CurrentOrganizationCaller caller, CustomRolesService roles, CancellationToken cancellationToken) =>
        (await roles.CreateAsync(caller.Value, request.ToDefinition(request.Key), cancellationToken))
            .ToResult(role => TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/roles/{role.Key}", role));

    public static async Task<IResult> UpdateAsync(string key, RoleRequest request, CurrentOrganizationCaller caller, CustomRolesService roles,
        CancellationToken cancellationToken) =>
        (await roles.UpdateAsync(caller.Value, key, request.ToDefinition(request.Key ?? key), cancellationToken)).ToResult(TypedResults.Ok);

    public static async Task<IResult> DeleteAsync(string key, CurrentOrganizationCaller caller, CustomRolesService roles, CancellationToken cancellationToken) =>
        await roles.DeleteAsync(caller.Value, key, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    /// <summary>The body of POST (with <c>key</c>) and PUT (the key is in the route).</summary>
    public sealed record RoleRequest(
        [property: StringLength(63)] string? Key,
        [property: StringLength(100)] string? Name,
        [property: StringLength(500)] string? Description,
        [property: MaxLength(500)] IReadOnlyList<string>? Permissions)
    {
        public RoleDefinition ToDefinition(string? key) => new(key, Name, Description, Permissions);
    }
}
