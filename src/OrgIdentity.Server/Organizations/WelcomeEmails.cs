using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Hosting;
using Microsoft.Extensions.Options;

namespace OrgIdentity.Server.Organizations;

/// <summary>The welcome e-mail: once per membership, on any join path, when the organization has it switched on.</summary>
public sealed class WelcomeEmails(EmailOutbox outbox, AuditLog audit, IOptions<OrgIdentityOptions> options, TimeProvider time)
{
    public void Queue(Organization organization, User user, Membership membership)
    {
        if (!organization.WelcomeEmails || membership.WelcomeSentAt is not null || string.IsNullOrEmpty(user.Email))
        {
            return;
        }

        outbox.Enqueue(new EmailTemplate(
            $"Welcome to {organization.Name}",
            $"Hello {user.DisplayName},",
            [$"You are now a member of {organization.Name}. Sign in with this e-mail address to get started."],
            new EmailAction("Sign in", options.Value.Link("Account/Login"))).To(user.Email));
        membership.WelcomeSentAt = time.GetUtcNow().UtcDateTime;
        audit.Record(AuditActor.System, organization.Id, "member.welcome_sent", "user", user.Id.ToString());
    }
}
