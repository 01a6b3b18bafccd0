using System.Diagnostics;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>Runs the built server (OrgIdentity.Server.dll) as a real process, as an operator would start it.</summary>
public static class ServerProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string?> environment, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Only what the test sets: no ASPNETCORE_*/OrgIdentity* of the machine running the tests.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("OrgIdentity", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The server did not exit: {await output}{await error}");
        }

        return new Result(process.ExitCode, await output, await error);
    }
}
