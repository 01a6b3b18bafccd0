using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.ServiceAccounts;

/// <summary>A service account's secret as lists show it: never the secret.</summary>
public sealed record ServiceAccountSecretView(Guid Id, string Prefix, DateTime CreatedAt, DateTime? FirstUsedAt, DateTime? RevokedAt);

/// <summary>A service account as the API shows it.</summary>
public sealed record ServiceAccountView(Guid Id, string Name, string ClientId, string Role, IReadOnlyList<string> Roles, IReadOnlyList<Guid> Units,
    DateTime? ExpiresAt, bool Disabled, DateTime CreatedAt, DateTime? LastUsedAt, bool HasPublicKeys, IReadOnlyList<ServiceAccountSecretView> Secrets);

/// <summary>The answer to creating an account or a secret: the only one that holds <c>clientSecret</c>.</summary>
public sealed record CreatedServiceAccount(ServiceAccountView Account, string ClientId, string? ClientSecret, Guid? SecretId);

/// <summary>What to create; <c>jwks</c> registers public keys for <c>private_key_jwt</c>, <c>secret: false</c> makes no secret.</summary>
public sealed record NewServiceAccount(string? Name, string? Role, IReadOnlyList<string>? Roles, IReadOnlyList<Guid>? Units, DateTime? ExpiresAt,
    System.Text.Json.JsonElement? Jwks, bool? Secret);

/// <summary>A change; absent fields stay as they are (<c>expiresAt: null</c> cannot be told from absent: use <c>neverExpires</c>).</summary>
public sealed record ServiceAccountChange(string? Name, string? Role, IReadOnlyList<string>? Roles, IReadOnlyList<Guid>? Units, DateTime? ExpiresAt,
    bool? NeverExpires, bool? Disabled, System.Text.Json.JsonElement? Jwks);

