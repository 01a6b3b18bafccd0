using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Sso;

namespace OrgIdentity.Server.Pages.Orgs.SsoDomains;

/// <summary>
/// One SSO connection, edited through <see cref="SsoConnectionsService.UpdateAsync"/> (the service behind
/// <c>PATCH …/sso-connections/{id}</c>); an empty client secret keeps the stored one, which is never shown.
/// </summary>
[Authorize]
public sealed class ConnectionModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, SsoConnectionsService connections)
    : OrgPage(access, users, db)
{
    [BindProperty(SupportsGet = true)]
    public Guid ConnectionId { get; set; }

    [BindProperty]
    public SsoConnectionInput Connection { get; set; } = new();

    public SsoConnectionView? Current { get; private set; }

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public bool CanEdit => Caller.Has(DomainsService.SettingsEdit);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken, PlanFeature.Sso) is { } refused)
        {
            return refused;
        }

        var found = await connections.GetAsync(Caller, ConnectionId, cancellationToken);
        if (found.Refusal is not null)
        {
            return NotFound();
        }

        Current = found.Value;
        Connection = SsoConnectionInput.From(Current!);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken, PlanFeature.Sso) is { } refused)
        {
            return refused;
        }

        var updated = await connections.UpdateAsync(Caller, ConnectionId, Connection.ToChange(), cancellationToken);
        if (updated.Refusal is { Field: { } field } invalid)
        {
            Errors["sso." + field] = invalid.Detail;
            Connection.ClientSecret = null;
            var found = await connections.GetAsync(Caller, ConnectionId, cancellationToken);
            Current = found.Value;
            return Current is null ? NotFound() : Page();
        }

        return updated.Refusal is { } refusal
            ? Refused(refusal, new { orgId = OrgId, connectionId = ConnectionId })
            : Done($"{updated.Value!.Name} was saved.", new { orgId = OrgId, connectionId = ConnectionId });
    }

    public async Task<IActionResult> OnPostTestAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken, PlanFeature.Sso) is { } refused)
        {
            return refused;
        }

        var tested = await connections.TestAsync(Caller, ConnectionId, cancellationToken);
        var back = new { orgId = OrgId, connectionId = ConnectionId };
        if (tested.Refusal is { } refusal)
        {
            return Refused(refusal, back);
        }

        (Flash, FlashError) = SsoDomainsModel.Describe(tested.Value!);
        return RedirectToPage(null, back);
    }

    public string? ErrorFor(string field) => Errors.GetValueOrDefault(field);
}
