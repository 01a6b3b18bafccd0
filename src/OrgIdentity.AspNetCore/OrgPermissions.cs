using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;

namespace OrgIdentity.AspNetCore;

/// <summary>The caller's token must carry this permission for its organization.</summary>
/// <param name="Permission">A permission such as <c>assets:edit</c>.</param>
public sealed record OrgPermissionRequirement(string Permission) : IAuthorizationRequirement;

/// <summary>
/// <c>[RequireOrgPermission("assets:edit")]</c> on a controller or action: OrgIdentity's bearer token, with that permission.
/// No token (or an invalid one) is 401; a valid token without the permission is 403.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
public sealed class RequireOrgPermissionAttribute(string permission) : AuthorizeAttribute, IAuthorizationRequirementData
{
    /// <summary>The permission required.</summary>
    public string Permission { get; } = permission;

    /// <inheritdoc/>
    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [new OrgPermissionRequirement(Permission)];
}

/// <summary>Policies and endpoint conventions for OrgIdentity permissions.</summary>
public static class OrgPermissionExtensions
{
    /// <summary>Requires an OrgIdentity token that carries <paramref name="permission"/>.</summary>
    public static AuthorizationPolicyBuilder RequireOrgPermission(this AuthorizationPolicyBuilder policy, string permission) =>
        policy.AddAuthenticationSchemes(OrgIdentityServiceCollectionExtensions.Scheme).RequireAuthenticatedUser().AddRequirements(new OrgPermissionRequirement(permission));

    /// <summary>Minimal APIs: <c>app.MapGet(...).RequireOrgPermission("assets:view")</c>.</summary>
    public static TBuilder RequireOrgPermission<TBuilder>(this TBuilder builder, string permission) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.RequireOrgPermission(permission));
}

internal sealed class OrgPermissionHandler : AuthorizationHandler<OrgPermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OrgPermissionRequirement requirement)
    {
        if (context.User.HasPermission(requirement.Permission))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Asks OrgIdentity whether the caller holds a permission now (its <c>authz/check</c> endpoint, as the caller), for
/// operations where the token's claims, up to 10 minutes old, are not enough: a role removed since then shows at once.
/// Answers are reused for <see cref="OrgIdentityApiOptions.PermissionCheckCacheDuration"/> per token, permission and unit.
/// The caller's token needs the <c>orgidentity.api</c> scope (audience <c>orgidentity</c>).
/// </summary>
public sealed class OrgIdentityPermissionCheck(IHttpClientFactory clients, IHttpContextAccessor http, IMemoryCache cache, OrgIdentityApiOptions options)
{
    /// <summary>Whether the current caller holds <paramref name="permission"/> (in <paramref name="unitId"/>, if given) right now.</summary>
    public async Task<bool> IsAllowedAsync(string permission, Guid? unitId = null, CancellationToken cancellationToken = default)
    {
        var context = http.HttpContext ?? throw new InvalidOperationException("OrgIdentityPermissionCheck needs a request.");
        var user = context.User;
        var token = await context.GetTokenAsync(OrgIdentityServiceCollectionExtensions.Scheme, "access_token");
        if (token is null || user.GetOrgId() is not { } organizationId || user.FindFirst(OrgIdentityClaimTypes.Subject)?.Value is not { } subject)
        {
            return false;
        }

        var key = ("orgidentity-check", token, permission, unitId);
        if (cache.TryGetValue(key, out bool cached))
        {
            return cached;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/orgs/{organizationId}/authz/check")
        {
            Content = JsonContent.Create(new { subject, permission, unit = unitId }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await clients.CreateClient(OrgIdentityServiceCollectionExtensions.HttpClientName).SendAsync(request, cancellationToken);
        // 401/403: the token no longer works there (membership gone, account disabled): not allowed.
        var allowed = response.IsSuccessStatusCode
            && (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).TryGetProperty("allowed", out var value) && value.GetBoolean();
        cache.Set(key, allowed, options.PermissionCheckCacheDuration);
        return allowed;
    }
}
