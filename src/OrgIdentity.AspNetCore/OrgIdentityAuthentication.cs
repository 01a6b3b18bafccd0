using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace OrgIdentity.AspNetCore;

/// <summary>How an API trusts OrgIdentity's access tokens.</summary>
public sealed class OrgIdentityApiOptions
{
    /// <summary>OrgIdentity's issuer, e.g. <c>https://id.example.com/</c>: its discovery document and keys are read from there.</summary>
    public string Authority { get; set; } = "";

    /// <summary>The audience this API accepts: <c>orgidentity</c> for OrgIdentity's own API scope, or the resource of your API scope.</summary>
    public string Audience { get; set; } = "orgidentity";

    /// <summary>Leeway for clock differences on <c>exp</c> and <c>nbf</c> (30 s by default; tokens live 10 minutes).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the authority must be HTTPS; by default yes, except for an http authority on a loopback address.</summary>
    public bool? RequireHttpsMetadata { get; set; }

    /// <summary>The handler for calls to OrgIdentity (discovery, keys, permission checks); null for the default.</summary>
    public HttpMessageHandler? BackchannelHttpHandler { get; set; }

    /// <summary>How long a permission check's answer is reused (<see cref="OrgIdentityPermissionCheck"/>).</summary>
    public TimeSpan PermissionCheckCacheDuration { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Registration of OrgIdentity token validation in an API.</summary>
public static class OrgIdentityServiceCollectionExtensions
{
    /// <summary>The authentication scheme this library registers.</summary>
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>The name of the <see cref="HttpClient"/> that calls OrgIdentity.</summary>
    public const string HttpClientName = "OrgIdentity";

    /// <summary>
    /// JWT bearer authentication for OrgIdentity's access tokens (issuer, signature from its JWKS, audience, <c>typ</c>
    /// <c>at+jwt</c> only, so ID tokens are refused; claim names kept as issued), the handler behind
    /// <see cref="RequireOrgPermissionAttribute"/> and <c>RequireOrgPermission</c>, and <see cref="OrgIdentityPermissionCheck"/>.
    /// </summary>
    public static AuthenticationBuilder AddOrgIdentity(this IServiceCollection services, Action<OrgIdentityApiOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new OrgIdentityApiOptions();
        configure(options);
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority))
        {
            throw new ArgumentException("OrgIdentityApiOptions.Authority must be OrgIdentity's absolute issuer URL.", nameof(configure));
        }

        services.AddSingleton(options);
        services.AddSingleton<IAuthorizationHandler, OrgPermissionHandler>();
        services.AddMemoryCache();
        services.AddHttpContextAccessor();
        var client = services.AddHttpClient(HttpClientName, http => http.BaseAddress = new Uri(authority.ToString().TrimEnd('/') + "/"));
        if (options.BackchannelHttpHandler is { } handler)
        {
            client.ConfigurePrimaryHttpMessageHandler(() => handler);
        }

        services.AddScoped<OrgIdentityPermissionCheck>();
        services.AddAuthorization();
        return services.AddAuthentication(Scheme).AddJwtBearer(Scheme, jwt =>
        {
            jwt.Authority = authority.ToString();
            jwt.Audience = options.Audience;
            jwt.RequireHttpsMetadata = options.RequireHttpsMetadata ?? !(authority.Scheme == Uri.UriSchemeHttp && authority.IsLoopback);
            jwt.BackchannelHttpHandler = options.BackchannelHttpHandler;
            jwt.MapInboundClaims = false;
            // The raw token, for OrgIdentityPermissionCheck (it asks OrgIdentity as the caller).
            jwt.SaveToken = true;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                ClockSkew = options.ClockSkew,
                // RFC 9068: access tokens are typed; an ID token (typ JWT) is not an access token.
                ValidTypes = ["at+jwt"],
                NameClaimType = "name",
                RoleClaimType = OrgIdentityClaimTypes.OrganizationRoles,
            };
        });
    }
}
