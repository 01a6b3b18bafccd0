using Microsoft.Extensions.Options;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Scim;

/// <summary>
/// <c>/api/v1/orgs/{orgId}/directory-tokens</c> (DESIGN.md §6): the organization's SCIM bearer tokens. Thin: the rules
/// are <see cref="DirectoryTokensService"/>'s. Only with the plan feature <c>scim</c>.
/// </summary>
internal static class DirectoryTokensEndpoints
{
    public static RouteGroupBuilder MapDirectoryTokens(this RouteGroupBuilder organization)
    {
        var tokens = organization.MapGroup("/directory-tokens").WithTags("Directory sync").RequireFeature(PlanFeature.Scim);
        tokens.MapGet("/", ListAsync).RequirePermission(DomainsService.SettingsEdit).WithName("ListDirectoryTokens").Produces<Page<DirectoryTokenView>>();
        tokens.MapPost("/", CreateAsync).WithName("CreateDirectoryToken").Produces<CreatedDirectoryToken>(StatusCodes.Status201Created);
        tokens.MapDelete("/{tokenId:guid}", RevokeAsync).WithName("RevokeDirectoryToken").Produces(StatusCodes.Status204NoContent);
        return organization;
    }

    /// <summary>Every token on one page (revoked ones included, marked): an organization has a handful.</summary>
    public static async Task<IResult> ListAsync(CurrentOrganizationCaller caller, DirectoryTokensService tokens, CancellationToken cancellationToken)
    {
        var all = await tokens.ListAsync(caller.Value, cancellationToken);
        return TypedResults.Ok(new Page<DirectoryTokenView>(all, all.Count, null));
    }

    /// <summary>The answer holds the token, once, and the SCIM base URL to give the directory with it.</summary>
    public static async Task<IResult> CreateAsync(CreateDirectoryTokenRequest request, CurrentOrganizationCaller caller, DirectoryTokensService tokens,
        IOptions<OrgIdentityOptions> options, CancellationToken cancellationToken) =>
        (await tokens.CreateAsync(caller.Value, request.Name, options.Value.Link(ScimEndpoints.BasePath), cancellationToken))
            .ToResult(token => TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/directory-tokens/{token.Id}", token));

    public static async Task<IResult> RevokeAsync(Guid tokenId, CurrentOrganizationCaller caller, DirectoryTokensService tokens, CancellationToken cancellationToken) =>
        await tokens.RevokeAsync(caller.Value, tokenId, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    // No length attribute: the service checks the length after trimming, and says so under "name".
    public sealed record CreateDirectoryTokenRequest(string? Name);
}
