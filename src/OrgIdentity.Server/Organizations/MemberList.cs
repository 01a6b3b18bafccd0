using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Organizations;

/// <summary>The member list's query string, as the API takes it (DESIGN.md §6).</summary>
public sealed record MemberListRequest(string? Search, string? Sort, string? Role, string? Unit, string? Status, string? Source,
    bool IncludeDisabled, string? Cursor, int Limit);

/// <summary>
/// The member list at 100,000 members: every filter and sort is SQL on the membership's own columns (its copy of
/// the user's name, e-mail, company and last sign-in), each sort backed by an index (organization, column, id),
/// and pages are keysets on (column, id), so any page costs the same and inserts do not shift pages.
/// </summary>
public sealed class MemberList(OrgIdentityDbContext db)
{
    /// <summary>The sorts of the API and the column behind each.</summary>
    private static readonly Dictionary<string, SortKey> Sorts = new(StringComparer.Ordinal)
    {
        ["name"] = new StringKey(m => m.MemberName),
        ["email"] = new StringKey(m => m.MemberEmail),
        ["company"] = new StringKey(m => m.MemberCompany),
        ["role"] = new StringKey(m => m.BaseRole),
        ["joined"] = new TimeKey(m => m.JoinedAt),
        ["lastLogin"] = new TimeKey(m => m.MemberLastLoginAt),
    };

    private static readonly Dictionary<string, MembershipSource> SourceNames =
        Enum.GetValues<MembershipSource>().ToDictionary(s => MembersService.Lower(s), s => s, StringComparer.Ordinal);

    public async Task<Outcome<Page<MemberView>>> ListAsync(Guid organizationId, MemberListRequest request, CancellationToken cancellationToken)
    {
        var sortName = string.IsNullOrEmpty(request.Sort) ? "name" : request.Sort;
        var descending = sortName.StartsWith('-');
        if (!Sorts.TryGetValue(descending ? sortName[1..] : sortName, out var sort))
        {
            return Refusal.Invalid("sort", $"Sort by one of {string.Join(", ", Sorts.Keys)}, with '-' in front for descending.");
        }

        var filtered = await FilterAsync(organizationId, request, searchIndex: true, cancellationToken);
        if (filtered.Refusal is { } refused)
        {
            return refused;
        }

        var query = filtered.Value!;
        var total = await query.CountAsync(cancellationToken);
        if (total > ScanForPagesBeyond && UsesSearchIndex(request.Search))
        {
            // Many matches: walking the sort's index and testing each row finds a page's 51 rows sooner (about
            // 51 × members / matches rows) than fetching and sorting every match through the search index.
            query = (await FilterAsync(organizationId, request, searchIndex: false, cancellationToken)).Value!;
        }
        if (request.Cursor is not null)
        {
            if (Cursor.Read(request.Cursor) is not { } cursor || cursor.Sort != sortName || !sort.Accepts(cursor.Value))
            {
                return Refusal.Invalid("cursor", "The cursor is not one this list gave for this sort.");
            }

            // PostgreSQL compares (column, id) as one row value, which its index serves as a range; elsewhere the OR form,
            // with the column's own bound repeated so the index range starts at the cursor.
            query = query.Where(sort.After(cursor, descending, rowValues: db.Database.IsNpgsql()));
        }

        // Each row comes with its sort value, read in the same query, so the cursor is the last row's own (column, id).
        var rows = await sort.PageAsync(sort.Order(query, descending), request.Limit + 1, cancellationToken);
        string? next = null;
        if (rows.Count > request.Limit)
        {
            var (last, value) = rows[request.Limit - 1];
            next = Cursor.Write(new Cursor(sortName, value, last.MembershipId));
        }

        return new Page<MemberView>(rows.Take(request.Limit).Select(r => r.Row.View).ToList(), total, next);
    }

    /// <summary>Rows per export query: each is a keyset page (organization, id), so the first rows come at once.</summary>
    private const int ExportBatch = 1000;

