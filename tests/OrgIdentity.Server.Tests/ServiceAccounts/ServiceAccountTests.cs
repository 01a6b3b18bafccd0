using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;
using OrgIdentity.Server.Tests.Scim;

namespace OrgIdentity.Server.Tests.ServiceAccounts;

/// <summary>Issue 11, service accounts: the admin API, client-credentials tokens with organization claims, rotation, disable, revocation.</summary>
public abstract class ServiceAccountTests(OrgIdentityApp app) : ServerTests(app)
{
    private sealed record Created(Guid Id, string ClientId, string? Secret, Guid? SecretId);

    [Fact]
    public async Task A_service_account_gets_row_less_tokens_with_its_organization_roles_and_only_the_permissions_it_holds()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Machines Co");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var account = await CreateAsync(api, orgId, new { name = "Nightly export", role = "viewer" });
        Assert.StartsWith("sa_", account.ClientId, StringComparison.Ordinal);
        Assert.StartsWith("sas_", account.Secret, StringComparison.Ordinal);
        Assert.True(account.Secret!.Length >= 4 + 43, "A secret holds at least 256 random bits.");

        // Shown once: reading the account never gives the secret back.
        var read = await api.Http.GetStringAsync($"/api/v1/orgs/{orgId}/service-accounts/{account.Id}");
        Assert.DoesNotContain(account.Secret, read, StringComparison.Ordinal);
        Assert.DoesNotContain("clientSecret", read, StringComparison.Ordinal);

