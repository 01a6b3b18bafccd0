using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Scim;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Scim;

/// <summary>A directory group as SCIM shows it: the document (members only when asked) and its version.</summary>
public sealed record ScimGroupRecord(Guid Id, JsonObject Document, int Version, DateTime CreatedAt, DateTime LastModifiedAt);

/// <summary>
/// The rules of SCIM Groups (DESIGN.md §4): an organization's directory groups, unique by display name (Entra
/// matches groups by it), whose members are members of the organization. Member changes are applied as row inserts
/// and deletes, never by rewriting a list, and each one makes the members' roles and units follow the group's
/// mapping (<see cref="DirectoryGroupAccess"/>). One transaction per operation, under the organization's lock.
/// </summary>
public sealed class ScimGroupsService(OrgIdentityDbContext db, DirectoryGroupAccess access, AuditLog audit, TimeProvider time)
{
    public async Task<ScimGroupRecord?> FindAsync(Guid organizationId, Guid groupId, bool withMembers, CancellationToken cancellationToken)
    {
        var group = await db.DirectoryGroups.AsNoTracking().SingleOrDefaultAsync(g => g.OrganizationId == organizationId && g.Id == groupId, cancellationToken);
        return group is null ? null : (await RecordsAsync([group], withMembers, cancellationToken))[0];
    }

    public async Task<(int Total, IReadOnlyList<ScimGroupRecord> Page)> ListAsync(Guid organizationId, Expression<Func<DirectoryGroup, bool>>? filter,
        LambdaExpression? sortBy, bool descending, int startIndex, int count, bool withMembers, CancellationToken cancellationToken)
    {
        var query = db.DirectoryGroups.AsNoTracking().Where(g => g.OrganizationId == organizationId);
        if (filter is not null)
        {
            query = query.Where(filter);
        }

        var total = await query.CountAsync(cancellationToken);
        if (count == 0 || startIndex > total)
        {
            return (total, []);
        }

        var ordered = sortBy is null ? query.OrderBy(g => g.Id) : Sorting.OrderBy(query, sortBy, descending).ThenBy(g => g.Id);
        var page = await ordered.Skip(startIndex - 1).Take(count).ToListAsync(cancellationToken);
        return (total, await RecordsAsync(page, withMembers, cancellationToken));
    }

    public async Task<ScimGroupRecord> CreateAsync(Guid organizationId, AuditActor actor, JsonObject document, CancellationToken cancellationToken)
    {
        var (displayName, externalId, members) = Read(document);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockOrganizationAsync(organizationId, cancellationToken);
        await EnsureUniqueAsync(organizationId, displayName, externalId, null, cancellationToken);
        var now = time.UtcNowToMicrosecond();
        var group = new DirectoryGroup
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organizationId,
            DisplayName = displayName,
            DisplayNameNormalized = ScimUserFields.Normalize(displayName),
            ExternalId = externalId,
            Attributes = ScimDocuments.Stored(document, "id", "meta", "members"),
            CreatedAt = now,
            LastModifiedAt = now,
        };
        db.DirectoryGroups.Add(group);
        audit.Record(actor, organizationId, "scim.group_created", "directory_group", group.Id.ToString(), new { displayName, externalId });
        if (members is not null)
        {
            await ChangeMembersAsync(group, [new ScimMemberChange(ScimMemberChangeKind.Add, members)], actor, cancellationToken);
        }

