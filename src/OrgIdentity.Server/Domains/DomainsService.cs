using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Domains;

/// <summary>A domain as the API shows it; <c>txtRecord</c> is the value to publish in DNS to prove it.</summary>
public sealed record DomainView(Guid Id, string Domain, bool Verified, DateTime? VerifiedAt, string? VerifiedBy, string TxtRecord, DateTime CreatedAt);

/// <summary>
/// The rules for an organization's e-mail domains (DESIGN.md §2): <c>organization-settings:edit</c> adds, verifies
/// and removes them; a domain is proven by a DNS TXT record <c>orgidentity-verification=&lt;token&gt;</c>, or marked
/// verified by a platform admin; a domain is verified for one organization at most.
/// </summary>
public sealed partial class DomainsService(OrgIdentityDbContext db, MembersService members, AuditLog audit, IDnsTxtLookup dns, TimeProvider time)
{
    public const string SettingsView = "organization-settings:view";
    public const string SettingsEdit = "organization-settings:edit";
    public const string TxtPrefix = "orgidentity-verification=";

    /// <summary>Where else the record may be published, for a domain whose apex TXT records are crowded or managed by others.</summary>
    public const string TxtLabel = "_orgidentity";

    public const string ByDns = "dns";
    public const string Forced = "forced";

    /// <summary>Every domain on one page: an organization has a handful.</summary>
    public async Task<IReadOnlyList<DomainView>> ListAsync(OrganizationCaller caller, CancellationToken cancellationToken) =>
        (await db.OrganizationDomains.AsNoTracking().Where(d => d.OrganizationId == caller.OrganizationId).OrderBy(d => d.Domain).ToListAsync(cancellationToken))
            .Select(View).ToList();

