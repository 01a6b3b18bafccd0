namespace OrgIdentity.Server.Domains;

/// <summary><c>/api/v1/orgs/{orgId}/domains</c>: verified e-mail domains (the domains issue part; filled in next).</summary>
internal static class DomainsEndpoints
{
    public static IHostApplicationBuilder AddDomains(this IHostApplicationBuilder builder) => builder;

    public static RouteGroupBuilder MapDomains(this RouteGroupBuilder organization) => organization;
}
