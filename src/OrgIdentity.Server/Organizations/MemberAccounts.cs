using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Organizations;

/// <summary>An admin-created member (DESIGN.md §6 <c>POST .../members</c>).</summary>
public sealed record NewMember(string? Name, string? GivenName, string? FamilyName, string? Email, string? Company, string? Role,
    IReadOnlyList<string>? Roles, IReadOnlyList<Guid>? Units, WelcomeEmail? WelcomeEmail);

/// <summary>Whether to send the new member a welcome e-mail (with a link to choose a password), its subject, and a copy to the admin.</summary>
public sealed record WelcomeEmail(bool Send, [property: System.ComponentModel.DataAnnotations.StringLength(200)] string? Subject, bool BccMe);

/// <summary>What <c>POST .../members</c> did: made a member, or (the address already had an account) invited the person.</summary>
public sealed record MemberCreated(MemberView? Member, InvitationSent? Invitation);

/// <summary>
/// Accounts an organization admin makes for people, and password resets an admin sends. The account, the
/// membership, its roles and units, the welcome e-mail and the audit event are one transaction. An e-mail that
/// already has an account gets an invitation instead: adding an existing person needs their consent (DESIGN.md §2).
/// </summary>
public sealed class MemberAccounts(
    OrgIdentityDbContext db,
    UserManager<User> users,
    AccountsService accounts,
    MembersService members,
    EmailOutbox outbox,
    AccountEmails accountEmails,
    InvitationsService invitations,
    IOptions<OrgIdentityOptions> options,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<Outcome<MemberCreated>> CreateAsync(OrganizationCaller requester, NewMember request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(request.Email.Trim()))
        {
            return Refusal.Invalid("email", "A valid e-mail address is required.");
        }

        if (string.IsNullOrWhiteSpace(request.Name) && string.IsNullOrWhiteSpace(request.GivenName) && string.IsNullOrWhiteSpace(request.FamilyName))
        {
            return Refusal.Invalid("name", "Give a name, or a given and family name.");
        }

        if (request.Role is not null && !BuiltInRoles.Keys.Contains(request.Role))
        {
            return Refusal.Invalid("role", "The role is one of admin, member or viewer.");
        }

        if (request.Roles?.Any(string.IsNullOrWhiteSpace) == true)
        {
            return Refusal.Invalid("roles", "A custom role key cannot be empty.");
        }

        var email = request.Email.Trim();
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

        if (await users.FindByEmailAsync(email) is not null)
        {
            var invited = await invitations.InviteLockedAsync(caller, new NewInvitation(email, request.Role, request.Roles, request.Units), cancellationToken);
            if (invited.Refusal is { } refusal)
            {
                return refusal;
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new MemberCreated(null, invited.Value);
        }

        var organization = caller.Organization;
        var granted = await members.GrantsAsync(organization, request.Roles, request.Units, cancellationToken);
        if (granted.Refusal is { } invalid)
        {
            return invalid;
        }

        var (keys, roles, units) = granted.Value!;

        // DESIGN.md §2: created by an admin → the organization's default (member) unless the admin picks roles.
        var baseRole = request.Role ?? organization.DefaultRoles.AdminCreated;
        var lacking = members.PermissionsOf(baseRole, roles).Where(p => !caller.Has(p)).ToList();
        if (lacking.Count > 0)
        {
            return Refusal.Forbidden($"You cannot grant permissions you do not hold: {string.Join(", ", lacking)}.");
        }

        var user = accounts.NewUser(email);
        user.Name = Clean(request.Name);
        user.GivenName = Clean(request.GivenName);
        user.FamilyName = Clean(request.FamilyName);
        user.Company = Clean(request.Company);
        // No password: the person chooses one through the link in the welcome (or reset) e-mail, which also proves the address.
        var created = await users.CreateAsync(user);
        if (!created.Succeeded)
        {
            var error = created.Errors.First();
            return error.Code is "DuplicateEmail" or "DuplicateUserName"
                ? Refusal.Conflict("This e-mail address already has an account; invite the person instead, so they agree to join.")
                : Refusal.Invalid("email", error.Description);
        }

        var membership = new Membership
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organization.Id,
            UserId = user.Id,
            BaseRole = baseRole,
            Status = MembershipStatus.Active,
            Source = MembershipSource.Admin,
            LimitedToUnits = units.Count > 0,
            JoinedAt = time.GetUtcNow().UtcDateTime,
        }.CopyFrom(user);
        membership.Roles.AddRange(roles.Select(r => new MembershipRole { MembershipId = membership.Id, RoleId = r.Id, Source = MembershipRoleSource.Manual }));
        membership.Units.AddRange(units.Select(u => new MembershipUnit { MembershipId = membership.Id, UnitId = u, Source = MembershipUnitSource.Manual }));
        db.Memberships.Add(membership);

        if (request.WelcomeEmail is { Send: true } welcome)
        {
            var admin = await db.Users.AsNoTracking().Where(u => u.Id == caller.UserId).Select(u => u.Email).SingleOrDefaultAsync(cancellationToken);
            outbox.Enqueue(Welcome(user, organization, await users.GeneratePasswordResetTokenAsync(user), welcome, welcome.BccMe ? admin : null));
            // This is the membership's welcome e-mail: no join path sends it a second one.
            membership.WelcomeSentAt = time.GetUtcNow().UtcDateTime;
            audit.Record(caller.Actor, organization.Id, "member.welcome_sent", "user", user.Id.ToString(), new { bccMe = welcome.BccMe });
        }

        audit.Record(caller.Actor, organization.Id, "member.created", "user", user.Id.ToString(),
            new { user.Email, role = baseRole, roles = keys, units, welcomeEmail = request.WelcomeEmail?.Send ?? false });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new MemberCreated((await members.GetAsync(caller, user.Id, cancellationToken)).Value!, null);
    }

    /// <summary>Sends a member a password-reset e-mail; the admin must be allowed to act on them.</summary>
    public async Task<Refusal?> SendPasswordResetAsync(OrganizationCaller requester, Guid userId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (await members.MayActOnAsync(caller, userId, cancellationToken) is { } refused)
        {
            return refused;
        }

        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return Refusal.NotFound("This organization has no such member.");
        }

        if (user.IsDisabled)
        {
            return Refusal.Conflict("This account is disabled; a password would not let the person in.");
        }

        outbox.Enqueue(PasswordReset(user, caller.Organization, await users.GeneratePasswordResetTokenAsync(user)));
        audit.Record(caller.Actor, caller.OrganizationId, "member.password_reset_sent", "user", userId.ToString());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    private EmailMessage Welcome(User user, Organization organization, string code, WelcomeEmail welcome, string? bcc) => new EmailTemplate(
        string.IsNullOrWhiteSpace(welcome.Subject) ? $"Welcome to {organization.Name}" : welcome.Subject.Trim(),
        $"Hello {user.DisplayName},",
        [
            $"An administrator of {organization.Name} made an account for you. Choose your password to sign in (the link works once and expires within a day).",
            $"Afterwards sign in at {options.Value.Link("Account/Login")} with this e-mail address.",
        ],
        new EmailAction("Choose your password", accountEmails.ResetLink(user, code))).To(user.Email!, bcc);

    private EmailMessage PasswordReset(User user, Organization organization, string code) => new EmailTemplate(
        "Reset your password",
        $"Hello {user.DisplayName},",
        [$"An administrator of {organization.Name} sent you this link to choose a new password (it works once and expires within a day)."],
        new EmailAction("Choose a new password", accountEmails.ResetLink(user, code)),
        "If you did not expect this, ignore this message; your password stays as it is.").To(user.Email!);

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
