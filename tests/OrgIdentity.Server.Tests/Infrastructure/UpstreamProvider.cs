using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>Who the upstream provider signs in at its authorization endpoint (it has no login page).</summary>
public sealed record UpstreamUser(string Subject, string? Email, string? Name = null, params string[] Roles);

/// <summary>
/// An enterprise identity provider for SSO tests: a second OpenIddict server in this process, on Kestrel over real HTTP
/// (http://127.0.0.1:port), with its own SQLite store and a signing key the tests know, so they can also hand our
/// server ID tokens with a wrong issuer, audience or signature. It signs in <see cref="NextUser"/> without asking.
/// </summary>
public sealed class UpstreamProvider : IAsyncLifetime
{
    public const string ClientId = "orgidentity";
    public const string ClientSecret = "upstream-client-secret-1";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "orgidentity-upstream", Guid.NewGuid().ToString("N"));
    private readonly RSA _rsa = RSA.Create(2048);
    private WebApplication? _app;

    public string Issuer { get; private set; } = "";

    /// <summary>The key the provider signs with (published in its JWKS).</summary>
    public SigningCredentials Signing => new(new RsaSecurityKey(_rsa) { KeyId = "upstream-1" }, SecurityAlgorithms.RsaSha256);

    public UpstreamUser NextUser { get; set; } = new("nobody", null);

    /// <summary>When set, the ID token of the next token response is rewritten: its claims changed and signed with the key returned.</summary>
    public Func<JsonObject, SigningCredentials>? TamperIdToken { get; set; }

    /// <summary>How many end-session requests arrived (sign-out at the provider).</summary>
    public int EndSessionRequests { get; private set; }

    /// <summary>A client that does not follow redirects, for the provider's own pages.</summary>
    public HttpClient CreateClient() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(Issuer) };

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development", ContentRootPath = _directory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.AddDbContext<UpstreamDbContext>(options =>
            options.UseSqlite($"Data Source={Path.Combine(_directory, "upstream.db")};Pooling=false").UseOpenIddict());
        builder.Services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<UpstreamDbContext>())
            .AddServer(options =>
            {
                // No issuer set: it is the address the request came to, http://127.0.0.1:port/.
                options.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token").SetEndSessionEndpointUris("connect/logout");
                options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                options.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile);
                options.AddSigningKey(Signing.Key).AddEphemeralEncryptionKey();
                options.DisableAccessTokenEncryption();
                options.UseAspNetCore().EnableAuthorizationEndpointPassthrough().EnableEndSessionEndpointPassthrough().DisableTransportSecurityRequirement();
            });

        _app = builder.Build();
        // Before OpenIddict, which answers token requests inside authentication (called explicitly so it runs after this).
        _app.Use(RewriteIdTokenAsync);
        _app.UseAuthentication();
        _app.MapMethods("/connect/authorize", ["GET", "POST"], Authorize);
        _app.MapMethods("/connect/logout", ["GET", "POST"], () =>
        {
            EndSessionRequests++;
            return Results.SignOut(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        });
        await _app.StartAsync();
        Issuer = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/";

        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UpstreamDbContext>().Database.EnsureCreatedAsync();
        await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            ClientType = ClientTypes.Confidential,
            RedirectUris = { new Uri("https://localhost/sso/callback") },
            PostLogoutRedirectUris = { new Uri("https://localhost/sso/signed-out") },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email, Permissions.Scopes.Profile,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        });
    }

    private IResult Authorize(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest()!;
        var user = NextUser;
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Subject).SetClaim(Claims.Email, user.Email).SetClaim(Claims.Name, user.Name);
        foreach (var role in user.Roles)
        {
            identity.AddClaim(new Claim("roles", role));
        }

        identity.SetScopes(request.GetScopes());
        identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>Rewrites the ID token of a token response when a test asked for it, once.</summary>
    private async Task RewriteIdTokenAsync(HttpContext context, RequestDelegate next)
    {
        if (TamperIdToken is not { } tamper || !context.Request.Path.StartsWithSegments("/connect/token"))
        {
            await next(context);
            return;
        }

        TamperIdToken = null;
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        await next(context);
        context.Response.Body = original;
        var json = JsonNode.Parse(Encoding.UTF8.GetString(buffer.ToArray()))!.AsObject();
        if (json["id_token"]?.GetValue<string>() is { } idToken)
        {
            var payload = JsonNode.Parse(Base64UrlEncoder.Decode(idToken.Split('.')[1]))!.AsObject();
            var key = tamper(payload);
            json["id_token"] = new JsonWebTokenHandler().CreateToken(payload.ToJsonString(), key);
        }

        var body = Encoding.UTF8.GetBytes(json.ToJsonString());
        context.Response.ContentLength = body.Length;
        await original.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the temp folder eventually.
        }
    }
}

internal sealed class UpstreamDbContext(DbContextOptions<UpstreamDbContext> options) : DbContext(options);
