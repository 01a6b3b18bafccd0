using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;
using static OrgIdentity.Server.Tests.Console.AdminConsolePages;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>The console's Audit log tab, through the real page with the sign-in cookie.</summary>
public abstract class AuditPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_reads_filters_pages_and_exports_the_log_of_their_organization()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Audit Co");
        var adminId = await App.UserIdAsync(admin);
        await AddEventsAsync(orgId, 60, "test.bulk", DateTime.UtcNow.AddDays(-3));
        using var browser = await App.SignedInBrowserAsync(admin);

        var html = await HtmlAsync(browser, $"/Orgs/{orgId}/Audit");
        Assert.Contains("61 event(s)", html, StringComparison.Ordinal);
        // Newest first: the creation happened after the bulk events; the actor is named.
        Assert.True(html.IndexOf("organization.created</code>", StringComparison.Ordinal) < html.IndexOf("test.bulk</code>", StringComparison.Ordinal));
        Assert.Contains($"Audit Co admin ({admin.Email})", html, StringComparison.Ordinal);
        Assert.Contains("<option value=\"test.bulk\">", html, StringComparison.Ordinal);

        var created = await HtmlAsync(browser, $"/Orgs/{orgId}/Audit?event=organization.created");
        Assert.Contains("1 event(s) match", created, StringComparison.Ordinal);
        Assert.DoesNotContain("test.bulk</code>", created, StringComparison.Ordinal);

        // The actor by e-mail address (the log records the account's id) or by id.
        Assert.Contains("1 event(s) match", await HtmlAsync(browser, $"/Orgs/{orgId}/Audit?actor={Uri.EscapeDataString(admin.Email)}"), StringComparison.Ordinal);
        Assert.Contains("1 event(s) match", await HtmlAsync(browser, $"/Orgs/{orgId}/Audit?actor={adminId}"), StringComparison.Ordinal);
        Assert.Contains("0 event(s) match", await HtmlAsync(browser, $"/Orgs/{orgId}/Audit?actor=nobody@nowhere.example"), StringComparison.Ordinal);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var old = DateTime.UtcNow.AddDays(-3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("1 event(s) match", await HtmlAsync(browser, $"/Orgs/{orgId}/Audit?from={today}"), StringComparison.Ordinal);
        Assert.Contains("60 event(s) match", await HtmlAsync(browser, $"/Orgs/{orgId}/Audit?to={old}"), StringComparison.Ordinal);

        // Pages of 50 with the list's cursor.
        Assert.Equal(50, CountRows(html));
        var next = System.Text.RegularExpressions.Regex.Match(html, "href=\"(?<href>[^\"]*cursor=[^\"]*)\">Older events").Groups["href"].Value;
        Assert.False(string.IsNullOrEmpty(next), "a link to the next page");
        var second = await HtmlAsync(browser, WebUtility.HtmlDecode(next));
        Assert.Equal(11, CountRows(second));
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync($"/Orgs/{orgId}/Audit?cursor=not-a-cursor")).StatusCode);
        // A date that is not one, or the last day there is, is a 400: never the whole log instead, nor a 500.
        foreach (var query in new[] { "from=yesterday", "to=2026-13-45", "to=9999-12-31", "handler=Export&from=not-a-date" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync($"/Orgs/{orgId}/Audit?{query}")).StatusCode);
        }

        var csv = await browser.GetAsync($"/Orgs/{orgId}/Audit?handler=Export&event=test.bulk");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("at,actorType,actorId", lines[0], StringComparison.Ordinal);
        Assert.Equal(61, lines.Length);
        Assert.All(lines.Skip(1), line => Assert.Contains("test.bulk", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_member_without_audit_log_view_gets_403_and_another_organization_404()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Secret Audit Co");
        var (_, otherOrg) = await App.OrganizationWithAdminAsync("Other Audit Co");
        var member = await App.SignUpAsync("Curious Member");
        await App.AddMemberAsync(orgId, member, "member");

        using (var browser = await App.SignedInBrowserAsync(member))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync($"/Orgs/{orgId}/Audit")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync($"/Orgs/{orgId}/Audit?handler=Export")).StatusCode);
        }

        using var adminBrowser = await App.SignedInBrowserAsync(admin);
        Assert.Equal(HttpStatusCode.NotFound, (await adminBrowser.GetAsync($"/Orgs/{otherOrg}/Audit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminBrowser.GetAsync($"/Orgs/{otherOrg}/Audit?handler=Export")).StatusCode);
        // The tab is in the admin's navigation, and not in the member's.
        Assert.Contains("Audit log</a>", await HtmlAsync(adminBrowser, $"/Orgs/{orgId}/Members"), StringComparison.Ordinal);
    }

    private async Task AddEventsAsync(Guid orgId, int count, string action, DateTime at)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        for (var i = 0; i < count; i++)
        {
            db.AuditEvents.Add(new AuditEvent
            {
                Id = Guid.CreateVersion7(),
                At = at.AddSeconds(-i),
                OrganizationId = orgId,
                ActorType = "system",
                Action = action,
                TargetType = "organization",
                TargetId = orgId.ToString(),
                Details = $"{{\"n\":{i}}}",
            });
        }

        await db.SaveChangesAsync();
    }

    private static int CountRows(string html) =>
        System.Text.RegularExpressions.Regex.Count(html[html.IndexOf("<tbody>", StringComparison.Ordinal)..], "<tr>");
}

public sealed class AuditPageTestsOnSqlite(SqliteApp app) : AuditPageTests(app), IClassFixture<SqliteApp>;

public sealed class AuditPageTestsOnPostgreSql(PostgreSqlApp app) : AuditPageTests(app), IClassFixture<PostgreSqlApp>;
