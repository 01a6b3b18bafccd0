using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;

namespace OrgIdentity.Server.ServiceAccounts;

/// <summary>
/// OpenIddict's application manager with the token endpoint's two costs taken out (OPENIDDICT.md §4.1):
/// <list type="bullet">
/// <item>Service accounts come from <see cref="ServiceAccountDirectory"/>'s cache: no query, and a disabled or expired
/// account is no client at all (<c>invalid_client</c>, whatever the credential). Their secrets are 256 random bits,
/// checked by SHA-256 against every active secret (two during a rotation), not by OpenIddict's PBKDF2.</item>
/// <item>Clients declared in configuration keep OpenIddict's PBKDF2 check, but a success is remembered for a minute,
/// keyed by the client, the presented secret's hash and the stored hash, so a changed secret never matches an old
/// entry. Failures are never cached.</item>
/// </list>
/// </summary>
public sealed class OrgIdentityApplicationManager(
    IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication<Guid>> cache,
    ILogger<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication<Guid>>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication<Guid>> store,
    ServiceAccountDirectory serviceAccounts,
    IMemoryCache memory,
    TimeProvider time)
    : OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication<Guid>>(cache, logger, options, store)
{
    private static readonly TimeSpan SecretCheckLifetime = TimeSpan.FromMinutes(1);

    public override async ValueTask<OpenIddictEntityFrameworkCoreApplication<Guid>?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        if (!ServiceAccountDirectory.IsServiceAccount(identifier))
        {
            return await base.FindByClientIdAsync(identifier, cancellationToken);
        }

        var account = await serviceAccounts.FindAsync(identifier, cancellationToken);
        return account is not null && account.IsUsable(time.GetUtcNow().UtcDateTime) ? account.Application : null;
    }

    public override async ValueTask<bool> ValidateClientSecretAsync(OpenIddictEntityFrameworkCoreApplication<Guid> application, string secret,
        CancellationToken cancellationToken = default)
    {
        var clientId = await GetClientIdAsync(application, cancellationToken);
        if (ServiceAccountDirectory.IsServiceAccount(clientId))
        {
            var account = await serviceAccounts.FindAsync(clientId!, cancellationToken);
            return account is not null && account.IsUsable(time.GetUtcNow().UtcDateTime) && account.Match(secret) is not null;
        }

        var key = $"client-secret:{clientId}:{Sha256(secret)}:{application.ClientSecret}";
        if (memory.TryGetValue(key, out _))
        {
            return true;
        }

        var valid = await base.ValidateClientSecretAsync(application, secret, cancellationToken);
        if (valid)
        {
            memory.Set(key, true, SecretCheckLifetime);
        }

        return valid;
    }

    private static string Sha256(string value) => WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
