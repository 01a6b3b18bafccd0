using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrgIdentity.AspNetCore;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>jwt-validate</c>: an API in this process, built as applications build theirs with <c>OrgIdentity.AspNetCore</c>
/// (<c>AddOrgIdentity</c>: our discovery document and JWKS, issuer, audience, lifetime, <c>typ at+jwt</c>), on Kestrel on
/// loopback; the load calls its <c>[Authorize]</c> endpoint with a user's access token from our server. What is
/// measured is this process (the API and the load generator together): validations/s.
/// </summary>
internal static class JwtValidationBenchmark
{
    public static async Task RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var settings = LoadSettings.From(arguments);
        await using var target = await LoadTarget.StartAsync(arguments, tokenVerb: true, cancellationToken);
        var token = (await target.Tokens().SignInAsync(cancellationToken)).AccessToken;
        var algorithm = target.CheckAlgorithm(token);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddOrgIdentity(options =>
        {
            options.Authority = target.Url.ToString();
            // Outside Development our server answers discovery only "over HTTPS" (X-Forwarded-Proto from loopback).
            options.BackchannelHttpHandler = target.Handler();
        });
        await using var api = builder.Build();
        api.UseAuthentication();
        api.UseAuthorization();
        api.MapGet("/whoami", (ClaimsPrincipal user) => TypedResults.Text(user.FindFirst("sub")?.Value ?? "")).RequireAuthorization();
        await api.StartAsync(cancellationToken);
        var apiUrl = new Uri(api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Console.WriteLine($"API with OrgIdentity.AspNetCore at {apiUrl} (this process, pid {Environment.ProcessId}), authority {target.Url}.");

        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = settings.Concurrency }) { BaseAddress = apiUrl };
        var whoami = new Uri("/whoami", UriKind.Relative);
        // One call first: the discovery document and keys are fetched, and a refused token is said plainly.
        var first = await TokenBenchmarks.BearerGet(http, whoami, token)(0)(cancellationToken);
        if (first != 200)
        {
            throw new InvalidOperationException($"The API refused our access token: {first}.");
        }

        var runs = await LoadRunner.RunAsync("jwt-validate", settings, TokenBenchmarks.BearerGet(http, whoami, token), Environment.ProcessId, cancellationToken);
        LoadRunner.Report("jwt-validate", target.Label, settings, runs, "validations/s",
            target.Describe(new { api = apiUrl.ToString(), measured = "this process: the API and the load generator", algorithm }));
        await api.StopAsync(CancellationToken.None);
    }
}