    public async Task<Outcome<DomainView>> GetAsync(OrganizationCaller caller, Guid id, CancellationToken cancellationToken) =>
        await db.OrganizationDomains.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id && d.OrganizationId == caller.OrganizationId, cancellationToken)
            is { } domain ? View(domain) : NoSuchDomain();

    public async Task<Outcome<DomainView>> AddAsync(OrganizationCaller requester, string? name, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(SettingsEdit))
        {
            return OrganizationRoutes.MissingPermission(SettingsEdit);
        }

        var normalized = Normalize(name);
        if (normalized.Refusal is { } invalid)
        {
            return invalid;
        }

        var domainName = normalized.Value!;
        if (await db.OrganizationDomains.AnyAsync(d => d.OrganizationId == caller.OrganizationId && d.Domain == domainName, cancellationToken))
        {
            return Refusal.Conflict($"This organization already has the domain '{domainName}'.");
        }

        if (await VerifiedElsewhereAsync(caller.OrganizationId, domainName, cancellationToken))
        {
            return VerifiedByAnother(domainName);
        }

        var domain = new OrganizationDomain
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            Domain = domainName,
            // Unguessable per organization and domain: another organization's record at the same name proves nothing for this one.
            VerificationToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            CreatedAt = Now(),
        };
        db.OrganizationDomains.Add(domain);
        audit.Record(caller.Actor, caller.OrganizationId, "domain.added", "domain", domain.Id.ToString(), new { domain = domainName });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The (organization, domain) index: the organization lock makes this all but impossible, the index makes it certain.
            db.ChangeTracker.Clear();
            return Refusal.Conflict($"This organization already has the domain '{domainName}'.");
        }

        await transaction.CommitAsync(cancellationToken);
        return View(domain);
    }

    /// <summary>
    /// Proves the domain by its TXT record, or, with <paramref name="force"/>, marks it verified without DNS (platform
    /// admins only). Verifying a verified domain again changes nothing.
    /// </summary>
    public async Task<Outcome<DomainView>> VerifyAsync(OrganizationCaller requester, Guid id, bool force, CancellationToken cancellationToken)
    {
        if (!requester.Has(SettingsEdit))
        {
            return OrganizationRoutes.MissingPermission(SettingsEdit);
        }

        if (force && !requester.IsPlatformAdmin)
        {
            return Refusal.Forbidden("Only a platform admin may mark a domain verified without DNS; publish the TXT record and verify without 'force'.");
        }

        var found = await db.OrganizationDomains.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id && d.OrganizationId == requester.OrganizationId, cancellationToken);
        if (found is null)
        {
            return NoSuchDomain();
        }

        if (found.VerifiedAt is not null)
        {
            return View(found);
        }

        if (await VerifiedElsewhereAsync(found.OrganizationId, found.Domain, cancellationToken))
        {
            return VerifiedByAnother(found.Domain);
        }

        // DNS is asked before the transaction: a slow resolver must not hold the organization's lock (SQLite's: the whole database).
        if (!force && !await PublishedAsync(found, cancellationToken))
        {
            return Refusal.Conflict($"No TXT record '{TxtRecord(found)}' was found at {found.Domain}. Publish a TXT record at {found.Domain} "
                + $"(or at {TxtLabel}.{found.Domain}) with the value {TxtRecord(found)}, then verify again; a new record may take a few minutes to show.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(SettingsEdit))
        {
            return OrganizationRoutes.MissingPermission(SettingsEdit);
        }

        var domain = await db.OrganizationDomains.SingleOrDefaultAsync(d => d.Id == id && d.OrganizationId == caller.OrganizationId, cancellationToken);
        if (domain is null)
        {
            return NoSuchDomain();
        }

        if (domain.VerifiedAt is not null)
        {
            return View(domain);
        }

        domain.VerifiedAt = Now();
        domain.VerifiedBy = force ? Forced : ByDns;
        domain.VerifiedDomain = domain.Domain;
        audit.Record(caller.Actor, caller.OrganizationId, "domain.verified", "domain", domain.Id.ToString(), new { domain = domain.Domain, by = domain.VerifiedBy });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique index on VerifiedDomain: another organization verified it after the check above (its lock is not ours).
            db.ChangeTracker.Clear();
            return VerifiedByAnother(domain.Domain);
        }

        await transaction.CommitAsync(cancellationToken);
        return View(domain);
    }

    public async Task<Refusal?> RemoveAsync(OrganizationCaller requester, Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await members.LockAsync(requester, cancellationToken);
        if (locked.Refusal is { } gone)
        {
            return gone;
        }

        var caller = locked.Value!;
        if (!caller.Has(SettingsEdit))
        {
            return OrganizationRoutes.MissingPermission(SettingsEdit);
        }

        var domain = await db.OrganizationDomains.SingleOrDefaultAsync(d => d.Id == id && d.OrganizationId == caller.OrganizationId, cancellationToken);
        if (domain is null)
        {
            return NoSuchDomain();
        }

        db.OrganizationDomains.Remove(domain);
        audit.Record(caller.Actor, caller.OrganizationId, "domain.removed", "domain", domain.Id.ToString(),
            new { domain = domain.Domain, verified = domain.VerifiedAt is not null, by = domain.VerifiedBy });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>
    /// Whether <paramref name="email"/>'s domain is one the organization has verified (DESIGN.md §2, "manages a
    /// user"). The domain itself only: a verified <c>example.com</c> says nothing of <c>mail.example.com</c>.
    /// </summary>
    public async Task<bool> IsVerifiedForAsync(Guid organizationId, string email, CancellationToken cancellationToken)
    {
        var at = email.LastIndexOf('@');
        if (at <= 0 || Normalize(email[(at + 1)..]).Value is not { } domain)
        {
            return false;
        }

        return await db.OrganizationDomains.AnyAsync(d => d.OrganizationId == organizationId && d.VerifiedDomain == domain, cancellationToken);
    }

    /// <summary>
    /// The domain as stored: trimmed, without the trailing dot of a fully qualified name, lowercase, an
    /// internationalized name in its ASCII (xn--) form; a hostname of two labels or more, no wildcard, no IP address.
    /// </summary>
    internal static Outcome<string> Normalize(string? input)
    {
        var domain = input?.Trim() ?? "";
        if (domain.EndsWith('.'))
        {
            domain = domain[..^1];
        }

        if (domain.Length == 0)
        {
            return Refusal.Invalid("domain", "The domain is required, for example 'example.com'.");
        }

        if (domain.Contains('*', StringComparison.Ordinal))
        {
            return Refusal.Invalid("domain", "A wildcard is not a domain: name the domain itself, for example 'example.com'.");
        }

        // Checked before the conversion too, so a huge input costs nothing.
        if (domain.Length > 253)
        {
            return TooLong();
        }

        try
        {
            // IdnMapping documents no thread safety for its instances, and one costs nothing.
            domain = new IdnMapping { UseStd3AsciiRules = true }.GetAscii(domain.ToLowerInvariant()).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return NotAHostname();
        }

        return domain.Length > 253 ? TooLong() : HostnamePattern().IsMatch(domain) ? domain : NotAHostname();
    }

    private async Task<bool> PublishedAsync(OrganizationDomain domain, CancellationToken cancellationToken)
    {
        var expected = TxtRecord(domain);
        var answers = await Task.WhenAll(dns.TxtRecordsAsync(domain.Domain, cancellationToken), dns.TxtRecordsAsync($"{TxtLabel}.{domain.Domain}", cancellationToken));
        // DNS consoles sometimes keep the quotes an admin pasted with the value.
        return answers.SelectMany(records => records).Any(record => string.Equals(record.Trim().Trim('"').Trim(), expected, StringComparison.Ordinal));
    }

    private Task<bool> VerifiedElsewhereAsync(Guid organizationId, string domain, CancellationToken cancellationToken) =>
        db.OrganizationDomains.AnyAsync(d => d.VerifiedDomain == domain && d.OrganizationId != organizationId, cancellationToken);

    // PostgreSQL keeps microseconds: the answer to a change shows the time every later read shows.
    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    private static string TxtRecord(OrganizationDomain domain) => TxtPrefix + domain.VerificationToken;

    private static DomainView View(OrganizationDomain domain) =>
        new(domain.Id, domain.Domain, domain.VerifiedAt is not null, domain.VerifiedAt, domain.VerifiedBy, TxtRecord(domain), domain.CreatedAt);

    // Which organization has it stays unsaid: organizations do not learn about each other.
    private static Refusal VerifiedByAnother(string domain) => Refusal.Conflict($"The domain '{domain}' is already verified by another organization.");

    private static Refusal NoSuchDomain() => Refusal.NotFound("This organization has no such domain.");

    private static Refusal TooLong() => Refusal.Invalid("domain", "A domain is at most 253 characters.");

    private static Refusal NotAHostname() =>
        Refusal.Invalid("domain", "The domain is a hostname of two labels or more, such as 'example.com': letters, digits and hyphens, labels of at most 63 characters.");

    // Labels of 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen; the last one holds a letter, so no IP address passes.
    [GeneratedRegex(@"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?=[a-z0-9-]*[a-z])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex HostnamePattern();
}
