using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.ServiceAccounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Console;

/// <summary>The console's Service accounts tab, through the real page with the sign-in cookie.</summary>
public abstract partial class ServiceAccountsPageTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_admin_creates_an_account_sees_its_secret_once_and_the_secret_gets_tokens()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Machines Co");
        using var browser = await App.SignedInBrowserAsync(admin);
        var page = $"/Orgs/{orgId}/ServiceAccounts";
        Assert.Contains("No service accounts yet.", await browser.HtmlAsync(page), StringComparison.Ordinal);

        var created = await browser.PostFormAsync(page, $"{page}?handler=Create", ("Name", "Billing sync"), ("Role", "viewer"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Contains("no-store", created.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var html = await created.Content.ReadAsStringAsync();
        Assert.Contains("It will not be shown again.", html, StringComparison.Ordinal);
        var secret = SecretPattern().Match(html).Groups["secret"].Value;
        Assert.StartsWith(ServiceAccountDirectory.SecretPrefix, secret, StringComparison.Ordinal);
        var account = Assert.Single(await AccountsAsync(orgId));
        Assert.Equal(("Billing sync", "viewer"), (account.Name, account.BaseRole));
        Assert.Contains($"<code id=\"client-id\" class=\"secret\">{account.ClientId}</code>", html, StringComparison.Ordinal);

        // The secret gets a token at /connect/token.
        using (var http = App.CreateBrowser())
        {
            var tokens = await Oidc.TokenAsync(http.Http, Oidc.Form(("grant_type", "client_credentials"), ("client_id", account.ClientId), ("client_secret", secret)));
            Assert.True(tokens.AccessToken is not null, tokens.Json.ToString());
        }

        // Reloading the page shows the account, never the secret.
        var reloaded = await browser.HtmlAsync(page);
        Assert.Contains("Billing sync", reloaded, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, reloaded, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"secret\"", reloaded, StringComparison.Ordinal);
        Assert.Contains(secret[..12], reloaded, StringComparison.Ordinal);

        // A second secret (rotation), shown once the same way; then the first one is revoked.
        var rotated = await browser.PostFormAsync(page, $"{page}?handler=AddSecret", ("accountId", account.Id.ToString()));
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Contains("no-store", rotated.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var second = SecretPattern().Match(await rotated.Content.ReadAsStringAsync()).Groups["secret"].Value;
        Assert.StartsWith(ServiceAccountDirectory.SecretPrefix, second, StringComparison.Ordinal);
        Assert.NotEqual(secret, second);
        var first = (await AccountsAsync(orgId)).Single().Secrets.OrderBy(s => s.CreatedAt).First();
        var revoked = await browser.FollowedHtmlAsync(await browser.PostFormAsync(page, $"{page}?handler=RevokeSecret",
            ("accountId", account.Id.ToString()), ("secretId", first.Id.ToString())));
        Assert.Contains("The secret was revoked", revoked, StringComparison.Ordinal);
        Assert.NotNull((await AccountsAsync(orgId)).Single().Secrets.Single(s => s.Id == first.Id).RevokedAt);

        var disabled = await browser.FollowedHtmlAsync(await browser.PostFormAsync(page, $"{page}?handler=Disable", ("accountId", account.Id.ToString()), ("disabled", "true")));
        Assert.Contains("was disabled", disabled, StringComparison.Ordinal);
        Assert.Contains("badge bad\">disabled", disabled, StringComparison.Ordinal);
        Assert.NotNull((await AccountsAsync(orgId)).Single().DisabledAt);

        await browser.FollowedHtmlAsync(await browser.PostFormAsync(page, $"{page}?handler=Delete", ("accountId", account.Id.ToString())));
        Assert.Empty(await AccountsAsync(orgId));
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "service_account.deleted");
    }

    [Fact]
    public async Task An_admin_changes_an_accounts_name_role_expiry_and_keys_on_its_page_and_a_refusal_changes_nothing()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Machines Edit Co");
        using var browser = await App.SignedInBrowserAsync(admin);
        var list = $"/Orgs/{orgId}/ServiceAccounts";
        Assert.Equal(HttpStatusCode.OK, (await browser.PostFormAsync(list, $"{list}?handler=Create", ("Name", "Nightly"), ("Role", "viewer"))).StatusCode);
        var account = Assert.Single(await AccountsAsync(orgId));
        var page = $"{list}/{account.Id}";
        Assert.Contains($"href=\"{page}\"", await browser.HtmlAsync(list), StringComparison.Ordinal);
        var form = await browser.HtmlAsync(page);
        Assert.Contains("value=\"Nightly\"", form, StringComparison.Ordinal);

        // A bad expiry and keys that are not a key set are refused next to their field; nothing changes.
        var past = await browser.PostFormAsync(page, page, ("Name", "Nightly"), ("Role", "viewer"), ("ExpiresOn", "2001-01-01"));
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("The expiry must be in the future.", await past.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badKeys = await browser.PostFormAsync(page, page, ("Name", "Nightly"), ("Role", "viewer"), ("Jwks", "{not json"));
        Assert.Equal(HttpStatusCode.BadRequest, badKeys.StatusCode);
        Assert.Contains("JSON Web Key Set", await badKeys.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(("Nightly", "viewer", (DateTime?)null), Summary(Assert.Single(await AccountsAsync(orgId))));

        var expires = DateTime.UtcNow.Date.AddDays(30);
        var saved = await browser.PostFormAsync(page, page, ("Name", "Nightly export"), ("Role", "member"), ("ExpiresOn", expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Contains("Nightly export was saved.", await browser.FollowedHtmlAsync(saved), StringComparison.Ordinal);
        Assert.Equal(("Nightly export", "member", (DateTime?)expires), Summary(Assert.Single(await AccountsAsync(orgId))));
        Assert.Contains(await App.AuditEventsAsync(orgId), e => e.Action == "service_account.updated");

        // An empty expiry means never; another organization's account is a 404.
        await browser.PostFormAsync(page, page, ("Name", "Nightly export"), ("Role", "member"), ("ExpiresOn", ""));
        Assert.Null(Assert.Single(await AccountsAsync(orgId)).ExpiresAt);
        var (_, otherOrg) = await App.OrganizationWithAdminAsync("Other Machines Edit Co");
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/Orgs/{otherOrg}/ServiceAccounts/{account.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"{list}/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostWithoutTokenAsync(page, ("Name", "Forged"))).StatusCode);
        Assert.Equal("Nightly export", Assert.Single(await AccountsAsync(orgId)).Name);

        static (string, string, DateTime?) Summary(ServiceAccount a) => (a.Name, a.BaseRole, a.ExpiresAt);
    }

    [Fact]
    public async Task A_refused_account_is_not_created_and_only_access_tokens_edit_changes_accounts()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Machines Access Co");
        var page = $"/Orgs/{orgId}/ServiceAccounts";
        using (var browser = await App.SignedInBrowserAsync(admin))
        {
            var invalid = await browser.PostFormAsync(page, $"{page}?handler=Create", ("Name", "  "), ("Role", "member"));
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
            Assert.Contains("Give the service account a name", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var badRole = await browser.PostFormAsync(page, $"{page}?handler=Create", ("Name", "Bad role"), ("CustomRoles", "no-such-role"));
            Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
            Assert.Contains("This organization has no role &#x27;no-such-role&#x27;.", await badRole.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Empty(await AccountsAsync(orgId));

            Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostWithoutTokenAsync($"{page}?handler=Create", ("Name", "Forged"))).StatusCode);
            Assert.Empty(await AccountsAsync(orgId));

            Assert.Equal(HttpStatusCode.Redirect, (await browser.PostFormAsync($"/Orgs/{orgId}/Roles/New", $"/Orgs/{orgId}/Roles/New",
                ("Key", "token-reader"), ("Name", "Token reader"), ("Granted", "access-tokens:view"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await browser.PostFormAsync(page, $"{page}?handler=Create", ("Name", "Kept"))).StatusCode);
        }

        // A viewer has no access-tokens:view.
        var viewer = await App.SignUpAsync("Machine viewer");
        await App.AddMemberAsync(orgId, viewer, "viewer");
        using (var browser = await App.SignedInBrowserAsync(viewer))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(page)).StatusCode);
            var posted = await browser.PostFormAsync($"/Orgs/{orgId}/Members", $"{page}?handler=Create", ("Name", "Viewer's"));
            Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        }

        // access-tokens:view lists them without the buttons; a post anyway is refused by the service.
        var reader = await App.SignUpAsync("Token reader");
        await App.AddMemberAsync(orgId, reader, "viewer", "token-reader");
        using (var browser = await App.SignedInBrowserAsync(reader))
        {
            var html = await browser.HtmlAsync(page);
            Assert.Contains("Kept", html, StringComparison.Ordinal);
            Assert.DoesNotContain("handler=Create", html, StringComparison.Ordinal);
            Assert.DoesNotContain("handler=Delete", html, StringComparison.Ordinal);
            var kept = Assert.Single(await AccountsAsync(orgId));
            var refused = await browser.FollowedHtmlAsync(await browser.PostFormAsync(page, $"{page}?handler=Delete", ("accountId", kept.Id.ToString())));
            Assert.Contains("access-tokens:edit", refused, StringComparison.Ordinal);
            var created = await browser.PostFormAsync(page, $"{page}?handler=Create", ("Name", "Reader's"));
            Assert.Equal(HttpStatusCode.Forbidden, created.StatusCode);
            Assert.Single(await AccountsAsync(orgId));
        }

        var (otherAdmin, _) = await App.OrganizationWithAdminAsync("Other Machines Co");
        using (var browser = await App.SignedInBrowserAsync(otherAdmin))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(page)).StatusCode);
            var posted = await browser.PostFormAsync("/Orgs", $"{page}?handler=Create", ("Name", "Outsider's"));
            Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
        }

        Assert.Single(await AccountsAsync(orgId));
    }

    private async Task<List<ServiceAccount>> AccountsAsync(Guid orgId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().ServiceAccounts.AsNoTracking().Include(s => s.Secrets)
            .Where(s => s.OrganizationId == orgId).ToListAsync();
    }

    [GeneratedRegex(@"<code id=""client-secret"" class=""secret""[^>]*>(?<secret>[^<]+)</code>")]
    private static partial Regex SecretPattern();
}

public sealed class ServiceAccountsPageTestsOnSqlite(SqliteApp app) : ServiceAccountsPageTests(app), IClassFixture<SqliteApp>;

public sealed class ServiceAccountsPageTestsOnPostgreSql(PostgreSqlApp app) : ServiceAccountsPageTests(app), IClassFixture<PostgreSqlApp>;
