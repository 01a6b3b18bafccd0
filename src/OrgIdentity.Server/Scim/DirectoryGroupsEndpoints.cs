using System.ComponentModel.DataAnnotations;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Scim;

/// <summary>
/// <c>/api/v1/orgs/{orgId}/directory-groups</c> (DESIGN.md §6): the groups a directory pushed, and their mapping to
/// roles and units. Thin: the rules are <see cref="DirectoryGroupsService"/>'s. Only with the plan feature <c>scim</c>.
/// </summary>
internal static class DirectoryGroupsEndpoints
{
    public static RouteGroupBuilder MapDirectoryGroups(this RouteGroupBuilder organization)
    {
        var groups = organization.MapGroup("/directory-groups").WithTags("Directory sync").RequireFeature(PlanFeature.Scim);
        groups.MapGet("/", ListAsync).RequirePermission("members:view").WithName("ListDirectoryGroups").Produces<Page<DirectoryGroupView>>();
        groups.MapGet("/{groupId:guid}/mapping", GetMappingAsync).RequirePermission("members:view").WithName("GetDirectoryGroupMapping").Produces<DirectoryGroupMapping>();
        groups.MapPut("/{groupId:guid}/mapping", SetMappingAsync).WithName("SetDirectoryGroupMapping").Produces<DirectoryGroupMapping>();
        groups.MapPost("/{groupId:guid}/mapping/preview", PreviewAsync).WithName("PreviewDirectoryGroupMapping").Produces<MappingPreview>();
        return organization;
    }

    public static async Task<IResult> ListAsync(CurrentOrganizationCaller caller, DirectoryGroupsService groups, CancellationToken cancellationToken)
    {
        var all = await groups.ListAsync(caller.Value, cancellationToken);
        return TypedResults.Ok(new Page<DirectoryGroupView>(all, all.Count, null));
    }

    public static async Task<IResult> GetMappingAsync(Guid groupId, CurrentOrganizationCaller caller, DirectoryGroupsService groups, CancellationToken cancellationToken) =>
        (await groups.GetAsync(caller.Value, groupId, cancellationToken)).ToResult(group => TypedResults.Ok(group.Mapping));

    public static async Task<IResult> SetMappingAsync(Guid groupId, MappingRequest request, CurrentOrganizationCaller caller, DirectoryGroupsService groups,
        CancellationToken cancellationToken) =>
        (await groups.SetMappingAsync(caller.Value, groupId, request.ToMapping(), cancellationToken)).ToResult(group => TypedResults.Ok(group.Mapping));

    /// <summary>Changes nothing: lists the members whose access the mapping would change.</summary>
    public static async Task<IResult> PreviewAsync(Guid groupId, MappingRequest request, CurrentOrganizationCaller caller, DirectoryGroupsService groups,
        CancellationToken cancellationToken) =>
        (await groups.PreviewAsync(caller.Value, groupId, request.ToMapping(), cancellationToken)).ToResult(changes => TypedResults.Ok(new MappingPreview(changes.Count, changes)));

    public sealed record MappingRequest(
        string? Role,
        [property: MaxLength(100)] IReadOnlyList<string>? Roles,
        [property: MaxLength(1000)] IReadOnlyList<Guid>? Units)
    {
        public DirectoryGroupMapping ToMapping() => new(Role, Roles ?? [], Units ?? []);
    }

    public sealed record MappingPreview(int Changed, IReadOnlyList<GroupAccessChange> Members);
}
