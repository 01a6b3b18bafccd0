using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Organizations;

/// <summary>A change of an organization's name, slug and settings: a null field stays as it is.</summary>
public sealed record OrganizationChange(string? Name, string? Slug, JoinDefaultsChange? DefaultRoles, string? UnitsLabel = null,
    bool? OpenSignUp = null, bool? SelfJoinByVerifiedDomain = null, bool? WelcomeEmails = null);

/// <summary>A change of default roles: a null field stays as it is.</summary>
public sealed record JoinDefaultsChange(string? Invitation, string? AdminCreated, string? InviteLink, string? SelfSignup, string? Sso, string? Scim);

public sealed record Page<T>(IReadOnlyList<T> Items, int Total, string? Next);

/// <summary>
/// The rules for organizations: who may create one, slugs, settings. The creator becomes the first admin in
/// the same transaction, so an organization never exists without one.
/// </summary>
public sealed partial class OrganizationsService(
    OrgIdentityDbContext db,
    MembersService members,
    BuiltInRoles builtInRoles,
    AuditLog audit,
    IOptions<OrganizationsOptions> options,
    TimeProvider time)
{
    public const int MaxPageSize = 200;

    public async Task<Outcome<Organization>> CreateAsync(Guid userId, AuditActor actor, string name, string? slug, CancellationToken cancellationToken)
    {
        var creator = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId && !u.IsDisabled, cancellationToken);
        if (creator is null)
        {
            return Refusal.Forbidden("Only an active account may create an organization.");
        }

        if (options.Value.CreationRestrictedToPlatformAdmins && !creator.IsPlatformAdmin)
        {
            return Refusal.Forbidden("On this platform only platform admins create organizations.");
        }

        if (ValidateName(name) is { } badName)
        {
            return badName;
        }

        var explicitSlug = slug is not null;
        slug = explicitSlug ? slug!.Trim() : SlugFrom(name);
        if (ValidateSlug(slug) is { } badSlug)
        {
            return badSlug;
        }

        if (await db.Organizations.AnyAsync(o => o.Slug == slug, cancellationToken))
        {
            if (explicitSlug)
            {
                return SlugTaken(slug);
            }

            // A slug made from the name may collide with another organization of the same name: make it unique.
            slug = $"{slug[..Math.Min(slug.Length, 54)].TrimEnd('-')}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..4])}";
        }

        var now = time.GetUtcNow().UtcDateTime;
        var organization = new Organization { Id = Guid.CreateVersion7(), Name = name.Trim(), Slug = slug, CreatedAt = now };
        db.Organizations.Add(organization);
        db.Memberships.Add(new Membership
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organization.Id,
            UserId = userId,
            BaseRole = BuiltInRoles.Admin,
            Status = MembershipStatus.Active,
            Source = MembershipSource.Creator,
            JoinedAt = now,
        }.CopyFrom(creator));
        audit.Record(actor, organization.Id, "organization.created", "organization", organization.Id.ToString(), new { organization.Name, organization.Slug });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another creation took the slug between the check and the insert (the unique index said so).
            db.ChangeTracker.Clear();
            if (await db.Organizations.AsNoTracking().AnyAsync(o => o.Slug == slug, cancellationToken))
            {
                return SlugTaken(slug);
            }

            throw;
        }

        return organization;
    }

    public async Task<Outcome<Organization>> UpdateAsync(OrganizationCaller requester, OrganizationChange change, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has("organization-settings:edit"))
        {
            return OrganizationRoutes.MissingPermission("organization-settings:edit");
        }

        if (change.Name is not null && ValidateName(change.Name) is { } badName)
        {
            return badName;
        }

        var slug = change.Slug?.Trim();
        if (slug is not null && ValidateSlug(slug) is { } badSlug)
        {
            return badSlug;
        }

        var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, cancellationToken);
        if (organization is null)
        {
            return Refusal.NotFound("There is no such organization.");
        }

        var defaults = Merge(organization.DefaultRoles, change.DefaultRoles);
        if (ValidateDefaults(defaults) is { } badDefaults)
        {
            return badDefaults;
        }

        // A default role is granted later to people nobody picks by hand: setting one needs what it grants.
        foreach (var (field, role) in Fields(defaults).Where(f => f.Role != Fields(organization.DefaultRoles).Single(o => o.Field == f.Field).Role))
        {
            if (builtInRoles.PermissionsOf(role).FirstOrDefault(p => !caller.Has(p)) is { } lacking)
            {
                return new Refusal(StatusCodes.Status403Forbidden, $"Making '{role}' the default role needs every permission it grants; you lack '{lacking}' (defaultRoles.{field}).");
            }
        }

        if (change.UnitsLabel is { } label && (string.IsNullOrWhiteSpace(label) || label.Trim().Length > 50))
        {
            return Refusal.Invalid("unitsLabel", "The units label is 1 to 50 characters, e.g. Brands, Projects or Services.");
        }

        var before = new { organization.Name, organization.Slug, DefaultRoles = Copy(organization.DefaultRoles), organization.UnitsLabel,
            organization.OpenSignUp, organization.SelfJoinByVerifiedDomain, organization.WelcomeEmails };
        if (slug is not null && slug != organization.Slug && await db.Organizations.AnyAsync(o => o.Slug == slug, cancellationToken))
        {
            return SlugTaken(slug);
        }

        var after = new { Name = change.Name?.Trim() ?? organization.Name, Slug = slug ?? organization.Slug, DefaultRoles = defaults,
            UnitsLabel = change.UnitsLabel?.Trim() ?? organization.UnitsLabel,
            OpenSignUp = change.OpenSignUp ?? organization.OpenSignUp,
            SelfJoinByVerifiedDomain = change.SelfJoinByVerifiedDomain ?? organization.SelfJoinByVerifiedDomain,
            WelcomeEmails = change.WelcomeEmails ?? organization.WelcomeEmails };
        if (after.Name == before.Name && after.Slug == before.Slug && Fields(defaults).SequenceEqual(Fields(before.DefaultRoles)) && after.UnitsLabel == before.UnitsLabel
            && after.OpenSignUp == before.OpenSignUp && after.SelfJoinByVerifiedDomain == before.SelfJoinByVerifiedDomain && after.WelcomeEmails == before.WelcomeEmails)
        {
            // Nothing changes: nothing to write or audit.
            return organization;
        }

        organization.Name = after.Name;
        organization.Slug = after.Slug;
        organization.DefaultRoles = defaults;
        organization.UnitsLabel = after.UnitsLabel;
        organization.OpenSignUp = after.OpenSignUp;
        organization.SelfJoinByVerifiedDomain = after.SelfJoinByVerifiedDomain;
        organization.WelcomeEmails = after.WelcomeEmails;
        audit.Record(caller.Actor, organization.Id, "organization.updated", "organization", organization.Id.ToString(),
            new { before, after });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (slug is not null)
        {
            db.ChangeTracker.Clear();
            return SlugTaken(slug);
        }

        await transaction.CommitAsync(cancellationToken);
        return organization;
    }

    /// <summary>Platform admins only: which features the organization's plan includes.</summary>
    public async Task<Outcome<Organization>> UpdatePlanAsync(OrganizationCaller caller, PlanFeatures plan, CancellationToken cancellationToken)
    {
        if (!caller.IsPlatformAdmin)
        {
            return Refusal.Forbidden("Only platform admins set an organization's plan.");
        }

        var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, cancellationToken);
        if (organization is null)
        {
            return Refusal.NotFound("There is no such organization.");
        }

        var before = organization.Plan;
        if (before.Invitations == plan.Invitations && before.Units == plan.Units && before.Sso == plan.Sso && before.Scim == plan.Scim)
        {
            return organization;
        }

        audit.Record(caller.Actor, organization.Id, "organization.plan_updated", "organization", organization.Id.ToString(),
            new { before = new { before.Invitations, before.Units, before.Sso, before.Scim }, after = plan });
        organization.Plan = plan;
        await db.SaveChangesAsync(cancellationToken);
        return organization;
    }

    /// <summary>A platform admin sees every organization; anyone else the ones they are an active member of.</summary>
    public async Task<Page<Organization>> ListAsync(Guid userId, bool everything, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var query = db.Organizations.AsNoTracking();
        if (!everything)
        {
            query = query.Where(o => db.Memberships.Any(m => m.OrganizationId == o.Id && m.UserId == userId && m.Status == MembershipStatus.Active));
        }

        var total = await query.CountAsync(cancellationToken);
        if (after is { } last)
        {
            query = query.Where(o => o.Id > last);
        }

        var items = await query.OrderBy(o => o.Id).Take(limit + 1).ToListAsync(cancellationToken);
        return new Page<Organization>(items.Take(limit).ToList(), total, items.Count > limit ? items[limit - 1].Id.ToString() : null);
    }

    // A slug that reads as a Guid would be taken for an id by the organization parameter.
    public static Refusal? ValidateSlug(string slug) =>
        !SlugPattern().IsMatch(slug)
            ? Refusal.Invalid("slug", "A slug is 2 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit (no '_').")
            : Guid.TryParse(slug, out _) ? Refusal.Invalid("slug", "A slug cannot look like an id.") : null;

    private static Refusal? ValidateName(string name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200 ? Refusal.Invalid("name", "The name is required and at most 200 characters.") : null;

    private static (string Field, string Role)[] Fields(JoinDefaults defaults) =>
    [
        ("invitation", defaults.Invitation), ("adminCreated", defaults.AdminCreated), ("inviteLink", defaults.InviteLink),
        ("selfSignup", defaults.SelfSignup), ("sso", defaults.Sso), ("scim", defaults.Scim),
    ];

    private static JoinDefaults Merge(JoinDefaults current, JoinDefaultsChange? change) => new()
    {
        Invitation = change?.Invitation ?? current.Invitation,
        AdminCreated = change?.AdminCreated ?? current.AdminCreated,
        InviteLink = change?.InviteLink ?? current.InviteLink,
        SelfSignup = change?.SelfSignup ?? current.SelfSignup,
        Sso = change?.Sso ?? current.Sso,
        Scim = change?.Scim ?? current.Scim,
    };

    private static Refusal? ValidateDefaults(JoinDefaults defaults)
    {
        foreach (var (field, role) in Fields(defaults))
        {
            if (!BuiltInRoles.Keys.Contains(role))
            {
                return Refusal.Invalid($"defaultRoles.{field}", "A default role is one of admin, member or viewer.");
            }
        }

        // DESIGN.md §2: an invite link never carries admin; nor may any path that needs no admin to act.
        foreach (var (field, role) in new[] { ("inviteLink", defaults.InviteLink), ("selfSignup", defaults.SelfSignup), ("sso", defaults.Sso), ("scim", defaults.Scim) })
        {
            if (role == BuiltInRoles.Admin)
            {
                return Refusal.Invalid($"defaultRoles.{field}", "Joining this way cannot make someone an admin.");
            }
        }

        return null;
    }

    private static JoinDefaults Copy(JoinDefaults defaults) => new()
    {
        Invitation = defaults.Invitation,
        AdminCreated = defaults.AdminCreated,
        InviteLink = defaults.InviteLink,
        SelfSignup = defaults.SelfSignup,
        Sso = defaults.Sso,
        Scim = defaults.Scim,
    };

    private static Refusal SlugTaken(string slug) => Refusal.Conflict($"The slug '{slug}' is taken by another organization.");

    private static string SlugFrom(string name)
    {
        var slug = NotSlug().Replace(name.Trim().ToLowerInvariant(), "-").Trim('-');
        slug = slug.Length > 63 ? slug[..63].TrimEnd('-') : slug;
        return slug.Length >= 2 ? slug : $"org-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..4])}";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotSlug();
}
