using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Invitations;

/// <summary>What an admin asks for when making an invite link; absent fields take the defaults.</summary>
public sealed record InviteLinkRequest(string? Role, IReadOnlyList<string>? Roles, IReadOnlyList<Guid>? Units, int? ExpiresInHours, int? MaxUses,
    IReadOnlyList<string>? AllowedDomains);

/// <summary>The organization's live invite link as its admins see it (the URL is a secret: only <c>members:edit</c> reads it).</summary>
public sealed record InviteLinkView(Guid Id, string Url, DateTime ExpiresAt, int Uses, int? MaxUses, string Role, IReadOnlyList<string> Roles,
    IReadOnlyList<Guid> Units, IReadOnlyList<string> AllowedDomains, DateTime CreatedAt, Guid? CreatedBy, string Status);

/// <summary>Where a link stands, as the join page tells it.</summary>
public enum InviteLinkState
{
    /// <summary>No link has this token (or the token is garbage).</summary>
    Unknown,
    Active,
    Expired,
    Revoked,
    UsedUp,

    /// <summary>The organization's plan no longer has invitations.</summary>
    Unavailable,
}

/// <summary>What the join page shows before anyone accepts.</summary>
public sealed record InviteLinkPreview(InviteLinkState State, string? OrganizationName, Guid? OrganizationId, string? Role, IReadOnlyList<string> AllowedDomains);

public enum JoinStatus
{
    Joined,
    AlreadyMember,
    DomainNotAllowed,
    EmailNotConfirmed,
    Invalid,
}

/// <summary>The outcome of accepting a link: <see cref="State"/> says why an <see cref="JoinStatus.Invalid"/> link is dead.</summary>
public sealed record JoinResult(JoinStatus Status, InviteLinkState State, string? OrganizationName);

