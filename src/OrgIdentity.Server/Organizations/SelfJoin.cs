using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Organizations;

/// <summary>Why a person may join an organization by themselves.</summary>
public enum SelfJoinReason
{
    /// <summary>The organization has open sign-up.</summary>
    OpenSignUp,

    /// <summary>The person's confirmed e-mail is in a domain the organization verified, and it lets such people join.</summary>
    VerifiedDomain,
}

/// <summary>An organization the person may join by themselves, with the role joining gives.</summary>
public sealed record JoinableOrganization(Guid Id, string Slug, string Name, string Role, SelfJoinReason Reason);

/// <summary>What a self-join did: <see cref="AlreadyMember"/> means nothing changed.</summary>
public sealed record SelfJoinResult(Guid OrganizationId, string Slug, string Name, string Role, bool AlreadyMember);

/// <summary>
/// Self sign-up into organizations (DESIGN.md §2): a signed-in person joins, with the organization's self sign-up
/// default role (<c>member</c> unless changed), an organization that has open sign-up, or one that lets people whose
/// confirmed e-mail is in one of its verified domains join. Nobody else joins this way; a current member (active or
/// suspended) stays as they are.
/// </summary>
public sealed class SelfJoin(OrgIdentityDbContext db, OrganizationJoin join)
{
    /// <summary>How many organizations the list shows at most.</summary>
    public const int ListLimit = 100;

    /// <summary>The organizations <paramref name="userId"/> may join now and is not in, by name.</summary>
    public async Task<IReadOnlyList<JoinableOrganization>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (await ActiveUserAsync(userId, tracked: false, cancellationToken) is not { } user)
        {
            return [];
        }

        var domain = ConfirmedDomainOf(user);
        var candidates = await db.Organizations.AsNoTracking()
            .Where(o => !db.Memberships.Any(m => m.OrganizationId == o.Id && m.UserId == userId))
            .Where(o => o.OpenSignUp || (domain != null && o.SelfJoinByVerifiedDomain
                && db.OrganizationDomains.Any(d => d.OrganizationId == o.Id && d.VerifiedDomain == domain)))
            .OrderBy(o => o.Name).ThenBy(o => o.Id)
            .Take(ListLimit)
            .Select(o => new { o.Id, o.Slug, o.Name, Role = o.DefaultRoles.SelfSignup, o.OpenSignUp })
            .ToListAsync(cancellationToken);
        return candidates.Select(o => new JoinableOrganization(o.Id, o.Slug, o.Name, o.Role,
            o.OpenSignUp ? SelfJoinReason.OpenSignUp : SelfJoinReason.VerifiedDomain)).ToList();
    }

    /// <summary>
    /// What joining <paramref name="organizationId"/> would do for <paramref name="userId"/>, without doing it: the
    /// organization and role, that the person is a member already, or why not (404 unknown, 403 not joinable).
    /// </summary>
    public async Task<Outcome<SelfJoinResult>> PreviewAsync(Guid userId, Guid organizationId, CancellationToken cancellationToken)
    {
        if (await ActiveUserAsync(userId, tracked: false, cancellationToken) is not { } user)
        {
            return Refusal.Forbidden("Only an active account may join an organization.");
        }

        if (await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == organizationId, cancellationToken) is not { } organization)
        {
            return NoSuchOrganization();
        }

        return await DecideAsync(organization, user, cancellationToken);
    }

    /// <summary>Joins, in one transaction under the organization's lock: the membership, its audit event and the welcome e-mail.</summary>
    public async Task<Outcome<SelfJoinResult>> JoinAsync(Guid userId, Guid organizationId, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The lock first: two joins of one person (a double click) run one after the other, and the second sees the first.
        await db.LockOrganizationAsync(organizationId, cancellationToken);
        if (await ActiveUserAsync(userId, tracked: true, cancellationToken) is not { } user)
        {
            return Refusal.Forbidden("Only an active account may join an organization.");
        }

        if (await db.Organizations.SingleOrDefaultAsync(o => o.Id == organizationId, cancellationToken) is not { } organization)
        {
            return NoSuchOrganization();
        }

        var decided = await DecideAsync(organization, user, cancellationToken);
        if (decided.Refusal is not null || decided.Value!.AlreadyMember)
        {
            // Nothing to write: the transaction (and its lock's revision bump) is rolled back.
            return decided;
        }

        await join.AddAsync(organization, user, MembershipSource.SelfSignup, decided.Value.Role, [], [], actor, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return decided;
    }

    /// <summary>The organization's id from its slug, or null.</summary>
    public async Task<Guid?> FindAsync(string slug, CancellationToken cancellationToken)
    {
        // Slugs are stored lowercase.
        var stored = slug.Trim().ToLowerInvariant();
        return await db.Organizations.AsNoTracking().Where(o => o.Slug == stored).Select(o => (Guid?)o.Id).SingleOrDefaultAsync(cancellationToken);
    }

    private async Task<Outcome<SelfJoinResult>> DecideAsync(Organization organization, User user, CancellationToken cancellationToken)
    {
        var role = organization.DefaultRoles.SelfSignup;
        if (await db.Memberships.AnyAsync(m => m.OrganizationId == organization.Id && m.UserId == user.Id, cancellationToken))
        {
            return new SelfJoinResult(organization.Id, organization.Slug, organization.Name, role, AlreadyMember: true);
        }

        var allowed = organization.OpenSignUp
            || (organization.SelfJoinByVerifiedDomain && ConfirmedDomainOf(user) is { } domain
                && await db.OrganizationDomains.AnyAsync(d => d.OrganizationId == organization.Id && d.VerifiedDomain == domain, cancellationToken));
        return allowed
            ? new SelfJoinResult(organization.Id, organization.Slug, organization.Name, role, AlreadyMember: false)
            : Refusal.Forbidden($"{organization.Name} does not let people join by themselves. Ask one of its admins for an invitation.");
    }

    private async Task<User?> ActiveUserAsync(Guid userId, bool tracked, CancellationToken cancellationToken) =>
        await (tracked ? db.Users : db.Users.AsNoTracking()).SingleOrDefaultAsync(u => u.Id == userId && !u.IsDisabled, cancellationToken);

    /// <summary>The domain of the person's e-mail, as verified domains are stored; null unless the address is confirmed.</summary>
    private static string? ConfirmedDomainOf(User user)
    {
        var email = user.Email ?? "";
        var at = email.LastIndexOf('@');
        return user.EmailConfirmed && at > 0 ? DomainsService.Normalize(email[(at + 1)..]).Value : null;
    }

    private static Refusal NoSuchOrganization() => Refusal.NotFound("There is no such organization.");
}
