using Microsoft.AspNetCore.Identity;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Hosting;
using Microsoft.Extensions.Options;

namespace OrgIdentity.Server.Organizations;

/// <summary>The welcome e-mail: once per membership, on any join path, when the organization has it switched on.</summary>
public sealed class WelcomeEmails(EmailOutbox outbox, AuditLog audit, UserManager<User> users, AccountEmails accountEmails,
    IOptions<OrgIdentityOptions> options, TimeProvider time)
{
    public async Task QueueAsync(Organization organization, User user, Membership membership)
    {
        if (!organization.WelcomeEmails || membership.WelcomeSentAt is not null || string.IsNullOrEmpty(user.Email))
        {
            return;
        }

        // A directory made (or claimed) this account, so it has no password: the welcome carries the link to choose one,
        // as an admin-created member's does. Anyone else already has a way in (a password, an invitation, SSO).
        outbox.Enqueue((membership.Source == MembershipSource.Scim && user.PasswordHash is null
            ? new EmailTemplate(
                $"Welcome to {organization.Name}",
                $"Hello {user.DisplayName},",
                [
                    $"{organization.Name} made an account for you. Choose your password to sign in (the link works once and expires within a day; " +
                    $"after that, use \"Forgot your password?\" at {options.Value.Link("Account/Login")}).",
                ],
                new EmailAction("Choose your password", accountEmails.ResetLink(user, await users.GeneratePasswordResetTokenAsync(user))))
            : new EmailTemplate(
                $"Welcome to {organization.Name}",
                $"Hello {user.DisplayName},",
                [$"You are now a member of {organization.Name}. Sign in with this e-mail address to get started."],
                new EmailAction("Sign in", options.Value.Link("Account/Login")))).To(user.Email));
        membership.WelcomeSentAt = time.GetUtcNow().UtcDateTime;
        audit.Record(AuditActor.System, organization.Id, "member.welcome_sent", "user", user.Id.ToString());
    }
}