    /// <summary>
    /// Every member of the organization, whatever the search, as CSV: read in keyset batches in membership order (one
    /// query per batch, each served by the index (organization, id) from its cursor), written row by row.
    /// One query for everything would let the database hash-join and sort all rows before the first one (PostgreSQL),
    /// or sort them in a temporary b-tree (SQLite): the first byte would wait for the whole export.
    /// With <paramref name="invitationsAsOf"/>, the pending and expired (as of then) invitations follow the members.
    /// </summary>
    public async Task ExportAsync(Guid organizationId, Stream body, DateTime? invitationsAsOf, CancellationToken cancellationToken)
    {
        await using var csv = new CsvWriter(body);
        await csv.WriteRowAsync(["name", "email", "company", "role", "roles", "units", "status", "source", "joined", "lastLogin"], cancellationToken);
        Guid? after = null;
        while (true)
        {
            var query = db.Memberships.AsNoTracking().Where(m => m.OrganizationId == organizationId);
            if (after is { } last)
            {
                query = query.Where(m => m.Id > last);
            }

            var batch = await query.OrderBy(m => m.Id).Take(ExportBatch)
                .Select(m => new
                {
                    m.Id,
                    m.User.Email,
                    m.User.Name,
                    m.User.GivenName,
                    m.User.FamilyName,
                    m.User.LegacyUserName,
                    m.User.Company,
                    m.BaseRole,
                    Roles = m.Roles.Select(r => r.Role.Key).ToList(),
                    m.LimitedToUnits,
                    Units = m.Units.Select(u => u.Unit.Name).ToList(),
                    m.Status,
                    m.Source,
                    m.JoinedAt,
                    m.User.LastLoginAt,
                    m.User.IsDisabled,
                })
                .ToListAsync(cancellationToken);
            foreach (var m in batch)
            {
                var name = new Accounts.User { Email = m.Email, Name = m.Name, GivenName = m.GivenName, FamilyName = m.FamilyName, LegacyUserName = m.LegacyUserName }.DisplayName;
                await csv.WriteRowAsync(
                [
                    name, m.Email, m.Company, m.BaseRole, string.Join(';', m.Roles.Order(StringComparer.Ordinal)),
                    m.LimitedToUnits && m.BaseRole != BuiltInRoles.Admin ? string.Join(';', m.Units.Order(StringComparer.Ordinal)) : "*",
                    m.IsDisabled ? "disabled" : MembersService.Lower(m.Status), MembersService.Lower(m.Source), CsvWriter.Time(m.JoinedAt), CsvWriter.Time(m.LastLoginAt),
                ], cancellationToken);
            }

            if (batch.Count < ExportBatch)
            {
                break;
            }

            after = batch[^1].Id;
        }

        if (invitationsAsOf is { } now)
        {
            await Invitations.InvitationExport.WriteAsync(db, csv, organizationId, now, cancellationToken);
        }
    }

    /// <summary>The filters (everything but the search, sort and paging are shared with the export).</summary>
    private async Task<Outcome<IQueryable<Membership>>> FilterAsync(Guid organizationId, MemberListRequest request, bool searchIndex,
        CancellationToken cancellationToken)
    {
        var term = SearchTerm(request.Search);
        var query = (searchIndex && UsesSearchIndex(request.Search) ? Searchable(term!) : db.Memberships).AsNoTracking().Where(m => m.OrganizationId == organizationId);
        if (request.Status is not null)
        {
            MembershipStatus? status = request.Status switch { "active" => MembershipStatus.Active, "suspended" => MembershipStatus.Suspended, _ => null };
            if (status is null)
            {
                return Refusal.Invalid("status", "The status is active or suspended.");
            }

            query = query.Where(m => m.Status == status);
        }

        // By default the list shows people who can use the organization; the switch shows the others too.
        if (!request.IncludeDisabled)
        {
            query = query.Where(m => !m.MemberDisabled);
            if (request.Status is null)
            {
                query = query.Where(m => m.Status == MembershipStatus.Active);
            }
        }

        if (request.Source is not null)
        {
            if (!SourceNames.TryGetValue(request.Source, out var source))
            {
                return Refusal.Invalid("source", $"The source is one of {string.Join(", ", SourceNames.Keys)}.");
            }

            query = query.Where(m => m.Source == source);
        }

        if (request.Role is not null)
        {
            if (BuiltInRoles.Keys.Contains(request.Role))
            {
                query = query.Where(m => m.BaseRole == request.Role);
            }
            else if (await db.OrganizationRoles.Where(r => r.OrganizationId == organizationId && r.Key == request.Role).Select(r => (Guid?)r.Id)
                         .SingleOrDefaultAsync(cancellationToken) is { } roleId)
            {
                query = query.Where(m => m.Roles.Any(r => r.RoleId == roleId));
            }
            else
            {
                return Refusal.Invalid("role", $"This organization has no role '{request.Role}'.");
            }
        }

        if (request.Unit is not null)
        {
            if (!Guid.TryParse(request.Unit, out var unitId)
                || !await db.Units.AnyAsync(u => u.Id == unitId && u.OrganizationId == organizationId, cancellationToken))
            {
                return Refusal.Invalid("unit", "This organization has no such unit.");
            }

            // Who sees the unit: everyone not limited to units, and those given it.
            query = query.Where(m => !m.LimitedToUnits || m.BaseRole == BuiltInRoles.Admin || m.Units.Any(u => u.UnitId == unitId));
        }

        if (term is not null)
        {
            query = query.Where(m => m.MemberSearchText.Contains(term));
        }

        return new Outcome<IQueryable<Membership>>(query, null);
    }

