using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.ServiceAccounts;
using OrgIdentity.Server.Units;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// One service account's settings: name, role, custom roles, units, expiry and the public keys (JWKS) it may sign
/// assertions with, in one change through <see cref="ServiceAccountsService.UpdateAsync"/> (as <c>PATCH
/// …/service-accounts/{accountId}</c>). Secrets are managed on the list, where a new one is shown once.
/// </summary>
[Authorize]
public sealed class ServiceAccountEditModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, ServiceAccountsService accounts,
    CustomRolesService roles, UnitsService units) : OrgPage(access, users, db)
{
    [BindProperty(SupportsGet = true)]
    public Guid AccountId { get; set; }

    public ServiceAccountView Account { get; private set; } = null!;
    public IReadOnlyList<RoleView> RoleChoices { get; private set; } = [];
    public IReadOnlyList<UnitView> UnitChoices { get; private set; } = [];

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Role { get; set; }

    [BindProperty]
    public List<string> CustomRoles { get; set; } = [];

    [BindProperty]
    public List<Guid> UnitIds { get; set; } = [];

    /// <summary>Empty means the account never expires.</summary>
    [BindProperty]
    public DateOnly? ExpiresOn { get; set; }

    /// <summary>The JWKS as JSON; empty keeps the registered keys.</summary>
    [BindProperty]
    public string? Jwks { get; set; }

    public Refusal? Problem { get; private set; }

    public bool CanEdit => Caller.Has(ServiceAccountsService.AccessTokensEdit);

    public string? ErrorFor(string field) => Problem?.Field == field ? Problem.Detail : null;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(ServiceAccountsService.AccessTokensView, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        Name = Account.Name;
        Role = Account.Role;
        CustomRoles = [.. Account.Roles];
        UnitIds = [.. Account.Units];
        ExpiresOn = Account.ExpiresAt is { } expires ? DateOnly.FromDateTime(expires) : null;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(ServiceAccountsService.AccessTokensView, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            return Invalid(Refusal.Invalid("expiresAt", "The expiry must be a date (yyyy-mm-dd)."));
        }

        JsonElement? jwks = null;
        if (!string.IsNullOrWhiteSpace(Jwks))
        {
            try
            {
                jwks = JsonDocument.Parse(Jwks).RootElement.Clone();
            }
            catch (JsonException)
            {
                return Invalid(Refusal.Invalid("jwks", "The public keys must be a JSON Web Key Set ({\"keys\": [...]})."));
            }
        }

        // Custom roles are sent only when the caller may see them (the list offers them on the same condition), and units
        // only when the plan has them: what the form did not offer stays as it is.
        var change = new ServiceAccountChange(Name, Role, Caller.Has("roles:view") ? CustomRoles : null,
            Organization.Has(PlanFeature.Units) ? UnitIds : null, ExpiresOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            NeverExpires: ExpiresOn is null, Disabled: null, jwks);
        var updated = await accounts.UpdateAsync(Caller, AccountId, change, cancellationToken);
        if (updated.Refusal is { } refusal)
        {
            return Invalid(refusal);
        }

        Flash = $"{updated.Value!.Name} was saved.";
        return RedirectToPage("/Orgs/ServiceAccounts", new { orgId = OrgId });
    }

    /// <summary>The form again, as posted, with the reason next to its field; nothing was changed.</summary>
    private PageResult Invalid(Refusal refusal)
    {
        Problem = refusal;
        Response.StatusCode = refusal.Status;
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        var found = await accounts.GetAsync(Caller, AccountId, cancellationToken);
        if (found.Refusal is not null)
        {
            return false;
        }

        Account = found.Value!;
        if (Caller.Has("roles:view"))
        {
            RoleChoices = await roles.ListCustomAsync(Caller, cancellationToken);
        }

        if (Organization.Has(PlanFeature.Units))
        {
            UnitChoices = await units.ListAsync(Caller, cancellationToken);
        }

        return true;
    }
}
