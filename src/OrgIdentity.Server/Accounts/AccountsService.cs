using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Accounts;

/// <summary>
/// The rules for accounts: sign-up, confirmation and reset e-mails, profile changes, disabling.
/// Pages and the API both call this; each operation is one transaction, e-mails included.
/// </summary>
public sealed partial class AccountsService(
    OrgIdentityDbContext db,
    UserManager<User> users,
    EmailOutbox outbox,
    AccountEmails emails,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    AuditLog audit,
    TimeProvider time,
    ILogger<AccountsService> logger)
{
    /// <summary>
    /// Creates an account and sends the confirmation e-mail. An e-mail that already has an account gets a
    /// note instead, and the caller sees the same success, so sign-up does not reveal who has an account.
    /// <paramref name="returnUrl"/> (local) rides in the confirmation link, for sign-ups that continue somewhere (an invite link).
    /// </summary>
    public async Task<IdentityResult> SignUpAsync(string name, string email, string password, CancellationToken cancellationToken, string? returnUrl = null)
    {
        email = email.Trim();

        // The password is judged before the address is looked up, so its errors cannot tell who has an account.
        var weakPassword = await ValidatePasswordAsync(password);
        if (!weakPassword.Succeeded)
        {
            return weakPassword;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await users.FindByEmailAsync(email) is { } existing)
        {
            outbox.Enqueue(emails.AlreadyRegistered(existing));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return IdentityResult.Success;
        }

        var user = NewUser(email);
        user.Name = name.Trim();
        IdentityResult created;
        try
        {
            created = await users.CreateAsync(user, password);
        }
        catch (DbUpdateException)
        {
            // A second sign-up for the same address raced this one past the lookup; the first one's e-mail is on its way.
            return IdentityResult.Success;
        }

        if (!created.Succeeded)
        {
            // An address taken meanwhile looks like any other sign-up.
            return created.Errors.All(e => e.Code is "DuplicateEmail" or "DuplicateUserName") ? IdentityResult.Success : created;
        }

        outbox.Enqueue(emails.Confirmation(user, await users.GenerateEmailConfirmationTokenAsync(user), returnUrl));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.SignedUp(logger, user.Id);
        return IdentityResult.Success;
    }

    private async Task<IdentityResult> ValidatePasswordAsync(string password)
    {
        var errors = new List<IdentityError>();
        foreach (var validator in users.PasswordValidators)
        {
            errors.AddRange((await validator.ValidateAsync(users, new User(), password)).Errors);
        }

        return errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]);
    }

    /// <summary>Sends a reset link when the address has an account; says nothing either way.</summary>
    public async Task SendPasswordResetAsync(string email, CancellationToken cancellationToken)
    {
        if (await users.FindByEmailAsync(email) is not { IsDisabled: false } user)
        {
            return;
        }

        outbox.Enqueue(emails.PasswordReset(user, await users.GeneratePasswordResetTokenAsync(user)));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Resets the password, ends the lockout and (through the new security stamp) every session and refresh token.</summary>
    public async Task<IdentityResult> ResetPasswordAsync(Guid userId, string code, string password)
    {
        if (await users.FindByIdAsync(userId.ToString()) is not { IsDisabled: false } user)
        {
            return IdentityResult.Failed(new IdentityErrorDescriber().InvalidToken());
        }

        await using var transaction = await db.Database.BeginTransactionAsync();
        var result = await users.ResetPasswordAsync(user, code, password);
        if (result.Succeeded)
        {
            // The link came to the mailbox, so the address is proven: an account an admin made is confirmed by its first password.
            if (!user.EmailConfirmed)
            {
                user.EmailConfirmed = true;
                await users.UpdateAsync(user);
            }

            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
            await transaction.CommitAsync();
        }

        return result;
    }

    public async Task<IdentityResult> ConfirmEmailAsync(Guid userId, string code)
    {
        // Identity's confirmation token stays valid after use; a confirmed address makes the link spent.
        if (await users.FindByIdAsync(userId.ToString()) is not { EmailConfirmed: false } user)
        {
            return IdentityResult.Failed(new IdentityErrorDescriber().InvalidToken());
        }

        return await users.ConfirmEmailAsync(user, code);
    }

    public async Task<IdentityResult> UpdateProfileAsync(User user, ProfileChange change, AuditActor actor)
    {
        var before = new ProfileChange(user.Name, user.GivenName, user.FamilyName, user.Company);
        user.Name = Clean(change.Name);
        user.GivenName = Clean(change.GivenName);
        user.FamilyName = Clean(change.FamilyName);
        user.Company = Clean(change.Company);
        var after = new ProfileChange(user.Name, user.GivenName, user.FamilyName, user.Company);
        if (after != before)
        {
            // Saved by UpdateAsync together with the user: one SaveChanges, one transaction.
            audit.Record(actor, null, "user.profile_updated", "user", user.Id.ToString(), new { before, after });
        }

        await using var transaction = await db.Database.BeginTransactionAsync();
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            audit.DiscardPending();
            return updated;
        }

        await db.SyncAsync(user);
        await transaction.CommitAsync();
        return updated;
    }

    /// <summary>
    /// Blocks every login and revokes every token, authorization and session of the user, at once
    /// (sessions through the new security stamp, checked by cookies every minute and by the token endpoint always).
    /// </summary>
    public async Task<bool> DisableAsync(Guid userId, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return false;
        }

        await DisableInTransactionAsync(user, actor, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary><see cref="DisableAsync"/> inside the caller's transaction (SCIM deprovisioning of a managed user).</summary>
    internal async Task DisableInTransactionAsync(User user, AuditActor actor, CancellationToken cancellationToken)
    {
        user.IsDisabled = true;
        user.DisabledAt = time.GetUtcNow().UtcDateTime;
        audit.Record(actor, null, "user.disabled", "user", user.Id.ToString(), new { user.Email });
        var updated = await users.UpdateSecurityStampAsync(user);
        if (!updated.Succeeded)
        {
            audit.DiscardPending();
            throw new InvalidOperationException($"The account could not be disabled: {string.Join("; ", updated.Errors.Select(e => e.Description))}");
        }

        await db.SyncAsync(user, cancellationToken);
        await RevokeEverythingAsync(user, cancellationToken);
        Log.Disabled(logger, user.Id);
    }

    /// <summary>
    /// Removes the password and ends every session, token and authorization: an organization claimed the account
    /// (DESIGN.md §2), so whoever knew the old password must not keep a way in. Inside the caller's transaction.
    /// </summary>
    internal async Task WipeCredentialsInTransactionAsync(User user, AuditActor actor, Guid organizationId, CancellationToken cancellationToken)
    {
        user.PasswordHash = null;
        audit.Record(actor, organizationId, "user.claimed", "user", user.Id.ToString(), new { user.Email });
        var updated = await users.UpdateSecurityStampAsync(user);
        if (!updated.Succeeded)
        {
            audit.DiscardPending();
            throw new InvalidOperationException($"The account could not be claimed: {string.Join("; ", updated.Errors.Select(e => e.Description))}");
        }

        await RevokeEverythingAsync(user, cancellationToken);
    }

    /// <summary>
    /// "Sign out of all sessions": a new security stamp ends every browser session (the current one at once, the others at
    /// their next check, within a minute) and every token and authorization of the user is revoked. One transaction,
    /// audit event included.
    /// </summary>
    public async Task SignOutEverywhereAsync(User user, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        audit.Record(actor, null, "user.signed_out_everywhere", "user", user.Id.ToString(), null);
        var updated = await users.UpdateSecurityStampAsync(user);
        if (!updated.Succeeded)
        {
            audit.DiscardPending();
            throw new InvalidOperationException($"The sessions could not be ended: {string.Join("; ", updated.Errors.Select(e => e.Description))}");
        }

        await db.SyncAsync(user, cancellationToken);
        await RevokeEverythingAsync(user, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.SignedOutEverywhere(logger, user.Id);
    }

    /// <summary>Re-enables inside the caller's transaction (SCIM <c>active: true</c> for a managed user); its old tokens stay revoked.</summary>
    internal async Task EnableInTransactionAsync(User user, AuditActor actor, CancellationToken cancellationToken)
    {
        if (!user.IsDisabled)
        {
            return;
        }

        user.IsDisabled = false;
        user.DisabledAt = null;
        audit.Record(actor, null, "user.enabled", "user", user.Id.ToString(), new { user.Email });
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            audit.DiscardPending();
            throw new InvalidOperationException($"The account could not be enabled: {string.Join("; ", updated.Errors.Select(e => e.Description))}");
        }

        await db.SyncAsync(user, cancellationToken);
        Log.Enabled(logger, user.Id);
    }

    private async Task RevokeEverythingAsync(User user, CancellationToken cancellationToken)
    {
        await tokens.RevokeBySubjectAsync(user.Id.ToString(), cancellationToken);
        await authorizations.RevokeBySubjectAsync(user.Id.ToString(), cancellationToken);
    }

    /// <summary>Restores the same account; its old tokens stay revoked.</summary>
    public async Task<bool> EnableAsync(Guid userId, AuditActor actor)
    {
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return false;
        }

        if (user.IsDisabled)
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await EnableInTransactionAsync(user, actor, CancellationToken.None);
            await transaction.CommitAsync();
        }

        // Already enabled: nothing changes, nothing is audited.
        return true;
    }

    /// <summary>
    /// Deletes an account made in error (DESIGN.md §2): never the caller's own, never an organization's last active
    /// admin. Its memberships go with it; its tokens and authorizations are revoked first.
    /// </summary>
    public async Task<Refusal?> DeleteAsync(Guid userId, AuditActor actor, CancellationToken cancellationToken)
    {
        if (actor.Id == userId.ToString())
        {
            return Refusal.Conflict("You cannot delete your own account; ask another platform admin.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Refusal.NotFound("There is no such account.");
        }

        // The organizations whose last-admin rule this deletion could break are locked before they are read.
        foreach (var organizationId in await db.Memberships.Where(m => m.UserId == userId).Select(m => m.OrganizationId).OrderBy(id => id).ToListAsync(cancellationToken))
        {
            await db.LockOrganizationAsync(organizationId, cancellationToken);
        }

        var memberships = await db.Memberships.AsNoTracking().Where(m => m.UserId == userId)
            .Select(m => new
            {
                m.OrganizationId,
                m.Organization.Slug,
                m.BaseRole,
                m.Status,
                OtherAdmins = db.Memberships.Count(o => o.OrganizationId == m.OrganizationId && o.UserId != userId
                    && o.BaseRole == BuiltInRoles.Admin && o.Status == MembershipStatus.Active && !o.User.IsDisabled),
            })
            .ToListAsync(cancellationToken);
        if (memberships.FirstOrDefault(m => m.BaseRole == BuiltInRoles.Admin && m.Status == MembershipStatus.Active && m.OtherAdmins == 0) is { } lastAdmin)
        {
            return Refusal.Conflict($"This account is the last active admin of the organization '{lastAdmin.Slug}'; make someone else an admin there first, or disable the account instead.");
        }

        await tokens.RevokeBySubjectAsync(user.Id.ToString(), cancellationToken);
        await authorizations.RevokeBySubjectAsync(user.Id.ToString(), cancellationToken);
        foreach (var membership in memberships)
        {
            audit.Record(actor, membership.OrganizationId, "member.removed", "user", user.Id.ToString(), new { reason = "account deleted", role = membership.BaseRole });
        }

        audit.Record(actor, null, "user.deleted", "user", user.Id.ToString(), new { user.Email });
        var deleted = await users.DeleteAsync(user);
        if (!deleted.Succeeded)
        {
            throw new InvalidOperationException($"The account could not be deleted: {string.Join("; ", deleted.Errors.Select(e => e.Description))}");
        }

        await transaction.CommitAsync(cancellationToken);
        Log.Deleted(logger, user.Id);
        return null;
    }

    public async Task RecordLoginAsync(User user)
    {
        user.LastLoginAt = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync();
        await users.UpdateAsync(user);
        await db.SyncAsync(user);
        await transaction.CommitAsync();
    }

    internal User NewUser(string email) => new()
    {
        Id = Guid.CreateVersion7(),
        Email = email.Trim(),
        // Identity needs a user name; it is the e-mail and is never shown or asked for.
        UserName = email.Trim(),
        CreatedAt = time.GetUtcNow().UtcDateTime,
    };

    /// <summary>
    /// Adds a new account without a password to the context, saved with the caller's other rows by its one
    /// <c>SaveChanges</c>. For a caller that has already looked the e-mail up inside its transaction (SCIM creates, one per
    /// request from a directory): Identity's <c>CreateAsync</c> would look the user name and the e-mail up again and save
    /// on its own. The e-mail must be valid; the unique indexes on the normalized e-mail and user name still refuse a
    /// concurrent duplicate.
    /// </summary>
    internal void AddWithoutPassword(User user)
    {
        user.NormalizedEmail = users.NormalizeEmail(user.Email);
        user.NormalizedUserName = users.NormalizeName(user.UserName);
        user.SecurityStamp = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
        db.Users.Add(user);
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Information, "User {UserId} signed up")]
        public static partial void SignedUp(ILogger logger, Guid userId);

        [LoggerMessage(2002, LogLevel.Information, "User {UserId} disabled; tokens and sessions revoked")]
        public static partial void Disabled(ILogger logger, Guid userId);

        [LoggerMessage(2003, LogLevel.Information, "User {UserId} enabled")]
        public static partial void Enabled(ILogger logger, Guid userId);

        [LoggerMessage(2004, LogLevel.Information, "User {UserId} deleted")]
        public static partial void Deleted(ILogger logger, Guid userId);

        [LoggerMessage(2005, LogLevel.Information, "User {UserId} signed out of every session; tokens revoked")]
        public static partial void SignedOutEverywhere(ILogger logger, Guid userId);
    }
}

public sealed record ProfileChange(string? Name, string? GivenName, string? FamilyName, string? Company);
