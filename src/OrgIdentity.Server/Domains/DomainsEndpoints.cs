using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Domains;

/// <summary>
/// <c>/api/v1/orgs/{orgId}/domains</c>: the organization's e-mail domains and their DNS verification (DESIGN.md §6).
/// Thin: the rules are <see cref="DomainsService"/>'s.
/// </summary>
internal static class DomainsEndpoints
{
    public static IHostApplicationBuilder AddDomains(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IDnsTxtLookup, DnsTxtLookup>();
        builder.Services.AddScoped<DomainsService>();
        return builder;
    }

    public static RouteGroupBuilder MapDomains(this RouteGroupBuilder organization)
    {
        var domains = organization.MapGroup("/domains").WithTags("Domains");
        domains.MapGet("/", ListAsync).RequirePermission(DomainsService.SettingsView).WithName("ListDomains").Produces<Page<DomainView>>();
        domains.MapPost("/", AddAsync).WithName("AddDomain").Produces<DomainView>(StatusCodes.Status201Created);
        domains.MapGet("/{id:guid}", GetAsync).RequirePermission(DomainsService.SettingsView).WithName("GetDomain").Produces<DomainView>();
        domains.MapDelete("/{id:guid}", RemoveAsync).WithName("RemoveDomain").Produces(StatusCodes.Status204NoContent);
        domains.MapPost("/{id:guid}/verify", VerifyAsync).WithName("VerifyDomain").Produces<DomainView>();
        return organization;
    }

    /// <summary>Every domain on one page: an organization has a handful, so <c>next</c> is always null.</summary>
    public static async Task<IResult> ListAsync(CurrentOrganizationCaller caller, DomainsService domains, CancellationToken cancellationToken)
    {
        var all = await domains.ListAsync(caller.Value, cancellationToken);
        return TypedResults.Ok(new Page<DomainView>(all, all.Count, null));
    }

    public static async Task<IResult> GetAsync(Guid id, CurrentOrganizationCaller caller, DomainsService domains, CancellationToken cancellationToken) =>
        (await domains.GetAsync(caller.Value, id, cancellationToken)).ToResult(TypedResults.Ok);

    public static async Task<IResult> AddAsync(AddDomainRequest request, CurrentOrganizationCaller caller, DomainsService domains, CancellationToken cancellationToken) =>
        (await domains.AddAsync(caller.Value, request.Domain, cancellationToken))
            .ToResult(domain => TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/domains/{domain.Id}", domain));

    public static async Task<IResult> RemoveAsync(Guid id, CurrentOrganizationCaller caller, DomainsService domains, CancellationToken cancellationToken) =>
        await domains.RemoveAsync(caller.Value, id, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    /// <summary>The body is optional: without one, the TXT record is checked; <c>{ "force": true }</c> is for platform admins.</summary>
    public static async Task<IResult> VerifyAsync(Guid id, VerifyDomainRequest? request, CurrentOrganizationCaller caller, DomainsService domains,
        CancellationToken cancellationToken) =>
        (await domains.VerifyAsync(caller.Value, id, request?.Force ?? false, cancellationToken)).ToResult(TypedResults.Ok);

    // No length attribute: the service checks the length after trimming, and says so under "domain".
    public sealed record AddDomainRequest(string? Domain);

    public sealed record VerifyDomainRequest(bool? Force);
}