/// <summary>
/// Service accounts (issue 11, DESIGN.md §2): <c>access-tokens:edit</c> creates, changes, rotates and deletes them; an
/// account never gets a permission its creator lacks. Each is an OpenIddict confidential client
/// (<see cref="ServiceAccountDirectory.ClientIdPrefix"/> and its id) allowed the client-credentials grant; its secrets
/// are ours (<see cref="ServiceAccountSecret"/>). Every change is one transaction with its audit event, and evicts the
/// account from this replica's token cache.
/// </summary>
public sealed class ServiceAccountsService(
    OrgIdentityDbContext db,
    MembersService members,
    IOpenIddictApplicationManager applications,
    ServiceAccountDirectory directory,
    PermissionCatalog catalog,
    AuditLog audit,
    TimeProvider time)
{
    public const string AccessTokensView = "access-tokens:view";
    public const string AccessTokensEdit = "access-tokens:edit";

    /// <summary>The scope that lets a service account's token call <c>/scim/v2</c> (DESIGN.md §4); it needs <c>members:edit</c>.</summary>
    public const string ScimScope = "scim";

    public async Task<IReadOnlyList<ServiceAccountView>> ListAsync(OrganizationCaller caller, CancellationToken cancellationToken)
    {
        var accounts = await db.ServiceAccounts.AsNoTracking().Include(s => s.Secrets)
            .Where(s => s.OrganizationId == caller.OrganizationId).OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        var keys = await RoleKeysAsync(caller.OrganizationId, cancellationToken);
        var withKeys = await ApplicationsWithKeysAsync(accounts.Select(a => a.ApplicationId).ToList(), cancellationToken);
        return accounts.Select(a => View(a, keys, withKeys.Contains(a.ApplicationId))).ToList();
    }

    public async Task<Outcome<ServiceAccountView>> GetAsync(OrganizationCaller caller, Guid id, CancellationToken cancellationToken)
    {
        var account = await db.ServiceAccounts.AsNoTracking().Include(s => s.Secrets)
            .SingleOrDefaultAsync(s => s.OrganizationId == caller.OrganizationId && s.Id == id, cancellationToken);
        return account is null
            ? NoSuchAccount()
            : View(account, await RoleKeysAsync(caller.OrganizationId, cancellationToken),
                (await ApplicationsWithKeysAsync([account.ApplicationId], cancellationToken)).Count > 0);
    }

    public async Task<Outcome<CreatedServiceAccount>> CreateAsync(OrganizationCaller requester, NewServiceAccount request, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return Refusal.Invalid("name", "Give the service account a name of 1 to 100 characters.");
        }

        var role = request.Role ?? BuiltInRoles.Member;
        if (!BuiltInRoles.Keys.Contains(role))
        {
            return Refusal.Invalid("role", "The role is one of admin, member or viewer.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (request.ExpiresAt is { } expires && expires.ToUniversalTime() <= now)
        {
            return Refusal.Invalid("expiresAt", "The expiry must be in the future.");
        }

        var keys = ParseKeys(request.Jwks);
        if (keys.Refusal is { } badKeys)
        {
            return badKeys;
        }

        var withSecret = request.Secret ?? true;
        if (!withSecret && keys.Value is null)
        {
            return Refusal.Invalid("secret", "A service account needs a secret or public keys (jwks) to authenticate with.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var checkedCaller = await EditorAsync(requester, cancellationToken);
        if (checkedCaller.Refusal is { } refused)
        {
            return refused;
        }

        var caller = checkedCaller.Value!;
        var granted = await GrantsAsync(caller, role, request.Roles, request.Units, cancellationToken);
        if (granted.Refusal is { } notGranted)
        {
            return notGranted;
        }

        var id = Guid.CreateVersion7();
        var account = new ServiceAccount
        {
            Id = id,
            OrganizationId = caller.OrganizationId,
            Name = name,
            ClientId = ServiceAccountDirectory.ClientIdOf(id),
            BaseRole = role,
            RoleIds = granted.Value!.Roles.Select(r => r.Id).ToList(),
            UnitIds = granted.Value.Units,
            ExpiresAt = request.ExpiresAt?.ToUniversalTime(),
            CreatedAt = now,
            CreatedBy = caller.UserId,
        };

        var descriptor = Describe(account, keys.Value);
        var application = await applications.CreateAsync(descriptor, cancellationToken);
        account.ApplicationId = Guid.Parse((await applications.GetIdAsync(application, cancellationToken))!);
        db.ServiceAccounts.Add(account);
        var (secret, row) = withSecret ? NewSecret(account.Id, now) : (null, null);
        if (row is not null)
        {
            db.ServiceAccountSecrets.Add(row);
        }

        audit.Record(caller.Actor, caller.OrganizationId, "service_account.created", "service_account", account.Id.ToString(),
            new { account.Name, account.ClientId, role, roles = granted.Value.RoleKeys, units = account.UnitIds, account.ExpiresAt, publicKeys = keys.Value is not null, secret = row?.Prefix });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var view = (await GetAsync(caller, account.Id, cancellationToken)).Value!;
        return new CreatedServiceAccount(view, account.ClientId, secret, row?.Id);
    }

    public async Task<Outcome<ServiceAccountView>> UpdateAsync(OrganizationCaller requester, Guid id, ServiceAccountChange change, CancellationToken cancellationToken)
    {
        var name = change.Name?.Trim();
        if (change.Name is not null && (string.IsNullOrEmpty(name) || name.Length > 100))
        {
            return Refusal.Invalid("name", "Give the service account a name of 1 to 100 characters.");
        }

        if (change.Role is not null && !BuiltInRoles.Keys.Contains(change.Role))
        {
            return Refusal.Invalid("role", "The role is one of admin, member or viewer.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (change.ExpiresAt is { } expires && expires.ToUniversalTime() <= now)
        {
            return Refusal.Invalid("expiresAt", "The expiry must be in the future.");
        }

        var keys = ParseKeys(change.Jwks);
        if (keys.Refusal is { } badKeys)
        {
            return badKeys;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var loaded = await LoadForChangeAsync(requester, id, cancellationToken);
        if (loaded.Refusal is { } refused)
        {
            return refused;
        }

        var (caller, account) = loaded.Value;

        var before = new { account.Name, role = account.BaseRole, account.RoleIds, account.UnitIds, account.ExpiresAt, disabled = account.DisabledAt is not null };
        if (change.Role is not null || change.Roles is not null || change.Units is not null)
        {
            var roleKeys = change.Roles ?? await db.OrganizationRoles.Where(r => account.RoleIds.Contains(r.Id)).Select(r => r.Key).ToListAsync(cancellationToken);
            var granted = await GrantsAsync(caller, change.Role ?? account.BaseRole, roleKeys, change.Units ?? account.UnitIds, cancellationToken);
            if (granted.Refusal is { } notGranted)
            {
                return notGranted;
            }

            account.BaseRole = change.Role ?? account.BaseRole;
            account.RoleIds = granted.Value!.Roles.Select(r => r.Id).ToList();
            account.UnitIds = granted.Value.Units;
            account.AuthzVersion++;
        }

        account.Name = name ?? account.Name;
        if (change.NeverExpires == true)
        {
            account.ExpiresAt = null;
        }
        else if (change.ExpiresAt is { } newExpiry)
        {
            account.ExpiresAt = newExpiry.ToUniversalTime();
        }

        if (change.Disabled is { } disabled && disabled != (account.DisabledAt is not null))
        {
            account.DisabledAt = disabled ? now : null;
            account.AuthzVersion++;
        }

        if (keys.Value is not null || change.Name is not null)
        {
            var application = await applications.FindByIdAsync(account.ApplicationId.ToString(), cancellationToken);
            if (application is not null)
            {
                var descriptor = new OpenIddictApplicationDescriptor();
                await applications.PopulateAsync(descriptor, application, cancellationToken);
                descriptor.DisplayName = account.Name;
                descriptor.JsonWebKeySet = keys.Value ?? descriptor.JsonWebKeySet;
                await applications.UpdateAsync(application, descriptor, cancellationToken);
            }
        }

        audit.Record(caller.Actor, caller.OrganizationId, "service_account.updated", "service_account", account.Id.ToString(), new
        {
            before,
            after = new { account.Name, role = account.BaseRole, account.RoleIds, account.UnitIds, account.ExpiresAt, disabled = account.DisabledAt is not null },
            publicKeysReplaced = keys.Value is not null,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await directory.EvictAsync(account.ClientId, CancellationToken.None);
        return (await GetAsync(caller, id, cancellationToken)).Value!;
    }

    /// <summary>Deletes the account and its OpenIddict application; its tokens stop working at once (they name no client any more).</summary>
    public async Task<Refusal?> DeleteAsync(OrganizationCaller requester, Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var loaded = await LoadForChangeAsync(requester, id, cancellationToken);
        if (loaded.Refusal is { } refused)
        {
            return refused;
        }

        var (caller, account) = loaded.Value;

        db.ServiceAccounts.Remove(account);
        if (await applications.FindByIdAsync(account.ApplicationId.ToString(), cancellationToken) is { } application)
        {
            await applications.DeleteAsync(application, cancellationToken);
        }

        audit.Record(caller.Actor, caller.OrganizationId, "service_account.deleted", "service_account", account.Id.ToString(), new { account.Name, account.ClientId });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await directory.EvictAsync(account.ClientId, CancellationToken.None);
        return null;
    }

    /// <summary>Rotation, first half: a new secret, valid together with the current ones until they are revoked.</summary>
    public async Task<Outcome<CreatedServiceAccount>> AddSecretAsync(OrganizationCaller requester, Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var loaded = await LoadForChangeAsync(requester, id, cancellationToken);
        if (loaded.Refusal is { } refused)
        {
            return refused;
        }

        var (caller, account) = loaded.Value;
        if (await db.ServiceAccountSecrets.CountAsync(s => s.ServiceAccountId == id && s.RevokedAt == null, cancellationToken) >= 2)
        {
            return Refusal.Conflict("This service account already has two active secrets: revoke one before adding another.");
        }

        var (secret, row) = NewSecret(account.Id, time.GetUtcNow().UtcDateTime);
        db.ServiceAccountSecrets.Add(row);
        audit.Record(caller.Actor, caller.OrganizationId, "service_account.secret_added", "service_account", account.Id.ToString(), new { secret = row.Prefix, secretId = row.Id });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await directory.EvictAsync(account.ClientId, CancellationToken.None);
        return new CreatedServiceAccount((await GetAsync(caller, id, cancellationToken)).Value!, account.ClientId, secret, row.Id);
    }

    /// <summary>Rotation, second half: the old secret stops working.</summary>
    public async Task<Refusal?> RevokeSecretAsync(OrganizationCaller requester, Guid id, Guid secretId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var loaded = await LoadForChangeAsync(requester, id, cancellationToken);
        if (loaded.Refusal is { } refused)
        {
            return refused;
        }

        var (caller, account) = loaded.Value;
        var secret = await db.ServiceAccountSecrets.SingleOrDefaultAsync(s => s.ServiceAccountId == id && s.Id == secretId, cancellationToken);
        if (secret is null)
        {
            return Refusal.NotFound("This service account has no such secret.");
        }

        if (secret.RevokedAt is null)
        {
            secret.RevokedAt = time.GetUtcNow().UtcDateTime;
            audit.Record(caller.Actor, caller.OrganizationId, "service_account.secret_revoked", "service_account", account.Id.ToString(), new { secret = secret.Prefix, secretId });
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        await directory.EvictAsync(account.ClientId, CancellationToken.None);
        return null;
    }

    private async Task<Outcome<(OrganizationCaller Caller, ServiceAccount Account)>> LoadForChangeAsync(OrganizationCaller requester, Guid id, CancellationToken cancellationToken)
    {
        var checkedCaller = await EditorAsync(requester, cancellationToken);
        if (checkedCaller.Refusal is { } refused)
        {
            return refused;
        }

        var caller = checkedCaller.Value!;
        var account = await db.ServiceAccounts.SingleOrDefaultAsync(s => s.OrganizationId == caller.OrganizationId && s.Id == id, cancellationToken);
        if (account is null)
        {
            return NoSuchAccount();
        }

        return await MayActOnAsync(caller, account, cancellationToken) is { } lacking ? lacking : (caller, account);
    }

    /// <summary>The caller, re-read under the organization's lock, who must hold <c>access-tokens:edit</c>.</summary>
    private async Task<Outcome<OrganizationCaller>> EditorAsync(OrganizationCaller requester, CancellationToken cancellationToken)
    {
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        return locked.Value!.Has(AccessTokensEdit) ? locked.Value : OrganizationRoutes.MissingPermission(AccessTokensEdit);
    }

    /// <summary>The roles and units to give, checked as the organization's own and never beyond the caller's permissions.</summary>
    private async Task<Outcome<Grants>> GrantsAsync(OrganizationCaller caller, string role, IReadOnlyList<string>? roleKeys, IReadOnlyList<Guid>? units,
        CancellationToken cancellationToken)
    {
        var granted = await members.GrantsAsync(caller.Organization, roleKeys, units, cancellationToken);
        if (granted.Refusal is { } invalid)
        {
            return invalid;
        }

        var lacking = members.PermissionsOf(role, granted.Value!.Roles).Where(p => !caller.Has(p)).Order(StringComparer.Ordinal).ToList();
        return lacking.Count > 0 ? Refusal.Forbidden($"You cannot grant permissions you do not hold: {string.Join(", ", lacking)}.") : granted.Value;
    }

    /// <summary>No one changes an account that can do more than they can (as for members).</summary>
    private async Task<Refusal?> MayActOnAsync(OrganizationCaller caller, ServiceAccount account, CancellationToken cancellationToken)
    {
        var roles = await db.OrganizationRoles.AsNoTracking().Where(r => account.RoleIds.Contains(r.Id)).ToListAsync(cancellationToken);
        var lacking = members.PermissionsOf(account.BaseRole, roles).Where(p => !caller.Has(p)).Order(StringComparer.Ordinal).ToList();
        return lacking.Count > 0 ? Refusal.Forbidden($"This service account holds permissions you do not: {string.Join(", ", lacking)}.") : null;
    }

    private OpenIddictApplicationDescriptor Describe(ServiceAccount account, JsonWebKeySet? keys)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = account.ClientId,
            // OpenIddict wants a confidential client to have a secret: this one is never shown nor checked, since
            // OrgIdentityApplicationManager checks a service account's own secrets instead.
            ClientSecret = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32)),
            DisplayName = account.Name,
            ClientType = ClientTypes.Confidential,
            JsonWebKeySet = keys,
        };
        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation, Permissions.Endpoints.Introspection,
            Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + ConnectClaims.ApiScope, Permissions.Prefixes.Scope + ScimScope]);
        // Any permission may be asked for as a scope; it is granted only while held (ConnectClaims.GrantedScopes).
        descriptor.Permissions.UnionWith(catalog.All.Select(p => Permissions.Prefixes.Scope + p));
        return descriptor;
    }

    private static (string Secret, ServiceAccountSecret Row) NewSecret(Guid accountId, DateTime now)
    {
        var secret = ServiceAccountDirectory.SecretPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        return (secret, new ServiceAccountSecret
        {
            Id = Guid.CreateVersion7(),
            ServiceAccountId = accountId,
            Prefix = secret[..12],
            SecretHash = InvitationTokens.Hash(secret),
            CreatedAt = now,
        });
    }

    /// <summary>A JSON Web Key Set of public keys, or a 400 naming <c>jwks</c>.</summary>
    private static Outcome<JsonWebKeySet?> ParseKeys(System.Text.Json.JsonElement? jwks)
    {
        if (jwks is not { ValueKind: System.Text.Json.JsonValueKind.Object } json)
        {
            return jwks is null or { ValueKind: System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined }
                ? new Outcome<JsonWebKeySet?>(null, null)
                : Refusal.Invalid("jwks", "jwks is a JSON Web Key Set: an object with a 'keys' array.");
        }

        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(json.GetRawText());
        }
        catch (ArgumentException)
        {
            return Refusal.Invalid("jwks", "jwks is not a valid JSON Web Key Set.");
        }

        if (set.Keys.Count == 0 || set.Keys.Count > 10)
        {
            return Refusal.Invalid("jwks", "jwks needs 1 to 10 keys.");
        }

        if (set.Keys.Any(k => k.Kty is not ("RSA" or "EC") || !string.IsNullOrEmpty(k.D)))
        {
            return Refusal.Invalid("jwks", "jwks holds public RSA or EC keys only (never a private key).");
        }

        return set;
    }

    private async Task<Dictionary<Guid, string>> RoleKeysAsync(Guid organizationId, CancellationToken cancellationToken) =>
        await db.OrganizationRoles.AsNoTracking().Where(r => r.OrganizationId == organizationId).ToDictionaryAsync(r => r.Id, r => r.Key, cancellationToken);

    private async Task<HashSet<Guid>> ApplicationsWithKeysAsync(List<Guid> applicationIds, CancellationToken cancellationToken) =>
        (await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication<Guid>>().AsNoTracking()
            .Where(a => applicationIds.Contains(a.Id) && a.JsonWebKeySet != null).Select(a => a.Id).ToListAsync(cancellationToken)).ToHashSet();

    private static ServiceAccountView View(ServiceAccount account, Dictionary<Guid, string> roleKeys, bool hasKeys) => new(
        account.Id, account.Name, account.ClientId, account.BaseRole,
        account.RoleIds.Where(roleKeys.ContainsKey).Select(r => roleKeys[r]).Order(StringComparer.Ordinal).ToList(),
        account.UnitIds, account.ExpiresAt, account.DisabledAt is not null, account.CreatedAt, account.LastUsedAt, hasKeys,
        account.Secrets.OrderBy(s => s.CreatedAt).Select(s => new ServiceAccountSecretView(s.Id, s.Prefix, s.CreatedAt, s.FirstUsedAt, s.RevokedAt)).ToList());

    private static Refusal NoSuchAccount() => Refusal.NotFound("This organization has no such service account.");
}
