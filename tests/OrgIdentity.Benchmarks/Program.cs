using OrgIdentity.Benchmarks;

// OrgIdentity.Benchmarks: seed | members | scim | cc | export | plans (README.md). Not part of `dotnet test`.
if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Arguments.Usage);
    return args.Length == 0 ? 2 : 0;
}

// BenchmarkDotNet reads its own options (-f, --job ...): before ours are parsed.
if (args[0] == "micro")
{
    return OrgIdentity.Benchmarks.Micro.MicroBenchmarks.Run(args[1..]);
}

try
{
    var arguments = Arguments.Parse(args[1..]);
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancel.Cancel();
    };

    switch (args[0])
    {
        case "seed":
            await Seeder.RunAsync(arguments, cancel.Token);
            break;
        case "members":
            await MembersBenchmark.RunAsync(arguments, cancel.Token);
            break;
        case "export":
            await ExportProbe.RunAsync(arguments, cancel.Token);
            break;
        case "scim":
            await ScimBenchmark.RunAsync(arguments, cancel.Token);
            break;
        case "cc":
            await ClientCredentialsBenchmark.RunAsync(arguments, cancel.Token);
            break;
        case "plans":
            await QueryPlans.RunAsync(arguments, cancel.Token);
            break;
        default:
            throw new UsageException($"Unknown verb '{args[0]}'.");
    }

    arguments.ThrowOnUnused();
    return 0;
}
catch (UsageException problem)
{
    await Console.Error.WriteLineAsync($"{problem.Message}{Environment.NewLine}{Environment.NewLine}{Arguments.Usage}");
    return 2;
}
catch (OperationCanceledException)
{
    await Console.Error.WriteLineAsync("Cancelled.");
    return 130;
}
