using System.ComponentModel.DataAnnotations;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Units;

/// <summary><c>/api/v1/orgs/{orgId}/units</c>: the organization's brands, projects or services (the <c>units</c> plan feature).</summary>
internal static class UnitsEndpoints
{
    public static RouteGroupBuilder MapUnits(this RouteGroupBuilder organization)
    {
        var units = organization.MapGroup("/units").WithTags("Units").RequireFeature(PlanFeature.Units);
        units.MapGet("/", ListAsync).RequirePermission("units:view").WithName("ListUnits").Produces<Page<UnitView>>();
        units.MapPost("/", CreateAsync).WithName("CreateUnit").Produces<UnitView>(StatusCodes.Status201Created);
        units.MapPatch("/{unitId:guid}", RenameAsync).WithName("RenameUnit").Produces<UnitView>();
        units.MapDelete("/{unitId:guid}", DeleteAsync).WithName("DeleteUnit").Produces(StatusCodes.Status204NoContent);
        return organization;
    }

    /// <summary>Every unit on one page, with how many members are limited to each.</summary>
    public static async Task<IResult> ListAsync(CurrentOrganizationCaller caller, UnitsService units, CancellationToken cancellationToken)
    {
        var all = await units.ListAsync(caller.Value, cancellationToken);
        return TypedResults.Ok(new Page<UnitView>(all, all.Count, null));
    }

    public static async Task<IResult> CreateAsync(UnitRequest request, CurrentOrganizationCaller caller, UnitsService units, CancellationToken cancellationToken) =>
        (await units.CreateAsync(caller.Value, request.Name, cancellationToken))
            .ToResult(unit => TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/units/{unit.Id}", unit));

    public static async Task<IResult> RenameAsync(Guid unitId, UnitRequest request, CurrentOrganizationCaller caller, UnitsService units,
        CancellationToken cancellationToken) =>
        (await units.RenameAsync(caller.Value, unitId, request.Name, cancellationToken)).ToResult(TypedResults.Ok);

    public static async Task<IResult> DeleteAsync(Guid unitId, CurrentOrganizationCaller caller, UnitsService units, CancellationToken cancellationToken) =>
        await units.DeleteAsync(caller.Value, unitId, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    public sealed record UnitRequest([property: StringLength(100)] string? Name);
}
