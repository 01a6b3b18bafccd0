using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// The CSV exports of DESIGN.md §6: <c>GET .../members/export</c> (every member whatever the search, one row each,
/// RFC 4180 quoting, cells that a spreadsheet would run as a formula made text) and <c>GET .../audit/export</c> (the
/// audit list's filters, newest first, details JSON quoted), as attachments, for the organization's callers only.
/// </summary>
public abstract class ExportTests(OrgIdentityApp app) : ServerTests(app)
{
    private static readonly string[] MemberHeader = ["name", "email", "company", "role", "roles", "units", "status", "source", "joined", "lastLogin"];
    private static readonly string[] AuditHeader = ["at", "actorType", "actorId", "impersonatorId", "action", "targetType", "targetId", "ip", "details"];

    // ---- members ----

    [Theory]
    [InlineData("")]
    [InlineData("?search=alice")]
    [InlineData("?search=nobody-at-all&role=viewer&status=suspended&sort=-email&limit=1")]
    [InlineData("?includeDisabled=false")]
    public async Task The_member_export_has_the_header_and_one_row_per_member_whatever_the_search(string query)
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var response = await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members/export{query}");
        var text = await CsvAsync(response);
        var rows = Csv.Parse(text);

        Assert.Equal(MemberHeader, rows[0]);
        Assert.Equal(known.Members.Count, rows.Count - 1);
        Assert.All(rows, r => Assert.Equal(MemberHeader.Length, r.Length));

