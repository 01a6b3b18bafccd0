using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Invitations;

/// <summary>An invitation to make (DESIGN.md §6 <c>POST .../invitations</c>): the address, the base role, custom role keys and unit ids.</summary>
public sealed record NewInvitation(string? Email, string? Role, IReadOnlyList<string>? Roles, IReadOnlyList<Guid>? Units);

/// <summary>An invitation as the admin API shows it; <c>status</c> is pending, accepted, expired or revoked.</summary>
public sealed record InvitationView(
    Guid Id,
    string Email,
    string Role,
    IReadOnlyList<string> Roles,
    IReadOnlyList<Guid> Units,
    string Status,
    Guid? InvitedBy,
    DateTime InvitedAt,
    DateTime ExpiresAt,
    int SendCount,
    DateTime LastSentAt,
    Guid? AcceptedBy,
    DateTime? AcceptedAt,
    DateTime? RevokedAt);

/// <summary>An invitation just e-mailed; <c>Created</c> is false when one already pending for the address was sent again.</summary>
public sealed record InvitationSent(InvitationView Invitation, bool Created);

/// <summary>What a token opens, for the accept page.</summary>
public enum InvitationState
{
    Unknown,
    Pending,
    Expired,
    Revoked,
    Accepted,
}

/// <summary>What the accept page shows about an invitation before anyone acts on it.</summary>
public sealed record InvitationPreview(InvitationState State, string? OrganizationName = null, string? Email = null, string? Role = null,
    string? InviterName = null, bool AccountExists = false)
{
    public static readonly InvitationPreview Unknown = new(InvitationState.Unknown);
}

/// <summary>How accepting went.</summary>
public enum AcceptResult
{
    Accepted,
    Unknown,
    Expired,
    Revoked,
    Used,
    WrongAccount,
    AlreadyMember,
    AccountExists,
    InvalidPassword,
}

public sealed record AcceptOutcome(AcceptResult Result, string? OrganizationName = null, User? User = null, IReadOnlyList<IdentityError>? Errors = null);

