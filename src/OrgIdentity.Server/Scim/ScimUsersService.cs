using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Scim;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Scim;

/// <summary>A provisioned user as SCIM shows it: the document (without <c>meta.location</c>) and its version.</summary>
public sealed record ScimUserRecord(Guid Id, JsonObject Document, int Version, DateTime CreatedAt, DateTime LastModifiedAt);

/// <summary>
/// The rules of SCIM Users (DESIGN.md §2 and §4): a SCIM user is a membership the directory provisioned, with its
/// <see cref="ScimProfile"/>. Creating one makes a new account, links a member or an account this organization
/// manages, or claims an account of a domain it verified; anything else is a 409. <c>active</c> suspends and
/// restores the membership (and disables a managed account); DELETE removes the membership. Each operation is one
/// transaction under the organization's lock, audit events included, with the directory as the actor.
/// </summary>
public sealed class ScimUsersService(
    OrgIdentityDbContext db,
    UserManager<User> users,
    AccountsService accounts,
    OrganizationJoin join,
    AuditLog audit,
    TimeProvider time)
{
    /// <summary>Filtered results up to this size are sorted in memory (see <see cref="ListAsync"/>).</summary>
    private const int SortedInMemoryUpTo = 1000;

    public async Task<ScimUserRecord?> FindAsync(Guid organizationId, Guid userId, CancellationToken cancellationToken)
    {
        var profile = await db.ScimProfiles.AsNoTracking().SingleOrDefaultAsync(p => p.OrganizationId == organizationId && p.UserId == userId, cancellationToken);
        return profile is null ? null : (await RecordsAsync([profile], cancellationToken))[0];
    }

    /// <summary>
    /// One page in a stable order (the sort, then the user id), and the total: two queries (one for a filter that
    /// matches at most one user), both on the organization's indexes; the filter is SQL (<see cref="ScimAttributes"/>).
    /// </summary>
    public async Task<(int Total, IReadOnlyList<ScimUserRecord> Page)> ListAsync(Guid organizationId, Expression<Func<ScimProfile, bool>>? filter,
        LambdaExpression? sortBy, bool descending, int startIndex, int count, CancellationToken cancellationToken)
    {
        var query = db.ScimProfiles.AsNoTracking().Where(p => p.OrganizationId == organizationId);
        if (filter is not null)
        {
            query = query.Where(filter);
        }

        if (filter is not null && sortBy is null)
        {
            // A directory's lookups (userName eq, externalId eq) match one user or none: then one query gives both the
            // page and the total. Two rows or more go on to the count and the ordered page below.
            var few = await query.Take(2).ToListAsync(cancellationToken);
            if (few.Count < 2)
            {
                return (few.Count, await RecordsAsync(few.Skip(startIndex - 1).Take(count).ToList(), cancellationToken));
            }
        }

        var total = await query.CountAsync(cancellationToken);
        if (count == 0 || startIndex > total)
        {
            return (total, []);
        }

        List<ScimProfile> page;
        if (sortBy is null && filter is not null && total <= SortedInMemoryUpTo)
        {
            // A filter that matches a handful (a directory's lookup by e-mail, say) is read without ORDER BY and sorted
            // here, in the database's order of the text of the id: with an ORDER BY, SQLite without statistics walks the
            // sort's index over the whole organization instead of seeking the filter's.
            page = (await query.ToListAsync(cancellationToken))
                .OrderBy(p => p.UserId.ToString(), StringComparer.Ordinal).Skip(startIndex - 1).Take(count).ToList();
        }
        else
        {
            // The page's ids first, from the index alone (an OFFSET deep into 100,000 rows reads no table rows), then
            // those rows.
            var ordered = sortBy is null
                ? query.OrderBy(p => p.UserId)
                : Sorting.ThenById(Sorting.OrderBy(query, sortBy, descending));
            var ids = await ordered.Skip(startIndex - 1).Take(count).Select(p => p.UserId).ToListAsync(cancellationToken);
            var rows = await db.ScimProfiles.AsNoTracking().Where(p => p.OrganizationId == organizationId && ids.Contains(p.UserId)).ToDictionaryAsync(p => p.UserId, cancellationToken);
            page = ids.Select(id => rows[id]).ToList();
        }

        return (total, await RecordsAsync(page, cancellationToken));
    }

    public async Task<ScimUserRecord> CreateAsync(Guid organizationId, AuditActor actor, JsonObject document, CancellationToken cancellationToken)
    {
        var fields = ScimUserFields.From(document);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockOrganizationAsync(organizationId, cancellationToken);
        var organization = await db.Organizations.SingleAsync(o => o.Id == organizationId, cancellationToken);
        await EnsureUniqueAsync(organizationId, fields, null, cancellationToken);

        var domainVerified = await DomainVerifiedAsync(organizationId, fields.Email, cancellationToken);
        var user = await users.FindByEmailAsync(fields.Email);
        Membership? membership = null;
        string how;
        if (user is null)
        {
            user = accounts.NewUser(fields.Email);
            // The directory speaks for addresses of a domain the organization proved it owns: those accounts are its own.
            user.EmailConfirmed = domainVerified;
            user.ManagedByOrganizationId = domainVerified ? organizationId : null;
            CopyProfile(fields, user);
            // Saved with the membership, the profile and the audit events below (ScimUserFields validated the e-mail).
            accounts.AddWithoutPassword(user);
            how = "created";
        }
        else
        {
            membership = await db.Memberships.SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == user.Id, cancellationToken);
            if (membership is not null)
            {
                if (await db.ScimProfiles.AnyAsync(p => p.MembershipId == membership.Id, cancellationToken))
                {
                    throw ScimException.Uniqueness($"The e-mail address '{fields.Email}' belongs to a user this directory already provisioned under another userName.");
                }

                // Already a member (invited, say): the directory takes over the membership; the member's roles stay.
                how = "linked_member";
            }
            else if (user.ManagedByOrganizationId == organizationId)
            {
                // An account this organization manages and deprovisioned earlier: the same account comes back.
                await accounts.EnableInTransactionAsync(user, actor, cancellationToken);
                how = "relinked";
            }
            else if (domainVerified && user.EmailConfirmed && user.ManagedByOrganizationId is null)
            {
                user.ManagedByOrganizationId = organizationId;
                await accounts.WipeCredentialsInTransactionAsync(user, actor, organizationId, cancellationToken);
                how = "claimed";
            }
            else
            {
                throw ScimException.Uniqueness(user.ManagedByOrganizationId is not null
                    ? $"An account with the e-mail address '{fields.Email}' exists and is managed by another organization."
                    : domainVerified
                        ? $"An account with the e-mail address '{fields.Email}' exists and its address is not confirmed, so this organization cannot claim it. Invite the person instead."
                        : $"An account with the e-mail address '{fields.Email}' exists and its domain is not verified by this organization, so it cannot be claimed. Verify the domain, or invite the person instead.");
            }

            if (user.ManagedByOrganizationId == organizationId)
            {
                await WriteProfileAsync(fields, user, cancellationToken);
            }
        }

        membership ??= await join.AddAsync(organization, user, MembershipSource.Scim, organization.DefaultRoles.Scim, [], [], actor, cancellationToken);
        var now = time.UtcNowToMicrosecond();
        var profile = new ScimProfile
        {
            MembershipId = membership.Id,
            OrganizationId = organizationId,
            UserId = user.Id,
            UserName = fields.UserName,
            UserNameNormalized = fields.UserNameNormalized,
            ExternalId = fields.ExternalId,
            PrimaryEmailNormalized = fields.EmailNormalized,
            Active = true,
            Attributes = ScimDocuments.Stored(document, "id", "meta", "groups", "password", "active"),
            CreatedAt = now,
            LastModifiedAt = now,
        };
        db.ScimProfiles.Add(profile);
        audit.Record(actor, organizationId, "scim.user_provisioned", "user", user.Id.ToString(), new { fields.UserName, fields.ExternalId, how });
        if (!fields.Active)
        {
            await SetActiveAsync(profile, membership, user, false, actor, cancellationToken);
        }

        await SaveAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // A membership made just now is in no directory group yet: nothing to read back. A member linked now may be
        // (a group's members may name any member of the organization).
        return how == "linked_member" ? (await RecordsAsync([profile], cancellationToken))[0] : Record(profile, []);
    }

    /// <summary>PUT: the document replaces the stored one (attributes it lacks are cleared, RFC 7644 §3.5.1).</summary>
    public Task<ScimUserRecord> ReplaceAsync(Guid organizationId, AuditActor actor, Guid userId, JsonObject document, string? ifMatch, CancellationToken cancellationToken) =>
        UpdateAsync(organizationId, actor, userId, ifMatch, _ => document, "replaced", cancellationToken);

    /// <summary>PATCH: <paramref name="patch"/> turns the stored document into the new one (all operations or none).</summary>
    public Task<ScimUserRecord> PatchAsync(Guid organizationId, AuditActor actor, Guid userId, Func<JsonObject, JsonObject> patch, string? ifMatch, CancellationToken cancellationToken) =>
        UpdateAsync(organizationId, actor, userId, ifMatch, patch, "patched", cancellationToken);

    /// <summary>DELETE: removes the membership (its profile and group memberships go with it) and disables a managed account.</summary>
    public async Task DeleteAsync(Guid organizationId, AuditActor actor, Guid userId, string? ifMatch, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockOrganizationAsync(organizationId, cancellationToken);
        var (profile, membership, user) = await LoadAsync(organizationId, userId, ifMatch, cancellationToken);
        audit.Record(actor, organizationId, "scim.user_deprovisioned", "user", userId.ToString(), new { profile.UserName, role = membership.BaseRole });
        db.Memberships.Remove(membership);
        if (user.ManagedByOrganizationId == organizationId && !user.IsDisabled)
        {
            await accounts.DisableInTransactionAsync(user, actor, cancellationToken);
        }

        await SaveAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<ScimUserRecord> UpdateAsync(Guid organizationId, AuditActor actor, Guid userId, string? ifMatch,
        Func<JsonObject, JsonObject> change, string how, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockOrganizationAsync(organizationId, cancellationToken);
        var (profile, membership, user) = await LoadAsync(organizationId, userId, ifMatch, cancellationToken);
        var current = Current(profile);
        var document = change(current);
        var fields = ScimUserFields.From(document);
        await EnsureUniqueAsync(organizationId, fields, profile.MembershipId, cancellationToken);

        if (user.ManagedByOrganizationId == organizationId)
        {
            await WriteProfileAsync(fields, user, cancellationToken);
        }

        var before = new { profile.UserName, profile.ExternalId, profile.Active };
        profile.UserName = fields.UserName;
        profile.UserNameNormalized = fields.UserNameNormalized;
        profile.ExternalId = fields.ExternalId;
        profile.PrimaryEmailNormalized = fields.EmailNormalized;
        profile.Attributes = ScimDocuments.Stored(document, "id", "meta", "groups", "password", "active");
        profile.LastModifiedAt = time.UtcNowToMicrosecond();
        profile.Version++;
        audit.Record(actor, organizationId, "scim.user_updated", "user", userId.ToString(),
            new { how, before, after = new { profile.UserName, profile.ExternalId, fields.Active } });
        if (fields.Active != profile.Active)
        {
            await SetActiveAsync(profile, membership, user, fields.Active, actor, cancellationToken);
        }

        await SaveAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await RecordsAsync([profile], cancellationToken))[0];
    }

    /// <summary>
    /// <c>active</c>: suspends or restores the membership; its refresh tokens stop working at once (the token endpoint
    /// reads the membership). A managed account is disabled or enabled altogether. A directory may suspend the last
    /// admin (DESIGN.md §2): that is audited as such.
    /// </summary>
    private async Task SetActiveAsync(ScimProfile profile, Membership membership, User user, bool active, AuditActor actor, CancellationToken cancellationToken)
    {
        profile.Active = active;
        membership.Status = active ? MembershipStatus.Active : MembershipStatus.Suspended;
        membership.AuthzVersion++;
        var lastAdmin = !active && membership.BaseRole == Roles.BuiltInRoles.Admin
            && !await db.Memberships.AnyAsync(m => m.OrganizationId == membership.OrganizationId && m.Id != membership.Id
                && m.BaseRole == Roles.BuiltInRoles.Admin && m.Status == MembershipStatus.Active && !m.User.IsDisabled, cancellationToken);
        audit.Record(actor, membership.OrganizationId, active ? "member.reactivated" : "member.suspended", "user", user.Id.ToString(),
            new { source = "scim", lastAdmin });
        if (user.ManagedByOrganizationId == membership.OrganizationId)
        {
            if (active)
            {
                await accounts.EnableInTransactionAsync(user, actor, cancellationToken);
            }
            else if (!user.IsDisabled)
            {
                await accounts.DisableInTransactionAsync(user, actor, cancellationToken);
            }
        }
    }

    private async Task<(ScimProfile Profile, Membership Membership, User User)> LoadAsync(Guid organizationId, Guid userId, string? ifMatch, CancellationToken cancellationToken)
    {
        var profile = await db.ScimProfiles.Include(p => p.Membership).ThenInclude(m => m.User)
            .SingleOrDefaultAsync(p => p.OrganizationId == organizationId && p.UserId == userId, cancellationToken)
            ?? throw ScimException.NotFound($"No user with id '{userId}'.");
        if (!ScimETag.Matches(ifMatch, ETagOf(profile.Version)))
        {
            throw ScimException.PreconditionFailed("The user changed since it was read (If-Match does not match its ETag).");
        }

        return (profile, profile.Membership, profile.Membership.User);
    }

    /// <summary>userName and externalId are unique per organization; userName whatever its case (Okta and Entra both test it).</summary>
    private async Task EnsureUniqueAsync(Guid organizationId, ScimUserFields fields, Guid? except, CancellationToken cancellationToken)
    {
        var normalized = fields.UserNameNormalized;
        if (await db.ScimProfiles.AnyAsync(p => p.OrganizationId == organizationId && p.UserNameNormalized == normalized && p.MembershipId != except, cancellationToken))
        {
            throw ScimException.Uniqueness($"The userName '{fields.UserName}' is already in use in this organization.");
        }

        if (fields.ExternalId is { } externalId
            && await db.ScimProfiles.AnyAsync(p => p.OrganizationId == organizationId && p.ExternalId == externalId && p.MembershipId != except, cancellationToken))
        {
            throw ScimException.Uniqueness($"The externalId '{externalId}' is already in use in this organization.");
        }
    }

    private async Task<bool> DomainVerifiedAsync(Guid organizationId, string email, CancellationToken cancellationToken)
    {
        var domain = email[(email.LastIndexOf('@') + 1)..].TrimEnd('.').ToLowerInvariant();
        return await db.OrganizationDomains.AnyAsync(d => d.OrganizationId == organizationId && d.VerifiedDomain == domain, cancellationToken);
    }

    /// <summary>Only the managing organization writes the account's global profile (DESIGN.md §2), its e-mail included.</summary>
    private async Task WriteProfileAsync(ScimUserFields fields, User user, CancellationToken cancellationToken)
    {
        var emailChanged = !string.Equals(user.Email, fields.Email, StringComparison.OrdinalIgnoreCase);
        if (emailChanged && await users.FindByEmailAsync(fields.Email) is not null)
        {
            throw ScimException.Uniqueness($"Another account already has the e-mail address '{fields.Email}'.");
        }

        CopyProfile(fields, user);
        if (emailChanged)
        {
            user.Email = fields.Email;
            user.UserName = fields.Email;
            user.EmailConfirmed = await DomainVerifiedAsync(user.ManagedByOrganizationId!.Value, fields.Email, cancellationToken);
        }

        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            throw ScimException.InvalidValue(string.Join(" ", updated.Errors.Select(e => e.Description)));
        }

        await db.SyncAsync(user, cancellationToken);
    }

    private static void CopyProfile(ScimUserFields fields, User user)
    {
        user.Name = fields.Name;
        user.GivenName = fields.GivenName;
        user.FamilyName = fields.FamilyName;
        user.Company = fields.Company ?? user.Company;
    }

    /// <summary>A unique index that a concurrent request beat us to is the same 409 the checks give.</summary>
    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw ScimException.Uniqueness("The userName or externalId was taken by a concurrent request.");
        }
    }

    /// <summary>What is stored: the document as sent, without what the server owns or never keeps.</summary>
    private static JsonObject Current(ScimProfile profile)
    {
        var document = JsonNode.Parse(profile.Attributes)!.AsObject();
        document["id"] = profile.UserId.ToString();
        document["active"] = profile.Active;
        return document;
    }

    public static string ETagOf(int version) => ScimETag.Format(version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Documents for a page of profiles, with their groups read in one query.</summary>
    private async Task<List<ScimUserRecord>> RecordsAsync(List<ScimProfile> profiles, CancellationToken cancellationToken)
    {
        if (profiles.Count == 0)
        {
            return [];
        }

        var membershipIds = profiles.Select(p => p.MembershipId).ToList();
        var groups = (await db.DirectoryGroupMembers.AsNoTracking()
                .Where(m => membershipIds.Contains(m.MembershipId))
                .Select(m => new { m.MembershipId, m.GroupId, m.Group.DisplayName })
                .ToListAsync(cancellationToken))
            .ToLookup(g => g.MembershipId);
        return profiles.Select(profile => Record(profile, groups[profile.MembershipId].Select(g => (g.GroupId, g.DisplayName)).ToList())).ToList();
    }

    private static ScimUserRecord Record(ScimProfile profile, List<(Guid GroupId, string DisplayName)> memberOf)
    {
        var document = Current(profile);
        if (memberOf.Count > 0)
        {
            document["groups"] = new JsonArray(memberOf.Select(g => (JsonNode)new JsonObject
            {
                ["value"] = g.GroupId.ToString(),
                ["display"] = g.DisplayName,
                ["type"] = "direct",
            }).ToArray());
        }

        return new ScimUserRecord(profile.UserId, document, profile.Version, profile.CreatedAt, profile.LastModifiedAt);
    }
}
