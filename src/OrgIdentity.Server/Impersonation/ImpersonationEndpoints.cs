using OpenIddict.Abstractions;
using OpenIddict.Validation;
using OrgIdentity.Server.Organizations;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Impersonation;

/// <summary><c>/api/v1/orgs/{orgId}/impersonations</c> (DESIGN.md §6): start and stop "log in as". Thin: the rules are <see cref="ImpersonationService"/>'s.</summary>
internal static class ImpersonationEndpoints
{
    public static IHostApplicationBuilder AddImpersonation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ImpersonationService>();
        builder.Services.AddBrowserImpersonation();
        return builder;
    }

    /// <summary>
    /// Our APIs refuse a token of an impersonation that was stopped or has expired, at once (its own lifetime already
    /// ends with the impersonation's).
    /// </summary>
    public static OpenIddictValidationBuilder RefuseEndedImpersonations(this OpenIddictValidationBuilder validation) =>
        validation.AddEventHandler<OpenIddictValidationEvents.ValidateTokenContext>(handler => handler
            .UseScopedHandler<RefuseEndedImpersonation>()
            .SetOrder(int.MaxValue - 100_000)
            .SetType(OpenIddictValidationHandlerType.Custom));

    public static RouteGroupBuilder MapImpersonations(this RouteGroupBuilder organization)
    {
        var impersonations = organization.MapGroup("/impersonations").WithTags("Impersonation");
        impersonations.MapPost("/", StartAsync).WithName("StartImpersonation").Produces<ImpersonationView>(StatusCodes.Status201Created);
        impersonations.MapDelete("/{impersonationId:guid}", StopAsync).WithName("StopImpersonation").Produces(StatusCodes.Status204NoContent);
        return organization;
    }

    public static async Task<IResult> StartAsync(NewImpersonation request, HttpContext context, CurrentOrganizationCaller caller, ImpersonationService impersonations,
        CancellationToken cancellationToken) =>
        (await impersonations.StartAsync(caller.Value, context.User, request, cancellationToken))
            .ToResult(view => TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/impersonations/{view.Id}", view));

    public static async Task<IResult> StopAsync(Guid impersonationId, HttpContext context, CurrentOrganizationCaller caller, ImpersonationService impersonations,
        CancellationToken cancellationToken) =>
        await impersonations.StopAsync(caller.Value, context.User, impersonationId, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    private sealed class RefuseEndedImpersonation(ImpersonationService impersonations) : IOpenIddictValidationHandler<OpenIddictValidationEvents.ValidateTokenContext>
    {
        public async ValueTask HandleAsync(OpenIddictValidationEvents.ValidateTokenContext context)
        {
            if (context.Principal?.GetClaim(ImpersonationService.Claim) is { } id && !await impersonations.IsLiveAsync(id, context.CancellationToken))
            {
                context.Reject(Errors.InvalidToken, "The impersonation has ended.");
            }
        }
    }
}
