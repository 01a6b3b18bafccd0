using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using OrgIdentity.Scim;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.ServiceAccounts;

namespace OrgIdentity.Server.Scim;

/// <summary>
/// <c>/scim/v2</c> (DESIGN.md §4): one endpoint for every SCIM route. It authenticates the directory token (which
/// decides the organization), applies the per-token rate limit, and hands the request to the protocol library's
/// <see cref="ScimRequestHandler"/> with this organization's stores; everything SCIM (routing, parsing, errors,
/// projection, ETags) is the library's.
/// </summary>
internal static class ScimEndpoints
{
    public const string BasePath = "/scim/v2/";

    public static IHostApplicationBuilder AddScim(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<DirectoryTokensService>();
        builder.Services.AddScoped<ScimUsersService>();
        builder.Services.AddScoped<ScimGroupsService>();
        builder.Services.AddScoped<DirectoryGroupAccess>();
        builder.Services.AddScoped<DirectoryGroupsService>();
        builder.Services.AddSingleton<ScimRateLimiter>();
        builder.Services.AddSingleton(new ScimServiceOptions());
        builder.Services.AddSingleton<ScimRequestHandler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapScim(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/scim/v2/{**path}", [HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete], HandleAsync)
            .ExcludeFromDescription();
        return app;
    }

    public static async Task HandleAsync(HttpContext context, string? path, DirectoryTokensService tokens, ScimRateLimiter limiter,
        ScimRequestHandler handler, ScimServiceOptions scimOptions, ScimUsersService users, ScimGroupsService groups, IOptions<OrgIdentityOptions> options)
    {
        var cancellationToken = context.RequestAborted;
        var bearer = BearerToken(context.Request);
        var caller = bearer?.StartsWith(DirectoryTokensService.TokenPrefix, StringComparison.Ordinal) == false
            ? await ServiceAccountCallerAsync(context)
            : await tokens.AuthenticateAsync(bearer, cancellationToken);
        if (caller is null)
        {
            // RFC 6750 §3: the challenge; the body is a SCIM error, which Okta's tests read (SCIM-INTEROP T3).
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"scim\"";
            await WriteAsync(context, ScimResponse.Error(new ScimException(401, null, "A valid directory token is required (Authorization: Bearer <token>).")));
            return;
        }

        if (!caller.ScimInPlan)
        {
            await WriteAsync(context, ScimResponse.Error(new ScimException(403, null, "The 'scim' feature is not part of this organization's plan.")));
            return;
        }

        if (limiter.TryAcquire(caller.TokenId) is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteAsync(context, ScimResponse.Error(new ScimException(429, null, $"Too many requests for this directory token; retry after {retryAfter} s.")));
            return;
        }

        if (context.Request.ContentLength > scimOptions.MaxPayloadSize)
        {
            await WriteAsync(context, ScimResponse.Error(new ScimException(413, null, $"The request body is larger than {scimOptions.MaxPayloadSize} bytes.")));
            return;
        }

        var body = await ReadBodyAsync(context.Request, scimOptions.MaxPayloadSize + 1, cancellationToken);
        var request = new ScimRequest(
            context.Request.Method,
            "/" + (path ?? ""),
            context.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body,
            Header(context.Request.Headers.IfMatch),
            Header(context.Request.Headers.IfNoneMatch),
            new Uri(options.Value.Link(BasePath)));
        var actor = caller.Actor(context.Connection.RemoteIpAddress?.ToString());
        var response = await handler.HandleAsync(request, new ScimUserStore(users, caller.OrganizationId, actor),
            new ScimGroupStore(groups, caller.OrganizationId, actor), cancellationToken);
        await WriteAsync(context, response);
    }

    /// <summary>
    /// DESIGN.md §4: an access token of a service account with the scope <c>scim</c> works like a directory token of its
    /// organization, while the account may still get tokens and the token is not revoked.
    /// </summary>
    private static async Task<DirectoryCaller?> ServiceAccountCallerAsync(HttpContext context)
    {
        var principal = (await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)).Principal;
        if (principal is null || principal.GetClaim(ConnectClaims.PrincipalType) != "service_account" || !principal.HasScope(ServiceAccountsService.ScimScope)
            || !Guid.TryParse(principal.GetClaim(ConnectClaims.OrganizationId), out var organizationId)
            || !Guid.TryParse(principal.GetClaim(OpenIddictConstants.Claims.Subject), out var accountId))
        {
            return null;
        }

        var services = context.RequestServices;
        if (!await services.GetRequiredService<RevokedAccessTokens>().IsValidAsync(principal, services.GetRequiredService<ServiceAccountDirectory>(),
                services.GetRequiredService<TimeProvider>(), context.RequestAborted))
        {
            return null;
        }

        var inPlan = await services.GetRequiredService<Data.OrgIdentityDbContext>().Organizations.AsNoTracking()
            .Where(o => o.Id == organizationId).Select(o => (bool?)o.Plan.Scim).SingleOrDefaultAsync(context.RequestAborted);
        return inPlan is null ? null : new DirectoryCaller(organizationId, accountId, inPlan.Value, "service_account");
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    private static string? Header(StringValues values) => StringValues.IsNullOrEmpty(values) ? null : values.ToString();

    /// <summary>The body as text, at most <paramref name="limit"/> characters (a longer one is refused by the handler with 413).</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0 || HttpMethods.IsGet(request.Method) || HttpMethods.IsDelete(request.Method))
        {
            return null;
        }

        // In small chunks: a buffer of the maximum size would put 2 MB on the large-object heap for every PATCH.
        using var reader = new StreamReader(request.Body);
        var body = new System.Text.StringBuilder();
        var chunk = new char[4096];
        int read;
        while (body.Length < limit && (read = await reader.ReadAsync(chunk.AsMemory(0, Math.Min(chunk.Length, limit - body.Length)), cancellationToken)) > 0)
        {
            body.Append(chunk, 0, read);
        }

        return body.Length == 0 ? null : body.ToString();
    }

    private static async Task WriteAsync(HttpContext context, ScimResponse response)
    {
        context.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (response.Body is null)
        {
            return;
        }

        context.Response.ContentType = ScimConstants.MediaType + "; charset=utf-8";
        await context.Response.WriteAsync(response.Body.ToJsonString(), context.RequestAborted);
    }
}