        // Each row is the member as the list shows them, with custom roles and unit names joined by ';'.
        var listed = (await KnownMembers.ListAsync(api, known.Id, "includeDisabled=true&limit=200")).Items;
        var unitNames = known.Units.ToDictionary(u => u.Value, u => u.Key);
        var expected = listed.Select(m => new[]
        {
            m.DisplayName, m.Email, m.Company ?? "", m.Role, string.Join(';', m.Roles.Order(StringComparer.Ordinal)),
            m.LimitedToUnits && m.Role != "admin" ? string.Join(';', m.Units.Select(u => unitNames[u]).Order(StringComparer.Ordinal)) : "*",
            m.Disabled ? "disabled" : m.Status, m.Source, Time(m.JoinedAt), m.LastLoginAt is { } at ? Time(at) : "",
        }.Select(Escaped).ToArray()).ToList();
        Assert.Equal(expected.Select(Line).Order(StringComparer.Ordinal), rows.Skip(1).Select(Line).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_member_export_writes_roles_units_status_and_source_as_documented()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var rows = Csv.Parse(await CsvAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members/export")));
        string[] Row(string key) => Assert.Single(rows, r => r[1] == known.Members.Single(m => m.Key == key).Email);

        Assert.Equal(new[] { "Anna Smith", "member", "auditor;billing-clerk", "North;South", "active", "admin" }, Pick(Row("anna"), 0, 3, 4, 5, 6, 7));
        Assert.Equal(new[] { "member", "auditor", "*" }, Pick(Row("bob"), 3, 4, 5));
        Assert.Equal(new[] { "viewer", "", "North" }, Pick(Row("ann"), 3, 4, 5));
        // An admin limited to a unit still sees every unit.
        Assert.Equal(new[] { "admin", "*" }, Pick(Row("aliceA"), 3, 5));
        Assert.Equal(new[] { "admin", "*", "creator" }, Pick(Row("zed"), 3, 5, 7));
        Assert.Equal("suspended", Row("dora")[6]);
        Assert.Equal("disabled", Row("eve")[6]);
        Assert.Equal("disabled", Row("finn")[6]);
        Assert.Equal("invitation", Row("ivy")[7]);
        Assert.Equal("", Row("hal")[2]);
        // Never signed in: an empty cell; signed in: an ISO 8601 UTC time to the second.
        Assert.Equal("", Row("hal")[9]);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", Row("jay")[9]);
        Assert.All(rows.Skip(1), r => Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", r[8]));
    }

    [Fact]
    public async Task The_member_export_quotes_commas_and_quotes_and_escapes_formulas()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var text = await CsvAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members/export"));
        var rows = Csv.Parse(text);
        string[] Row(string key) => Assert.Single(rows, r => r[1] == known.Members.Single(m => m.Key == key).Email);

        // RFC 4180: a cell with a comma or a quote is quoted, its quotes doubled.
        Assert.Contains(",\"Fabrikam, Inc.\",", text, StringComparison.Ordinal);
        Assert.Contains(",\"The \"\"Best\"\" Co\",", text, StringComparison.Ordinal);
        Assert.Equal("Fabrikam, Inc.", Row("aliceA")[2]);
        Assert.Equal("The \"Best\" Co", Row("bob")[2]);

        // A cell starting with =, +, - or @ gets a leading single quote (and is then quoted when it needs to be).
        Assert.Contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",", text, StringComparison.Ordinal);
        Assert.Equal("'=HYPERLINK(\"http://evil.example\",\"x\")", Row("carl")[2]);
        Assert.Equal(new[] { "'+Plus Person", "'+Plus Corp" }, Pick(Row("plus"), 0, 2));
        Assert.Equal(new[] { "'-Minus Person", "'-Minus Ltd" }, Pick(Row("minus"), 0, 2));
        Assert.Equal(new[] { "'@At Person", "'@Home Inc" }, Pick(Row("at"), 0, 2));
        Assert.Equal(new[] { "'=Eq Person", "Equals GmbH" }, Pick(Row("eq"), 0, 2));
        Assert.StartsWith("'=Eq Person,", text.Split("\r\n").Single(l => l.Contains(known.Members.Single(m => m.Key == "eq").Email, StringComparison.Ordinal)),
            StringComparison.Ordinal);

        // Nothing else is touched: a quote inside, a % or an accent stays as it is, and no cell starts with a formula character.
        Assert.Equal(new[] { "Gus Percent", "100% Pure" }, Pick(Row("gus"), 0, 2));
        Assert.Equal(new[] { "Émile Zola", "Éditions" }, Pick(Row("emile"), 0, 2));
        Assert.All(rows.SelectMany(r => r), cell => Assert.False(cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@', $"Unescaped cell {cell}"));
    }

    [Fact]
    public async Task The_member_export_is_a_csv_attachment_in_utf8_with_crlf_lines()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var response = await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet, StringComparer.OrdinalIgnoreCase);
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.NotNull(disposition);
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal($"members-{known.Slug}.csv", disposition.FileNameStar ?? disposition.FileName?.Trim('"'));

        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.False(bytes is [0xEF, 0xBB, 0xBF, ..], "The export starts with a byte order mark.");
        var text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith("name,email,company,role,roles,units,status,source,joined,lastLogin\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Émile Zola", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_base_role_may_export_members_and_another_organization_may_not()
    {
        var known = await App.KnownOrganizationAsync();
        var jay = known.Members.Single(m => m.Key == "jay");

        // A viewer holds members:view, so may export.
        using (var viewerApi = await App.ApiAsync(known.People["jay"], known.Id.ToString()))
        {
            var rows = Csv.Parse(await CsvAsync(await viewerApi.Http.GetAsync($"/api/v1/orgs/{known.Id}/members/export")));
            Assert.Contains(rows, r => r[1] == jay.Email);
            // A viewer lacks audit-log:view.
            Assert.Equal(HttpStatusCode.Forbidden, (await viewerApi.Http.GetAsync($"/api/v1/orgs/{known.Id}/audit/export")).StatusCode);
        }

        // The admin of another organization, with a token for theirs, gets neither export of this one.
        var (otherAdmin, otherId) = await App.OrganizationWithAdminAsync("Elsewhere");
        using (var other = await App.ApiAsync(otherAdmin, otherId.ToString()))
        {
            foreach (var path in new[] { "members/export", "audit/export" })
            {
                var response = await other.Http.GetAsync($"/api/v1/orgs/{known.Id}/{path}");
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)response.StatusCode} {body}");
                Assert.DoesNotContain(jay.Email, body, StringComparison.OrdinalIgnoreCase);
            }

            // Their own export has only their own people.
            var rows = Csv.Parse(await CsvAsync(await other.Http.GetAsync($"/api/v1/orgs/{otherId}/members/export")));
            Assert.Equal(2, rows.Count);
            Assert.Equal(otherAdmin.Email, rows[1][1]);
        }

        // Without a token: 401.
        using var anonymous = App.CreateBrowser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync($"/api/v1/orgs/{known.Id}/members/export")).StatusCode);

        // A platform admin may export any organization.
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        var all = Csv.Parse(await CsvAsync(await platform.Http.GetAsync($"/api/v1/orgs/{known.Id}/members/export")));
        Assert.Contains(all, r => r[1] == jay.Email);
    }

    // ---- audit ----

    [Fact]
    public async Task The_audit_export_has_the_header_and_the_filtered_events_newest_first_with_the_details_quoted()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var events = await App.AuditEventsAsync(known.Id);

        foreach (var action in new[] { "member.created", "member.updated", "role.created" })
        {
            var response = await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/audit/export?action={action}");
            var text = await CsvAsync(response);
            var rows = Csv.Parse(text);
            Assert.Equal(AuditHeader, rows[0]);
            var expected = events.Where(e => e.Action == action).OrderByDescending(e => e.At).ThenByDescending(e => e.Id).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected.Select(AuditRow).Select(Line), rows.Skip(1).Select(Line));

            foreach (var e in expected)
            {
                // The details are JSON with quotes and commas: the cell is quoted with its quotes doubled, and reads back as the same JSON.
                Assert.Contains(",\"" + e.Details!.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"\r\n", text, StringComparison.Ordinal);
            }

            Assert.All(rows.Skip(1), r => JsonDocument.Parse(r[8]).Dispose());
        }

        // One event per member the admin created, each naming its member's e-mail in its details.
        var created = Csv.Parse(await CsvAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/audit/export?action=member.created")));
        var createdEmails = created.Skip(1).Select(r => JsonDocument.Parse(r[8]).RootElement.GetProperty("email").GetString()).ToList();
        var madeByAdmin = known.Members.Where(m => m.Source == "admin").ToList();
        Assert.Equal(madeByAdmin.Select(m => m.Email).Reverse(), createdEmails);
        Assert.All(created.Skip(1), r => Assert.Equal(new[] { "user", known.Members.Single(m => m.Key == "zed").UserId.ToString(), "member.created", "user" },
            Pick(r, 1, 2, 4, 5)));
    }

    [Fact]
    public async Task The_audit_export_without_filters_has_every_event_of_the_organization_and_only_those()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var events = await App.AuditEventsAsync(known.Id);
        var response = await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/audit/export");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.Equal("attachment", disposition?.DispositionType);
        Assert.Equal($"audit-{known.Slug}.csv", disposition?.FileNameStar ?? disposition?.FileName?.Trim('"'));
        var rows = Csv.Parse(await CsvAsync(response));
        Assert.Equal(AuditHeader, rows[0]);
        Assert.Equal(events.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Select(AuditRow).Select(Line), rows.Skip(1).Select(Line));

        // The list's other filters apply too: target, actor and a time window.
        var dora = known.Members.Single(m => m.Key == "dora").UserId.ToString();
        var byTarget = Csv.Parse(await CsvAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/audit/export?target={dora}")));
        Assert.Equal(events.Where(e => e.TargetId == dora).OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Select(AuditRow).Select(Line),
            byTarget.Skip(1).Select(Line));
        Assert.Equal(new[] { "member.updated", "member.created" }, byTarget.Skip(1).Select(r => r[4]));

        var zed = known.Members.Single(m => m.Key == "zed").UserId.ToString();
        var byActor = Csv.Parse(await CsvAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/audit/export?actor={zed}&action=member.updated")));
        Assert.Equal(2, byActor.Count - 1);

        var ordered = events.OrderBy(e => e.At).ToList();
        var from = DateTime.SpecifyKind(ordered[ordered.Count / 2].At, DateTimeKind.Utc);
        var window = Csv.Parse(await CsvAsync(await api.Http.GetAsync(
            $"/api/v1/orgs/{known.Id}/audit/export?from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}")));
        Assert.Equal(events.Count(e => e.At >= ordered[ordered.Count / 2].At), window.Count - 1);
        Assert.True(window.Count - 1 < events.Count);
    }

    // ---- helpers ----

    private static string[] AuditRow(Audit.AuditEvent e) =>
        new[] { Time(e.At), e.ActorType, e.ActorId ?? "", e.ImpersonatorId?.ToString() ?? "", e.Action, e.TargetType ?? "", e.TargetId ?? "", e.Ip ?? "", e.Details ?? "" }
            .Select(Escaped).ToArray();

    private static string[] Pick(string[] row, params int[] columns) => columns.Select(c => row[c]).ToArray();

    private static string Line(string[] row) => string.Join(" | ", row);

    /// <summary>What a spreadsheet should read in the cell: the value, with a leading quote when it starts like a formula.</summary>
    private static string Escaped(string value) => value.Length > 0 && value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;

    private static string Time(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<string> CsvAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        return body;
    }
}

