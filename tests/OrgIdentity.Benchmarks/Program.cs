using OrgIdentity.Benchmarks;

// OrgIdentity.Benchmarks: seed | members | scim | cc | refresh | code | introspect | userinfo | jwt-validate | limits | export | plans (README.md). Not part of `dotnet test`.
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
            await TokenBenchmarks.ClientCredentialsAsync(arguments, cancel.Token);
            break;
        case "refresh":
            await TokenBenchmarks.RefreshAsync(arguments, cancel.Token);
            break;
        case "code":
            await TokenBenchmarks.CodeAsync(arguments, cancel.Token);
            break;
        case "introspect":
            await TokenBenchmarks.IntrospectAsync(arguments, cancel.Token);
            break;
        case "userinfo":
            await TokenBenchmarks.UserInfoAsync(arguments, cancel.Token);
            break;
        case "jwt-validate":
            await JwtValidationBenchmark.RunAsync(arguments, cancel.Token);
            break;
        case "limits":
            await SigningLimits.RunAsync(arguments, cancel.Token);
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
catch (LoadFailedException problem)
{
    await Console.Error.WriteLineAsync(problem.Message);
    return 1;
}
catch (Exception problem) when (problem is InvalidOperationException or TimeoutException or HttpRequestException)
{
    // The server did not start, a seeding call was refused, a token was not the one asked for: say it in one line.
    await Console.Error.WriteLineAsync($"Failed: {problem.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    await Console.Error.WriteLineAsync("Cancelled.");
    return 130;
}