        await SaveAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await RecordsAsync([group], true, cancellationToken))[0];
    }

    /// <summary>PUT: the display name, external id and other attributes are replaced; so is the member list.</summary>
    public async Task<ScimGroupRecord> ReplaceAsync(Guid organizationId, AuditActor actor, Guid groupId, JsonObject document, string? ifMatch, CancellationToken cancellationToken)
    {
        var (_, _, members) = Read(document);
        return await UpdateAsync(organizationId, actor, groupId, ifMatch, _ => (document,
            [new ScimMemberChange(ScimMemberChangeKind.RemoveAll, []), new ScimMemberChange(ScimMemberChangeKind.Add, members ?? [])]), "replaced", cancellationToken);
    }

    /// <summary>PATCH: <paramref name="patch"/> gives the new document (without members) and the member changes, in order.</summary>
    public Task<ScimGroupRecord> PatchAsync(Guid organizationId, AuditActor actor, Guid groupId,
        Func<JsonObject, (JsonObject Document, IReadOnlyList<ScimMemberChange> Members)> patch, string? ifMatch, CancellationToken cancellationToken) =>
        UpdateAsync(organizationId, actor, groupId, ifMatch, patch, "patched", cancellationToken);

    public async Task DeleteAsync(Guid organizationId, AuditActor actor, Guid groupId, string? ifMatch, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockOrganizationAsync(organizationId, cancellationToken);
        var group = await LoadAsync(organizationId, groupId, ifMatch, cancellationToken);
        await ChangeMembersAsync(group, [new ScimMemberChange(ScimMemberChangeKind.RemoveAll, [])], actor, cancellationToken);
        db.DirectoryGroups.Remove(group);
        audit.Record(actor, organizationId, "scim.group_deleted", "directory_group", group.Id.ToString(), new { group.DisplayName });
        await SaveAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<ScimGroupRecord> UpdateAsync(Guid organizationId, AuditActor actor, Guid groupId, string? ifMatch,
        Func<JsonObject, (JsonObject Document, IReadOnlyList<ScimMemberChange> Members)> change, string how, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockOrganizationAsync(organizationId, cancellationToken);
        var group = await LoadAsync(organizationId, groupId, ifMatch, cancellationToken);
        var (document, memberChanges) = change(Current(group));
        var (displayName, externalId, _) = Read(document);
        await EnsureUniqueAsync(organizationId, displayName, externalId, group.Id, cancellationToken);
        var before = new { group.DisplayName, group.ExternalId };
        group.DisplayName = displayName;
        group.DisplayNameNormalized = ScimUserFields.Normalize(displayName);
        group.ExternalId = externalId;
        group.Attributes = ScimDocuments.Stored(document, "id", "meta", "members");
        group.LastModifiedAt = time.UtcNowToMicrosecond();
        group.Version++;
        audit.Record(actor, organizationId, "scim.group_updated", "directory_group", group.Id.ToString(),
            new { how, before, after = new { displayName, externalId } });
        await ChangeMembersAsync(group, memberChanges, actor, cancellationToken);
        await SaveAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await RecordsAsync([group], false, cancellationToken))[0];
    }

    /// <summary>
    /// Applies member changes in order with set operations, then makes the roles and units of everyone who came or
    /// went follow the groups. A member value that is not a member of this organization is refused (400), whichever
    /// organization it belongs to.
    /// </summary>
    private async Task ChangeMembersAsync(DirectoryGroup group, IReadOnlyList<ScimMemberChange> changes, AuditActor actor, CancellationToken cancellationToken)
    {
        var members = await db.DirectoryGroupMembers.Where(m => m.GroupId == group.Id).ToDictionaryAsync(m => m.UserId, cancellationToken);
        var touched = new HashSet<Guid>();
        foreach (var change in changes)
        {
            switch (change.Kind)
            {
                case ScimMemberChangeKind.RemoveAll or ScimMemberChangeKind.ReplaceAll:
                    touched.UnionWith(members.Values.Select(m => m.MembershipId));
                    db.DirectoryGroupMembers.RemoveRange(members.Values);
                    members.Clear();
                    if (change.Kind == ScimMemberChangeKind.ReplaceAll)
                    {
                        await AddMembersAsync(group, members, change.MemberIds, touched, cancellationToken);
                    }

                    break;
                case ScimMemberChangeKind.Remove:
                    foreach (var userId in ParseIds(change.MemberIds, strict: false))
                    {
                        if (members.Remove(userId, out var gone))
                        {
                            touched.Add(gone.MembershipId);
                            db.DirectoryGroupMembers.Remove(gone);
                        }
                    }

                    break;
                case ScimMemberChangeKind.Add:
                    await AddMembersAsync(group, members, change.MemberIds, touched, cancellationToken);
                    break;
            }
        }

        if (touched.Count > 0)
        {
            audit.Record(actor, group.OrganizationId, "scim.group_members_changed", "directory_group", group.Id.ToString(), new { members = touched.Count });
            // The mapping reads group membership from the database: what changed above must be there first.
            await db.SaveChangesAsync(cancellationToken);
            var organization = await db.Organizations.SingleAsync(o => o.Id == group.OrganizationId, cancellationToken);
            await access.ApplyAsync(organization, touched, actor, cancellationToken);
        }
    }

    private async Task AddMembersAsync(DirectoryGroup group, Dictionary<Guid, DirectoryGroupMember> members, IReadOnlyList<string> userIds,
        HashSet<Guid> touched, CancellationToken cancellationToken)
    {
        var wanted = ParseIds(userIds, strict: true).Where(id => !members.ContainsKey(id)).Distinct().ToList();
        var found = await db.Memberships.Where(m => m.OrganizationId == group.OrganizationId && wanted.Contains(m.UserId))
            .Select(m => new { m.Id, m.UserId }).ToListAsync(cancellationToken);
        if (wanted.Except(found.Select(f => f.UserId)).FirstOrDefault() is var missing && missing != Guid.Empty)
        {
            throw ScimException.InvalidValue($"members: no user with id '{missing}' in this organization.");
        }

        foreach (var member in found)
        {
            // A member removed and added back within one request keeps (re-attaches) the same row.
            var tracked = db.ChangeTracker.Entries<DirectoryGroupMember>().FirstOrDefault(e => e.Entity.GroupId == group.Id && e.Entity.MembershipId == member.Id);
            DirectoryGroupMember row;
            if (tracked is { State: EntityState.Deleted })
            {
                tracked.State = EntityState.Unchanged;
                row = tracked.Entity;
            }
            else
            {
                row = new DirectoryGroupMember { GroupId = group.Id, MembershipId = member.Id, UserId = member.UserId };
                db.DirectoryGroupMembers.Add(row);
            }

            members[member.UserId] = row;
            touched.Add(member.Id);
        }
    }

    /// <summary>Member values are user ids; one that is not a GUID matches nobody (a 400 when adding, a no-op when removing).</summary>
    private static IEnumerable<Guid> ParseIds(IReadOnlyList<string> values, bool strict)
    {
        foreach (var value in values)
        {
            if (Guid.TryParse(value, out var id))
            {
                yield return id;
            }
            else if (strict)
            {
                throw ScimException.InvalidValue($"members: no user with id '{value}' in this organization.");
            }
        }
    }

    private async Task<DirectoryGroup> LoadAsync(Guid organizationId, Guid groupId, string? ifMatch, CancellationToken cancellationToken)
    {
        var group = await db.DirectoryGroups.SingleOrDefaultAsync(g => g.OrganizationId == organizationId && g.Id == groupId, cancellationToken)
            ?? throw ScimException.NotFound($"No group with id '{groupId}'.");
        if (!ScimETag.Matches(ifMatch, ScimUsersService.ETagOf(group.Version)))
        {
            throw ScimException.PreconditionFailed("The group changed since it was read (If-Match does not match its ETag).");
        }

        return group;
    }

    private async Task EnsureUniqueAsync(Guid organizationId, string displayName, string? externalId, Guid? except, CancellationToken cancellationToken)
    {
        var normalized = ScimUserFields.Normalize(displayName);
        if (await db.DirectoryGroups.AnyAsync(g => g.OrganizationId == organizationId && g.DisplayNameNormalized == normalized && g.Id != except, cancellationToken))
        {
            throw ScimException.Uniqueness($"A group named '{displayName}' already exists in this organization.");
        }

        if (externalId is not null && await db.DirectoryGroups.AnyAsync(g => g.OrganizationId == organizationId && g.ExternalId == externalId && g.Id != except, cancellationToken))
        {
            throw ScimException.Uniqueness($"The externalId '{externalId}' is already in use by another group of this organization.");
        }
    }

    private static (string DisplayName, string? ExternalId, IReadOnlyList<string>? Members) Read(JsonObject document)
    {
        var displayName = (document["displayName"] as JsonValue)?.TryGetValue<string>(out var name) == true ? name.Trim() : null;
        if (string.IsNullOrEmpty(displayName) || displayName.Length > 256)
        {
            throw ScimException.InvalidValue("displayName is required (at most 256 characters).");
        }

        var externalId = (document["externalId"] as JsonValue)?.TryGetValue<string>(out var id) == true && !string.IsNullOrEmpty(id) ? id : null;
        if (externalId is { Length: > 256 })
        {
            throw ScimException.InvalidValue("externalId is longer than 256 characters.");
        }

        var members = document["members"] is JsonArray array
            ? array.Select(m => m is JsonObject o && o["value"] is JsonValue v && v.TryGetValue<string>(out var value) ? value : null).OfType<string>().ToList()
            : null;
        return (displayName, externalId, members);
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw ScimException.Uniqueness("The displayName or externalId was taken by a concurrent request.");
        }
    }

    private static JsonObject Current(DirectoryGroup group)
    {
        var document = JsonNode.Parse(group.Attributes)!.AsObject();
        document["id"] = group.Id.ToString();
        document["displayName"] = group.DisplayName;
        return document;
    }

    /// <summary>Documents for a page of groups; members (one query for the page) only when the response shows them.</summary>
    private async Task<List<ScimGroupRecord>> RecordsAsync(IReadOnlyList<DirectoryGroup> groups, bool withMembers, CancellationToken cancellationToken)
    {
        var groupIds = groups.Select(g => g.Id).ToList();
        var members = withMembers
            ? (await db.DirectoryGroupMembers.AsNoTracking().Where(m => groupIds.Contains(m.GroupId))
                .OrderBy(m => m.UserId)
                .Select(m => new { m.GroupId, m.UserId })
                .ToListAsync(cancellationToken)).ToLookup(m => m.GroupId)
            : null;
        return groups.Select(group =>
        {
            var document = Current(group);
            if (members is not null)
            {
                document["members"] = new JsonArray(members[group.Id].Select(m => (JsonNode)new JsonObject
                {
                    ["value"] = m.UserId.ToString(),
                    ["type"] = "User",
                }).ToArray());
            }

            return new ScimGroupRecord(group.Id, document, group.Version, group.CreatedAt, group.LastModifiedAt);
        }).ToList();
    }
}
