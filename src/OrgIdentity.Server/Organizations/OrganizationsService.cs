using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Organizations;

public sealed record OrganizationChange(string? Name, string? Slug, JoinDefaults? DefaultRoles);

public sealed record Page<T>(IReadOnlyList<T> Items, int Total, string? Next);

/// <summary>
/// The rules for organizations: who may create one, slugs, settings. The creator becomes the first admin in
/// the same transaction, so an organization never exists without one.
/// </summary>
public sealed partial class OrganizationsService(
    OrgIdentityDbContext db,
    MembersService members,
    AuditLog audit,
    IOptions<OrganizationsOptions> options,
    TimeProvider time)
{
    public const int MaxPageSize = 200;

    public async Task<Outcome<Organization>> CreateAsync(Guid userId, AuditActor actor, string name, string? slug, CancellationToken cancellationToken)
    {
        var creator = await db.Users.AsNoTracking().Where(u => u.Id == userId && !u.IsDisabled).Select(u => new { u.IsPlatformAdmin }).SingleOrDefaultAsync(cancellationToken);
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
        });
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

        if (change.DefaultRoles is { } defaults && ValidateDefaults(defaults) is { } badDefaults)
        {
            return badDefaults;
        }

        var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Id == caller.OrganizationId, cancellationToken);
        if (organization is null)
        {
            return Refusal.NotFound("There is no such organization.");
        }

        var before = new { organization.Name, organization.Slug, DefaultRoles = Copy(organization.DefaultRoles) };
        if (slug is not null && slug != organization.Slug && await db.Organizations.AnyAsync(o => o.Slug == slug, cancellationToken))
        {
            return SlugTaken(slug);
        }

        organization.Name = change.Name?.Trim() ?? organization.Name;
        organization.Slug = slug ?? organization.Slug;
        if (change.DefaultRoles is { } newDefaults)
        {
            organization.DefaultRoles = Copy(newDefaults);
        }

        audit.Record(caller.Actor, organization.Id, "organization.updated", "organization", organization.Id.ToString(),
            new { before, after = new { organization.Name, organization.Slug, DefaultRoles = Copy(organization.DefaultRoles) } });
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

    public static Refusal? ValidateSlug(string slug) =>
        SlugPattern().IsMatch(slug) ? null
        : Refusal.Invalid("slug", "A slug is 2 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit (no '_').");

    private static Refusal? ValidateName(string name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200 ? Refusal.Invalid("name", "The name is required and at most 200 characters.") : null;

    private static Refusal? ValidateDefaults(JoinDefaults defaults)
    {
        foreach (var (field, role) in new[]
                 {
                     ("invitation", defaults.Invitation), ("adminCreated", defaults.AdminCreated), ("inviteLink", defaults.InviteLink),
                     ("selfSignup", defaults.SelfSignup), ("sso", defaults.Sso), ("scim", defaults.Scim),
                 })
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
