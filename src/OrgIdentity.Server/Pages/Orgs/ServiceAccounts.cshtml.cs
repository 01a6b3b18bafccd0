using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.ServiceAccounts;
using OrgIdentity.Server.Units;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's Service accounts tab, through <see cref="ServiceAccountsService"/> (as
/// <c>/api/v1/orgs/{orgId}/service-accounts</c>): list, create, rotate and revoke secrets, disable, delete. A new secret
/// is rendered in the answer to the POST that made it, never redirected nor kept anywhere, and that answer is not
/// cached: reloading the page (a GET) does not show it again.
/// </summary>
[Authorize]
public sealed class ServiceAccountsModel(
    MembershipAccess access,
    UserManager<User> users,
    OrgIdentityDbContext db,
    ServiceAccountsService accounts,
    CustomRolesService roles,
    UnitsService units,
    IOptions<OrgIdentityOptions> options) : OrgPage(access, users, db)
{
    public IReadOnlyList<ServiceAccountView> Accounts { get; private set; } = [];

    /// <summary>The organization's custom roles, to give a new account (when the caller may see roles).</summary>
    public IReadOnlyList<RoleView> RoleChoices { get; private set; } = [];

    /// <summary>The organization's units, to limit a new account to (plan feature Units).</summary>
    public IReadOnlyList<UnitView> UnitChoices { get; private set; } = [];

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string Role { get; set; } = BuiltInRoles.Member;

    [BindProperty]
    public List<string> CustomRoles { get; set; } = [];

    [BindProperty]
    public List<Guid> UnitIds { get; set; } = [];

    [BindProperty]
    public DateOnly? ExpiresOn { get; set; }

    /// <summary>The account and secret just created or added: shown in this one answer only.</summary>
    public CreatedServiceAccount? Created { get; private set; }

    public Refusal? Problem { get; private set; }

    public bool CanEdit => Caller.Has(ServiceAccountsService.AccessTokensEdit);

    public string TokenEndpoint => options.Value.Link("connect/token");

    public string? ErrorFor(string field) => Problem?.Field == field ? Problem.Detail : null;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(ServiceAccountsService.AccessTokensView, cancellationToken) is { } refused)
        {
            return refused;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(ServiceAccountsService.AccessTokensView, cancellationToken) is { } refused)
        {
            return refused;
        }

        var expiresAt = ExpiresOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var outcome = await accounts.CreateAsync(Caller, new NewServiceAccount(Name, Role, CustomRoles, UnitIds, expiresAt, null, Secret: true), cancellationToken);
        if (outcome.Refusal is { } refusal)
        {
            Problem = refusal;
            Response.StatusCode = refusal.Status;
        }
        else
        {
            ShowOnce(outcome.Value!);
            Name = null;
            Role = BuiltInRoles.Member;
            CustomRoles = [];
            UnitIds = [];
            ExpiresOn = null;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>Rotation, first half: a second secret, shown once; the old one works until it is revoked.</summary>
    public async Task<IActionResult> OnPostAddSecretAsync(Guid accountId, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(ServiceAccountsService.AccessTokensView, cancellationToken) is { } refused)
        {
            return refused;
        }

        var outcome = await accounts.AddSecretAsync(Caller, accountId, cancellationToken);
        if (outcome.Refusal is { } refusal)
        {
            return Refused(refusal);
        }

        ShowOnce(outcome.Value!);
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeSecretAsync(Guid accountId, Guid secretId, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(ServiceAccountsService.AccessTokensView, cancellationToken) is { } refused)
        {
            return refused;
        }

        return await accounts.RevokeSecretAsync(Caller, accountId, secretId, cancellationToken) is { } refusal
            ? Refused(refusal)
            : Done("The secret was revoked: it no longer gets tokens.");
    }

    public async Task<IActionResult> OnPostDisableAsync(Guid accountId, bool disabled, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(ServiceAccountsService.AccessTokensView, cancellationToken) is { } refused)
        {
            return refused;
        }

        var outcome = await accounts.UpdateAsync(Caller, accountId, new ServiceAccountChange(null, null, null, null, null, null, disabled, null), cancellationToken);
        return outcome.Refusal is { } refusal
            ? Refused(refusal)
            : Done(disabled ? $"'{outcome.Value!.Name}' was disabled: it gets no tokens until enabled." : $"'{outcome.Value!.Name}' was enabled.");
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid accountId, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(ServiceAccountsService.AccessTokensView, cancellationToken) is { } refused)
        {
            return refused;
        }

        return await accounts.DeleteAsync(Caller, accountId, cancellationToken) is { } refusal
            ? Refused(refusal)
            : Done("The service account was deleted; its tokens no longer work.");
    }

    /// <summary>Puts the secret in this answer only, and tells every cache not to keep it.</summary>
    private void ShowOnce(CreatedServiceAccount created)
    {
        Created = created;
        Response.Headers.CacheControl = "no-store";
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Accounts = await accounts.ListAsync(Caller, cancellationToken);
        if (Caller.Has("roles:view"))
        {
            RoleChoices = await roles.ListCustomAsync(Caller, cancellationToken);
        }

        // Also names the units accounts are limited to, so not only for units:view.
        if (Organization.Has(PlanFeature.Units))
        {
            UnitChoices = await units.ListAsync(Caller, cancellationToken);
        }
    }

    public string UnitName(Guid id) => UnitChoices.FirstOrDefault(u => u.Id == id)?.Name ?? "a unit since deleted";
}
