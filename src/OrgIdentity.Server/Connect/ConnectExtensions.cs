using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;
using OrgIdentity.Server.Data;
using OpenIddict.Server;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Impersonation;
using OrgIdentity.Server.ServiceAccounts;
using OrgIdentity.Server.Sso;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Connect;

internal static class ConnectExtensions
{
    public static IHostApplicationBuilder AddConnect(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TokenOptions>().BindConfiguration(TokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<List<ClientOptions>>().BindConfiguration(ClientOptions.Section);

        var host = builder.Configuration.GetSection(OrgIdentityOptions.Section).Get<OrgIdentityOptions>() ?? new();
        var tokens = builder.Configuration.GetSection(TokenOptions.Section).Get<TokenOptions>() ?? new();
        var environment = builder.Environment;
        var keys = builder.Configuration.GetSection(KeyOptions.Section).Get<KeyOptions>() ?? new();
        var certificates = SigningCertificates.Load(keys, environment, DataDirectory.Resolve(builder.Configuration));

        builder.Services.AddOpenIddict()
            .AddCore(options =>
            {
                options.UseEntityFrameworkCore().UseDbContext<OrgIdentityDbContext>().ReplaceDefaultEntities<Guid>();
                options.UseServiceAccounts();
            })
            .AddServer(options =>
            {
                // Explicit, so every replica and every proxy hop agrees on it.
                options.SetIssuer(host.IssuerUri);
                options.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetDeviceAuthorizationEndpointUris("connect/device")
                    .SetEndUserVerificationEndpointUris("connect/verify")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetEndSessionEndpointUris("connect/logout");

                options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    .AllowDeviceAuthorizationFlow()
                    // Impersonation is redeemed by exchanging the admin's own access token (Impersonation/).
                    .AllowTokenExchangeFlow();
                // S256 only: "plain" gives no protection against a stolen code.
                options.Configure(settings => settings.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));

                options.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess,
                    ConnectClaims.OrganizationsScope, ConnectClaims.ApiScope, ServiceAccountsService.ScimScope);
                options.UseClientCredentialsTokensWithoutRows();
                options.RegisterClaims(ConnectClaims.Registered);

                options.SetAccessTokenLifetime(TimeSpan.FromMinutes(tokens.AccessTokenMinutes))
                    .SetRefreshTokenLifetime(TimeSpan.FromDays(tokens.RefreshTokenDays));
                // Applications validate our access tokens with standard JWT libraries: sign, do not encrypt.
                options.DisableAccessTokenEncryption();

                foreach (var (certificate, index) in certificates.Signing.Select((c, i) => (c, i)))
                {
                    AddCertificate(() => options.AddSigningKey(SigningCertificates.SigningKey(certificate)), $"{KeyOptions.Section}:Signing:{index}");
                }

                foreach (var (certificate, index) in certificates.Encryption.Select((c, i) => (c, i)))
                {
                    AddCertificate(() => options.AddEncryptionCertificate(certificate), $"{KeyOptions.Section}:Encryption:{index}");
                }

                var aspNetCore = options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
                if (environment.IsDevelopment())
                {
                    // http://localhost:5080 for the newcomer; everywhere else HTTPS is required.
                    aspNetCore.DisableTransportSecurityRequirement();
                }

                // RFC 6749 §5.2 / §4.1.2.1: a scope the client is not registered for is invalid_scope
                // (OpenIddict's own check answers invalid_request); these run just before it.
                options.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler
                    .UseScopedHandler<RejectUnpermittedScopes>()
                    .SetOrder(OpenIddictServerHandlers.Exchange.ValidateScopePermissions.Descriptor.Order - 1)
                    .SetType(OpenIddictServerHandlerType.Custom));
                options.AddEventHandler<OpenIddictServerEvents.ValidateDeviceAuthorizationRequestContext>(handler => handler
                    .UseScopedHandler<RejectUnpermittedScopes>()
                    .SetOrder(OpenIddictServerHandlers.Device.ValidateScopePermissions.Descriptor.Order - 1)
                    .SetType(OpenIddictServerHandlerType.Custom));
                options.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(handler => handler
                    .UseScopedHandler<RejectUnpermittedScopes>()
                    .SetOrder(OpenIddictServerHandlers.Authentication.ValidateScopePermissions.Descriptor.Order - 1)
                    .SetType(OpenIddictServerHandlerType.Custom));

                options.AddEventHandler(AudienceFollowsScopes.Descriptor);

                // POSTed authorization requests become request_uri GETs, so the page sees one shape.
                options.EnableAuthorizationRequestCaching();
            })
            // Enterprise SSO: the client half, its registrations read from the database (Sso/).
            .AddClient(options => options.ConfigureSsoClient(host.IssuerUri, certificates.Signing, certificates.Encryption, environment.IsDevelopment()))
            .AddValidation(options =>
            {
                options.UseLocalServer();
                options.UseAspNetCore();
                options.AddAudiences(ConnectClaims.ApiAudience);
                // A revoked token or authorization (a disabled user, /connect/revoke) stops API access at once.
                // Token-entry validation is what resolves a token's authorization, so both are needed.
                options.EnableTokenEntryValidation();
                options.EnableAuthorizationEntryValidation();
                options.RefuseEndedImpersonations();
            });

        // OpenIddict signs with the certificate that expires last; the operator's order decides instead:
        // the first listed signs (and encrypts), the others are published for rotation.
        builder.Services.PostConfigure<OpenIddictServerOptions>(options =>
        {
            MoveFirst(options.SigningCredentials, certificates.Signing[0]);
            MoveFirst(options.EncryptionCredentials, certificates.Encryption[0]);
        });

        // Permissions of the catalog may be requested as scopes (granted only when held, DESIGN.md §3).
        builder.Services.AddOptions<OpenIddictServerOptions>().Configure<Roles.PermissionCatalog>((options, catalog) => options.Scopes.UnionWith(catalog.All));

        builder.Services.AddScoped<ConfiguredClients>();
        builder.Services.AddSingleton<TokenRateLimiter>();
        builder.Services.AddHostedService<TokenPruning>();
        return builder;
    }

    /// <summary>OpenIddict refuses some certificates itself (an EC key for encryption, an expired one): name the setting.</summary>
    private static void AddCertificate(Action add, string setting)
    {
        try
        {
            add();
        }
        catch (InvalidOperationException exception)
        {
            throw new StartupConfigurationException($"{setting}: OpenIddict cannot use this certificate: {exception.Message.ReplaceLineEndings(" ")}", exception);
        }
    }

    private static void MoveFirst<T>(List<T> credentials, X509Certificate2 certificate) where T : class
    {
        var index = credentials.FindIndex(credential =>
            (credential as SigningCredentials)?.Key is X509SecurityKey { Certificate: var signing } && signing.Thumbprint == certificate.Thumbprint
            || (credential as SigningCredentials)?.Key is ECDsaSecurityKey { KeyId: var keyId } && keyId == certificate.Thumbprint
            || (credential as EncryptingCredentials)?.Key is X509SecurityKey { Certificate: var encrypting } && encrypting.Thumbprint == certificate.Thumbprint);
        if (index > 0)
        {
            var chosen = credentials[index];
            credentials.RemoveAt(index);
            credentials.Insert(0, chosen);
        }
    }
}
