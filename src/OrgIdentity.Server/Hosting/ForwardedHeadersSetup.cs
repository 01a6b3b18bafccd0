using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace OrgIdentity.Server.Hosting;

/// <summary>
/// <c>OrgIdentity:ForwardedHeaders</c>: the proxies whose X-Forwarded-For/Proto/Host are believed
/// (loopback always is). Behind a TLS-terminating proxy this is what makes a request count as HTTPS.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "OrgIdentity:ForwardedHeaders";

    public List<string> KnownProxies { get; set; } = [];
    public List<string> KnownNetworks { get; set; } = [];
}

internal static class ForwardedHeadersSetup
{
    public static IHostApplicationBuilder AddForwardedHeaders(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(ForwardedHeadersSettings.Section).Get<ForwardedHeadersSettings>() ?? new();
        var proxies = settings.KnownProxies.Select((value, index) => IPAddress.TryParse(value, out var address)
            ? address
            : throw new StartupConfigurationException($"{ForwardedHeadersSettings.Section}:KnownProxies:{index}: '{value}' is not an IP address.")).ToList();
        var networks = settings.KnownNetworks.Select((value, index) => System.Net.IPNetwork.TryParse(value, out var network)
            ? network
            : throw new StartupConfigurationException($"{ForwardedHeadersSettings.Section}:KnownNetworks:{index}: '{value}' is not a network in CIDR form (10.0.0.0/8).")).ToList();

        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            proxies.ForEach(options.KnownProxies.Add);
            networks.ForEach(options.KnownIPNetworks.Add);
        });
        return builder;
    }

    /// <summary>
    /// Outside Development every request must have arrived over HTTPS, directly or through a trusted proxy;
    /// health probes are exempt (they come over the container network). OpenIddict's endpoints refuse
    /// plain HTTP themselves, in their own error format.
    /// </summary>
    public static IApplicationBuilder UseHttpsRequirement(this IApplicationBuilder app, IHostEnvironment environment) =>
        environment.IsDevelopment()
            ? app
            : app.Use(static (context, next) =>
            {
                var path = context.Request.Path;
                if (context.Request.IsHttps || path.StartsWithSegments("/health") || IsOpenIddictEndpoint(path))
                {
                    return next(context);
                }

                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                context.Response.ContentType = "text/plain; charset=utf-8";
                return context.Response.WriteAsync("This server only accepts HTTPS requests.", context.RequestAborted);
            });

    // Exactly the endpoints OpenIddict serves (and refuses over plain HTTP itself); any other page under
    // /connect, such as /connect/verified, is ours and must be refused here.
    private static readonly string[] OpenIddictEndpoints =
    [
        "/connect/authorize", "/connect/token", "/connect/device", "/connect/verify", "/connect/introspect",
        "/connect/revoke", "/connect/userinfo", "/connect/logout", "/.well-known",
    ];

    private static bool IsOpenIddictEndpoint(PathString path) =>
        OpenIddictEndpoints.Any(endpoint => path.StartsWithSegments(endpoint, StringComparison.OrdinalIgnoreCase));
}