/// <summary>
/// An organization's shareable invite link (DESIGN.md §2, §6 <c>.../invite-link</c>). At most one is live: making one
/// revokes the previous, so its URL dies. A link never gives <c>admin</c> nor a permission its creator lacks; the
/// creator's permissions are read again under the organization's lock. Joining through it is one transaction under the
/// same lock, so the maximum uses hold however many people accept at once.
/// </summary>
public sealed class InviteLinksService(
    OrgIdentityDbContext db,
    MembersService members,
    OrganizationJoin join,
    AuditLog audit,
    IDataProtectionProvider protection,
    IOptions<OrgIdentityOptions> options,
    IOptions<InviteLinkOptions> linkOptions,
    TimeProvider time)
{
    public const int MaxAllowedDomains = 50;
    public const int MaxMaxUses = 1_000_000;

    /// <summary>What no invite link grants: the powers that make an admin.</summary>
    private static readonly string[] AdministrativePermissions =
        [MembersService.MembersEdit, CustomRolesService.RolesEdit, "organization-settings:edit", PermissionCatalog.Impersonate];

    /// <summary>The live link of the organization, or 404.</summary>
    public async Task<Outcome<InviteLinkView>> GetAsync(OrganizationCaller caller, CancellationToken cancellationToken)
    {
        if (!caller.Has(MembersService.MembersEdit))
        {
            return OrganizationRoutes.MissingPermission(MembersService.MembersEdit);
        }

        var now = Now();
        var link = await Live(caller.OrganizationId, now).AsNoTracking().OrderByDescending(l => l.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        return link is null ? NoLiveLink() : await ViewAsync(link, cancellationToken);
    }

    /// <summary>Makes a new link; a live one is revoked first (regenerating), so its URL stops working.</summary>
    public async Task<Outcome<InviteLinkView>> CreateAsync(OrganizationCaller requester, InviteLinkRequest request, CancellationToken cancellationToken)
    {
        if (request.Role is not null && !BuiltInRoles.Keys.Contains(request.Role))
        {
            return Refusal.Invalid("role", "The role is member or viewer.");
        }

        if (request.Role == BuiltInRoles.Admin)
        {
            return Refusal.Invalid("role", "An invite link can be shared with anyone, so it never makes admins: choose member or viewer.");
        }

        if (request.Roles?.Any(string.IsNullOrWhiteSpace) == true)
        {
            return Refusal.Invalid("roles", "A custom role key cannot be empty.");
        }

        var hours = request.ExpiresInHours ?? linkOptions.Value.InviteLinkHours;
        if (hours is < 1 or > InviteLinkOptions.MaxHours)
        {
            return Refusal.Invalid("expiresInHours", $"A link lives between 1 and {InviteLinkOptions.MaxHours} hours.");
        }

        if (request.MaxUses is < 1 or > MaxMaxUses)
        {
            return Refusal.Invalid("maxUses", $"The maximum uses, when given, is between 1 and {MaxMaxUses}.");
        }

        var domains = new List<string>();
        foreach (var given in request.AllowedDomains ?? [])
        {
            var normalized = DomainsService.Normalize(given);
            if (normalized.Refusal is { } bad)
            {
                return Refusal.Invalid("allowedDomains", $"'{given}': {bad.Detail}");
            }

            if (!domains.Contains(normalized.Value!, StringComparer.Ordinal))
            {
                domains.Add(normalized.Value!);
            }
        }

        if (domains.Count > MaxAllowedDomains)
        {
            return Refusal.Invalid("allowedDomains", $"A link allows at most {MaxAllowedDomains} domains.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(MembersService.MembersEdit))
        {
            return OrganizationRoutes.MissingPermission(MembersService.MembersEdit);
        }

        var organization = caller.Organization;
        var granted = await members.GrantsAsync(organization, request.Roles, request.Units, cancellationToken);
        if (granted.Refusal is { } invalid)
        {
            return invalid;
        }

        var (keys, roles, units) = granted.Value!;

        // DESIGN.md §2: invite link → viewer unless the organization changed its default; never admin, whatever the default says.
        var baseRole = request.Role ?? organization.DefaultRoles.InviteLink;
        if (baseRole == BuiltInRoles.Admin)
        {
            return Refusal.Invalid("role", "An invite link never makes admins; choose member or viewer.");
        }

        // A shareable link is anyone's who has it: no custom role on it may carry what makes an admin (managing people,
        // roles or the organization, or logging in as others), whatever its base role says.
        var administrative = members.PermissionsOf(baseRole, roles).Intersect(AdministrativePermissions, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (administrative.Count > 0)
        {
            return Refusal.Invalid("roles", $"An invite link never grants administrative permissions: {string.Join(", ", administrative)}.");
        }

        // The same rule as any grant (MemberAccounts, MembersService): nothing the creator does not hold, custom roles included.
        var lacking = members.PermissionsOf(baseRole, roles).Where(p => !caller.Has(p)).Order(StringComparer.Ordinal).ToList();
        if (lacking.Count > 0)
        {
            return Refusal.Forbidden($"An invite link cannot grant permissions you do not hold: {string.Join(", ", lacking)}.");
        }

        var now = Now();
        foreach (var previous in await Live(organization.Id, now).ToListAsync(cancellationToken))
        {
            previous.RevokedAt = now;
            audit.Record(caller.Actor, organization.Id, "invite_link.revoked", "invite_link", previous.Id.ToString(), new { reason = "regenerated" });
        }

        var (token, hash) = InvitationTokens.New();
        var link = new InviteLink
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organization.Id,
            TokenHash = hash,
            ProtectedToken = Protector().Protect(token),
            BaseRole = baseRole,
            RoleIds = roles.Select(r => r.Id).ToList(),
            UnitIds = units,
            AllowedDomains = domains,
            CreatedAt = now,
            CreatedBy = caller.UserId,
            ExpiresAt = now.AddHours(hours),
            MaxUses = request.MaxUses,
        };
        db.InviteLinks.Add(link);
        audit.Record(caller.Actor, organization.Id, "invite_link.created", "invite_link", link.Id.ToString(), new
        {
            role = baseRole,
            roles = keys.Order(StringComparer.Ordinal).ToArray(),
            units,
            link.ExpiresAt,
            link.MaxUses,
            allowedDomains = domains,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await ViewAsync(link, cancellationToken);
    }

    /// <summary>Revokes the live link (its URL stops working at once), or 404 when there is none.</summary>
    public async Task<Refusal?> RevokeAsync(OrganizationCaller requester, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(MembersService.MembersEdit))
        {
            return OrganizationRoutes.MissingPermission(MembersService.MembersEdit);
        }

        var now = Now();
        var live = await Live(caller.OrganizationId, now).ToListAsync(cancellationToken);
        if (live.Count == 0)
        {
            return NoLiveLink();
        }

        foreach (var link in live)
        {
            link.RevokedAt = now;
            audit.Record(caller.Actor, caller.OrganizationId, "invite_link.revoked", "invite_link", link.Id.ToString(), new { reason = "revoked" });
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>What the join page says about a token before anyone accepts (nothing is written).</summary>
    public async Task<InviteLinkPreview> PreviewAsync(string? token, CancellationToken cancellationToken)
    {
        if (await FindAsync(token, tracked: false, cancellationToken) is not { } link)
        {
            return new InviteLinkPreview(InviteLinkState.Unknown, null, null, null, []);
        }

        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == link.OrganizationId, cancellationToken);
        return new InviteLinkPreview(StateOf(link, organization, Now()), organization.Name, organization.Id, link.BaseRole, link.AllowedDomains);
    }

    /// <summary>Whether <paramref name="userId"/> is a member (any status) of the organization.</summary>
    public Task<bool> IsMemberAsync(Guid organizationId, Guid userId, CancellationToken cancellationToken) =>
        db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && m.UserId == userId, cancellationToken);

    /// <summary>
    /// Makes the signed-in person a member through the link: under the organization's lock, the link is read again and
    /// its expiry, revocation, maximum uses and allowed domains (a confirmed e-mail only) checked; a member already is
    /// told so and nothing changes.
    /// </summary>
    public async Task<JoinResult> JoinAsync(string? token, Guid userId, AuditActor actor, CancellationToken cancellationToken)
    {
        if (await FindAsync(token, tracked: false, cancellationToken) is not { } found)
        {
            return new JoinResult(JoinStatus.Invalid, InviteLinkState.Unknown, null);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockOrganizationAsync(found.OrganizationId, cancellationToken);
        var link = await db.InviteLinks.SingleAsync(l => l.Id == found.Id, cancellationToken);
        var organization = await db.Organizations.SingleAsync(o => o.Id == link.OrganizationId, cancellationToken);
        var state = StateOf(link, organization, Now());
        if (state != InviteLinkState.Active)
        {
            return new JoinResult(JoinStatus.Invalid, state, organization.Name);
        }

        if (await IsMemberAsync(organization.Id, userId, cancellationToken))
        {
            return new JoinResult(JoinStatus.AlreadyMember, state, organization.Name);
        }

        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        if (user.IsDisabled)
        {
            // The session may outlive the disabling by up to a minute; a disabled account joins nothing meanwhile.
            return new JoinResult(JoinStatus.Invalid, InviteLinkState.Unknown, organization.Name);
        }

        if (link.AllowedDomains.Count > 0)
        {
            if (!user.EmailConfirmed)
            {
                return new JoinResult(JoinStatus.EmailNotConfirmed, state, organization.Name);
            }

            if (!InAllowedDomain(user.Email, link.AllowedDomains))
            {
                return new JoinResult(JoinStatus.DomainNotAllowed, state, organization.Name);
            }
        }

        await join.AddAsync(organization, user, MembershipSource.InviteLink, link.BaseRole, link.RoleIds, link.UnitIds, actor, cancellationToken);
        link.Uses++;
        audit.Record(actor, organization.Id, "invite_link.used", "invite_link", link.Id.ToString(), new { userId, uses = link.Uses });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new JoinResult(JoinStatus.Joined, state, organization.Name);
    }

    /// <summary>The e-mail's domain, exactly (no subdomains), in the list.</summary>
    internal static bool InAllowedDomain(string? email, IReadOnlyCollection<string> allowed)
    {
        var at = email?.LastIndexOf('@') ?? -1;
        return at > 0 && DomainsService.Normalize(email![(at + 1)..]).Value is { } domain && allowed.Contains(domain, StringComparer.Ordinal);
    }

    private async Task<InviteLink?> FindAsync(string? token, bool tracked, CancellationToken cancellationToken)
    {
        if (!InvitationTokens.LooksLikeToken(token))
        {
            return null;
        }

        var hash = InvitationTokens.Hash(token!);
        var query = tracked ? db.InviteLinks : db.InviteLinks.AsNoTracking();
        var link = await query.SingleOrDefaultAsync(l => l.TokenHash == hash, cancellationToken);
        // The index found the row by hash; the stored hash is then compared in constant time.
        return link is not null && InvitationTokens.Matches(token!, link.TokenHash) ? link : null;
    }

    private static InviteLinkState StateOf(InviteLink link, Organization organization, DateTime now) =>
        link.RevokedAt is not null ? InviteLinkState.Revoked
        : link.ExpiresAt <= now ? InviteLinkState.Expired
        : link.MaxUses is { } max && link.Uses >= max ? InviteLinkState.UsedUp
        : !organization.Has(PlanFeature.Invitations) ? InviteLinkState.Unavailable
        : InviteLinkState.Active;

    /// <summary>Links of the organization that still let people in (not revoked, not expired, not used up).</summary>
    private IQueryable<InviteLink> Live(Guid organizationId, DateTime now) =>
        db.InviteLinks.Where(l => l.OrganizationId == organizationId && l.RevokedAt == null && l.ExpiresAt > now && (l.MaxUses == null || l.Uses < l.MaxUses));

    private async Task<InviteLinkView> ViewAsync(InviteLink link, CancellationToken cancellationToken)
    {
        var roles = link.RoleIds.Count == 0
            ? []
            : await db.OrganizationRoles.AsNoTracking().Where(r => link.RoleIds.Contains(r.Id)).Select(r => r.Key).ToListAsync(cancellationToken);
        var units = link.UnitIds.Count == 0
            ? []
            : await db.Units.AsNoTracking().Where(u => u.OrganizationId == link.OrganizationId && link.UnitIds.Contains(u.Id)).Select(u => u.Id).ToListAsync(cancellationToken);
        var token = Protector().Unprotect(link.ProtectedToken);
        // SQLite gives the times back without a kind; they are UTC.
        return new InviteLinkView(link.Id, Url(token), Utc(link.ExpiresAt), link.Uses, link.MaxUses, link.BaseRole, [.. roles.Order(StringComparer.Ordinal)],
            [.. units.Order()], [.. link.AllowedDomains], Utc(link.CreatedAt), link.CreatedBy, "active");
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private string Url(string token) => options.Value.Link($"Account/Join?token={token}");

    private IDataProtector Protector() => protection.CreateProtector("OrgIdentity.Invitations.InviteLink.Token");

    private static Refusal NoLiveLink() => Refusal.NotFound("This organization has no active invite link.");

    // PostgreSQL keeps microseconds: the answer to a change shows the time every later read shows.
    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
