using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Scim;

/// <summary>
/// <c>OrgIdentity:RateLimits:ScimPerTokenPerSecond</c> per directory token, on this replica. Partitioned by the
/// token's id after it authenticated, so unknown tokens cannot fill the limiter with partitions.
/// </summary>
public sealed class ScimRateLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<Guid> limiter = PartitionedRateLimiter.Create<Guid, Guid>(tokenId =>
        RateLimitPartition.GetTokenBucketLimiter(tokenId, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.ScimPerTokenPerSecond,
            TokensPerPeriod = options.Value.ScimPerTokenPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Null when the call may go on; otherwise the seconds to wait (for <c>Retry-After</c>).</summary>
    public int? TryAcquire(Guid tokenId)
    {
        using var lease = limiter.AttemptAcquire(tokenId);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
    }

    public void Dispose() => limiter.Dispose();
}
