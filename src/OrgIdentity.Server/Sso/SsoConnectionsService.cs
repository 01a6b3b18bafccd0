using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Sso;

/// <summary>
/// A connection as the API shows it; the client secret never comes back. <c>redirectUri</c> (and, for sign-out at the provider,
/// <c>postLogoutRedirectUri</c>) is what the provider registers.
/// </summary>
public sealed record SsoConnectionView(Guid Id, string Name, string Authority, string ClientId, bool HasClientSecret, IReadOnlyList<string> Scopes,
    string EmailClaim, string NameClaim, bool Enabled, bool RequireSso, string RedirectUri, string PostLogoutRedirectUri, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record NewSsoConnection(
    [property: StringLength(100)] string? Name,
    [property: StringLength(500)] string? Authority,
    [property: StringLength(200)] string? ClientId,
    [property: StringLength(1000)] string? ClientSecret,
    IReadOnlyList<string>? Scopes,
    [property: StringLength(100)] string? EmailClaim,
    [property: StringLength(100)] string? NameClaim,
    bool? Enabled,
    bool? RequireSso);

/// <summary>What changes; absent fields stay. <c>clientSecret</c> replaces the secret.</summary>
public sealed record SsoConnectionChange(
    [property: StringLength(100)] string? Name,
    [property: StringLength(500)] string? Authority,
    [property: StringLength(200)] string? ClientId,
    [property: StringLength(1000)] string? ClientSecret,
    IReadOnlyList<string>? Scopes,
    [property: StringLength(100)] string? EmailClaim,
    [property: StringLength(100)] string? NameClaim,
    bool? Enabled,
    bool? RequireSso);

/// <summary>The answer of "test connection": <c>ok</c> when the discovery document is usable, else what is wrong.</summary>
public sealed record SsoConnectionTest(bool Ok, IReadOnlyList<string> Problems, string? Issuer, string? AuthorizationEndpoint, string? TokenEndpoint);

/// <summary>
/// The rules for an organization's SSO connections (DESIGN.md §4): <c>organization-settings:edit</c> adds, changes,
/// tests and removes them; the client secret is kept protected with Data Protection; every change is audited and
/// bumps the version, so every replica rebuilds the connection's client registration at its next sign-in.
/// </summary>
public sealed class SsoConnectionsService(
    OrgIdentityDbContext db,
    MembersService members,
    AuditLog audit,
    IDataProtectionProvider protection,
    IHttpClientFactory http,
    Microsoft.Extensions.Options.IOptions<OrgIdentityOptions> host,
    IHostEnvironment environment,
    TimeProvider time)
{
    public const string CallbackPath = "sso/callback";
    public const string SignedOutPath = "sso/signed-out";
    public const string TestClient = "sso-test";
    private const string SecretPurpose = "OrgIdentity.Sso.ClientSecret";

    public string RedirectUri => new Uri(host.Value.IssuerUri, CallbackPath).AbsoluteUri;

    public string PostLogoutRedirectUri => new Uri(host.Value.IssuerUri, SignedOutPath).AbsoluteUri;

    public async Task<IReadOnlyList<SsoConnectionView>> ListAsync(OrganizationCaller caller, CancellationToken cancellationToken) =>
        (await db.SsoConnections.AsNoTracking().Where(c => c.OrganizationId == caller.OrganizationId).OrderBy(c => c.Name).ToListAsync(cancellationToken))
            .Select(View).ToList();

    public async Task<Outcome<SsoConnectionView>> GetAsync(OrganizationCaller caller, Guid id, CancellationToken cancellationToken) =>
        await FindAsync(caller.OrganizationId, id, cancellationToken) is { } connection ? View(connection) : NoSuchConnection();

    public async Task<Outcome<SsoConnectionView>> CreateAsync(OrganizationCaller requester, NewSsoConnection request, CancellationToken cancellationToken)
    {
        var settings = Settings.From(request.Authority, request.ClientId, request.Scopes, request.EmailClaim, request.NameClaim, environment.IsDevelopment());
        if (settings.Refusal is { } invalid)
        {
            return invalid;
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return Refusal.Invalid("name", "Give the connection a name, such as the provider's (\"Contoso Entra ID\").");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await LockForEditAsync(requester, cancellationToken);
        if (locked.Refusal is { } refused)
        {
            return refused;
        }

        var caller = locked.Value!;
        var now = time.UtcNowToMicrosecond();
        var connection = new SsoConnection
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            Name = request.Name.Trim(),
            Authority = settings.Value!.Authority,
            ClientId = settings.Value.ClientId,
            ProtectedClientSecret = Protect(request.ClientSecret),
            Scopes = settings.Value.Scopes,
            EmailClaim = settings.Value.EmailClaim,
            NameClaim = settings.Value.NameClaim,
            Enabled = request.Enabled ?? true,
            RequireSso = request.RequireSso ?? false,
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.SsoConnections.Add(connection);
        audit.Record(caller.Actor, caller.OrganizationId, "sso.connection_created", "sso_connection", connection.Id.ToString(), Described(connection));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return View(connection);
    }

    public async Task<Outcome<SsoConnectionView>> UpdateAsync(OrganizationCaller requester, Guid id, SsoConnectionChange change, CancellationToken cancellationToken)
    {
        if (change.Name is { } name && string.IsNullOrWhiteSpace(name))
        {
            return Refusal.Invalid("name", "A connection's name cannot be blank.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await LockForEditAsync(requester, cancellationToken);
        if (locked.Refusal is { } refused)
        {
            return refused;
        }

        var caller = locked.Value!;
        if (await db.SsoConnections.SingleOrDefaultAsync(c => c.Id == id && c.OrganizationId == caller.OrganizationId, cancellationToken) is not { } connection)
        {
            return NoSuchConnection();
        }

        var settings = Settings.From(change.Authority ?? connection.Authority, change.ClientId ?? connection.ClientId,
            change.Scopes ?? connection.Scopes.Split(' '), change.EmailClaim ?? connection.EmailClaim, change.NameClaim ?? connection.NameClaim,
            environment.IsDevelopment());
        if (settings.Refusal is { } invalid)
        {
            return invalid;
        }

        var before = Described(connection);
        connection.Name = change.Name?.Trim() ?? connection.Name;
        connection.Authority = settings.Value!.Authority;
        connection.ClientId = settings.Value.ClientId;
        connection.Scopes = settings.Value.Scopes;
        connection.EmailClaim = settings.Value.EmailClaim;
        connection.NameClaim = settings.Value.NameClaim;
        connection.Enabled = change.Enabled ?? connection.Enabled;
        connection.RequireSso = change.RequireSso ?? connection.RequireSso;
        if (change.ClientSecret is not null)
        {
            connection.ProtectedClientSecret = Protect(change.ClientSecret);
        }

        connection.Version++;
        connection.UpdatedAt = time.UtcNowToMicrosecond();
        audit.Record(caller.Actor, caller.OrganizationId, "sso.connection_updated", "sso_connection", connection.Id.ToString(),
            new { before, after = Described(connection), secretChanged = change.ClientSecret is not null });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return View(connection);
    }

    /// <summary>Removes the connection and its linked upstream identities; the accounts and memberships stay.</summary>
    public async Task<Refusal?> DeleteAsync(OrganizationCaller requester, Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await LockForEditAsync(requester, cancellationToken);
        if (locked.Refusal is { } refused)
        {
            return refused;
        }

        var caller = locked.Value!;
        if (await db.SsoConnections.SingleOrDefaultAsync(c => c.Id == id && c.OrganizationId == caller.OrganizationId, cancellationToken) is not { } connection)
        {
            return NoSuchConnection();
        }

        db.SsoConnections.Remove(connection);
        audit.Record(caller.Actor, caller.OrganizationId, "sso.connection_deleted", "sso_connection", connection.Id.ToString(), Described(connection));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>Fetches the upstream's discovery document and says what would stop a sign-in; changes nothing.</summary>
    public async Task<Outcome<SsoConnectionTest>> TestAsync(OrganizationCaller caller, Guid id, CancellationToken cancellationToken)
    {
        if (!caller.Has(DomainsService.SettingsEdit))
        {
            return OrganizationRoutes.MissingPermission(DomainsService.SettingsEdit);
        }

        if (await FindAsync(caller.OrganizationId, id, cancellationToken) is not { } connection)
        {
            return NoSuchConnection();
        }

        var discovery = connection.DiscoveryUri;
        JsonElement document;
        try
        {
            using var response = await http.CreateClient(TestClient).GetAsync(discovery, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return Failed($"The discovery document at {discovery} answered {(int)response.StatusCode} {response.ReasonPhrase}; check the authority.");
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            document = json.RootElement.Clone();
        }
        catch (Exception problem) when (problem is HttpRequestException or TaskCanceledException or JsonException)
        {
            return Failed(problem is JsonException
                ? $"The discovery document at {discovery} is not JSON; check the authority."
                : $"The discovery document at {discovery} could not be fetched ({problem.Message}); check the authority and that this server can reach it.");
        }

        if (document.ValueKind != JsonValueKind.Object)
        {
            return Failed($"The discovery document at {discovery} is not a JSON object.");
        }

        var problems = new List<string>();
        var issuer = Text(document, "issuer");
        if (issuer is null)
        {
            problems.Add("The discovery document has no issuer.");
        }
        else if (!string.Equals(issuer.TrimEnd('/'), connection.Authority.TrimEnd('/'), StringComparison.Ordinal))
        {
            problems.Add($"The discovery document names the issuer '{issuer}', not '{connection.Authority}': set the authority to the issuer exactly.");
        }

        foreach (var required in new[] { "authorization_endpoint", "token_endpoint", "jwks_uri" })
        {
            if (Text(document, required) is null)
            {
                problems.Add($"The discovery document has no {required}.");
            }
        }

        if (Strings(document, "response_types_supported") is { } responseTypes && !responseTypes.Contains("code"))
        {
            problems.Add("The provider does not support the authorization code flow (response type 'code').");
        }

        if (connection.ProtectedClientSecret is not null && Strings(document, "token_endpoint_auth_methods_supported") is { } methods
            && !methods.Contains("client_secret_basic") && !methods.Contains("client_secret_post"))
        {
            problems.Add("The provider accepts neither client_secret_basic nor client_secret_post at its token endpoint.");
        }

        if (Strings(document, "scopes_supported") is { } supported
            && connection.Scopes.Split(' ').Where(s => !supported.Contains(s)).ToList() is { Count: > 0 } unsupported)
        {
            problems.Add($"The provider does not list the scopes {string.Join(", ", unsupported)}.");
        }

        if (!connection.Enabled)
        {
            problems.Add("The connection is disabled: nobody is sent to it until it is enabled.");
        }

        return new SsoConnectionTest(problems.Count == 0, problems, issuer, Text(document, "authorization_endpoint"), Text(document, "token_endpoint"));

        static SsoConnectionTest Failed(string problem) => new(false, [problem], null, null, null);
    }

    internal string? UnprotectSecret(SsoConnection connection) =>
        connection.ProtectedClientSecret is { } stored ? protection.CreateProtector(SecretPurpose).Unprotect(stored) : null;

    private string? Protect(string? secret) =>
        string.IsNullOrEmpty(secret) ? null : protection.CreateProtector(SecretPurpose).Protect(secret);

    private Task<SsoConnection?> FindAsync(Guid organizationId, Guid id, CancellationToken cancellationToken) =>
        db.SsoConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id && c.OrganizationId == organizationId, cancellationToken);

    private async Task<Outcome<OrganizationCaller>> LockForEditAsync(OrganizationCaller requester, CancellationToken cancellationToken)
    {
        var locked = await members.LockAsync(requester, cancellationToken);
        return locked.Refusal is null && !locked.Value!.Has(DomainsService.SettingsEdit)
            ? OrganizationRoutes.MissingPermission(DomainsService.SettingsEdit)
            : locked;
    }

    private SsoConnectionView View(SsoConnection c) => new(c.Id, c.Name, c.Authority, c.ClientId, c.ProtectedClientSecret is not null,
        c.Scopes.Split(' '), c.EmailClaim, c.NameClaim, c.Enabled, c.RequireSso, RedirectUri, PostLogoutRedirectUri, c.CreatedAt, c.UpdatedAt);

    private static object Described(SsoConnection c) => new { c.Name, c.Authority, c.ClientId, c.Scopes, c.Enabled, c.RequireSso };

    private static Refusal NoSuchConnection() => Refusal.NotFound("This organization has no such SSO connection.");

    private static string? Text(JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static HashSet<string>? Strings(JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToHashSet(StringComparer.Ordinal)
            : null;

    /// <summary>The checked protocol settings of a connection.</summary>
    private sealed record Settings(string Authority, string ClientId, string Scopes, string EmailClaim, string NameClaim)
    {
        // development: http is allowed on this machine (a provider under development); never in production, where it
        // would let an organization admin make this server probe its own local ports.
        public static Outcome<Settings> From(string? authority, string? clientId, IEnumerable<string>? scopes, string? emailClaim, string? nameClaim,
            bool development)
        {
            if (!Uri.TryCreate(authority?.Trim(), UriKind.Absolute, out var issuer) || issuer.Query.Length > 0 || issuer.Fragment.Length > 0
                || !(issuer.Scheme == Uri.UriSchemeHttps || (development && issuer.Scheme == Uri.UriSchemeHttp && IsLoopback(issuer))))
            {
                return Refusal.Invalid("authority", "The authority is the provider's issuer: an absolute https URL without query or fragment, "
                    + "such as https://login.microsoftonline.com/<tenant>/v2.0.");
            }

            if (string.IsNullOrWhiteSpace(clientId))
            {
                return Refusal.Invalid("clientId", "The client id the provider gave this application is required.");
            }

            var scopeList = (scopes ?? ["openid", "profile", "email"]).SelectMany(s => (s ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            if (scopeList.Any(s => s.Any(char.IsControl) || s.Contains('"') || s.Contains('\\')))
            {
                return Refusal.Invalid("scopes", "A scope is a word without quotes, backslashes or control characters.");
            }

            var all = scopeList.Prepend("openid").Distinct(StringComparer.Ordinal).ToList();
            if (string.Join(' ', all).Length > 500)
            {
                return Refusal.Invalid("scopes", "The scopes are at most 500 characters together.");
            }

            return new Settings(issuer.AbsoluteUri, clientId.Trim(), string.Join(' ', all), Claim(emailClaim, "email"), Claim(nameClaim, "name"));
        }

        private static string Claim(string? name, string fallback) => string.IsNullOrWhiteSpace(name) ? fallback : name.Trim();

        private static bool IsLoopback(Uri uri) => uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address));
    }
}
