using System.Collections.Concurrent;
using OrgIdentity.Server.Domains;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>
/// The DNS of the test servers: TXT records that tests publish, and nothing else (a name without records answers
/// none, as the real lookup does for NXDOMAIN or a timeout). It also remembers which names were asked.
/// </summary>
public sealed class FakeDns : IDnsTxtLookup
{
    private readonly ConcurrentDictionary<string, string[]> _records = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string> _queries = new();

    public IReadOnlyCollection<string> Queries => _queries;

    /// <summary>Runs before each answer, with the name asked: a test's way to change the world while the server waits for DNS.</summary>
    public Func<string, Task>? BeforeAnswer { get; set; }

    public void PublishTxt(string name, params string[] values) => _records.AddOrUpdate(name, values, (_, existing) => [.. existing, .. values]);

    public void Clear(string name) => _records.TryRemove(name, out _);

    public async Task<IReadOnlyList<string>> TxtRecordsAsync(string name, CancellationToken cancellationToken)
    {
        _queries.Enqueue(name);
        if (BeforeAnswer is { } beforeAnswer)
        {
            await beforeAnswer(name);
        }

        return _records.TryGetValue(name, out var values) ? values : [];
    }
}
