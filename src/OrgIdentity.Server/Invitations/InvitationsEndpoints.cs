using System.ComponentModel.DataAnnotations;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Invitations;

/// <summary><c>/api/v1/orgs/{orgId}/invitations</c> (DESIGN.md §6). Thin: the rules are <see cref="InvitationsService"/>'s.</summary>
internal static class InvitationsEndpoints
{
    public static IHostApplicationBuilder AddInvitations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InvitationOptions>().BindConfiguration(InvitationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<InvitationsService>();
        return builder;
    }

    public static RouteGroupBuilder MapInvitations(this RouteGroupBuilder organization)
    {
        var invitations = organization.MapGroup("/invitations").WithTags("Invitations").RequireFeature(PlanFeature.Invitations);
        invitations.MapGet("/", ListAsync).RequirePermission("members:view").WithName("ListInvitations").Produces<Page<InvitationView>>();
        invitations.MapPost("/", InviteAsync).WithName("CreateInvitation").Produces<InvitationSentResponse>(StatusCodes.Status201Created);
        invitations.MapPost("/{invitationId:guid}/resend", ResendAsync).WithName("ResendInvitation").Produces<InvitationSentResponse>();
        invitations.MapDelete("/{invitationId:guid}", RevokeAsync).WithName("RevokeInvitation").Produces(StatusCodes.Status204NoContent);
        return organization;
    }

    public static async Task<IResult> ListAsync(string? status, string? cursor, int? limit, CurrentOrganizationCaller caller, InvitationsService invitations,
        CancellationToken cancellationToken) =>
        OrganizationsEndpoints.PageSize(limit) is { } size
            ? (await invitations.ListAsync(caller.Value, status, cursor, size, cancellationToken)).ToResult(TypedResults.Ok)
            : OrganizationsEndpoints.BadLimit();

    /// <summary>201 for a new invitation; 200 when one was already pending for the address and went out again.</summary>
    public static async Task<IResult> InviteAsync(InviteRequest request, CurrentOrganizationCaller caller, InvitationsService invitations,
        CancellationToken cancellationToken) =>
        (await invitations.InviteAsync(caller.Value, new NewInvitation(request.Email, request.Role, request.Roles, request.Units), cancellationToken))
            .ToResult(sent => sent.Created
                ? TypedResults.Created((string?)null, new InvitationSentResponse(sent.Invitation, InvitationsService.SentMessage))
                : TypedResults.Ok(new InvitationSentResponse(sent.Invitation, InvitationsService.SentMessage)));

    public static async Task<IResult> ResendAsync(Guid invitationId, CurrentOrganizationCaller caller, InvitationsService invitations, CancellationToken cancellationToken) =>
        (await invitations.ResendAsync(caller.Value, invitationId, cancellationToken))
            .ToResult(invitation => TypedResults.Ok(new InvitationSentResponse(invitation, InvitationsService.SentMessage)));

    public static async Task<IResult> RevokeAsync(Guid invitationId, CurrentOrganizationCaller caller, InvitationsService invitations, CancellationToken cancellationToken) =>
        await invitations.RevokeAsync(caller.Value, invitationId, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    public sealed record InviteRequest(
        [property: StringLength(256)] string? Email,
        string? Role,
        [property: MaxLength(100)] IReadOnlyList<string>? Roles,
        [property: MaxLength(1000)] IReadOnlyList<Guid>? Units);

    public sealed record InvitationSentResponse(InvitationView Invitation, string Message);
}
