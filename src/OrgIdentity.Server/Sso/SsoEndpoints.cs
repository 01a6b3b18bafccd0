using System.Security.Cryptography.X509Certificates;
using OpenIddict.Client;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Sso;

/// <summary>
/// Enterprise SSO (DESIGN.md §4): OpenIddict's client with registrations read from the database, one callback
/// (<c>/sso/callback</c>, a page) for every connection, and <c>/api/v1/orgs/{orgId}/sso-connections</c>. Thin: the
/// rules are <see cref="SsoConnectionsService"/>'s and <see cref="SsoSignIn"/>'s.
/// </summary>
internal static class SsoEndpoints
{
    public static IHostApplicationBuilder AddSso(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<SsoConnectionsService>();
        builder.Services.AddScoped<SsoSignIn>();
        builder.Services.AddSingleton<OpenIddictClientService, SsoClientService>();
        // "Test connection" reads a discovery document of a few KiB: a slow or huge answer is a problem to report, not to wait for.
        builder.Services.AddHttpClient(SsoConnectionsService.TestClient, client =>
        {
            client.Timeout = TimeSpan.FromSeconds(10);
            client.MaxResponseContentBufferSize = 1024 * 1024;
        });
        return builder;
    }

    /// <summary>
    /// The client half of OpenIddict: code flow with PKCE and nonce (automatic), the state token stored once and tied to
    /// the browser, keys shared with the server's (so every replica reads every other's state), no registration at start.
    /// </summary>
    public static void ConfigureSsoClient(this OpenIddictClientBuilder client, Uri publicUri, IReadOnlyList<X509Certificate2> signing,
        IReadOnlyList<X509Certificate2> encryption, bool development)
    {
        client.AllowAuthorizationCodeFlow();
        client.SetClientUri(publicUri);
        client.SetRedirectionEndpointUris(SsoConnectionsService.CallbackPath);
        client.SetPostLogoutRedirectionEndpointUris(SsoConnectionsService.SignedOutPath);
        foreach (var certificate in signing)
        {
            client.AddSigningKey(SigningCertificates.SigningKey(certificate));
        }

        foreach (var certificate in encryption)
        {
            client.AddEncryptionCertificate(certificate);
        }

        // Errors (a bad ID token, a replayed state) reach the callback page too, which says what went wrong.
        var aspNetCore = client.UseAspNetCore().EnableRedirectionEndpointPassthrough().EnablePostLogoutRedirectionEndpointPassthrough()
            .EnableErrorPassthrough();
        if (development)
        {
            aspNetCore.DisableTransportSecurityRequirement();
        }

        client.UseSystemNetHttp();
    }

    /// <summary>
    /// A connection deleted or disabled in the middle of a sign-in makes OpenIddict's authentication handler throw while it
    /// reads the callback; this turns that into the page that says so (it must run before authentication).
    /// </summary>
    public static IApplicationBuilder UseSsoCallbackGuard(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/" + SsoConnectionsService.CallbackPath)
                && !context.Request.Path.StartsWithSegments("/" + SsoConnectionsService.SignedOutPath))
            {
                await next(context);
                return;
            }

            try
            {
                await next(context);
            }
            catch (SsoConnectionUnavailableException) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.Redirect("/sso/unavailable");
            }
        });

    public static RouteGroupBuilder MapSsoConnections(this RouteGroupBuilder organization)
    {
        var connections = organization.MapGroup("/sso-connections").WithTags("SSO").RequireFeature(PlanFeature.Sso);
        connections.MapGet("/", ListAsync).RequirePermission(DomainsService.SettingsView).WithName("ListSsoConnections").Produces<Page<SsoConnectionView>>();
        connections.MapPost("/", CreateAsync).WithName("CreateSsoConnection").Produces<SsoConnectionView>(StatusCodes.Status201Created);
        connections.MapGet("/{connectionId:guid}", GetAsync).RequirePermission(DomainsService.SettingsView).WithName("GetSsoConnection").Produces<SsoConnectionView>();
        connections.MapPatch("/{connectionId:guid}", UpdateAsync).WithName("UpdateSsoConnection").Produces<SsoConnectionView>();
        connections.MapDelete("/{connectionId:guid}", DeleteAsync).WithName("DeleteSsoConnection").Produces(StatusCodes.Status204NoContent);
        connections.MapPost("/{connectionId:guid}/test", TestAsync).WithName("TestSsoConnection").Produces<SsoConnectionTest>();
        return organization;
    }

    /// <summary>Every connection on one page: an organization has one or two.</summary>
    public static async Task<IResult> ListAsync(CurrentOrganizationCaller caller, SsoConnectionsService connections, CancellationToken cancellationToken)
    {
        var all = await connections.ListAsync(caller.Value, cancellationToken);
        return TypedResults.Ok(new Page<SsoConnectionView>(all, all.Count, null));
    }

    public static async Task<IResult> GetAsync(Guid connectionId, CurrentOrganizationCaller caller, SsoConnectionsService connections, CancellationToken cancellationToken) =>
        (await connections.GetAsync(caller.Value, connectionId, cancellationToken)).ToResult(TypedResults.Ok);

    /// <summary>The answer's <c>redirectUri</c> is the callback to register at the provider (one for every connection).</summary>
    public static async Task<IResult> CreateAsync(NewSsoConnection request, CurrentOrganizationCaller caller, SsoConnectionsService connections,
        CancellationToken cancellationToken) =>
        (await connections.CreateAsync(caller.Value, request, cancellationToken))
            .ToResult(created => TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/sso-connections/{created.Id}", created));

    public static async Task<IResult> UpdateAsync(Guid connectionId, SsoConnectionChange change, CurrentOrganizationCaller caller, SsoConnectionsService connections,
        CancellationToken cancellationToken) =>
        (await connections.UpdateAsync(caller.Value, connectionId, change, cancellationToken)).ToResult(TypedResults.Ok);

    public static async Task<IResult> DeleteAsync(Guid connectionId, CurrentOrganizationCaller caller, SsoConnectionsService connections, CancellationToken cancellationToken) =>
        await connections.DeleteAsync(caller.Value, connectionId, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    public static async Task<IResult> TestAsync(Guid connectionId, CurrentOrganizationCaller caller, SsoConnectionsService connections, CancellationToken cancellationToken) =>
        (await connections.TestAsync(caller.Value, connectionId, cancellationToken)).ToResult(TypedResults.Ok);
}
