using Microsoft.Extensions.Caching.Hybrid;
using OrgIdentity.Server.ServiceAccounts;

namespace OrgIdentity.Server.Hosting;

/// <summary>
/// The caches other replicas must see (DESIGN.md §5, issue 13): <see cref="HybridCache"/>, whose first level is this
/// process's memory and whose second level, when <c>OrgIdentity:Redis</c> holds a connection string, is Redis shared by
/// every replica. Each cached kind sets its own lifetime; those whose staleness matters (a disabled service account)
/// keep it at 4 s on both levels, and evict on write. Per-replica state that needs no sharing (rate limiters, the
/// remembered PBKDF2 successes of configured clients, keyed by the stored hash) stays in <c>IMemoryCache</c>.
/// </summary>
internal static class Caching
{
    public const string RedisKey = "OrgIdentity:Redis";

    public static IHostApplicationBuilder AddCaching(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddHybridCache(options =>
            {
                // Nothing is cached for long by default: a kind that may be staler says so where it caches.
                options.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(4), LocalCacheExpiration = TimeSpan.FromSeconds(4) };
            })
            .AddSerializer<CachedServiceAccount, CachedServiceAccountSerializer>();

        if (builder.Configuration[RedisKey] is { Length: > 0 } redis)
        {
            builder.Services.AddStackExchangeRedisCache(options =>
            {
                options.Configuration = redis;
                options.InstanceName = "orgidentity:";
            });
        }

        return builder;
    }
}
