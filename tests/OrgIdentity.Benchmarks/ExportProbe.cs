using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>export</c>: runs the server's own <see cref="MemberList.ExportAsync"/> in this process against the database, into a
/// stream that records when the first byte is written, how many bytes and rows, and how: asynchronous writes (what
/// Kestrel's response stream accepts) or synchronous ones (which Kestrel refuses by default, failing the response).
/// This process's managed heap and RSS are sampled during the export: flat means the rows are not buffered. The CSV
/// writer holds up to 500 rows (its flush interval) before the first byte reaches the stream.
/// </summary>
internal static class ExportProbe
{
    public static async Task RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var provider = arguments.Provider();
        var connection = arguments.Required("connection");
        var org = arguments.Required("org");
        var runs = Math.Max(1, arguments.Int("runs", 3));

        Console.WriteLine($"{provider}: MemberList.ExportAsync in-process, {runs} run(s); {Environment.ProcessorCount} CPU(s), load average " +
                          (File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown") + ".");
        for (var run = 0; run < runs; run++)
        {
            await using var db = Database.Open(provider, connection);
            var organizationId = Guid.TryParse(org, out var id)
                ? id
                : await db.Organizations.Where(o => o.Slug == org).Select(o => o.Id).SingleAsync(cancellationToken);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: false) / 1048576.0;
            var rssBefore = ServerHost.ReadRss(Environment.ProcessId);
            double heapPeak = heapBefore, rssPeak = rssBefore ?? 0;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false) / 1048576.0);
                    rssPeak = Math.Max(rssPeak, ServerHost.ReadRss(Environment.ProcessId) ?? 0);
                    try
                    {
                        await Task.Delay(20, sampling.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }, CancellationToken.None);

            var clock = Stopwatch.StartNew();
            await using var probe = new ProbeStream(clock);
            await new MemberList(db).ExportAsync(organizationId, probe, invitationsAsOf: null, cancellationToken);
            var total = clock.Elapsed.TotalMilliseconds;
            await sampling.CancelAsync();
            await sampler;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  first byte {probe.FirstByteMs,7:0.0} ms  total {total,7:0} ms  " +
                $"{probe.Length / 1048576.0:0.0} MiB  {probe.Rows - 1:N0} rows  writes: {probe.AsyncWrites:N0} async, {probe.SyncWrites:N0} synchronous " +
                $"(first synchronous after {probe.BytesBeforeFirstSyncWrite:N0} bytes)  heap {heapBefore:0} -> peak {heapPeak:0} MiB  RSS {rssBefore:0} -> peak {rssPeak:0} MiB"));
        }
    }

    /// <summary>Counts what is written and how; keeps nothing.</summary>
    private sealed class ProbeStream(Stopwatch clock) : Stream
    {
        private long length;

        public double FirstByteMs { get; private set; }
        public int AsyncWrites { get; private set; }
        public int SyncWrites { get; private set; }
        public long BytesBeforeFirstSyncWrite { get; private set; } = -1;
        public int Rows { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => length;
        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (SyncWrites++ == 0)
            {
                BytesBeforeFirstSyncWrite = length;
            }

            Count(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            AsyncWrites++;
            Count(buffer.Span);
            return ValueTask.CompletedTask;
        }

        private void Count(ReadOnlySpan<byte> buffer)
        {
            if (buffer.IsEmpty)
            {
                return;
            }

            if (length == 0)
            {
                FirstByteMs = clock.Elapsed.TotalMilliseconds;
            }

            Rows += buffer.Count((byte)'\n');
            length += buffer.Length;
        }
    }
}
