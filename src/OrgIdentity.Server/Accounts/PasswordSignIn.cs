using Microsoft.AspNetCore.Identity;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Email;

namespace OrgIdentity.Server.Accounts;

public enum SignInOutcome
{
    SignedIn,
    WrongCredentials,
    EmailNotConfirmed,
    Disabled,
}

/// <summary>
/// Checks a password and signs the user in. The password is checked before anything about the account
/// is revealed, so a stranger learns nothing about an address (disabled, unconfirmed) without it; a locked
/// account answers like a wrong password, or five tries would tell which addresses have accounts.
/// </summary>
public sealed class PasswordSignIn(
    OrgIdentityDbContext db,
    UserManager<User> users,
    SignInManager<User> signIn,
    EmailOutbox outbox,
    AccountEmails emails,
    AccountsService accounts)
{
    // Unknown addresses cost a hash verification too, so timing does not tell who has an account.
    private static readonly string DummyHash = new PasswordHasher<User>().HashPassword(new User(), Guid.NewGuid().ToString());

    public async Task<SignInOutcome> SignInAsync(string email, string password, bool remember, CancellationToken cancellationToken)
    {
        if (await users.FindByEmailAsync(email) is not { } user)
        {
            users.PasswordHasher.VerifyHashedPassword(new User(), DummyHash, password);
            return SignInOutcome.WrongCredentials;
        }

        if (await users.IsLockedOutAsync(user))
        {
            return SignInOutcome.WrongCredentials;
        }

        if (!await users.CheckPasswordAsync(user, password))
        {
            await users.AccessFailedAsync(user);
            return SignInOutcome.WrongCredentials;
        }

        await users.ResetAccessFailedCountAsync(user);
        if (user.IsDisabled)
        {
            return SignInOutcome.Disabled;
        }

        if (!user.EmailConfirmed)
        {
            outbox.Enqueue(emails.Confirmation(user, await users.GenerateEmailConfirmationTokenAsync(user)));
            await db.SaveChangesAsync(cancellationToken);
            return SignInOutcome.EmailNotConfirmed;
        }

        await signIn.SignInAsync(user, isPersistent: remember, authenticationMethod: "pwd");
        await accounts.RecordLoginAsync(user);
        return SignInOutcome.SignedIn;
    }
}
