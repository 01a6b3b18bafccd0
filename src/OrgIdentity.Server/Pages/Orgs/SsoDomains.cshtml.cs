using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Sso;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's SSO and domains tab: the organization's e-mail domains (add, show the TXT record to publish, verify,
/// remove) through <see cref="DomainsService"/>, and, when the plan includes SSO, its SSO connections (add, enable or
/// disable, test, remove; edited on their own page) through <see cref="SsoConnectionsService"/>, the services behind
/// <c>/api/v1/orgs/{orgId}/domains</c> and <c>…/sso-connections</c>. A client secret is only ever written, never shown.
/// </summary>
[Authorize]
public sealed class SsoDomainsModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, DomainsService domains,
    SsoConnectionsService connections) : OrgPage(access, users, db)
{
    [BindProperty]
    [DisplayFormat(ConvertEmptyStringToNull = false)]
    public string? Domain { get; set; }

    [BindProperty]
    public SsoConnectionInput Connection { get; set; } = new();

    public IReadOnlyList<DomainView> Domains { get; private set; } = [];

    /// <summary>Null when the plan has no SSO: the section is left out.</summary>
    public IReadOnlyList<SsoConnectionView>? Connections { get; private set; }

    public string RedirectUri => connections.RedirectUri;

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public bool CanEdit => Caller.Has(DomainsService.SettingsEdit);

    public bool HasSso => Organization.Has(PlanFeature.Sso);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken) is { } refused)
        {
            return refused;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAddDomainAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken) is { } refused)
        {
            return refused;
        }

        var added = await domains.AddAsync(Caller, Domain, cancellationToken);
        if (added.Refusal is { Field: { } field } invalid)
        {
            return await RedisplayAsync("domain." + field, invalid, cancellationToken);
        }

        return added.Refusal is { } refusal
            ? Refused(refusal)
            : Done($"{added.Value!.Domain} was added. Publish its TXT record below, then press Verify.");
    }

    /// <summary>Checks the TXT record; <paramref name="force"/> (platform admins only, the service checks) marks the domain verified without DNS.</summary>
    public async Task<IActionResult> OnPostVerifyDomainAsync(Guid id, bool force, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken) is { } refused)
        {
            return refused;
        }

        var verified = await domains.VerifyAsync(Caller, id, force, cancellationToken);
        return verified.Refusal is { } refusal ? Refused(refusal) : Done($"{verified.Value!.Domain} is verified.");
    }

    public async Task<IActionResult> OnPostRemoveDomainAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken) is { } refused)
        {
            return refused;
        }

        return await domains.RemoveAsync(Caller, id, cancellationToken) is { } refusal ? Refused(refusal) : Done("The domain was removed.");
    }

    public async Task<IActionResult> OnPostAddConnectionAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken, PlanFeature.Sso) is { } refused)
        {
            return refused;
        }

        var created = await connections.CreateAsync(Caller, Connection.ToNew(), cancellationToken);
        if (created.Refusal is { Field: { } field } invalid)
        {
            return await RedisplayAsync("sso." + field, invalid, cancellationToken);
        }

        return created.Refusal is { } refusal
            ? Refused(refusal)
            : Done($"The connection {created.Value!.Name} was added. Register the redirect URI at the provider, then press Test.");
    }

    public async Task<IActionResult> OnPostEnableConnectionAsync(Guid id, bool enabled, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken, PlanFeature.Sso) is { } refused)
        {
            return refused;
        }

        var updated = await connections.UpdateAsync(Caller, id, new SsoConnectionChange(null, null, null, null, null, null, null, enabled, null), cancellationToken);
        return updated.Refusal is { } refusal ? Refused(refusal) : Done($"{updated.Value!.Name} is {(enabled ? "enabled" : "disabled")}.");
    }

    public async Task<IActionResult> OnPostTestConnectionAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken, PlanFeature.Sso) is { } refused)
        {
            return refused;
        }

        var tested = await connections.TestAsync(Caller, id, cancellationToken);
        if (tested.Refusal is { } refusal)
        {
            return Refused(refusal);
        }

        (Flash, FlashError) = Describe(tested.Value!);
        return RedirectToPage(null, new { orgId = OrgId });
    }

    public async Task<IActionResult> OnPostDeleteConnectionAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken, PlanFeature.Sso) is { } refused)
        {
            return refused;
        }

        return await connections.DeleteAsync(Caller, id, cancellationToken) is { } refusal ? Refused(refusal) : Done("The SSO connection was removed.");
    }

    public string? ErrorFor(string field) => Errors.GetValueOrDefault(field);

    /// <summary>The test's findings as a flash message: a pass names the issuer, a failure lists every problem.</summary>
    public static (string? Passed, string? Problems) Describe(SsoConnectionTest test) => test.Ok
        ? ($"Test passed: the provider {test.Issuer} publishes a usable discovery document (authorization endpoint {test.AuthorizationEndpoint}).", null)
        : (null, "Test found problems: " + string.Join(" ", test.Problems));

    private async Task<IActionResult> RedisplayAsync(string field, Refusal invalid, CancellationToken cancellationToken)
    {
        // What was typed stays in the form (but the secret, which is never sent back), with the reason next to the field.
        Errors[field] = invalid.Detail;
        Connection.ClientSecret = null;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Domains = await domains.ListAsync(Caller, cancellationToken);
        Connections = HasSso ? await connections.ListAsync(Caller, cancellationToken) : null;
    }
}

/// <summary>The fields of an SSO connection as the API takes them; an empty secret leaves the stored one as it is.</summary>
public sealed class SsoConnectionInput
{
    public string? Name { get; set; }
    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string? Scopes { get; set; } = "openid profile email";
    public string? EmailClaim { get; set; } = "email";
    public string? NameClaim { get; set; } = "name";
    public bool Enabled { get; set; } = true;
    public bool RequireSso { get; set; }

    public NewSsoConnection ToNew() => new(Name, Authority, ClientId, ClientSecret, ScopeList, EmailClaim, NameClaim, Enabled, RequireSso);

    public SsoConnectionChange ToChange() => new(Name ?? "", Authority ?? "", ClientId ?? "", string.IsNullOrEmpty(ClientSecret) ? null : ClientSecret,
        ScopeList ?? [], EmailClaim ?? "", NameClaim ?? "", Enabled, RequireSso);

    public static SsoConnectionInput From(SsoConnectionView view) => new()
    {
        Name = view.Name,
        Authority = view.Authority,
        ClientId = view.ClientId,
        Scopes = string.Join(' ', view.Scopes),
        EmailClaim = view.EmailClaim,
        NameClaim = view.NameClaim,
        Enabled = view.Enabled,
        RequireSso = view.RequireSso,
    };

    private IReadOnlyList<string>? ScopeList => Scopes?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
