using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Scim;

/// <summary>A directory token as the API lists it: never the token itself.</summary>
public sealed record DirectoryTokenView(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A token just created: the only answer that holds <c>token</c>.</summary>
public sealed record CreatedDirectoryToken(Guid Id, string Name, string Prefix, DateTime CreatedAt, string Token, string ScimBaseUrl);

/// <summary>
/// The organization's SCIM bearer tokens (DESIGN.md §4 and §6): <c>organization-settings:edit</c> creates, lists
/// and revokes them, since whoever holds one adds, suspends and removes members. A token is 256 random bits, shown
/// once; only its SHA-256 is stored, and a presented token is found by that hash.
/// </summary>
public sealed class DirectoryTokensService(OrgIdentityDbContext db, MembersService members, AuditLog audit, TimeProvider time)
{
    /// <summary>What every token starts with, so secret scanners and people recognise one.</summary>
    public const string TokenPrefix = "scim_";

    /// <summary>Tokens whose last use is older than this get it written again; a busy directory does not write on every call.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<IReadOnlyList<DirectoryTokenView>> ListAsync(OrganizationCaller caller, CancellationToken cancellationToken) =>
        await db.DirectoryTokens.AsNoTracking()
            .Where(t => t.OrganizationId == caller.OrganizationId)
            .OrderByDescending(t => t.CreatedAt)
            .Select(t => new DirectoryTokenView(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt))
            .ToListAsync(cancellationToken);

    public async Task<Outcome<CreatedDirectoryToken>> CreateAsync(OrganizationCaller requester, string? name, string scimBaseUrl, CancellationToken cancellationToken)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return Refusal.Invalid("name", "Give the token a name of 1 to 100 characters (for example the directory it is for).");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(DomainsService.SettingsEdit))
        {
            return OrganizationRoutes.MissingPermission(DomainsService.SettingsEdit);
        }

        var token = TokenPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var row = new DirectoryToken
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            Name = name,
            Prefix = token[..12],
            TokenHash = InvitationTokens.Hash(token),
            CreatedAt = Now(),
            CreatedBy = caller.UserId,
        };
        db.DirectoryTokens.Add(row);
        audit.Record(caller.Actor, caller.OrganizationId, "directory_token.created", "directory_token", row.Id.ToString(), new { row.Name, row.Prefix });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreatedDirectoryToken(row.Id, row.Name, row.Prefix, row.CreatedAt, token, scimBaseUrl);
    }

    /// <summary>Revokes a token: the next SCIM call made with it is refused (401).</summary>
    public async Task<Refusal?> RevokeAsync(OrganizationCaller requester, Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(DomainsService.SettingsEdit))
        {
            return OrganizationRoutes.MissingPermission(DomainsService.SettingsEdit);
        }

        var row = await db.DirectoryTokens.SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, cancellationToken);
        if (row is null || row.RevokedAt is not null)
        {
            return Refusal.NotFound("This organization has no live directory token with that id.");
        }

        row.RevokedAt = Now();
        audit.Record(caller.Actor, caller.OrganizationId, "directory_token.revoked", "directory_token", row.Id.ToString(), new { row.Name, row.Prefix });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>
    /// The organization a presented token belongs to, or null for a token that is unknown, revoked, or of an
    /// organization whose plan has no <c>scim</c>. Records the last use (at most once a minute per token).
    /// </summary>
    public async Task<DirectoryCaller?> AuthenticateAsync(string? presented, CancellationToken cancellationToken)
    {
        if (presented is null || !presented.StartsWith(TokenPrefix, StringComparison.Ordinal) || presented.Length != TokenPrefix.Length + 43)
        {
            return null;
        }

        var hash = InvitationTokens.Hash(presented);
        var found = await db.DirectoryTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash && t.RevokedAt == null)
            .Select(t => new { t.Id, t.OrganizationId, t.TokenHash, t.LastUsedAt, ScimInPlan = t.Organization.Plan.Scim })
            .SingleOrDefaultAsync(cancellationToken);
        // The index found the row by hash; the constant-time comparison is what decides.
        if (found is null || !InvitationTokens.Matches(presented, found.TokenHash))
        {
            return null;
        }

        var now = Now();
        if (found.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            await db.DirectoryTokens.Where(t => t.Id == found.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }

        return new DirectoryCaller(found.OrganizationId, found.Id, found.ScimInPlan);
    }

    private DateTime Now() => time.UtcNowToMicrosecond();
}

/// <summary>Who is calling the SCIM API: an organization's directory, through one of its tokens.</summary>
/// <summary>Who calls <c>/scim/v2</c>: a directory token (<paramref name="TokenId"/>) or a service account with the scope <c>scim</c>.</summary>
public sealed record DirectoryCaller(Guid OrganizationId, Guid TokenId, bool ScimInPlan, string ActorType = "directory")
{
    public AuditActor Actor(string? ip) => new(ActorType, TokenId.ToString(), ip);
}
