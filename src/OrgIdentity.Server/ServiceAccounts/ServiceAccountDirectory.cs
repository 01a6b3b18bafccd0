using System.Buffers;
using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using OpenIddict.EntityFrameworkCore.Models;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.ServiceAccounts;

/// <summary>A secret of a service account as the token endpoint checks it.</summary>
public sealed record ActiveSecret(Guid Id, string Hash, bool Used);

/// <summary>
/// A service account as the token endpoint sees it: whether it may get tokens, its secrets, what its tokens carry, and
/// its OpenIddict application (read without tracking, so it can outlive the request that read it).
/// </summary>
public sealed record ServiceAccountClient(
    Guid Id,
    string ClientId,
    string Name,
    DateTime? DisabledAt,
    DateTime? ExpiresAt,
    DateTime? LastUsedAt,
    IReadOnlyList<ActiveSecret> Secrets,
    OrganizationAccess Access,
    OpenIddictEntityFrameworkCoreApplication<Guid> Application)
{
    public bool IsUsable(DateTime now) => DisabledAt is null && (ExpiresAt is null || ExpiresAt > now);

    /// <summary>The active secret <paramref name="presented"/> is, compared in constant time, or null.</summary>
    public ActiveSecret? Match(string? presented)
    {
        if (presented is null || !presented.StartsWith(ServiceAccountDirectory.SecretPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var hash = Encoding.ASCII.GetBytes(InvitationTokens.Hash(presented));
        ActiveSecret? found = null;
        foreach (var secret in Secrets)
        {
            // Every secret is compared, so the time does not tell which one matched.
            if (CryptographicOperations.FixedTimeEquals(hash, Encoding.ASCII.GetBytes(secret.Hash)))
            {
                found = secret;
            }
        }

        return found;
    }
}

/// <summary>
/// What the cache holds for a client id: the account, or null for no such account (so unknown ids are not a query
/// each). Immutable by contract: HybridCache hands the same instance to every local hit instead of deserializing a
/// copy, which keeps a cached token request free of serialization.
/// </summary>
[ImmutableObject(true)]
public sealed record CachedServiceAccount(ServiceAccountClient? Client);

/// <summary>
/// How a <see cref="CachedServiceAccount"/> travels through the second-level cache (Redis): JSON, with the permission
/// set read back as the ordinal sorted set it was (System.Text.Json cannot make an <see cref="IReadOnlySet{T}"/>).
/// Local hits never come here.
/// </summary>
public sealed class CachedServiceAccountSerializer : IHybridCacheSerializer<CachedServiceAccount>
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General) { Converters = { new PermissionSetConverter() } };

    public CachedServiceAccount Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new Utf8JsonReader(source);
        return JsonSerializer.Deserialize<CachedServiceAccount>(ref reader, Options) ?? new CachedServiceAccount(null);
    }

    public void Serialize(CachedServiceAccount value, IBufferWriter<byte> target)
    {
        using var writer = new Utf8JsonWriter(target);
        JsonSerializer.Serialize(writer, value, Options);
    }

    private sealed class PermissionSetConverter : JsonConverter<IReadOnlySet<string>>
    {
        public override IReadOnlySet<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new SortedSet<string>(JsonSerializer.Deserialize<List<string>>(ref reader, options) ?? [], StringComparer.Ordinal);

        public override void Write(Utf8JsonWriter writer, IReadOnlySet<string> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize<IEnumerable<string>>(writer, value, options);
    }
}

/// <summary>
/// The token endpoint's hot path for service accounts (issue 11): one cache entry per client id holds the account's
/// state, secret hashes, claims and application, so a token costs no query. Entries live at most
/// <see cref="Lifetime"/> in this process and in the second-level cache (Redis, when <c>OrgIdentity:Redis</c> is set):
/// a change made on another replica (disable, rotation, new roles) applies within that time; on this replica (and in
/// Redis) <see cref="EvictAsync"/> applies it at once.
/// </summary>
public sealed class ServiceAccountDirectory(OrgIdentityDbContext db, HybridCache cache, MembershipAccess access)
{
    public const string ClientIdPrefix = "sa_";
    public const string SecretPrefix = "sas_";

