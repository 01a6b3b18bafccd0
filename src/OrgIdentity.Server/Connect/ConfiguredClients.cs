using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Connect;

/// <summary>Creates or updates the applications declared in <c>OrgIdentity:Clients</c> at start.</summary>
internal sealed partial class ConfiguredClients(
    OrgIdentityDbContext db,
    IOpenIddictApplicationManager applications,
    IOptions<List<ClientOptions>> clients,
    ILogger<ConfiguredClients> logger)
{
    private const string DeviceCodeAlias = "device_code";

    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        foreach (var client in clients.Value)
        {
            var descriptor = Describe(client);
            if (await applications.FindByClientIdAsync(client.ClientId, cancellationToken) is { } existing)
            {
                await applications.UpdateAsync(existing, descriptor, cancellationToken);
                Log.Updated(logger, client.ClientId);
            }
            else
            {
                try
                {
                    await applications.CreateAsync(descriptor, cancellationToken);
                    Log.Created(logger, client.ClientId);
                }
                catch (Exception exception) when (exception is OpenIddictExceptions.ValidationException or DbUpdateException)
                {
                    // Another replica starting at the same moment created it first; bring that one up to date.
                    // The failed insert is still tracked and would be retried by the next save: forget it.
                    db.ChangeTracker.Clear();
                    if (await applications.FindByClientIdAsync(client.ClientId, cancellationToken) is not { } created)
                    {
                        throw;
                    }

                    await applications.UpdateAsync(created, descriptor, cancellationToken);
                    Log.Updated(logger, client.ClientId);
                }
            }
        }
    }

    internal static OpenIddictApplicationDescriptor Describe(ClientOptions client)
    {
        if (string.IsNullOrWhiteSpace(client.ClientId))
        {
            throw new InvalidOperationException("Every entry of OrgIdentity:Clients needs a ClientId.");
        }

        var confidential = !string.IsNullOrEmpty(client.ClientSecret);
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = confidential ? client.ClientSecret : null,
            DisplayName = client.DisplayName ?? client.ClientId,
            ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            ConsentType = client.ConsentType.ToUpperInvariant() switch
            {
                "IMPLICIT" => ConsentTypes.Implicit,
                "EXPLICIT" => ConsentTypes.Explicit,
                _ => throw new InvalidOperationException(
                    $"OrgIdentity:Clients '{client.ClientId}': ConsentType must be Explicit or Implicit, not '{client.ConsentType}'."),
            },
        };

        foreach (var uri in client.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        foreach (var uri in client.PostLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        // Every client may revoke its tokens; confidential clients may also introspect.
        descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        if (confidential)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        foreach (var grantType in client.GrantTypes)
        {
            switch (grantType)
            {
                case GrantTypes.AuthorizationCode:
                    descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.Endpoints.Token,
                        Permissions.Endpoints.EndSession, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code]);
                    descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
                    break;
                case GrantTypes.RefreshToken:
                    descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.RefreshToken]);
                    break;
                case GrantTypes.ClientCredentials when confidential:
                    descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials]);
                    break;
                case GrantTypes.ClientCredentials:
                    throw new InvalidOperationException($"OrgIdentity:Clients '{client.ClientId}': client_credentials needs a ClientSecret.");
                case GrantTypes.TokenExchange:
                    descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.TokenExchange]);
                    break;
                case GrantTypes.DeviceCode or DeviceCodeAlias:
                    descriptor.Permissions.UnionWith([Permissions.Endpoints.DeviceAuthorization, Permissions.Endpoints.Token,
                        Permissions.GrantTypes.DeviceCode]);
                    break;
                default:
                    throw new InvalidOperationException(
                        $"OrgIdentity:Clients '{client.ClientId}': grant type '{grantType}' is not supported " +
                        "(authorization_code, refresh_token, client_credentials, device_code, urn:ietf:params:oauth:grant-type:token-exchange).");
            }
        }

        // openid and offline_access need no scope permission; offline_access is allowed by the refresh_token grant.
        foreach (var scope in client.Scopes.Where(s => s is not (Scopes.OpenId or Scopes.OfflineAccess)))
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        return descriptor;
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information, "Client {ClientId} created from configuration")]
        public static partial void Created(ILogger logger, string clientId);

        [LoggerMessage(3002, LogLevel.Information, "Client {ClientId} updated from configuration")]
        public static partial void Updated(ILogger logger, string clientId);
    }
}
