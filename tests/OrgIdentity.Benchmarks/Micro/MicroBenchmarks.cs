using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace OrgIdentity.Benchmarks.Micro;

/// <summary>
/// <c>micro</c>: BenchmarkDotNet over the pieces on the hot paths (issue 13): claims building, permission expansion,
/// SCIM filter parse and translation, secret verification. The remaining arguments are BenchmarkDotNet's own
/// (<c>--filter '*' --job short</c>, <c>--list flat</c>, <c>--memory</c>...).
/// </summary>
internal static class MicroBenchmarks
{
    private static readonly Type[] Benchmarks =
        [typeof(ClaimsBenchmarks), typeof(PermissionBenchmarks), typeof(ScimFilterBenchmarks), typeof(SecretBenchmarks)];

    public static int Run(string[] args)
    {
        // In this process unless --out-of-process: BenchmarkDotNet otherwise generates and builds a project per run,
        // minutes on a loaded 2-core machine, and that project would inherit the repository's build rules.
        var outOfProcess = args.Contains("--out-of-process", StringComparer.Ordinal);
        args = [.. args.Where(a => a != "--out-of-process")];
        if (!outOfProcess && !args.Any(a => a is "--inProcess" or "-i"))
        {
            args = ["--inProcess", .. args];
        }

        var config = DefaultConfig.Instance
            .WithArtifactsPath(Path.GetFullPath(Path.Combine("artifacts", "bench", "micro")))
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
        var summaries = BenchmarkSwitcher.FromTypes(Benchmarks).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