    /// <summary>DESIGN.md / issue 11: disabling takes effect within 5 s on every replica.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(4);

    private static readonly HybridCacheEntryOptions EntryOptions = new() { Expiration = Lifetime, LocalCacheExpiration = Lifetime };

    public static bool IsServiceAccount(string? clientId) => clientId?.StartsWith(ClientIdPrefix, StringComparison.Ordinal) == true;

    public static string ClientIdOf(Guid id) => ClientIdPrefix + id.ToString("N");

    public async Task<ServiceAccountClient?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        if (!IsServiceAccount(clientId))
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        // A miss is cached too (briefly), so unknown client ids do not reach the database on every call. The load is not
        // cancelled with the request: given a cancellable token, HybridCache runs it on another thread, and a request
        // that ended meanwhile would hand its pooled DbContext back while the load still used it.
        var cached = await cache.GetOrCreateAsync(Key(clientId), (Directory: this, ClientId: clientId),
            static async (state, cancel) => new CachedServiceAccount(await state.Directory.LoadAsync(state.ClientId, cancel)),
            EntryOptions, cancellationToken: CancellationToken.None);
        return cached.Client;
    }

    /// <summary>Drops the entry here and in the second-level cache; other replicas' local copies expire within <see cref="Lifetime"/>.</summary>
    public ValueTask EvictAsync(string clientId, CancellationToken cancellationToken = default) => cache.RemoveAsync(Key(clientId), cancellationToken);

    private static string Key(string clientId) => "service-account:" + clientId;

    private async Task<ServiceAccountClient?> LoadAsync(string clientId, CancellationToken cancellationToken)
    {
        var account = await db.ServiceAccounts.AsNoTracking()
            .Where(s => s.ClientId == clientId)
            .Select(s => new
            {
                Account = s,
                s.Organization.Slug,
                UnitsInPlan = s.Organization.Plan.Units,
                Secrets = s.Secrets.Where(x => x.RevokedAt == null).Select(x => new ActiveSecret(x.Id, x.SecretHash, x.FirstUsedAt != null)).ToList(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return null;
        }

        var s = account.Account;
        var roles = s.RoleIds.Count == 0
            ? []
            : await db.OrganizationRoles.AsNoTracking().Where(r => r.OrganizationId == s.OrganizationId && s.RoleIds.Contains(r.Id))
                .OrderBy(r => r.Key).Select(r => new { r.Key, r.Permissions }).ToListAsync(cancellationToken);
        // Units deleted since were removed from the list; admins and plans without units see every unit.
        var units = s.UnitIds.Count == 0 || s.BaseRole == BuiltInRoles.Admin || !account.UnitsInPlan
            ? MembershipAccess.AllUnits
            : (await db.Units.AsNoTracking().Where(u => u.OrganizationId == s.OrganizationId && s.UnitIds.Contains(u.Id)).Select(u => u.Id).ToListAsync(cancellationToken))
                .Order().Select(u => u.ToString()).ToList();
        var application = await db.Set<OpenIddictEntityFrameworkCoreApplication<Guid>>().AsNoTracking()
            .SingleOrDefaultAsync(a => a.Id == s.ApplicationId, cancellationToken);
        if (application is null)
        {
            return null;
        }

        var organizationAccess = new OrganizationAccess(s.OrganizationId, account.Slug, s.Id, s.BaseRole, roles.Select(r => r.Key).ToList(),
            access.PermissionsOf(s.BaseRole, roles.Select(r => r.Permissions)), units, s.AuthzVersion);
        return new ServiceAccountClient(s.Id, s.ClientId, s.Name, s.DisabledAt, s.ExpiresAt, s.LastUsedAt, account.Secrets, organizationAccess, application);
    }
}
