using System.Globalization;
using System.Text.Json.Nodes;
using OrgIdentity.Scim;
using OrgIdentity.Server.Audit;

namespace OrgIdentity.Server.Scim;

/// <summary>
/// The filterable attributes of SCIM Users and Groups: each an indexed column, so a directory's matching filters
/// (<c>userName eq</c>, <c>externalId eq</c>, <c>emails[type eq "work"].value eq</c>, <c>displayName eq</c>) are index
/// seeks. Case-insensitive attributes are compared on their upper-cased copies.
/// </summary>
public static class ScimAttributes
{
    public static ScimAttributeMap<ScimProfile> Users { get; } = new ScimAttributeMap<ScimProfile>(ScimResourceTypes.User)
        .Map("id", p => p.UserId)
        .Map("userName", p => p.UserNameNormalized, ScimUserFields.Normalize)
        .Map("externalId", p => p.ExternalId)
        .Map("active", p => p.Active)
        .Map("emails.value", p => p.PrimaryEmailNormalized, ScimUserFields.Normalize)
        // One e-mail is kept per profile, the primary one; Entra's matching filter asks for it as the work address.
        .Map("emails.type", p => "work")
        .Map("meta.created", p => p.CreatedAt)
        .Map("meta.lastModified", p => p.LastModifiedAt);

    public static ScimAttributeMap<DirectoryGroup> Groups { get; } = new ScimAttributeMap<DirectoryGroup>(ScimResourceTypes.Group)
        .Map("id", g => g.Id)
        .Map("displayName", g => g.DisplayNameNormalized, ScimUserFields.Normalize)
        .Map("externalId", g => g.ExternalId)
        .Map("meta.created", g => g.CreatedAt)
        .Map("meta.lastModified", g => g.LastModifiedAt)
        .MapCollection("members", g => g.Members, members => members.Map("value", m => m.UserId));
}

/// <summary>SCIM Users of one organization, for <see cref="ScimRequestHandler"/>: the rules are <see cref="ScimUsersService"/>'s.</summary>
internal sealed class ScimUserStore(ScimUsersService users, Guid organizationId, AuditActor actor) : IScimResourceStore
{
    public ScimResourceType ResourceType => ScimResourceTypes.User;

    public async Task<ScimStoredResource?> FindAsync(string id, ScimAttributeSelection selection, CancellationToken cancellationToken) =>
        Guid.TryParse(id, out var userId) && await users.FindAsync(organizationId, userId, cancellationToken) is { } found ? Stored(found) : null;

    public async Task<ScimListResult> ListAsync(ScimListQuery query, CancellationToken cancellationToken)
    {
        var filter = query.Filter is null ? null : ScimFilterTranslator.Translate(query.Filter, ScimAttributes.Users);
        var sort = query.SortBy is null ? null : ScimAttributes.Users.SortExpression(query.SortBy);
        var (total, page) = await users.ListAsync(organizationId, filter, sort, query.Descending, query.StartIndex, query.Count, cancellationToken);
        return new ScimListResult(total, page.Select(Stored).ToList());
    }

    public async Task<ScimStoredResource> CreateAsync(JsonObject document, CancellationToken cancellationToken) =>
        Stored(await users.CreateAsync(organizationId, actor, document, cancellationToken));

    public async Task<ScimStoredResource> ReplaceAsync(string id, JsonObject document, string? ifMatch, CancellationToken cancellationToken) =>
        Stored(await users.ReplaceAsync(organizationId, actor, UserId(id), document, ifMatch, cancellationToken));

    public async Task<ScimStoredResource> PatchAsync(string id, ScimPatchRequest patch, string? ifMatch, CancellationToken cancellationToken) =>
        Stored(await users.PatchAsync(organizationId, actor, UserId(id), current => ScimPatcher.Apply(current, patch, ResourceType), ifMatch, cancellationToken));

    public Task DeleteAsync(string id, string? ifMatch, CancellationToken cancellationToken) =>
        users.DeleteAsync(organizationId, actor, UserId(id), ifMatch, cancellationToken);

    private static Guid UserId(string id) => Guid.TryParse(id, out var userId) ? userId : throw ScimException.NotFound($"No User with id '{id}'.");

    private static ScimStoredResource Stored(ScimUserRecord record) =>
        new(record.Document, record.Version.ToString(CultureInfo.InvariantCulture), Utc(record.CreatedAt), Utc(record.LastModifiedAt));

    internal static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

/// <summary>SCIM Groups of one organization: member changes go to the store as deltas, never as a whole list.</summary>
internal sealed class ScimGroupStore(ScimGroupsService groups, Guid organizationId, AuditActor actor) : IScimResourceStore
{
    public ScimResourceType ResourceType => ScimResourceTypes.Group;

    public async Task<ScimStoredResource?> FindAsync(string id, ScimAttributeSelection selection, CancellationToken cancellationToken) =>
        Guid.TryParse(id, out var groupId) && await groups.FindAsync(organizationId, groupId, selection.MayReturn("members"), cancellationToken) is { } found ? Stored(found) : null;

    public async Task<ScimListResult> ListAsync(ScimListQuery query, CancellationToken cancellationToken)
    {
        var filter = query.Filter is null ? null : ScimFilterTranslator.Translate(query.Filter, ScimAttributes.Groups);
        var sort = query.SortBy is null ? null : ScimAttributes.Groups.SortExpression(query.SortBy);
        var (total, page) = await groups.ListAsync(organizationId, filter, sort, query.Descending, query.StartIndex, query.Count, query.Selection.MayReturn("members"), cancellationToken);
        return new ScimListResult(total, page.Select(Stored).ToList());
    }

    public async Task<ScimStoredResource> CreateAsync(JsonObject document, CancellationToken cancellationToken) =>
        Stored(await groups.CreateAsync(organizationId, actor, document, cancellationToken));

    public async Task<ScimStoredResource> ReplaceAsync(string id, JsonObject document, string? ifMatch, CancellationToken cancellationToken) =>
        Stored(await groups.ReplaceAsync(organizationId, actor, GroupId(id), document, ifMatch, cancellationToken));

    public async Task<ScimStoredResource> PatchAsync(string id, ScimPatchRequest patch, string? ifMatch, CancellationToken cancellationToken) =>
        Stored(await groups.PatchAsync(organizationId, actor, GroupId(id), current =>
        {
            var result = ScimPatcher.ApplyToGroup(current, patch, ResourceType);
            return (result.Resource, result.MemberChanges);
        }, ifMatch, cancellationToken));

    public Task DeleteAsync(string id, string? ifMatch, CancellationToken cancellationToken) =>
        groups.DeleteAsync(organizationId, actor, GroupId(id), ifMatch, cancellationToken);

    private static Guid GroupId(string id) => Guid.TryParse(id, out var groupId) ? groupId : throw ScimException.NotFound($"No Group with id '{id}'.");

    private static ScimStoredResource Stored(ScimGroupRecord record) =>
        new(record.Document, record.Version.ToString(CultureInfo.InvariantCulture), ScimUserStore.Utc(record.CreatedAt), ScimUserStore.Utc(record.LastModifiedAt));
}
