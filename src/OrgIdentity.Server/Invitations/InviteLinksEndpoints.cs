using System.ComponentModel.DataAnnotations;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Invitations;

/// <summary>
/// <c>/api/v1/orgs/{orgId}/invite-link</c> (DESIGN.md §6): the organization's shareable link; the rules are
/// <see cref="InviteLinksService"/>'s. Only with the plan feature <c>invitations</c>.
/// </summary>
internal static class InviteLinksEndpoints
{
    public static IHostApplicationBuilder AddInviteLinks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InviteLinkOptions>().BindConfiguration(InviteLinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<InviteLinksService>();
        return builder;
    }

    public static RouteGroupBuilder MapInviteLinks(this RouteGroupBuilder organization)
    {
        var link = organization.MapGroup("/invite-link").WithTags("Invite links").RequireFeature(PlanFeature.Invitations);
        // members:edit, not members:view, even to read: the answer holds the URL, and whoever has it can join.
        link.MapGet("/", GetAsync).RequirePermission(MembersService.MembersEdit).WithName("GetInviteLink").Produces<InviteLinkView>();
        link.MapPost("/", CreateAsync).WithName("CreateInviteLink").Produces<InviteLinkView>(StatusCodes.Status201Created);
        link.MapDelete("/", RevokeAsync).WithName("RevokeInviteLink").Produces(StatusCodes.Status204NoContent);
        return organization;
    }

    public static async Task<IResult> GetAsync(CurrentOrganizationCaller caller, InviteLinksService links, CancellationToken cancellationToken) =>
        (await links.GetAsync(caller.Value, cancellationToken)).ToResult(TypedResults.Ok);

    /// <summary>Creates the link, or regenerates it: the previous one is revoked and its URL dies.</summary>
    public static async Task<IResult> CreateAsync(CreateInviteLinkRequest? request, CurrentOrganizationCaller caller, InviteLinksService links,
        CancellationToken cancellationToken)
    {
        request ??= new CreateInviteLinkRequest(null, null, null, null, null, null);
        return (await links.CreateAsync(caller.Value,
                new InviteLinkRequest(request.Role, request.Roles, request.Units, request.ExpiresInHours, request.MaxUses, request.AllowedDomains), cancellationToken))
            .ToResult(link => TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/invite-link", link));
    }

    public static async Task<IResult> RevokeAsync(CurrentOrganizationCaller caller, InviteLinksService links, CancellationToken cancellationToken) =>
        await links.RevokeAsync(caller.Value, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    public sealed record CreateInviteLinkRequest(
        string? Role,
        [property: MaxLength(100)] IReadOnlyList<string>? Roles,
        [property: MaxLength(1000)] IReadOnlyList<Guid>? Units,
        int? ExpiresInHours,
        int? MaxUses,
        [property: MaxLength(InviteLinksService.MaxAllowedDomains)] IReadOnlyList<string>? AllowedDomains);
}
