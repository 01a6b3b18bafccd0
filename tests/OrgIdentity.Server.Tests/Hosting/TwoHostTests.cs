using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;
using OrgIdentity.Server.Tests.Invitations;

namespace OrgIdentity.Server.Tests.Hosting;

/// <summary>
/// Issue 13, scale-out: two replicas of the server (Production, the same key files, one PostgreSQL database, no sticky
/// sessions) behave as one server. PostgreSQL only: SQLite is one process's database.
/// </summary>
public sealed class TwoHostTests(TwoHosts hosts) : ServerTests(hosts.A), IClassFixture<TwoHosts>
{
    private OrgIdentityApp A => hosts.A;
    private OrgIdentityApp B => hosts.B;

    [Fact]
    public async Task A_code_issued_on_one_replica_is_redeemed_on_the_other_and_its_refresh_token_rotates_there_and_the_old_one_is_refused_on_the_first()
    {
        var user = await A.SignUpAsync();
        using var onA = A.CreateBrowser();
        using var onB = B.CreateBrowser();
        var pkce = Oidc.Pkce.Create();
        var code = await Oidc.AuthorizeCodeAsync(onA, user.Email, user.Password, TestClients.CodeClient, TestClients.CodeRedirect,
            "openid profile offline_access orgidentity.api", pkce);

        var tokens = (await Oidc.RedeemCodeAsync(onB.Http, code, pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret)).EnsureTokens();
        // Signed by A's and B's one key: each accepts what the other issued.
        Assert.Equal(HttpStatusCode.OK, (await UserInfoAsync(onA, tokens.AccessToken!)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await UserInfoAsync(onB, tokens.AccessToken!)).StatusCode);

        var rotated = (await Oidc.RefreshAsync(onB.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.NotEqual(tokens.RefreshToken, rotated.RefreshToken);

        // After OpenIddict's 30 s reuse leeway, the old refresh token is refused on A and its replay ends the chain on B too.
        hosts.Advance(TimeSpan.FromSeconds(31));
        var replay = await Oidc.RefreshAsync(onA.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.Equal(("invalid_grant", HttpStatusCode.BadRequest), (replay.Error, replay.Status));
        Assert.Equal("invalid_grant", (await Oidc.RefreshAsync(onB.Http, rotated.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).Error);

        // The code was spent on B: A refuses it.
        Assert.Equal("invalid_grant", (await Oidc.RedeemCodeAsync(onA.Http, code, pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret)).Error);
    }

    [Fact]
    public async Task A_token_revoked_on_one_replica_introspects_as_inactive_on_the_other()
    {
        var user = await A.SignUpAsync();
        var tokens = await A.TokensAsync(user);
        using var onA = A.CreateBrowser();
        using var onB = B.CreateBrowser();
        Assert.True((await Oidc.IntrospectAsync(onB.Http, tokens.AccessToken!, TestClients.CodeClient, TestClients.CodeSecret)).GetProperty("active").GetBoolean());

        Assert.Equal(HttpStatusCode.OK, (await RevokeAsync(onA, tokens.AccessToken!, TestClients.CodeClient, TestClients.CodeSecret)).StatusCode);
        Assert.False((await Oidc.IntrospectAsync(onB.Http, tokens.AccessToken!, TestClients.CodeClient, TestClients.CodeSecret)).GetProperty("active").GetBoolean());

        // A service account's token has no row: its revocation is the deny-list in the database, also seen by B.
        var (admin, orgId) = await A.OrganizationWithAdminAsync("Revoked Everywhere");
        using var api = await A.ApiAsync(admin, orgId.ToString());
        var (clientId, secret) = await CreateServiceAccountAsync(api, orgId);
        var machine = (await Oidc.ClientCredentialsAsync(onA.Http, clientId, secret, "orgidentity.api")).EnsureTokens();
        Assert.True((await Oidc.IntrospectAsync(onB.Http, machine.AccessToken!, clientId, secret)).GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await RevokeAsync(onA, machine.AccessToken!, clientId, secret)).StatusCode);
        Assert.False((await Oidc.IntrospectAsync(onB.Http, machine.AccessToken!, clientId, secret)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_login_cookie_from_one_replica_is_accepted_by_the_other_and_a_login_form_works_across_both()
    {
        var user = await A.SignUpAsync("Cookie Traveller");

        using var pinned = hosts.Balanced(out var balancer);
        balancer.Pinned = 0;
        Assert.Equal(HttpStatusCode.Redirect, (await pinned.SignInAsync(user.Email, user.Password)).StatusCode);
        balancer.Pinned = 1;
        var profile = await pinned.GetAsync("/Account/Profile");
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Contains(user.Email, await profile.HtmlAsync(), StringComparison.Ordinal);

        // No sticky sessions: the form comes from one replica (its antiforgery token too), the post goes to the other.
        using var alternating = hosts.Balanced(out var roundRobin);
        Assert.Equal(HttpStatusCode.Redirect, (await alternating.SignInAsync(user.Email, user.Password)).StatusCode);
        Assert.Equal(new[] { 0, 1 }, roundRobin.Served);
        Assert.Equal(HttpStatusCode.OK, (await alternating.GetAsync("/Account/Profile")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alternating.GetAsync("/Account/Profile")).StatusCode);
    }

    [Fact]
    public async Task An_invitation_created_on_one_replica_is_accepted_through_both()
    {
        var org = await A.InvitingOrganizationAsync();
        var person = await A.SignUpAsync("Invited Traveller");
        await Invites.InviteAsync(org, person.Email, "member");
        var link = (await A.Mail.WaitForAsync(person.Email, "invited you")).Link("/Account/Invitation");

        using var browser = hosts.Balanced(out var balancer);
        balancer.Pinned = 1;
        // The token moves into a Data Protection cookie made on B...
        var page = await (await browser.OpenAsync(link)).HtmlAsync();
        Assert.Contains("Sign in to accept", page, StringComparison.Ordinal);
        // ...and every request from here alternates between the replicas.
        balancer.Pinned = null;
        var signedIn = await browser.SignInAsync(person.Email, person.Password, "/Account/Invitation");
        var accept = await browser.FollowAsync(signedIn);
        Assert.Contains("Accept invitation", await accept.HtmlAsync(), StringComparison.Ordinal);
        var joined = await browser.FollowAsync(await browser.SubmitAsync(accept, action: "handler=Accept"));

        Assert.Contains($"You are now a member of {org.Name}", await joined.HtmlAsync(), StringComparison.Ordinal);
        Assert.Contains(0, balancer.Served);
        Assert.Contains(1, balancer.Served);
        await using var scope = B.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var userId = await B.UserIdAsync(person);
        Assert.Single(await db.Memberships.Where(m => m.OrganizationId == org.Id && m.UserId == userId).ToListAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_service_account_disabled_on_one_replica_gets_no_token_from_the_other_within_five_seconds()
    {
        var (admin, orgId) = await A.OrganizationWithAdminAsync("Disabled Everywhere");
        using var api = await A.ApiAsync(admin, orgId.ToString());
        var (clientId, secret) = await CreateServiceAccountAsync(api, orgId);
        using var onB = B.CreateBrowser();
        // B has the account in its cache now.
        Assert.Null((await Oidc.ClientCredentialsAsync(onB.Http, clientId, secret)).Error);

        var accountId = clientId[Server.ServiceAccounts.ServiceAccountDirectory.ClientIdPrefix.Length..];
        Assert.Equal(HttpStatusCode.OK,
            (await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts/{Guid.ParseExact(accountId, "N")}", new { disabled = true })).StatusCode);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await Oidc.ClientCredentialsAsync(onB.Http, clientId, secret)).Error is null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "B still gave tokens 5 s after A disabled the account.");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Equal("invalid_client", (await Oidc.ClientCredentialsAsync(onB.Http, clientId, secret)).Error);
    }

    [Fact]
    public async Task A_user_disabled_on_one_replica_gets_nothing_more_from_the_other()
    {
        var user = await A.SignUpAsync();
        var tokens = await A.TokensAsync(user);
        var userId = await A.UserIdAsync(user);
        var adminToken = (await A.TokensAsync(Infrastructure.Organizations.PlatformAdmin)).AccessToken!;
        Assert.Equal(HttpStatusCode.NoContent, (await A.PostToApiAsync($"/api/v1/users/{userId}/disable", adminToken)).StatusCode);

        using var onB = B.CreateBrowser();
        Assert.Equal("invalid_grant", (await Oidc.RefreshAsync(onB.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).Error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await UserInfoAsync(onB, tokens.AccessToken!)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onB.SignInAsync(user.Email, user.Password)).StatusCode);
    }

    [Fact]
    public async Task One_outbox_message_is_sent_once_while_both_replicas_senders_run()
    {
        // A pair of its own, each replica writing to its own pickup directory: a message sent twice would be in both.
        await using var first = hosts.NewPair(out var second);
        await first.Database.EnsureAvailable();
        var directories = new[] { Path.Combine(first.DataDirectory, "mail-a"), Path.Combine(first.DataDirectory, "mail-b") };
        first.With("OrgIdentity:Email:PickupDirectory", directories[0]);
        second.With("OrgIdentity:Email:PickupDirectory", directories[1]);
        await using var replica = second;
        // Both senders run from here.
        Assert.NotNull(first.Server);
        Assert.NotNull(replica.Server);

        const int count = 60;
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToList();
        await using (var scope = first.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
            // Due on both replicas' clocks (each a FakeTimeProvider started when its server was made).
            var now = new[] { first.Time.GetUtcNow(), replica.Time.GetUtcNow() }.Min().UtcDateTime.AddMinutes(-1);
            db.OutboxMessages.AddRange(ids.Select(id => new OutboxMessage
            {
                Id = id,
                Kind = "email",
                Payload = JsonSerializer.Serialize(new EmailMessage($"{id:N}@example.com", "Once", "Sent once.")),
                CreatedAt = now,
                NextAttemptAt = now,
            }));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        List<OutboxMessage> rows;
        do
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            await using var scope = replica.Services.CreateAsyncScope();
            rows = await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().OutboxMessages.AsNoTracking()
                .Where(m => ids.Contains(m.Id)).ToListAsync(TestContext.Current.CancellationToken);
        }
        while (rows.Any(m => m.SentAt == null) && DateTime.UtcNow < deadline);

        Assert.All(rows, m => Assert.Equal((true, 1), (m.SentAt != null, m.Attempts)));
        var written = directories.SelectMany(d => Directory.Exists(d) ? Directory.GetFiles(d, "*.eml") : []).Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.Equal(ids.Select(id => id.ToString("N")).Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal));
    }

    private static async Task<(string ClientId, string Secret)> CreateServiceAccountAsync(Browser api, Guid orgId)
    {
        var response = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/service-accounts", new { name = "Replicated", role = "viewer" });
        var created = await Invites.AssertStatusAsync(response, HttpStatusCode.Created);
        return (created.GetProperty("account").GetProperty("clientId").GetString()!, created.GetProperty("clientSecret").GetString()!);
    }

    private static Task<HttpResponseMessage> UserInfoAsync(Browser browser, string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return browser.Http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> RevokeAsync(Browser browser, string token, string clientId, string secret) =>
        browser.Http.PostAsync("/connect/revoke", new FormUrlEncodedContent(Oidc.Form(("token", token), ("client_id", clientId), ("client_secret", secret))));

}

/// <summary>
/// Two replicas as an operator runs them: Production, the signing and encryption keys from the same files, one fresh
/// PostgreSQL database (so one Data Protection key ring), and one public issuer. A is started first (it migrates).
/// </summary>
public sealed class TwoHosts : IAsyncLifetime
{
    private readonly string _keys = Directory.CreateTempSubdirectory("orgidentity-two-hosts-").FullName;
    private readonly List<(string Key, string Value)> _keySettings;

    public TwoHosts()
    {
        const string password = "two-hosts";
        _keySettings =
        [
            ("OrgIdentity:Keys:Signing:0:Path", TestCertificates.WritePfx(TestCertificates.Create("signing", X509KeyUsageFlags.DigitalSignature), _keys, "signing", password)),
            ("OrgIdentity:Keys:Signing:0:Password", password),
            ("OrgIdentity:Keys:Encryption:0:Path", TestCertificates.WritePfx(TestCertificates.Create("encryption", X509KeyUsageFlags.KeyEncipherment), _keys, "encryption", password)),
            ("OrgIdentity:Keys:Encryption:0:Password", password),
        ];
        A = NewPair(out var b);
        B = b;
    }

    public OrgIdentityApp A { get; }
    public OrgIdentityApp B { get; }

    /// <summary>A new primary on a fresh database with the shared keys, and its replica (not started).</summary>
    public OrgIdentityApp NewPair(out OrgIdentityApp replica)
    {
        OrgIdentityApp primary = new PostgreSqlApp { EnvironmentName = "Production" };
        foreach (var (key, value) in _keySettings)
        {
            primary.With(key, value);
        }

        replica = primary.Replica();
        replica.EnvironmentName = "Production";
        return primary;
    }

    /// <summary>Moves both replicas' clocks together.</summary>
    public void Advance(TimeSpan by)
    {
        A.Time.Advance(by);
        B.Time.Advance(by);
    }

    /// <summary>A browser behind a load balancer without sticky sessions: requests alternate A, B, A... unless pinned.</summary>
    public Browser Balanced(out LoadBalancer balancer)
    {
        balancer = new LoadBalancer(A.Server.CreateHandler(), B.Server.CreateHandler());
        var cookies = new CookieContainerHandler(new CookieContainer()) { InnerHandler = balancer };
        return new Browser(new HttpClient(cookies) { BaseAddress = new Uri("https://localhost") });
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // The replica first: the primary drops the database.
        await B.DisposeAsync();
        await A.DisposeAsync();
        Directory.Delete(_keys, recursive: true);
    }
}

/// <summary>Sends each request to one replica's in-process server, in turn (or always to <see cref="Pinned"/>).</summary>
public sealed class LoadBalancer(params HttpMessageHandler[] replicas) : HttpMessageHandler
{
    private readonly HttpMessageInvoker[] _replicas = replicas.Select(r => new HttpMessageInvoker(r)).ToArray();
    private int _next;

    public int? Pinned { get; set; }

    /// <summary>Which replica answered each request, in order.</summary>
    public List<int> Served { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var index = Pinned ?? _next++ % _replicas.Length;
        Served.Add(index);
        return _replicas[index].SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var replica in _replicas)
            {
                replica.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// With <c>OrgIdentity:Redis</c> set, a cached service account travels through Redis as JSON (its serializer registered
/// with HybridCache): it must come back whole, or the second level would hand other replicas a broken entry.
/// </summary>
public sealed class ServiceAccountCacheEntryTests
{
    [Fact]
    public void A_cached_service_account_survives_the_second_level_caches_json()
    {
        var access = new Server.Organizations.OrganizationAccess(Guid.NewGuid(), "acme", Guid.NewGuid(), "viewer", ["auditor"],
            new HashSet<string>(["assets:view", "members:view"], StringComparer.Ordinal), ["*"], 3);
        var application = new OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication<Guid>
        {
            Id = Guid.NewGuid(),
            ClientId = "sa_0123",
            ClientType = "confidential",
            Permissions = """["gt:client_credentials"]""",
        };
        var entry = new Server.ServiceAccounts.CachedServiceAccount(new Server.ServiceAccounts.ServiceAccountClient(Guid.NewGuid(), "sa_0123", "Nightly",
            null, DateTime.UtcNow.AddDays(1), null, [new Server.ServiceAccounts.ActiveSecret(Guid.NewGuid(), "hash", true)], access, application));

        var copy = RoundTrip(entry);

        var client = copy.Client!;
        Assert.Equal((entry.Client!.Id, "sa_0123", entry.Client.ExpiresAt), (client.Id, client.ClientId, client.ExpiresAt));
        Assert.Equal(entry.Client.Secrets, client.Secrets);
        Assert.Equal(["assets:view", "members:view"], client.Access.Permissions.Order(StringComparer.Ordinal));
        Assert.Equal((access.Slug, access.BaseRole, access.AuthzVersion), (client.Access.Slug, client.Access.BaseRole, client.Access.AuthzVersion));
        Assert.Equal((application.Id, application.ClientId, application.Permissions), (client.Application.Id, client.Application.ClientId, client.Application.Permissions));
        Assert.Null(RoundTrip(new Server.ServiceAccounts.CachedServiceAccount(null)).Client);
    }

    private static Server.ServiceAccounts.CachedServiceAccount RoundTrip(Server.ServiceAccounts.CachedServiceAccount entry)
    {
        var serializer = new Server.ServiceAccounts.CachedServiceAccountSerializer();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        serializer.Serialize(entry, buffer);
        return serializer.Deserialize(new System.Buffers.ReadOnlySequence<byte>(buffer.WrittenMemory));
    }
}
