using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>limits</c>: the machine's ceiling for token signing with the runtime's own crypto: RS256 (RSA 2048, PKCS#1 v1.5,
/// SHA-256) and ES256 (P-256) signatures per second of a JWT-sized payload, on all cores (one thread per core, each with
/// its own key) and on one, so a tokens/s figure can be read as a fraction of the possible.
/// </summary>
internal static class SigningLimits
{
    public static Task RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(1, arguments.Int("duration", 5));
        // header.payload of an access token with ten or so claims, about 700 bytes.
        var payload = Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(520)).Replace('+', '-').Replace('/', '_'));
        var cores = Environment.ProcessorCount;
        var results = new List<object>();
        Console.WriteLine($"limits: {cores} CPU(s), {seconds} s per figure, {payload.Length}-byte payload, {RuntimeInformationText()}.");
        Console.WriteLine();
        Console.WriteLine("| algorithm | threads | signatures/s | per thread |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        var allCores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var algorithm in new[] { "RS256", "ES256" })
        {
            foreach (var threads in cores == 1 ? [1] : new[] { cores, 1 })
            {
                cancellationToken.ThrowIfCancellationRequested();
                var perSecond = Measure(algorithm, threads, payload, TimeSpan.FromSeconds(seconds));
                if (threads == cores)
                {
                    allCores[algorithm] = perSecond;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {algorithm} | {threads} | {perSecond:0} | {perSecond / threads:0} |"));
                results.Add(new { algorithm, threads, signaturesPerSecond = perSecond, perThread = perSecond / threads });
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"55 % of the RS256 ceiling: {allCores["RS256"] * 0.55:0} tokens/s (the cc target); ES256 ceiling {allCores["ES256"]:0}/s."));
        Console.WriteLine($"JSON: {Artifacts.Write("limits", "none", new { processorCount = cores, seconds, payloadBytes = payload.Length, results })}");
        return Task.CompletedTask;
    }

    private static double Measure(string algorithm, int threads, byte[] payload, TimeSpan duration)
    {
        var counts = new long[threads];
        using var start = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(index => new Thread(() =>
        {
            using var rsa = algorithm == "RS256" ? RSA.Create(2048) : null;
            using var ecdsa = algorithm == "ES256" ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
            var signature = new byte[256];
            void Sign()
            {
                if (rsa is not null)
                {
                    rsa.TrySignData(payload, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, out _);
                }
                else
                {
                    ecdsa!.TrySignData(payload, signature, HashAlgorithmName.SHA256, out _);
                }
            }

            // Warm-up: key setup and the first calls into the native library are not counted.
            for (var i = 0; i < 50; i++)
            {
                Sign();
            }

            start.SignalAndWait();
            var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            long count = 0;
            while (Stopwatch.GetTimestamp() < end)
            {
                Sign();
                count++;
            }

            counts[index] = count;
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        workers.ForEach(w => w.Join());
        return counts.Sum() / clock.Elapsed.TotalSeconds;
    }

    private static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
}