public sealed class ExportTestsOnSqlite(SqliteApp app) : ExportTests(app), IClassFixture<SqliteApp>;

public sealed class ExportTestsOnPostgreSql(PostgreSqlApp app) : ExportTests(app), IClassFixture<PostgreSqlApp>;

/// <summary>A strict RFC 4180 reader: quoted or bare cells, commas between, CRLF after every record; anything else is an error.</summary>
internal static class Csv
{
    public static List<string[]> Parse(string text)
    {
        var rows = new List<string[]>();
        var i = 0;
        while (i < text.Length)
        {
            var row = new List<string>();
            while (true)
            {
                if (i < text.Length && text[i] == '"')
                {
                    var cell = new StringBuilder();
                    i++;
                    while (true)
                    {
                        if (i >= text.Length)
                        {
                            throw new FormatException("A quoted cell does not end.");
                        }

                        if (text[i] == '"')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '"')
                            {
                                cell.Append('"');
                                i += 2;
                                continue;
                            }

                            i++;
                            break;
                        }

                        cell.Append(text[i++]);
                    }

                    row.Add(cell.ToString());
                }
                else
                {
                    var start = i;
                    while (i < text.Length && text[i] is not (',' or '\r' or '\n'))
                    {
                        if (text[i] == '"')
                        {
                            throw new FormatException($"A quote inside a bare cell at {i}: {text[start..Math.Min(text.Length, i + 20)]}");
                        }

                        i++;
                    }

                    row.Add(text[start..i]);
                }

                if (i < text.Length && text[i] == ',')
                {
                    i++;
                    continue;
                }

                if (i + 1 < text.Length && text[i] == '\r' && text[i + 1] == '\n')
                {
                    i += 2;
                    break;
                }

                throw new FormatException($"Expected a comma or CRLF at {i}: {text[Math.Max(0, i - 20)..Math.Min(text.Length, i + 20)]}");
            }

            rows.Add([.. row]);
        }

        return rows;
    }
}
