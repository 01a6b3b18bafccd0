using OpenIddict.EntityFrameworkCore.Models;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.ServiceAccounts;

/// <summary>
/// <c>/api/v1/orgs/{orgId}/service-accounts</c> (DESIGN.md §6): the organization's machine clients. Thin: the rules are
/// <see cref="ServiceAccountsService"/>'s.
/// </summary>
internal static class ServiceAccountsEndpoints
{
    public static IHostApplicationBuilder AddServiceAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddScoped<ServiceAccountDirectory>();
        builder.Services.AddScoped<ServiceAccountsService>();
        builder.Services.AddScoped<ServiceAccountUse>();
        builder.Services.AddScoped<RevokedAccessTokens>();
        builder.Services.AddHostedService<RevokedAccessTokenPruning>();
        return builder;
    }

    /// <summary>OpenIddict's application manager, with service accounts and secret checks served from memory.</summary>
    public static OpenIddictCoreBuilder UseServiceAccounts(this OpenIddictCoreBuilder core) =>
        core.ReplaceApplicationManager<OpenIddictEntityFrameworkCoreApplication<Guid>, OrgIdentityApplicationManager>();

    public static RouteGroupBuilder MapServiceAccounts(this RouteGroupBuilder organization)
    {
        var accounts = organization.MapGroup("/service-accounts").WithTags("Service accounts");
        accounts.MapGet("/", ListAsync).RequirePermission(ServiceAccountsService.AccessTokensView).WithName("ListServiceAccounts").Produces<Page<ServiceAccountView>>();
        accounts.MapPost("/", CreateAsync).WithName("CreateServiceAccount").Produces<CreatedServiceAccount>(StatusCodes.Status201Created);
        accounts.MapGet("/{accountId:guid}", GetAsync).RequirePermission(ServiceAccountsService.AccessTokensView).WithName("GetServiceAccount").Produces<ServiceAccountView>();
        accounts.MapPatch("/{accountId:guid}", UpdateAsync).WithName("UpdateServiceAccount").Produces<ServiceAccountView>();
        accounts.MapDelete("/{accountId:guid}", DeleteAsync).WithName("DeleteServiceAccount").Produces(StatusCodes.Status204NoContent);
        accounts.MapPost("/{accountId:guid}/secrets", AddSecretAsync).WithName("AddServiceAccountSecret").Produces<CreatedServiceAccount>(StatusCodes.Status201Created);
        accounts.MapDelete("/{accountId:guid}/secrets/{secretId:guid}", RevokeSecretAsync).WithName("RevokeServiceAccountSecret").Produces(StatusCodes.Status204NoContent);
        return organization;
    }

    /// <summary>Every account on one page: an organization has a handful.</summary>
    public static async Task<IResult> ListAsync(CurrentOrganizationCaller caller, ServiceAccountsService accounts, CancellationToken cancellationToken)
    {
        var all = await accounts.ListAsync(caller.Value, cancellationToken);
        return TypedResults.Ok(new Page<ServiceAccountView>(all, all.Count, null));
    }

    public static async Task<IResult> GetAsync(Guid accountId, CurrentOrganizationCaller caller, ServiceAccountsService accounts, CancellationToken cancellationToken) =>
        (await accounts.GetAsync(caller.Value, accountId, cancellationToken)).ToResult(TypedResults.Ok);

    /// <summary>The answer holds <c>clientSecret</c>, once.</summary>
    public static async Task<IResult> CreateAsync(NewServiceAccount request, CurrentOrganizationCaller caller, ServiceAccountsService accounts,
        CancellationToken cancellationToken) =>
        (await accounts.CreateAsync(caller.Value, request, cancellationToken))
            .ToResult(created => TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/service-accounts/{created.Account.Id}", created));

    public static async Task<IResult> UpdateAsync(Guid accountId, ServiceAccountChange change, CurrentOrganizationCaller caller, ServiceAccountsService accounts,
        CancellationToken cancellationToken) =>
        (await accounts.UpdateAsync(caller.Value, accountId, change, cancellationToken)).ToResult(TypedResults.Ok);

    public static async Task<IResult> DeleteAsync(Guid accountId, CurrentOrganizationCaller caller, ServiceAccountsService accounts, CancellationToken cancellationToken) =>
        await accounts.DeleteAsync(caller.Value, accountId, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    public static async Task<IResult> AddSecretAsync(Guid accountId, CurrentOrganizationCaller caller, ServiceAccountsService accounts, CancellationToken cancellationToken) =>
        (await accounts.AddSecretAsync(caller.Value, accountId, cancellationToken))
            .ToResult(created => TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/service-accounts/{accountId}", created));

    public static async Task<IResult> RevokeSecretAsync(Guid accountId, Guid secretId, CurrentOrganizationCaller caller, ServiceAccountsService accounts,
        CancellationToken cancellationToken) =>
        await accounts.RevokeSecretAsync(caller.Value, accountId, secretId, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();
}
