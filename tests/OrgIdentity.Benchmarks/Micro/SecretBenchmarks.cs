using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.ServiceAccounts;

namespace OrgIdentity.Benchmarks.Micro;

/// <summary>
/// What a client's credential costs to check: a service account's secret (SHA-256 and a constant-time compare against
/// each active secret, ServiceAccountClient.Match), OpenIddict's PBKDF2 check of a configured client's secret and the
/// one-minute cache of its successes (OrgIdentityApplicationManager), and a SCIM directory token's hash.
/// </summary>
public class SecretBenchmarks
{
    private ServiceProvider services = null!;
    private IServiceScope scope = null!;
    private ServiceAccountClient oneSecret = null!;
    private ServiceAccountClient twoSecrets = null!;
    private string serviceAccountSecret = "";
    private ExposedApplicationManager openIddict = null!;
    private OrgIdentityApplicationManager orgIdentity = null!;
    private OpenIddictEntityFrameworkCoreApplication<Guid> configuredClient = null!;
    private string clientSecret = "";
    private string clientSecretHash = "";
    private string directoryToken = "";
    private string directoryTokenHash = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // A service account's secret as ServiceAccountsService makes it: "sas_" and 256 random bits; the stored hash.
        serviceAccountSecret = ServiceAccountDirectory.SecretPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var current = new ActiveSecret(Guid.CreateVersion7(), InvitationTokens.Hash(serviceAccountSecret), Used: true);
        var previous = new ActiveSecret(Guid.CreateVersion7(), InvitationTokens.Hash(ServiceAccountDirectory.SecretPrefix + "previous"), Used: true);
        var access = Fixtures.Access();
        var application = new OpenIddictEntityFrameworkCoreApplication<Guid> { ClientId = ServiceAccountDirectory.ClientIdOf(Guid.CreateVersion7()) };
        oneSecret = new ServiceAccountClient(Guid.CreateVersion7(), application.ClientId, "nightly-export", null, null, null, [current], access, application);
        twoSecrets = oneSecret with { Secrets = [previous, current] };

        // OpenIddict's managers as the server registers them (OrgIdentityApplicationManager replaces the default); the
        // database is never opened: the checks read only the application entity.
        var collection = new ServiceCollection()
            .AddLogging()
            .AddMemoryCache()
            .AddSingleton(TimeProvider.System)
            .AddSingleton(Fixtures.Catalog)
            .AddSingleton(Fixtures.BuiltInRoles)
            .AddScoped<MembershipAccess>()
            .AddScoped<ServiceAccountDirectory>()
            .AddScoped<OrgIdentityDbContext>(_ => Fixtures.UnopenedDbContext());
        collection.AddOpenIddict().AddCore(options =>
        {
            options.UseEntityFrameworkCore().UseDbContext<OrgIdentityDbContext>().ReplaceDefaultEntities<Guid>();
            options.UseServiceAccounts();
        });
        services = collection.BuildServiceProvider();
        scope = services.CreateScope();
        orgIdentity = (OrgIdentityApplicationManager)scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        openIddict = ActivatorUtilities.CreateInstance<ExposedApplicationManager>(scope.ServiceProvider);

        clientSecret = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        clientSecretHash = await openIddict.HashAsync(clientSecret);
        configuredClient = new OpenIddictEntityFrameworkCoreApplication<Guid>
        {
            ClientId = "bench-worker",
            ClientSecret = clientSecretHash,
            ClientType = OpenIddictConstants.ClientTypes.Confidential,
        };
        if (!await openIddict.CheckAsync(clientSecret, clientSecretHash) || !await orgIdentity.ValidateClientSecretAsync(configuredClient, clientSecret))
        {
            throw new InvalidOperationException("A secret check refused the right secret.");
        }

        (directoryToken, directoryTokenHash) = InvitationTokens.New();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        scope.Dispose();
        await services.DisposeAsync();
    }

    [Benchmark(Description = "Service account: SHA-256 + constant-time, 1 secret")]
    public ActiveSecret? ServiceAccountOneSecret() => oneSecret.Match(serviceAccountSecret);

    [Benchmark(Description = "Service account: SHA-256 + constant-time, 2 secrets (rotation)")]
    public ActiveSecret? ServiceAccountTwoSecrets() => twoSecrets.Match(serviceAccountSecret);

    [Benchmark(Description = "Service account: wrong secret")]
    public ActiveSecret? ServiceAccountWrongSecret() => oneSecret.Match(ServiceAccountDirectory.SecretPrefix + "wrong");

    [Benchmark(Description = "OpenIddict PBKDF2 client-secret check (uncached)")]
    public ValueTask<bool> OpenIddictPbkdf2() => openIddict.CheckAsync(clientSecret, clientSecretHash);

    [Benchmark(Description = "Configured client: OrgIdentityApplicationManager, cached success")]
    public ValueTask<bool> ConfiguredClientCached() => orgIdentity.ValidateClientSecretAsync(configuredClient, clientSecret);

    [Benchmark(Description = "Directory token: SHA-256 (lookup key)")]
    public string DirectoryTokenHash() => InvitationTokens.Hash(directoryToken);

    [Benchmark(Description = "Directory token: hash + constant-time match")]
    public bool DirectoryTokenMatch() => InvitationTokens.Matches(directoryToken, directoryTokenHash);

    /// <summary>OpenIddict's own hashing and comparison (PBKDF2), which its application manager keeps protected.</summary>
    public sealed class ExposedApplicationManager(
        IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication<Guid>> cache,
        ILogger<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication<Guid>>> logger,
        IOptionsMonitor<OpenIddictCoreOptions> options,
        IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication<Guid>> store)
        : OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication<Guid>>(cache, logger, options, store)
    {
        public ValueTask<string> HashAsync(string secret) => ObfuscateClientSecretAsync(secret);

        public ValueTask<bool> CheckAsync(string secret, string comparand) => ValidateClientSecretAsync(secret, comparand);
    }
}