/// <summary>
/// E-mail invitations (DESIGN.md §2): made, resent and revoked by members holding <c>members:edit</c>, accepted on the
/// invitation page. Every operation is one transaction under the organization's lock, with its audit event and e-mail.
/// The token leaves this class only inside the e-mail; the database keeps its hash, and nothing logs it.
/// </summary>
public sealed class InvitationsService(
    OrgIdentityDbContext db,
    UserManager<User> users,
    AccountsService accounts,
    MembersService members,
    OrganizationJoin join,
    EmailOutbox outbox,
    AuditLog audit,
    IOptions<OrgIdentityOptions> host,
    IOptions<InvitationOptions> options,
    TimeProvider time)
{
    public const string SentMessage = "Invitation was successfully sent.";

    private DateTime Now => time.UtcNowToMicrosecond();

    // ---- the admin API ----

    public async Task<Outcome<Page<InvitationView>>> ListAsync(OrganizationCaller caller, string? status, string? cursor, int limit,
        CancellationToken cancellationToken)
    {
        var now = Now;
        var query = db.Invitations.AsNoTracking().Where(i => i.OrganizationId == caller.OrganizationId);
        switch (status)
        {
            case null or "":
                break;
            case "pending":
                query = query.Where(i => i.Status == InvitationStatus.Pending && i.ExpiresAt > now);
                break;
            case "expired":
                query = query.Where(i => i.Status == InvitationStatus.Pending && i.ExpiresAt <= now);
                break;
            case "accepted":
                query = query.Where(i => i.Status == InvitationStatus.Accepted);
                break;
            case "revoked":
                query = query.Where(i => i.Status == InvitationStatus.Revoked);
                break;
            default:
                return Refusal.Invalid("status", "The status is one of pending, accepted, expired or revoked.");
        }

        var total = await query.CountAsync(cancellationToken);
        if (cursor is not null)
        {
            if (ReadCursor(cursor) is not { } after)
            {
                return Refusal.Invalid("cursor", "The cursor is not one this list gave.");
            }

            var (at, id) = after;
            query = query.Where(i => i.InvitedAt < at || (i.InvitedAt == at && i.Id < id));
        }

        var rows = await query.OrderByDescending(i => i.InvitedAt).ThenByDescending(i => i.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var keys = await RoleKeysAsync(caller.OrganizationId, cancellationToken);
        var next = rows.Count > limit ? WriteCursor(rows[limit - 1]) : null;
        return new Page<InvitationView>(rows.Take(limit).Select(i => View(i, keys, now)).ToList(), total, next);
    }

    public async Task<Outcome<InvitationSent>> InviteAsync(OrganizationCaller requester, NewInvitation request, CancellationToken cancellationToken)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
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

        var sent = await InviteLockedAsync(caller, request, cancellationToken);
        if (sent.Refusal is null)
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return sent;
    }

    public async Task<Outcome<InvitationView>> ResendAsync(OrganizationCaller requester, Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var found = await LockAndFindAsync(requester, id, cancellationToken);
        if (found.Refusal is { } refused)
        {
            return refused;
        }

        var (caller, invitation) = found.Value;
        switch (invitation.Status)
        {
            case InvitationStatus.Accepted:
                return Refusal.Conflict("This invitation was accepted already; the person is a member.");
            case InvitationStatus.Revoked:
                return Refusal.Conflict("This invitation was revoked; invite the address again instead.");
        }

        if (await IsMemberAsync(caller.OrganizationId, invitation.NormalizedEmail, cancellationToken))
        {
            return AlreadyMember(invitation.Email);
        }

        var now = Now;
        if (invitation.ExpiresAt <= now && await db.Invitations.AnyAsync(i => i.OrganizationId == caller.OrganizationId && i.Id != invitation.Id
                && i.NormalizedEmail == invitation.NormalizedEmail && i.Status == InvitationStatus.Pending && i.ExpiresAt > now, cancellationToken))
        {
            return Refusal.Conflict("A newer invitation to this address is pending; resend that one.");
        }

        var keys = await RoleKeysAsync(caller.OrganizationId, cancellationToken);
        await SendAsync(caller, invitation, cancellationToken);
        audit.Record(caller.Actor, caller.OrganizationId, "invitation.resent", "invitation", invitation.Id.ToString(),
            new { invitation.Email, invitation.SendCount });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return View(invitation, keys, now);
    }

    public async Task<Refusal?> RevokeAsync(OrganizationCaller requester, Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var found = await LockAndFindAsync(requester, id, cancellationToken);
        if (found.Refusal is { } refused)
        {
            return refused;
        }

        var (caller, invitation) = found.Value;
        switch (invitation.Status)
        {
            case InvitationStatus.Accepted:
                return Refusal.Conflict("This invitation was accepted already; remove the member instead.");
            case InvitationStatus.Revoked:
                // Revoking twice changes nothing and records nothing.
                return null;
        }

        invitation.Status = InvitationStatus.Revoked;
        invitation.RevokedAt = Now;
        audit.Record(caller.Actor, caller.OrganizationId, "invitation.revoked", "invitation", invitation.Id.ToString(), new { invitation.Email });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    internal static Refusal? Validate(NewInvitation request)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || request.Email.Trim().Length > 256 || !new EmailAddressAttribute().IsValid(request.Email.Trim()))
        {
            return Refusal.Invalid("email", "A valid e-mail address is required.");
        }

        if (request.Role is not null && !BuiltInRoles.Keys.Contains(request.Role))
        {
            return Refusal.Invalid("role", "The role is one of admin, member or viewer.");
        }

        return request.Roles?.Any(string.IsNullOrWhiteSpace) == true ? Refusal.Invalid("roles", "A custom role key cannot be empty.") : null;
    }

    /// <summary>
    /// Invites (or, for an address with an invitation pending, invites again) inside the caller's transaction, after
    /// <see cref="MembersService.LockAsync"/> and the <c>members:edit</c> check; the caller saves and commits.
    /// </summary>
    internal async Task<Outcome<InvitationSent>> InviteLockedAsync(OrganizationCaller caller, NewInvitation request, CancellationToken cancellationToken)
    {
        var organization = caller.Organization;
        if (!organization.Has(PlanFeature.Invitations))
        {
            return PlanGate.NotInPlan(PlanFeature.Invitations);
        }

        var email = request.Email!.Trim();
        var normalized = users.NormalizeEmail(email);
        var granted = await members.GrantsAsync(organization, request.Roles, request.Units, cancellationToken);
        if (granted.Refusal is { } invalid)
        {
            return invalid;
        }

        var (keys, roles, units) = granted.Value!;

        // DESIGN.md §2: an invitation gives the invited role, the organization's invitation default unless one is picked.
        var baseRole = request.Role ?? organization.DefaultRoles.Invitation;
        if (Lacking(caller, baseRole, roles) is { Count: > 0 } lacking)
        {
            return Refusal.Forbidden($"You cannot grant permissions you do not hold: {string.Join(", ", lacking)}.");
        }

        if (await IsMemberAsync(organization.Id, normalized, cancellationToken))
        {
            return AlreadyMember(email);
        }

        var now = Now;
        var allKeys = await RoleKeysAsync(organization.Id, cancellationToken);
        var pending = await db.Invitations
            .Where(i => i.OrganizationId == organization.Id && i.NormalizedEmail == normalized && i.Status == InvitationStatus.Pending && i.ExpiresAt > now)
            .OrderByDescending(i => i.InvitedAt).FirstOrDefaultAsync(cancellationToken);
        if (pending is not null)
        {
            // The same address while an invitation is pending: that one goes out again (with what it gives), not a second one.
            if (await LackingForAsync(caller, pending, cancellationToken) is { Count: > 0 } held)
            {
                return Refusal.Forbidden($"The pending invitation to this address grants permissions you do not hold: {string.Join(", ", held)}.");
            }

            await SendAsync(caller, pending, cancellationToken);
            audit.Record(caller.Actor, organization.Id, "invitation.resent", "invitation", pending.Id.ToString(), new { pending.Email, pending.SendCount });
            return new InvitationSent(View(pending, allKeys, now), Created: false);
        }

        var invitation = new Invitation
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organization.Id,
            Email = email,
            NormalizedEmail = normalized,
            BaseRole = baseRole,
            RoleIds = roles.Select(r => r.Id).ToList(),
            UnitIds = units,
            TokenHash = "",
            Status = InvitationStatus.Pending,
            InvitedBy = caller.UserId,
            InvitedAt = now,
        };
        db.Invitations.Add(invitation);
        await SendAsync(caller, invitation, cancellationToken);
        audit.Record(caller.Actor, organization.Id, "invitation.created", "invitation", invitation.Id.ToString(),
            new { email, role = baseRole, roles = keys, units });
        return new InvitationSent(View(invitation, allKeys, now), Created: true);
    }

    // ---- the accept page ----

    /// <summary>What the token opens; <see cref="InvitationPreview.Unknown"/> for anything that is not a live token's.</summary>
    public async Task<InvitationPreview> PreviewAsync(string? token, CancellationToken cancellationToken)
    {
        if (await FindAsync(token, tracked: false, cancellationToken) is not { } invitation)
        {
            return InvitationPreview.Unknown;
        }

        var inviter = invitation.InvitedBy is { } by ? await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == by, cancellationToken) : null;
        var roleNames = await db.OrganizationRoles.AsNoTracking().Where(r => invitation.RoleIds.Contains(r.Id) && r.OrganizationId == invitation.OrganizationId)
            .Select(r => r.Name).ToListAsync(cancellationToken);
        return new InvitationPreview(StateOf(invitation, Now), invitation.Organization.Name, invitation.Email, RoleText(invitation.BaseRole, roleNames),
            inviter?.DisplayName, await users.FindByEmailAsync(invitation.Email) is not null);
    }

    /// <summary>The signed-in <paramref name="user"/> accepts: one transaction under the organization's lock, so two accepts make one membership.</summary>
    public async Task<AcceptOutcome> AcceptAsync(string? token, User user, string? ip, CancellationToken cancellationToken)
    {
        // A session may outlive the disabling of its account by up to a minute; a disabled account accepts nothing.
        if (user.IsDisabled || await FindAsync(token, tracked: false, cancellationToken) is not { } found)
        {
            return new AcceptOutcome(AcceptResult.Unknown);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (invitation, refused) = await LockLiveAsync(token, found, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }

        if (!string.Equals(users.NormalizeEmail(user.Email), invitation.NormalizedEmail, StringComparison.Ordinal))
        {
            return new AcceptOutcome(AcceptResult.WrongAccount, invitation.Organization.Name);
        }

        if (await db.Memberships.AnyAsync(m => m.OrganizationId == invitation.OrganizationId && m.UserId == user.Id, cancellationToken))
        {
            return new AcceptOutcome(AcceptResult.AlreadyMember, invitation.Organization.Name);
        }

        await JoinAsync(invitation, user, ip, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new AcceptOutcome(AcceptResult.Accepted, invitation.Organization.Name, user);
    }

    /// <summary>
    /// Someone without an account accepts: the account (its e-mail confirmed, since the invitation reached it) and the
    /// membership are made together, whether or not public sign-up is on.
    /// </summary>
    public async Task<AcceptOutcome> SignUpAndAcceptAsync(string? token, string name, string password, string? ip, CancellationToken cancellationToken)
    {
        if (await FindAsync(token, tracked: false, cancellationToken) is not { } found)
        {
            return new AcceptOutcome(AcceptResult.Unknown);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (invitation, refused) = await LockLiveAsync(token, found, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }

        if (await users.FindByEmailAsync(invitation.Email) is not null)
        {
            return new AcceptOutcome(AcceptResult.AccountExists, invitation.Organization.Name);
        }

        var user = accounts.NewUser(invitation.Email);
        user.Name = name.Trim();
        user.EmailConfirmed = true;
        IdentityResult created;
        try
        {
            created = await users.CreateAsync(user, password);
        }
        catch (DbUpdateException)
        {
            return new AcceptOutcome(AcceptResult.AccountExists, invitation.Organization.Name);
        }

        if (!created.Succeeded)
        {
            return created.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName")
                ? new AcceptOutcome(AcceptResult.AccountExists, invitation.Organization.Name)
                : new AcceptOutcome(AcceptResult.InvalidPassword, invitation.Organization.Name, Errors: [.. created.Errors]);
        }

        await JoinAsync(invitation, user, ip, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new AcceptOutcome(AcceptResult.Accepted, invitation.Organization.Name, user);
    }

    private async Task JoinAsync(Invitation invitation, User user, string? ip, CancellationToken cancellationToken)
    {
        var actor = new AuditActor("user", user.Id.ToString(), ip);
        invitation.Status = InvitationStatus.Accepted;
        invitation.AcceptedBy = user.Id;
        invitation.AcceptedAt = Now;
        await join.AddAsync(invitation.Organization, user, MembershipSource.Invitation, invitation.BaseRole, invitation.RoleIds, invitation.UnitIds, actor,
            cancellationToken);
        audit.Record(actor, invitation.OrganizationId, "invitation.accepted", "invitation", invitation.Id.ToString(), new { invitation.Email, userId = user.Id });
    }

    /// <summary>
    /// Takes the organization's lock and reads the invitation again under it (a resend or revoke may have committed
    /// since it was found): the live invitation, or what to answer instead.
    /// </summary>
    private async Task<(Invitation Invitation, AcceptOutcome? Refused)> LockLiveAsync(string? token, Invitation found, CancellationToken cancellationToken)
    {
        await db.LockOrganizationAsync(found.OrganizationId, cancellationToken);
        if (await FindAsync(token, tracked: true, cancellationToken) is not { } invitation)
        {
            return (found, new AcceptOutcome(AcceptResult.Unknown));
        }

        return (invitation, Refuse(invitation));
    }

    private AcceptOutcome? Refuse(Invitation invitation) => StateOf(invitation, Now) switch
    {
        InvitationState.Pending => null,
        InvitationState.Expired => new AcceptOutcome(AcceptResult.Expired, invitation.Organization.Name),
        InvitationState.Revoked => new AcceptOutcome(AcceptResult.Revoked, invitation.Organization.Name),
        _ => new AcceptOutcome(AcceptResult.Used, invitation.Organization.Name),
    };

    private async Task<Invitation?> FindAsync(string? token, bool tracked, CancellationToken cancellationToken)
    {
        if (!InvitationTokens.LooksLikeToken(token))
        {
            return null;
        }

        var hash = InvitationTokens.Hash(token!);
        var query = tracked ? db.Invitations : db.Invitations.AsNoTracking();
        var invitation = await query.Include(i => i.Organization).SingleOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
        // An organization whose plan lost invitations honours none, not even those already sent (like its invite link).
        return invitation is not null && InvitationTokens.Matches(token!, invitation.TokenHash) && invitation.Organization.Has(PlanFeature.Invitations)
            ? invitation
            : null;
    }

    // ---- shared ----

    private async Task<Outcome<(OrganizationCaller Caller, Invitation Invitation)>> LockAndFindAsync(OrganizationCaller requester, Guid id,
        CancellationToken cancellationToken)
    {
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

        if (await db.Invitations.SingleOrDefaultAsync(i => i.Id == id && i.OrganizationId == caller.OrganizationId, cancellationToken) is not { } invitation)
        {
            return Refusal.NotFound("This organization has no such invitation.");
        }

        // Acting on an invitation is granting (or withholding) what it gives: never for one that gives more than the caller holds.
        if (await LackingForAsync(caller, invitation, cancellationToken) is { Count: > 0 } lacking)
        {
            return Refusal.Forbidden($"This invitation grants permissions you do not hold: {string.Join(", ", lacking)}.");
        }

        return (caller, invitation);
    }

    /// <summary>A new token (the old link dies), one more send, a fresh expiry, and the e-mail.</summary>
    private async Task SendAsync(OrganizationCaller caller, Invitation invitation, CancellationToken cancellationToken)
    {
        var (token, hash) = InvitationTokens.New();
        var now = Now;
        invitation.TokenHash = hash;
        invitation.SendCount++;
        invitation.LastSentAt = now;
        invitation.ExpiresAt = now.AddDays(options.Value.ExpiryDays);

        var inviter = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == caller.UserId, cancellationToken);
        var inviterName = inviter is null ? "An administrator" : inviter.DisplayName;
        var roleNames = await db.OrganizationRoles.AsNoTracking().Where(r => r.OrganizationId == invitation.OrganizationId && invitation.RoleIds.Contains(r.Id))
            .Select(r => r.Name).ToListAsync(cancellationToken);
        var organization = caller.Organization.Name;
        var from = inviter?.Email is { } address && inviterName != address ? $"{inviterName} ({address})" : inviterName;
        outbox.Enqueue(new EmailTemplate(
            $"{inviterName} invited you to join {organization}",
            "Hello,",
            [
                $"{from} invited you to join {organization} as {RoleText(invitation.BaseRole, roleNames)}.",
                $"The invitation is for {invitation.Email} and can be accepted until {invitation.ExpiresAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.",
            ],
            new EmailAction("Accept the invitation", host.Value.Link($"Account/Invitation?token={token}")),
            "If you did not expect this invitation, ignore this message; nothing happens unless you accept it.").To(invitation.Email));
    }

    private Task<bool> IsMemberAsync(Guid organizationId, string normalizedEmail, CancellationToken cancellationToken) =>
        db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && m.User.NormalizedEmail == normalizedEmail, cancellationToken);

    private static Refusal AlreadyMember(string email) =>
        Refusal.Conflict($"{email} is already a member of this organization; change their roles on the member instead of inviting them.");

    private List<string> Lacking(OrganizationCaller caller, string baseRole, IEnumerable<OrganizationRole> roles) =>
        members.PermissionsOf(baseRole, roles).Where(p => !caller.Has(p)).Order(StringComparer.Ordinal).ToList();

    private async Task<List<string>> LackingForAsync(OrganizationCaller caller, Invitation invitation, CancellationToken cancellationToken)
    {
        var roles = await db.OrganizationRoles.AsNoTracking()
            .Where(r => r.OrganizationId == invitation.OrganizationId && invitation.RoleIds.Contains(r.Id)).ToListAsync(cancellationToken);
        return Lacking(caller, invitation.BaseRole, roles);
    }

    private async Task<Dictionary<Guid, string>> RoleKeysAsync(Guid organizationId, CancellationToken cancellationToken) =>
        await db.OrganizationRoles.AsNoTracking().Where(r => r.OrganizationId == organizationId).ToDictionaryAsync(r => r.Id, r => r.Key, cancellationToken);

    private static InvitationState StateOf(Invitation invitation, DateTime now) => invitation.Status switch
    {
        InvitationStatus.Accepted => InvitationState.Accepted,
        InvitationStatus.Revoked => InvitationState.Revoked,
        _ => invitation.ExpiresAt <= now ? InvitationState.Expired : InvitationState.Pending,
    };

    internal static string StatusName(Invitation invitation, DateTime now) => MembersService.Lower(StateOf(invitation, now));

    private static InvitationView View(Invitation i, Dictionary<Guid, string> roleKeys, DateTime now) => new(
        i.Id, i.Email, i.BaseRole,
        [.. i.RoleIds.Where(roleKeys.ContainsKey).Select(r => roleKeys[r]).Order(StringComparer.Ordinal)],
        [.. i.UnitIds.Order()],
        StatusName(i, now), i.InvitedBy, Utc(i.InvitedAt), Utc(i.ExpiresAt), i.SendCount, Utc(i.LastSentAt), i.AcceptedBy, Utc(i.AcceptedAt), Utc(i.RevokedAt));

    // SQLite gives back times without a kind; they are UTC, and the JSON says so on every database.
    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static DateTime? Utc(DateTime? value) => value is { } v ? Utc(v) : null;

    /// <summary>"member", or "viewer (with the roles Reporter, Analyst)".</summary>
    internal static string RoleText(string baseRole, IReadOnlyCollection<string> roleNames) =>
        roleNames.Count == 0 ? baseRole : $"{baseRole} (with the role{(roleNames.Count == 1 ? "" : "s")} {string.Join(", ", roleNames.Order(StringComparer.Ordinal))})";

    private static string WriteCursor(Invitation last) =>
        WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes($"{last.InvitedAt.Ticks.ToString(CultureInfo.InvariantCulture)}.{last.Id}"));

    private static (DateTime At, Guid Id)? ReadCursor(string text)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(text)).Split('.');
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks is >= 0 and <= 3155378975999999999 && Guid.TryParse(parts[1], out var id)
                ? (new DateTime(ticks, DateTimeKind.Utc), id)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
