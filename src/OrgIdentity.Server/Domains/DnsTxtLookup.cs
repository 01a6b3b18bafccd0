using System.Net.Sockets;
using DnsClient;

namespace OrgIdentity.Server.Domains;

/// <summary>The DNS seam of domain verification: tests answer with records of their own.</summary>
public interface IDnsTxtLookup
{
    /// <summary>
    /// The TXT records published at <paramref name="name"/>, one string per record. A name that does not exist, a
    /// server that does not answer, any failure: no records, never an exception.
    /// </summary>
    Task<IReadOnlyList<string>> TxtRecordsAsync(string name, CancellationToken cancellationToken);
}

/// <summary><see cref="IDnsTxtLookup"/> through the system's resolvers, with DnsClient.</summary>
internal sealed partial class DnsTxtLookup(ILogger<DnsTxtLookup> logger) : IDnsTxtLookup
{
    // PublicationOnly: a failure to read the resolver configuration is not cached, so the next lookup tries again.
    private readonly Lazy<LookupClient> _client = new(() => new LookupClient(new LookupClientOptions
    {
        // An admin who just published the record and clicks "verify" again must not get our cached "not there".
        UseCache = false,
        // The request waits for the answer: bound the worst case to a few seconds.
        Timeout = TimeSpan.FromSeconds(3),
        Retries = 1,
    }), LazyThreadSafetyMode.PublicationOnly);

    public async Task<IReadOnlyList<string>> TxtRecordsAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.Value.QueryAsync(name, QueryType.TXT, QueryClass.IN, cancellationToken);
            if (response.HasError)
            {
                // NXDOMAIN, SERVFAIL, REFUSED: nothing published that we can see.
                Log.LookupRefused(logger, name, response.ErrorMessage);
                return [];
            }

            // A record longer than 255 characters arrives as several strings; they form one value (RFC 7208 §3.3).
            return response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
        }
        catch (Exception exception) when (exception is DnsResponseException or SocketException or TimeoutException or IOException or InvalidOperationException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.LookupFailed(logger, name, exception);
            return [];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5001, LogLevel.Information, "TXT lookup of {Name} answered with an error: {Error}")]
        public static partial void LookupRefused(ILogger logger, string name, string error);

        [LoggerMessage(5002, LogLevel.Warning, "TXT lookup of {Name} failed")]
        public static partial void LookupFailed(ILogger logger, string name, Exception exception);
    }
}
