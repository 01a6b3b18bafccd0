using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Audit;

/// <summary><c>GET /api/v1/orgs/{orgId}/audit</c>: the organization's audit log, newest first, with filters and keyset paging.</summary>
internal static class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder organization)
    {
        organization.MapGet("/audit", ListAsync).RequirePermission("audit-log:view").WithTags("Audit").WithName("ListAuditEvents")
            .Produces<Page<AuditEventView>>();
        organization.MapGet("/audit/export", Export).RequirePermission("audit-log:view").WithTags("Audit").WithName("ExportAuditEvents")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        return organization;
    }

    public static async Task<IResult> ListAsync(string? action, string? actor, string? target, DateTime? from, DateTime? to, string? cursor, int? limit,
        CurrentOrganizationCaller caller, OrgIdentityDbContext db, CancellationToken cancellationToken) =>
        OrganizationsEndpoints.PageSize(limit) is { } size
            ? (await PageAsync(db, caller.Value.OrganizationId, new AuditFilter(action, actor, target, from, to), cursor, size, cancellationToken)).ToResult(TypedResults.Ok)
            : OrganizationsEndpoints.BadLimit();

    /// <summary>The log as CSV, newest first, with the list's filters; streamed row by row.</summary>
    public static IResult Export(string? action, string? actor, string? target, DateTime? from, DateTime? to,
        CurrentOrganizationCaller caller, OrgIdentityDbContext db, HttpContext context) =>
        TypedResults.Stream(body => WriteCsvAsync(db, caller.Value.OrganizationId, new AuditFilter(action, actor, target, from, to), body, context.RequestAborted),
            "text/csv; charset=utf-8", $"audit-{caller.Value.Organization.Slug}.csv");

    /// <summary>One page of the organization's log, newest first (the list route's and the console's).</summary>
    internal static async Task<Outcome<Page<AuditEventView>>> PageAsync(OrgIdentityDbContext db, Guid organizationId, AuditFilter filter, string? cursor, int size,
        CancellationToken cancellationToken)
    {
        (DateTime At, Guid Id)? after = null;
        if (cursor is not null)
        {
            if (ReadCursor(cursor) is not { } position)
            {
                return Refusal.Invalid("cursor", "The cursor is not one this list gave.");
            }

            after = position;
        }

        var query = Filter(db, organizationId, filter);
        var total = await query.CountAsync(cancellationToken);
        if (after is var (at, id))
        {
            query = query.Where(e => e.At < at || (e.At == at && e.Id < id));
        }

        var events = await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Take(size + 1).ToListAsync(cancellationToken);
        var next = events.Count > size ? WriteCursor(events[size - 1]) : null;
        return new Page<AuditEventView>(events.Take(size).Select(AuditEventView.From).ToList(), total, next);
    }

    /// <summary>Every event of the organization's log that passes <paramref name="filter"/>, as CSV, newest first (the export route's and the console's).</summary>
    internal static async Task WriteCsvAsync(OrgIdentityDbContext db, Guid organizationId, AuditFilter filter, Stream body, CancellationToken cancellationToken)
    {
        await using var csv = new CsvWriter(body);
        await csv.WriteRowAsync(["at", "actorType", "actorId", "impersonatorId", "action", "targetType", "targetId", "ip", "details"], cancellationToken);
        var events = Filter(db, organizationId, filter).OrderByDescending(e => e.At).ThenByDescending(e => e.Id).AsAsyncEnumerable();
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            await csv.WriteRowAsync([CsvWriter.Time(e.At), e.ActorType, e.ActorId, e.ImpersonatorId?.ToString(), e.Action, e.TargetType, e.TargetId, e.Ip, e.Details],
                cancellationToken);
        }
    }

    private static IQueryable<AuditEvent> Filter(OrgIdentityDbContext db, Guid organizationId, AuditFilter filter)
    {
        var (action, actor, target, from, to) = filter;
        var query = db.AuditEvents.AsNoTracking().Where(e => e.OrganizationId == organizationId);
        if (!string.IsNullOrEmpty(action))
        {
            query = query.Where(e => e.Action == action);
        }

        if (!string.IsNullOrEmpty(actor))
        {
            query = query.Where(e => e.ActorId == actor);
        }

        if (!string.IsNullOrEmpty(target))
        {
            query = query.Where(e => e.TargetId == target);
        }

        if (from is { } since)
        {
            var utc = AsUtc(since);
            query = query.Where(e => e.At >= utc);
        }

        if (to is { } until)
        {
            var utc = AsUtc(until);
            query = query.Where(e => e.At < utc);
        }

        return query;
    }

    // A time without an offset is UTC, whatever the server's time zone.
    private static DateTime AsUtc(DateTime value) =>
        value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value.ToUniversalTime();

    private static string WriteCursor(AuditEvent last) =>
        WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes($"{last.At.Ticks.ToString(CultureInfo.InvariantCulture)}:{last.Id}"));

    private static (DateTime, Guid)? ReadCursor(string cursor)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor)).Split(':');
            return parts is [var ticks, var id]
                && long.TryParse(ticks, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= DateTime.MaxValue.Ticks
                && Guid.TryParse(id, out var guid)
                ? (new DateTime(value, DateTimeKind.Utc), guid)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The list's filters; a null one filters nothing. <c>to</c> is exclusive; a time without an offset is UTC.</summary>
    public sealed record AuditFilter(string? Action, string? Actor, string? Target, DateTime? From, DateTime? To);

    public sealed record AuditEventView(Guid Id, DateTime At, string ActorType, string? ActorId, Guid? ImpersonatorId, string Action,
        string? TargetType, string? TargetId, JsonElement? Details, string? Ip)
    {
        public static AuditEventView From(AuditEvent e) => new(e.Id, DateTime.SpecifyKind(e.At, DateTimeKind.Utc), e.ActorType, e.ActorId, e.ImpersonatorId,
            e.Action, e.TargetType, e.TargetId, e.Details is null ? null : JsonDocument.Parse(e.Details).RootElement.Clone(), e.Ip);
    }
}