    /// <summary>Above this many matches a page is found by walking the sort's index rather than through the search index.</summary>
    private const int ScanForPagesBeyond = 500;

    private static string? SearchTerm(string? search) => string.IsNullOrWhiteSpace(search) ? null : search.Trim().ToLowerInvariant();

    /// <summary>Whether the search goes through SQLite's trigram index (terms of three characters or more).</summary>
    private bool UsesSearchIndex(string? search) => SearchTerm(search) is { Length: >= 3 } && db.Database.IsSqlite();

    /// <summary>
    /// The memberships a search can match, from SQLite's trigram index MemberSearch (migration MemberSearch), queried
    /// as a phrase: with the trigram tokenizer a phrase matches wherever the term occurs as a substring, read from the
    /// index's positions alone (five times faster at 100,000 than its <c>LIKE '%term%'</c>, which rereads each
    /// candidate's text). Without the index SQLite would test every membership of the organization for a rare term.
    /// The caller's <c>Contains</c> filter still applies, so the result is the same either way.
    /// </summary>
    private IQueryable<Membership> Searchable(string term)
    {
        // An FTS5 string: every character literal, a double quote doubled.
        var phrase = "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        // CROSS JOIN is SQLite's way to fix the join order: the index's matches drive, each membership is then found by
        // its key. With "Id IN (subquery)" the planner would rather walk all the organization's memberships and test each.
        return db.Memberships.FromSql(
            $"""SELECT "m".* FROM "MemberSearch" AS "s" CROSS JOIN "Memberships" AS "m" ON "m"."Id" = "s"."MembershipId" WHERE "s"."Text" MATCH {phrase}""");
    }

    private sealed record Cursor(string Sort, string Value, Guid Id)
    {
        public static string Write(Cursor cursor) => WebEncoders.Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(cursor));

