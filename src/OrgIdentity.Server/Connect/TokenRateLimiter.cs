using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Connect;

/// <summary>
/// <c>OrgIdentity:RateLimits:TokenPerClientPerSecond</c>: token requests per client id, on this replica, counted before
/// OpenIddict checks the client, so a flood of wrong secrets costs no hashing beyond the limit. Over it: 429 with
/// <c>Retry-After</c> and an OAuth-shaped error body.
/// </summary>
public sealed class TokenRateLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(clientId =>
        RateLimitPartition.GetTokenBucketLimiter(clientId, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.TokenPerClientPerSecond,
            TokensPerPeriod = options.Value.TokenPerClientPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Lets the request on, or answers 429; requests without a client id go on (OpenIddict refuses them).</summary>
    public async Task<bool> TryEnterAsync(HttpContext context)
    {
        if (await ClientIdAsync(context.Request) is not { Length: > 0 } clientId)
        {
            return true;
        }

        // Bounded, so made-up ids cannot grow a partition key without limit (idle partitions are dropped by the limiter).
        using var lease = limiter.AttemptAcquire(clientId.Length > 100 ? clientId[..100] : clientId);
        if (lease.IsAcquired)
        {
            return true;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.Response.WriteAsJsonAsync(new Dictionary<string, string>
        {
            [Parameters.Error] = "too_many_requests",
            [Parameters.ErrorDescription] = $"Too many token requests for this client; retry after {retryAfter} s.",
        }, context.RequestAborted);
        return false;
    }

    /// <summary>The client id of HTTP Basic (RFC 6749 §2.3.1: form-encoded inside) or of the form.</summary>
    private static async Task<string?> ClientIdAsync(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return Uri.UnescapeDataString((colon < 0 ? decoded : decoded[..colon]).Replace('+', ' '));
            }
            catch (FormatException)
            {
                return null;
            }
        }

        // Read once here; ASP.NET Core keeps the parsed form for OpenIddict.
        return request.HasFormContentType ? (await request.ReadFormAsync(request.HttpContext.RequestAborted))[Parameters.ClientId].ToString() : null;
    }

    public void Dispose() => limiter.Dispose();
}
