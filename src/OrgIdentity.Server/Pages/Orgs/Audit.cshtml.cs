using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's Audit log tab: the organization's events, newest first, filtered and paged exactly as
/// <c>GET /api/v1/orgs/{orgId}/audit</c> does (the same query), and exported as the same CSV as <c>…/audit/export</c>.
/// The actor may be typed as an e-mail address: the page looks up its account's id, which is what the log records.
/// </summary>
[Authorize]
public sealed class AuditModel : OrgPage
{
    // The page reads the log itself (the API's query), so it keeps the context the base class also gets.
    private readonly OrgIdentityDbContext database;

    public AuditModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db) : base(access, users, db) => database = db;

    public const string Permission = "audit-log:view";
    public const int PageSize = 50;

    /// <summary>The action filter; "action" is a routing word in ASP.NET Core, so the query calls it <c>event</c>.</summary>
    [BindProperty(SupportsGet = true, Name = "event")]
    public string? EventAction { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Actor { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Target { get; set; }

    /// <summary>The first day shown (UTC).</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    /// <summary>The last day shown (UTC), inclusive.</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    internal Page<AuditEndpoints.AuditEventView>? Events { get; private set; }

    /// <summary>The actions of the organization's latest events (and the one filtered by), for the filter's list.</summary>
    public IReadOnlyList<string> Actions { get; private set; } = [];

    /// <summary>How many of the latest events the action filter's choices come from.</summary>
    private const int RecentActionsWindow = 2000;

    /// <summary>The display name and e-mail of each account named on this page.</summary>
    public Dictionary<string, string> Names { get; } = new(StringComparer.Ordinal);

    public string? Problem { get; private set; }

    public bool Filtered => !string.IsNullOrEmpty(EventAction) || !string.IsNullOrEmpty(Actor) || !string.IsNullOrEmpty(Target) || From is not null || To is not null;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(Permission, cancellationToken) is { } refused)
        {
            return refused;
        }

        // The filter offers the actions of the latest events only: a DISTINCT over a log of millions would scan all of it on
        // every page; any other action can still be filtered by URL.
        var recent = await database.AuditEvents.AsNoTracking().Where(e => e.OrganizationId == OrgId).OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Take(RecentActionsWindow).Select(e => e.Action).ToListAsync(cancellationToken);
        Actions = [.. recent.Append(EventAction).OfType<string>().Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        if (BadDates() is { } badDates)
        {
            Problem = badDates;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var outcome = await AuditEndpoints.PageAsync(database, OrgId, await FilterAsync(cancellationToken), Cursor, PageSize, cancellationToken);
        if (outcome.Refusal is { } invalid)
        {
            Problem = invalid.Detail;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Events = outcome.Value;
        var ids = Events!.Items.SelectMany(e => new[] { e.ActorId, e.TargetType == "user" ? e.TargetId : null, e.ImpersonatorId?.ToString() })
            .Select(id => Guid.TryParse(id, out var guid) ? guid : (Guid?)null).OfType<Guid>().Distinct().ToList();
        // DisplayName is computed in .NET: the few accounts of one page are read whole.
        foreach (var person in await database.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToListAsync(cancellationToken))
        {
            Names[person.Id.ToString()] = person.DisplayName == person.Email ? person.DisplayName : $"{person.DisplayName} ({person.Email})";
        }

        return Page();
    }

    /// <summary>The events the filters select, all of them, as CSV, streamed like <c>GET …/audit/export</c>.</summary>
    public async Task<IActionResult> OnGetExportAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(Permission, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (BadDates() is { } badDates)
        {
            return BadRequest(badDates);
        }

        var filter = await FilterAsync(cancellationToken);
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{OrganizationSlug}.csv\"";
        await AuditEndpoints.WriteCsvAsync(database, OrgId, filter, Response.Body, cancellationToken);
        return new EmptyResult();
    }

    /// <summary>
    /// The details of an event as lines to read: a change (<c>before</c> and <c>after</c>) as the fields that changed,
    /// anything else as its top-level fields. The whole JSON stays one click away, and in the export.
    /// </summary>
    public static IEnumerable<(string? Key, string Value)> Describe(JsonElement details)
    {
        if (details.ValueKind != JsonValueKind.Object)
        {
            yield return (null, Short(details));
            yield break;
        }

        if (details.TryGetProperty("before", out var before) && details.TryGetProperty("after", out var after)
            && before.ValueKind == JsonValueKind.Object && after.ValueKind == JsonValueKind.Object)
        {
            foreach (var change in Changes("", before, after))
            {
                yield return change;
            }

            foreach (var field in details.EnumerateObject().Where(f => f.Name is not "before" and not "after"))
            {
                yield return (field.Name, Short(field.Value));
            }

            yield break;
        }

        foreach (var field in details.EnumerateObject())
        {
            yield return (field.Name, Short(field.Value));
        }
    }

    /// <summary>The fields that differ between two objects, nested ones by their dotted path (<c>defaultRoles.sso</c>).</summary>
    private static IEnumerable<(string? Key, string Value)> Changes(string prefix, JsonElement before, JsonElement after)
    {
        foreach (var field in after.EnumerateObject())
        {
            var old = before.TryGetProperty(field.Name, out var value) ? value : default;
            if (old.ValueKind == JsonValueKind.Object && field.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var nested in Changes(prefix + field.Name + ".", old, field.Value))
                {
                    yield return nested;
                }
            }
            else if (old.ValueKind == JsonValueKind.Undefined || old.GetRawText() != field.Value.GetRawText())
            {
                yield return (prefix + field.Name, $"{(old.ValueKind == JsonValueKind.Undefined ? "–" : Short(old))} → {Short(field.Value)}");
            }
        }
    }

    private static string Short(JsonElement value)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();
        return text.Length > 80 ? text[..77] + "…" : text;
    }

    /// <summary>The name of the account <paramref name="id"/> names, else the id itself.</summary>
    public string NameOf(string? id) => id is null ? "" : Names.GetValueOrDefault(id) ?? id;

    /// <summary>
    /// Why the from/to dates cannot filter (not dates, or the last day there is), else null: a date that does not parse
    /// must not silently widen the list, or the export, to the whole log.
    /// </summary>
    private string? BadDates() =>
        !ModelState.IsValid && (ModelState.ContainsKey(nameof(From)) || ModelState.ContainsKey(nameof(To)))
            ? "From and To must be dates (yyyy-mm-dd)."
            : To == DateOnly.MaxValue ? "To must be before 9999-12-31." : null;

    private async Task<AuditEndpoints.AuditFilter> FilterAsync(CancellationToken cancellationToken)
    {
        var actor = Actor?.Trim();
        if (actor is not null && actor.Contains('@', StringComparison.Ordinal))
        {
            var normalized = actor.ToUpperInvariant();
            // An address nobody has matches nobody: filtering by it must not show everything.
            actor = (await database.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized).Select(u => (Guid?)u.Id).SingleOrDefaultAsync(cancellationToken))?.ToString()
                ?? actor;
        }

        return new AuditEndpoints.AuditFilter(EventAction, actor, Target?.Trim(), From?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            To?.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));
    }
}