        var rowsBefore = await TokenRowsAsync();
        using var http = App.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, account.Secret, "orgidentity.api assets:view assets:edit")).EnsureTokens();
        var jwt = Oidc.Jwt(tokens.AccessToken!);
        Assert.Equal(account.Id.ToString(), jwt.Subject);
        Assert.Equal(("service_account", orgId.ToString(), "viewer"), (jwt.GetClaim("principal_type").Value, jwt.GetClaim("org_id").Value, jwt.GetClaim("org_role").Value));
        Assert.Equal("""["viewer"]""", jwt.GetPayloadValue<JsonElement>("org_roles").GetRawText());
        Assert.Contains("assets:view", jwt.GetPayloadValue<JsonElement>("permissions").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("""["*"]""", jwt.GetPayloadValue<JsonElement>("units").GetRawText());
        Assert.Equal(["orgidentity"], jwt.Audiences);
        // A viewer holds assets:view, not assets:edit: the scope it lacks is not granted (no error either).
        Assert.Equal("orgidentity.api assets:view", jwt.GetClaim("scope").Value);
        Assert.Equal(rowsBefore, await TokenRowsAsync());

        // Wrong secret, unknown account: invalid_client.
        Assert.Equal("invalid_client", (await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, account.Secret[..^2] + "xx")).Error);
        Assert.Equal("invalid_client", (await Oidc.ClientCredentialsAsync(http.Http, "sa_" + Guid.NewGuid().ToString("N"), account.Secret)).Error);

        var events = (await App.AuditEventsAsync(orgId)).Select(e => e.Action).ToList();
        Assert.Contains("service_account.created", events);
        Assert.Contains("service_account.secret_first_used", events);
    }

    [Fact]
    public async Task Rotation_keeps_both_secrets_valid_until_the_old_one_is_revoked_and_disabling_stops_the_account_and_its_tokens()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Rotation Co");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var account = await CreateAsync(api, orgId, new { name = "Billing sync", role = "member" });
        using var http = App.CreateBrowser();

        var added = await api.Http.PostAsync($"/api/v1/orgs/{orgId}/service-accounts/{account.Id}/secrets", null);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var second = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("clientSecret").GetString()!;
        Assert.Null((await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, account.Secret!)).Error);
        Assert.Null((await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, second)).Error);
        Assert.Equal(HttpStatusCode.Conflict, (await api.Http.PostAsync($"/api/v1/orgs/{orgId}/service-accounts/{account.Id}/secrets", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.Http.DeleteAsync($"/api/v1/orgs/{orgId}/service-accounts/{account.Id}/secrets/{account.SecretId}")).StatusCode);
        Assert.Equal("invalid_client", (await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, account.Secret!)).Error);
        var tokens = (await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, second)).EnsureTokens();
        Assert.True((await Oidc.IntrospectAsync(http.Http, tokens.AccessToken!, account.ClientId, second)).GetProperty("active").GetBoolean());

        // Disabled: no new token, and the ones it has are inactive.
        Assert.Equal(HttpStatusCode.OK, (await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts/{account.Id}", new { disabled = true })).StatusCode);
        Assert.Equal("invalid_client", (await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, second)).Error);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts/{account.Id}", new { disabled = false })).StatusCode);
        Assert.Null((await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, second)).Error);

        var events = (await App.AuditEventsAsync(orgId)).Where(e => e.TargetId == account.Id.ToString()).Select(e => e.Action).ToList();
        Assert.Equal(2, events.Count(e => e == "service_account.secret_first_used"));
        Assert.Contains("service_account.secret_added", events);
        Assert.Contains("service_account.secret_revoked", events);
        Assert.Equal(2, events.Count(e => e == "service_account.updated"));
    }

    [Fact]
    public async Task Disabling_an_account_on_one_replica_stops_its_tokens_on_another_within_five_seconds()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Replicated Co");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var account = await CreateAsync(api, orgId, new { name = "Everywhere", role = "viewer" });
        await using var replica = App.Replica();
        using var other = replica.CreateBrowser();
        // The other replica has the account in its cache now.
        Assert.Null((await Oidc.ClientCredentialsAsync(other.Http, account.ClientId, account.Secret!)).Error);

        Assert.Equal(HttpStatusCode.OK, (await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts/{account.Id}", new { disabled = true })).StatusCode);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await Oidc.ClientCredentialsAsync(other.Http, account.ClientId, account.Secret!)).Error is null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "The other replica still gave tokens 5 s after the account was disabled.");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_revoked_token_is_inactive_and_refused_while_an_expired_or_deleted_account_gets_no_tokens()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Revocation Co");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var account = await CreateAsync(api, orgId, new { name = "Provisioner", role = "admin", expiresAt = App.Time.GetUtcNow().AddHours(1) });
        using var http = App.CreateBrowser();

        var tokens = (await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, account.Secret!, "scim")).EnsureTokens();
        using var scim = ScimClient.WithToken(App, tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await scim.GetAsync("/Users")).StatusCode);
        var revoke = await http.Http.PostAsync("/connect/revoke", new FormUrlEncodedContent(Oidc.Form(("token", tokens.AccessToken), ("client_id", account.ClientId), ("client_secret", account.Secret))));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.False((await Oidc.IntrospectAsync(http.Http, tokens.AccessToken!, account.ClientId, account.Secret!)).GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await scim.GetAsync("/Users")).StatusCode);

        App.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal("invalid_client", (await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, account.Secret!)).Error);
        using var later = await App.ApiAsync(admin, orgId.ToString());
        Assert.Equal(HttpStatusCode.OK, (await later.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts/{account.Id}", new { neverExpires = true })).StatusCode);
        Assert.Null((await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, account.Secret!)).Error);
        Assert.Equal(HttpStatusCode.NoContent, (await later.Http.DeleteAsync($"/api/v1/orgs/{orgId}/service-accounts/{account.Id}")).StatusCode);
        Assert.Equal("invalid_client", (await Oidc.ClientCredentialsAsync(http.Http, account.ClientId, account.Secret!)).Error);
    }

    [Fact]
    public async Task The_scim_scope_needs_members_edit_and_works_like_a_directory_token_of_the_organization()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Scim Machines Co");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var provisioner = await CreateAsync(api, orgId, new { name = "Provisioner", role = "admin" });
        var viewer = await CreateAsync(api, orgId, new { name = "Reader", role = "viewer" });
        using var http = App.CreateBrowser();

        var viewerTokens = (await Oidc.ClientCredentialsAsync(http.Http, viewer.ClientId, viewer.Secret!, "scim")).EnsureTokens();
        Assert.False(Oidc.Jwt(viewerTokens.AccessToken!).TryGetClaim("scope", out _));
        using (var refused = ScimClient.WithToken(App, viewerTokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await refused.GetAsync("/Users")).StatusCode);
        }

        var tokens = (await Oidc.ClientCredentialsAsync(http.Http, provisioner.ClientId, provisioner.Secret!, "scim")).EnsureTokens();
        using var scim = ScimClient.WithToken(App, tokens.AccessToken);
        var email = $"machine-made-{Guid.NewGuid():N}@machines.example";
        var created = await scim.PostAsync("/Users", $$"""{"userName":"{{email}}"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var provisioned = (await App.AuditEventsAsync(orgId)).Single(e => e.Action == "scim.user_provisioned");
        Assert.Equal(("service_account", provisioner.Id.ToString()), (provisioned.ActorType, provisioned.ActorId));

        // Another organization's token never sees this one's users.
        var (otherAdmin, otherOrg) = await App.OrganizationWithAdminAsync("Other Machines Co");
        using var otherApi = await App.ApiAsync(otherAdmin, otherOrg.ToString());
        var other = await CreateAsync(otherApi, otherOrg, new { name = "Other", role = "admin" });
        using var otherScim = ScimClient.WithToken(App, (await Oidc.ClientCredentialsAsync(http.Http, other.ClientId, other.Secret!, "scim")).EnsureTokens().AccessToken);
        var list = await (await otherScim.GetAsync($"/Users?filter={Uri.EscapeDataString($"userName eq \"{email}\"")}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, list.GetProperty("totalResults").GetInt32());

        // Disabling the account stops the tokens it already has.
        Assert.Equal(HttpStatusCode.OK, (await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts/{provisioner.Id}", new { disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await scim.GetAsync("/Users")).StatusCode);
    }

    [Fact]
    public async Task An_account_with_registered_public_keys_authenticates_with_private_key_jwt()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Keys Co");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "k1" };
        var publicJwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = "k1" });
        var account = await CreateAsync(api, orgId, new
        {
            name = "Signed",
            role = "viewer",
            secret = false,
            jwks = new { keys = new[] { new { kty = "RSA", kid = "k1", use = "sig", alg = "RS256", n = publicJwk.N, e = publicJwk.E } } },
        });
        Assert.Null(account.Secret);

        string Assertion(SecurityKey signingKey) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "client-authentication+jwt",
            Issuer = account.ClientId,
            Audience = "https://localhost/",
            Claims = new Dictionary<string, object> { ["sub"] = account.ClientId, ["jti"] = Guid.NewGuid().ToString() },
            // The server's clock (other tests of this class move it).
            IssuedAt = App.Time.GetUtcNow().UtcDateTime,
            NotBefore = App.Time.GetUtcNow().UtcDateTime,
            Expires = App.Time.GetUtcNow().UtcDateTime.AddMinutes(2),
            SigningCredentials = new SigningCredentials(signingKey, SecurityAlgorithms.RsaSha256),
        });

        using var http = App.CreateBrowser();
        var tokens = await Oidc.TokenAsync(http.Http, Oidc.Form(("grant_type", "client_credentials"), ("client_id", account.ClientId),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", Assertion(key))));
        Assert.True(tokens.AccessToken is not null, tokens.Json.ToString());
        Assert.Equal(account.Id.ToString(), Oidc.Jwt(tokens.AccessToken!).Subject);

        // Signed with a key it never registered: invalid_client.
        using var stranger = RSA.Create(2048);
        var refused = await Oidc.TokenAsync(http.Http, Oidc.Form(("grant_type", "client_credentials"), ("client_id", account.ClientId),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", Assertion(new RsaSecurityKey(stranger) { KeyId = "k1" }))));
        Assert.Equal("invalid_client", refused.Error);
    }

    [Fact]
    public async Task Only_access_tokens_edit_manages_accounts_never_beyond_the_callers_permissions_and_only_in_its_organization()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Guarded Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        Assert.Equal(HttpStatusCode.Created, (await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles",
            new { key = "token-keeper", name = "Token keeper", permissions = new[] { "access-tokens:edit" } })).StatusCode);
        var keeper = await App.SignUpAsync();
        await App.AddMemberAsync(orgId, keeper, "viewer", "token-keeper");
        var member = await App.SignUpAsync();
        await App.AddMemberAsync(orgId, member, "member");
        using var keeperApi = await App.ApiAsync(keeper, orgId.ToString());
        using var memberApi = await App.ApiAsync(member, orgId.ToString());
        var url = $"/api/v1/orgs/{orgId}/service-accounts";

        Assert.Equal(HttpStatusCode.Forbidden, (await memberApi.Http.PostAsJsonAsync(url, new { name = "Mine", role = "viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await memberApi.Http.GetAsync(url)).StatusCode);
        var escalation = await keeperApi.Http.PostAsJsonAsync(url, new { name = "Root", role = "admin" });
        Assert.Equal(HttpStatusCode.Forbidden, escalation.StatusCode);
        Assert.Contains("do not hold", await escalation.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var mine = await CreateAsync(keeperApi, orgId, new { name = "Viewer bot", role = "viewer" });
        var admins = await CreateAsync(adminApi, orgId, new { name = "Admin bot", role = "admin" });
        Assert.Equal(HttpStatusCode.Forbidden, (await keeperApi.Http.DeleteAsync($"{url}/{admins.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await keeperApi.Http.PatchAsJsonAsync($"{url}/{mine.Id}", new { role = "member" })).StatusCode);

        // Bad input: a 400 naming the field, and nothing created.
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { name = "" }, "name"), (new { name = "x", role = "owner" }, "role"), (new { name = "x", roles = new[] { "nope" } }, "roles"),
                     (new { name = "x", expiresAt = DateTime.UtcNow.AddDays(-1) }, "expiresAt"), (new { name = "x", secret = false }, "secret"),
                     (new { name = "x", jwks = new { keys = new[] { new { kty = "RSA", n = "AQAB", e = "AQAB", d = "AQAB" } } } }, "jwks"),
                 })
        {
            var response = await adminApi.Http.PostAsJsonAsync(url, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), field);
        }

        var list = await adminApi.Http.GetFromJsonAsync<JsonElement>(url);
        Assert.Equal(2, list.GetProperty("total").GetInt32());

        // Another organization's admin: 404 for this organization's accounts through their own organization.
        var (otherAdmin, otherOrg) = await App.OrganizationWithAdminAsync("Elsewhere Co");
        using var otherApi = await App.ApiAsync(otherAdmin, otherOrg.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await otherApi.Http.GetAsync($"/api/v1/orgs/{otherOrg}/service-accounts/{mine.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherApi.Http.DeleteAsync($"/api/v1/orgs/{otherOrg}/service-accounts/{mine.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherApi.Http.GetAsync(url)).StatusCode);
    }

    private static async Task<Created> CreateAsync(Browser api, Guid orgId, object body)
    {
        var response = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Created(json.GetProperty("account").GetProperty("id").GetGuid(), json.GetProperty("clientId").GetString()!,
            json.GetProperty("clientSecret").GetString(), json.TryGetProperty("secretId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetGuid() : null);
    }

    private async Task<int> TokenRowsAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken<Guid>>().CountAsync();
    }
}

public sealed class ServiceAccountTestsOnSqlite(SqliteApp app) : ServiceAccountTests(app), IClassFixture<SqliteApp>;

public sealed class ServiceAccountTestsOnPostgreSql(PostgreSqlApp app) : ServiceAccountTests(app), IClassFixture<PostgreSqlApp>;
