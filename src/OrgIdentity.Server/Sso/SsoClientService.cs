using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Sso;

/// <summary>
/// OpenIddict's client, with its registrations read from <see cref="SsoConnection"/> rows instead of declared at start
/// (OPENIDDICT.md §5b): every built-in step, the callback's included, resolves a registration through these methods.
/// A registration is cached by (connection id, version), so the upstream's discovery document and keys are fetched
/// once, and a change made on any replica applies at the next sign-in here. A disabled connection, one whose
/// organization lost the <c>sso</c> plan feature, or a deleted one resolves to nothing.
/// </summary>
public sealed class SsoClientService(IServiceProvider provider, IServiceScopeFactory scopes, IOptions<Hosting.OrgIdentityOptions> host) : OpenIddictClientService(provider)
{
    private readonly ConcurrentDictionary<Guid, (int Version, OpenIddictClientRegistration Registration)> cache = new();

    /// <summary>No registration is shared by issuer: several organizations may use one provider (Entra ID's common issuer, say).</summary>
    public override ValueTask<OpenIddictClientRegistration> GetClientRegistrationByIssuerAsync(Uri uri, CancellationToken cancellationToken = default) =>
        ValueTask.FromException<OpenIddictClientRegistration>(new InvalidOperationException("SSO registrations are resolved by connection id only."));

    public override ValueTask<OpenIddictClientRegistration> GetClientRegistrationByProviderNameAsync(string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromException<OpenIddictClientRegistration>(new InvalidOperationException("SSO registrations are resolved by connection id only."));

    public override ValueTask<ImmutableArray<OpenIddictClientRegistration>> GetClientRegistrationsAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ImmutableArray<OpenIddictClientRegistration>.Empty);

    public override async ValueTask<OpenIddictClientRegistration> GetClientRegistrationByIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        if (!Guid.TryParse(identifier, out var id))
        {
            throw new SsoConnectionUnavailableException();
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var connection = await db.SsoConnections.AsNoTracking().Include(c => c.Organization).SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (connection is null || !connection.Enabled || !connection.Organization.Has(PlanFeature.Sso))
        {
            cache.TryRemove(id, out _);
            throw new SsoConnectionUnavailableException();
        }

        if (cache.TryGetValue(id, out var cached) && cached.Version == connection.Version)
        {
            return cached.Registration;
        }

        var registration = Build(connection, scope.ServiceProvider.GetRequiredService<SsoConnectionsService>());
        cache[id] = (connection.Version, registration);
        return registration;
    }

    private OpenIddictClientRegistration Build(SsoConnection connection, SsoConnectionsService connections)
    {
        var registration = new OpenIddictClientRegistration
        {
            RegistrationId = connection.Id.ToString(),
            ProviderDisplayName = connection.Name,
            Issuer = new Uri(connection.Authority, UriKind.Absolute),
            ClientId = connection.ClientId,
            ClientSecret = connections.UnprotectSecret(connection),
            RedirectUri = new Uri(host.Value.IssuerUri, SsoConnectionsService.CallbackPath),
            PostLogoutRedirectUri = new Uri(host.Value.IssuerUri, SsoConnectionsService.SignedOutPath),
        };
        registration.Scopes.UnionWith(connection.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        registration.GrantTypes.Add(GrantTypes.AuthorizationCode);
        registration.ResponseTypes.Add(ResponseTypes.Code);

        // What OpenIddict does at start for declared registrations, and only for them (OpenIddictClientConfiguration).
        registration.ConfigurationEndpoint = connection.DiscoveryUri;
        registration.ConfigurationManager = new Microsoft.IdentityModel.Protocols.ConfigurationManager<OpenIddictConfiguration>(
            registration.ConfigurationEndpoint.AbsoluteUri, new OpenIddictClientRetriever(this, registration))
        {
            AutomaticRefreshInterval = Microsoft.IdentityModel.Protocols.ConfigurationManager<OpenIddictConfiguration>.DefaultAutomaticRefreshInterval,
            RefreshInterval = Microsoft.IdentityModel.Protocols.ConfigurationManager<OpenIddictConfiguration>.DefaultRefreshInterval,
        };
        return registration;
    }
}

/// <summary>The connection of a sign-in is gone, disabled or out of the plan: the sign-in ends with a page that says so.</summary>
public sealed class SsoConnectionUnavailableException() : InvalidOperationException("This SSO connection does not exist or is disabled.");