        public static Cursor? Read(string text)
        {
            try
            {
                return JsonSerializer.Deserialize<Cursor>(WebEncoders.Base64UrlDecode(text)) is { Sort: not null, Value: not null } cursor ? cursor : null;
            }
            catch (Exception exception) when (exception is FormatException or JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>A sort column: orders a query, filters it to what follows a cursor, and reads the value for the next cursor.</summary>
    private abstract class SortKey
    {
        public abstract IQueryable<Membership> Order(IQueryable<Membership> query, bool descending);

        public abstract Expression<Func<Membership, bool>> After(Cursor cursor, bool descending, bool rowValues);

        /// <summary>Whether a cursor's value (which a client could forge) is one this column can hold.</summary>
        public virtual bool Accepts(string value) => true;

        /// <summary>The first <paramref name="count"/> rows of an ordered query, each with its sort value as a cursor holds it.</summary>
        public abstract Task<List<(MembersService.Row Row, string Value)>> PageAsync(IQueryable<Membership> ordered, int count, CancellationToken cancellationToken);
    }

    private sealed class StringKey(Expression<Func<Membership, string>> column) : SortKey
    {
        public override IQueryable<Membership> Order(IQueryable<Membership> query, bool descending) =>
            descending ? query.OrderByDescending(column).ThenByDescending(m => m.Id) : query.OrderBy(column).ThenBy(m => m.Id);

        public override Expression<Func<Membership, bool>> After(Cursor cursor, bool descending, bool rowValues)
        {
            // (column, id) > (value, id) — or < for descending — written so each database uses the index.
            var value = cursor.Value;
            var id = cursor.Id;
            // string.Compare becomes the database's own < and >, in the same collation as its ORDER BY: the two agree.
#pragma warning disable CA1309
            Expression<Func<Membership, bool>> predicate = (rowValues, descending) switch
            {
                (true, false) => m => EF.Functions.GreaterThan(ValueTuple.Create(column.Invoke(m), m.Id), ValueTuple.Create(value, id)),
                (true, true) => m => EF.Functions.LessThan(ValueTuple.Create(column.Invoke(m), m.Id), ValueTuple.Create(value, id)),
                (false, false) => m => string.Compare(column.Invoke(m), value) >= 0
                                       && (string.Compare(column.Invoke(m), value) > 0 || (column.Invoke(m) == value && m.Id > id)),
                (false, true) => m => string.Compare(column.Invoke(m), value) <= 0
                                      && (string.Compare(column.Invoke(m), value) < 0 || (column.Invoke(m) == value && m.Id < id)),
            };
#pragma warning restore CA1309
            return Expand(predicate, column);
        }

        public override async Task<List<(MembersService.Row Row, string Value)>> PageAsync(IQueryable<Membership> ordered, int count, CancellationToken cancellationToken) =>
            (await WithSortValue(ordered, column).Take(count).ToListAsync(cancellationToken)).Select(r => (r.Row, r.Value)).ToList();
    }

    private sealed class TimeKey(Expression<Func<Membership, DateTime>> column) : SortKey
    {
        public override bool Accepts(string value) =>
            long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTime.MaxValue.Ticks;

        public override IQueryable<Membership> Order(IQueryable<Membership> query, bool descending) =>
            descending ? query.OrderByDescending(column).ThenByDescending(m => m.Id) : query.OrderBy(column).ThenBy(m => m.Id);

        public override Expression<Func<Membership, bool>> After(Cursor cursor, bool descending, bool rowValues)
        {
            var value = new DateTime(long.Parse(cursor.Value, CultureInfo.InvariantCulture), DateTimeKind.Utc);
            var id = cursor.Id;
            Expression<Func<Membership, bool>> predicate = (rowValues, descending) switch
            {
                (true, false) => m => EF.Functions.GreaterThan(ValueTuple.Create(column.Invoke(m), m.Id), ValueTuple.Create(value, id)),
                (true, true) => m => EF.Functions.LessThan(ValueTuple.Create(column.Invoke(m), m.Id), ValueTuple.Create(value, id)),
                (false, false) => m => column.Invoke(m) >= value && (column.Invoke(m) > value || (column.Invoke(m) == value && m.Id > id)),
                (false, true) => m => column.Invoke(m) <= value && (column.Invoke(m) < value || (column.Invoke(m) == value && m.Id < id)),
            };
            return Expand(predicate, column);
        }

        public override async Task<List<(MembersService.Row Row, string Value)>> PageAsync(IQueryable<Membership> ordered, int count, CancellationToken cancellationToken) =>
            (await WithSortValue(ordered, column).Take(count).ToListAsync(cancellationToken))
                .Select(r => (r.Row, r.Value.Ticks.ToString(CultureInfo.InvariantCulture))).ToList();
    }

    private sealed record RowWithSortValue<TKey>(MembersService.Row Row, TKey Value);

    /// <summary><see cref="MembersService.Projection"/> with the sort column beside it: one query gives the page and its cursor.</summary>
    private static IQueryable<RowWithSortValue<TKey>> WithSortValue<TKey>(IQueryable<Membership> ordered, Expression<Func<Membership, TKey>> column)
    {
        var projection = MembersService.Projection;
        var parameter = projection.Parameters[0];
        var body = Expression.New(
            typeof(RowWithSortValue<TKey>).GetConstructor([typeof(MembersService.Row), typeof(TKey)])!,
            projection.Body,
            new Replace(column.Parameters[0], parameter).Visit(column.Body));
        return ordered.Select(Expression.Lambda<Func<Membership, RowWithSortValue<TKey>>>(body, parameter));
    }

    /// <summary>Replaces the <c>column.Invoke(m)</c> placeholders with the column's body, so EF sees plain member access.</summary>
    private static Expression<Func<Membership, bool>> Expand<TKey>(Expression<Func<Membership, bool>> predicate, Expression<Func<Membership, TKey>> column) =>
        (Expression<Func<Membership, bool>>)new InvokeExpander<TKey>(column, predicate.Parameters[0]).Visit(predicate);

    private sealed class InvokeExpander<TKey>(Expression<Func<Membership, TKey>> column, ParameterExpression parameter) : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node) =>
            node.Method.Name == nameof(ExpressionInvoke.Invoke) && node.Method.DeclaringType == typeof(ExpressionInvoke)
                ? new Replace(column.Parameters[0], parameter).Visit(column.Body)
                : base.VisitMethodCall(node);
    }

    private sealed class Replace(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}

/// <summary>Marks where a column expression goes inside a predicate; expanded before EF sees it.</summary>
internal static class ExpressionInvoke
{
    public static TResult Invoke<T, TResult>(this Expression<Func<T, TResult>> expression, T argument) =>
        throw new InvalidOperationException("Expanded into the expression tree; never called.");
}
