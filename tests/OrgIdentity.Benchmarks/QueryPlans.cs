using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>plans</c>: runs the server's own <see cref="MemberList"/> (list pages, searches, the export) against the database
/// with an interceptor that records every command it sends, then prints each recorded statement with its plan
/// (SQLite <c>EXPLAIN QUERY PLAN</c>, PostgreSQL <c>EXPLAIN (ANALYZE, BUFFERS)</c>) and the median of a few executions,
/// and finally the indexes of "Memberships". The SQL is the server's, not a copy of its LINQ.
/// </summary>
internal static class QueryPlans
{
    private static readonly string[] Sorts =
        ["name", "-name", "email", "-email", "company", "-company", "role", "-role", "joined", "-joined", "lastLogin", "-lastLogin"];

    public static async Task RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var provider = arguments.Provider();
        var connection = arguments.Required("connection");
        var org = arguments.Required("org");
        var executions = Math.Max(1, arguments.Int("executions", 5));
        var showSql = arguments.Optional("sql") ?? "distinct";
        var recorder = new CommandRecorder();
        await using var db = Database.Open(provider, connection, o => o.AddInterceptors(recorder));
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(5));
        await db.Database.OpenConnectionAsync(cancellationToken);
        var organizationId = Guid.TryParse(org, out var id)
            ? id
            : await db.Organizations.Where(o => o.Slug == org).Select(o => o.Id).SingleAsync(cancellationToken);
        var members = await db.Memberships.CountAsync(m => m.OrganizationId == organizationId, cancellationToken);
        Console.WriteLine($"{provider}: organization {org} ({organizationId}), {members:N0} memberships.");
        if (provider == DatabaseProvider.Sqlite)
        {
            var stats = await Scalar(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'", cancellationToken);
            Console.WriteLine(Convert.ToInt64(stats, CultureInfo.InvariantCulture) == 0
                ? "SQLite has no statistics (sqlite_stat1): ANALYZE / PRAGMA optimize has not run; the planner uses its defaults."
                : "SQLite has statistics (sqlite_stat1).");
        }

        var list = new MemberList(db);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var scim = arguments.Flag("scim");

        async Task ExplainAsync(string title, Func<Task> action, int times = 0)
        {
            Console.WriteLine();
            Console.WriteLine($"=== {title}");
            recorder.Commands.Clear();
            recorder.Recording = true;
            await action();
            recorder.Recording = false;
            foreach (var command in recorder.Commands.ToList())
            {
                var first = seen.Add(command.Text);
                await PrintAsync(db, provider, command, showSql == "all" || (showSql == "distinct" && first), times > 0 ? times : executions, cancellationToken);
            }
        }

        if (scim)
        {
            await ExplainScimAsync(db, provider, organizationId, ExplainAsync, cancellationToken);
            return;
        }

        foreach (var sort in Sorts)
        {
            await ExplainAsync($"first page, sort={sort}", () => List(list, organizationId, sort, null, null, cancellationToken));
            var cursor = await MiddleCursorAsync(db, organizationId, sort, cancellationToken);
            await ExplainAsync($"keyset page from the middle, sort={sort}", () => List(list, organizationId, sort, null, cursor, cancellationToken));
        }

        foreach (var term in new[] { "smith", "quillfeather", "zzqx" })
        {
            await ExplainAsync($"search={term} (sort=name)", () => List(list, organizationId, "name", term, null, cancellationToken));
        }

        await ExplainAsync("export (the statement; the export itself timed in-process to Stream.Null)", async () =>
        {
            var clock = Stopwatch.StartNew();
            await using var counter = new CountingStream();
            await list.ExportAsync(organizationId, counter, invitationsAsOf: null, cancellationToken);
            Console.WriteLine($"(in-process export: {counter.Length / 1048576.0:0.0} MiB in {clock.Elapsed.TotalMilliseconds:0} ms)");
        }, times: 1);

        Console.WriteLine();
        Console.WriteLine("=== indexes on \"Memberships\"");
        var sql = provider == DatabaseProvider.Sqlite
            ? "SELECT name, COALESCE(sql, '(automatic: ' || name || ')') FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Memberships' ORDER BY name"
            : "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'Memberships' ORDER BY indexname";
        foreach (var row in await Rows(db, sql, cancellationToken))
        {
            Console.WriteLine($"  {row[1]}");
        }
    }

    /// <summary>
    /// The SCIM Users queries a directory sends, through the server's own ScimUsersService.ListAsync and filter
    /// translation (ScimAttributes.Users): matching filters, a page of 100 in the middle, then the indexes.
    /// </summary>
    private static async Task ExplainScimAsync(OrgIdentityDbContext db, DatabaseProvider provider, Guid organizationId,
        Func<string, Func<Task>, int, Task> explainAsync, CancellationToken cancellationToken)
    {
        var profiles = db.ScimProfiles.AsNoTracking().Where(p => p.OrganizationId == organizationId);
        var total = await profiles.CountAsync(cancellationToken);
        var one = await profiles.OrderBy(p => p.UserId).Skip(total / 3).FirstAsync(cancellationToken);
        // ListAsync reads the database only; the services it does not use stay unset.
        var users = new OrgIdentity.Server.Scim.ScimUsersService(db, null!, null!, null!, null!, TimeProvider.System);

        async Task ListAsync(string? filter, int startIndex)
        {
            var predicate = filter is null ? null : OrgIdentity.Scim.ScimFilterTranslator.Translate(OrgIdentity.Scim.ScimFilterParser.Parse(filter), OrgIdentity.Server.Scim.ScimAttributes.Users);
            var (found, page) = await users.ListAsync(organizationId, predicate, null, false, startIndex, 100, cancellationToken);
            Console.WriteLine($"({page.Count} of {found:N0})");
        }

        foreach (var filter in new[] { $"userName eq \"{one.UserName}\"", $"userName eq \"{one.UserName.ToUpperInvariant()}\"", $"externalId eq \"{one.ExternalId}\"",
                     $"emails[type eq \"work\"].value eq \"{one.UserName}\"" })
        {
            await explainAsync($"SCIM filter {filter}", () => ListAsync(filter, 1), 0);
        }

        await explainAsync($"SCIM page of 100 at startIndex {total / 2:N0}", () => ListAsync(null, total / 2), 0);
        Console.WriteLine();
        Console.WriteLine("=== indexes on \"ScimProfiles\"");
        var sql = provider == DatabaseProvider.Sqlite
            ? "SELECT name, COALESCE(sql, '(automatic: ' || name || ')') FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ScimProfiles' ORDER BY name"
            : "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ScimProfiles' ORDER BY indexname";
        foreach (var row in await Rows(db, sql, cancellationToken))
        {
            Console.WriteLine($"  {row[1]}");
        }
    }

    private static async Task List(MemberList list, Guid organizationId, string sort, string? search, string? cursor, CancellationToken cancellationToken)
    {
        var outcome = await list.ListAsync(organizationId, new MemberListRequest(search, sort, null, null, null, null, false, cursor, 50), cancellationToken);
        if (outcome.Refusal is { } refusal)
        {
            throw new InvalidOperationException($"MemberList refused: {refusal.Detail}");
        }

        Console.WriteLine($"({outcome.Value!.Items.Count} items of {outcome.Value.Total:N0}{(outcome.Value.Next is null ? ", last page" : "")})");
    }

    /// <summary>
    /// A cursor half way through the sort: the list's own cursor format (sort, value, id; base64url JSON, see
    /// MemberList.Cursor) at the visible member in the middle. Only where the page starts is chosen here; the query is MemberList's.
    /// </summary>
    private static async Task<string> MiddleCursorAsync(OrgIdentityDbContext db, Guid organizationId, string sort, CancellationToken cancellationToken)
    {
        var visible = db.Memberships.AsNoTracking().Where(m => m.OrganizationId == organizationId && !m.MemberDisabled && m.Status == MembershipStatus.Active);
        var half = await visible.CountAsync(cancellationToken) / 2;
        var descending = sort.StartsWith('-');
        async Task<(string Value, Guid Id)> Pick<TKey>(System.Linq.Expressions.Expression<Func<Membership, TKey>> column, Func<TKey, string> text)
        {
            var ordered = descending ? visible.OrderByDescending(column).ThenByDescending(m => m.Id) : visible.OrderBy(column).ThenBy(m => m.Id);
            var id = await ordered.Skip(half).Select(m => m.Id).FirstAsync(cancellationToken);
            return (text(await visible.Where(m => m.Id == id).Select(column).SingleAsync(cancellationToken)), id);
        }

        static string Ticks(DateTime time) => time.Ticks.ToString(CultureInfo.InvariantCulture);
        var (value, id) = sort.TrimStart('-') switch
        {
            "name" => await Pick(m => m.MemberName, v => v),
            "email" => await Pick(m => m.MemberEmail, v => v),
            "company" => await Pick(m => m.MemberCompany, v => v),
            "role" => await Pick(m => m.BaseRole, v => v),
            "joined" => await Pick(m => m.JoinedAt, Ticks),
            _ => await Pick(m => m.MemberLastLoginAt, Ticks),
        };
        return WebEncoders.Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(new { Sort = sort, Value = value, Id = id }));
    }

    private static async Task PrintAsync(OrgIdentityDbContext db, DatabaseProvider provider, RecordedCommand command, bool showSql, int executions,
        CancellationToken cancellationToken)
    {
        var kind = command.Text.TrimStart().StartsWith("SELECT COUNT", StringComparison.OrdinalIgnoreCase) ? "count"
            : command.Parameters.Count == 1 && command.Parameters[0].ParameterName.TrimStart('@', ':') == "last" ? "next cursor's value"
            : command.Text.Contains("LIMIT", StringComparison.Ordinal) ? "page" : "statement";
        Console.WriteLine($"--- {kind}; parameters: {string.Join(", ", command.Parameters.Select(p => $"{p.ParameterName}={Show(p.Value)}"))}");
        if (Environment.GetEnvironmentVariable("BENCH_DEBUG") is not null)
        {
            Console.WriteLine(string.Join("; ", command.Parameters.Select(p => $"{p.GetType().Name} {p.DbType} {(p as SqliteParameter)?.SqliteType} {p.Value?.GetType().Name} size={p.Size}")));
        }
        if (showSql)
        {
            Console.WriteLine(Indent(command.Text, "    "));
        }

        if (provider == DatabaseProvider.Sqlite)
        {
            var rows = await Rows(db, "EXPLAIN QUERY PLAN " + command.Text, cancellationToken, command.Parameters);
            var depth = new Dictionary<long, int> { [0] = 0 };
            foreach (var row in rows)
            {
                var level = depth.GetValueOrDefault(Convert.ToInt64(row[1], CultureInfo.InvariantCulture)) + 1;
                depth[Convert.ToInt64(row[0], CultureInfo.InvariantCulture)] = level;
                Console.WriteLine($"  plan: {new string(' ', (level - 1) * 2)}{row[3]}");
            }
        }
        else
        {
            foreach (var row in await Rows(db, "EXPLAIN (ANALYZE, BUFFERS) " + command.Text, cancellationToken, command.Parameters))
            {
                Console.WriteLine($"  plan: {row[0]}");
            }
        }

        var times = new List<double>();
        var count = 0;
        for (var i = 0; i < executions; i++)
        {
            var clock = Stopwatch.StartNew();
            count = await Count(db, command.Text, command.Parameters, cancellationToken);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  executed {times.Count}x here ({count:N0} rows read): median {MembersBenchmark.Median(times):0.0} ms, max {times[^1]:0.0} ms"));
    }

    private static string Show(object? value) => value switch
    {
        null or DBNull => "NULL",
        string s => $"'{s}'",
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Indent(string text, string prefix) =>
        string.Join(Environment.NewLine, text.Split('\n').Select(l => prefix + l.TrimEnd('\r')));

    private static async Task<object?> Scalar(OrgIdentityDbContext db, string sql, CancellationToken cancellationToken) =>
        (await Rows(db, sql, cancellationToken))[0][0];

    private static async Task<List<object?[]>> Rows(OrgIdentityDbContext db, string sql, CancellationToken cancellationToken,
        IReadOnlyList<DbParameter>? parameters = null)
    {
        var rows = new List<object?[]>();
        await Read(db, sql, parameters, rows.Add, values: true, cancellationToken);
        return rows;
    }

    private static async Task<int> Count(OrgIdentityDbContext db, string sql, IReadOnlyList<DbParameter> parameters, CancellationToken cancellationToken)
    {
        var count = 0;
        await Read(db, sql, parameters, _ => count++, values: false, cancellationToken);
        return count;
    }

    private static async Task Read(OrgIdentityDbContext db, string sql, IReadOnlyList<DbParameter>? parameters, Action<object?[]> row, bool values,
        CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL is MemberList's own statement (recorded) or a constant of this file.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.CommandTimeout = 300;
        foreach (var parameter in parameters ?? [])
        {
            command.Parameters.Add(Copy(command, parameter));
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                // Every column is read, as EF would.
                var current = new object?[reader.FieldCount];
                reader.GetValues(current!);
                row(values ? current : []);
            }
        }
        while (await reader.NextResultAsync(cancellationToken));
    }

    /// <summary>A parameter for another command: a clone where the provider offers one (Npgsql keeps its exact type), else name, type and value.</summary>
    private static DbParameter Copy(DbCommand command, DbParameter parameter)
    {
        if (parameter is ICloneable cloneable)
        {
            return (DbParameter)cloneable.Clone();
        }

        if (parameter is SqliteParameter sqlite)
        {
            // The SQLite type matters: EF binds a Guid as TEXT, which a plain DbType.Guid copy would bind as a BLOB.
            // A size of 0 would cut a text value to nothing: keep only a real size.
            var copied = new SqliteParameter(sqlite.ParameterName, sqlite.SqliteType) { Value = sqlite.Value };
            if (sqlite.Size > 0)
            {
                copied.Size = sqlite.Size;
            }

            return copied;
        }

        var copy = command.CreateParameter();
        copy.ParameterName = parameter.ParameterName;
        copy.DbType = parameter.DbType;
        copy.Size = parameter.Size;
        copy.Direction = ParameterDirection.Input;
        copy.Value = parameter.Value;
        return copy;
    }

    private sealed record RecordedCommand(string Text, IReadOnlyList<DbParameter> Parameters);

    /// <summary>Records the text and parameters of every command while <see cref="Recording"/> is set.</summary>
    private sealed class CommandRecorder : DbCommandInterceptor
    {
        public bool Recording { get; set; }
        public List<RecordedCommand> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Record(command);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            Record(command);
            return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
        }

        private void Record(DbCommand command)
        {
            if (Recording)
            {
                Commands.Add(new RecordedCommand(command.CommandText,
                    command.Parameters.Cast<DbParameter>().Select(p => Copy(command, p)).ToList()));
            }
        }
    }

    /// <summary>Counts what the export writes and throws it away.</summary>
    private sealed class CountingStream : Stream
    {
        private long length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => length;
        public override long Position { get => length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => length += count;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            length += count;
            return Task.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
