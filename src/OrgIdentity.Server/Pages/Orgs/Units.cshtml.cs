using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Units;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's Units tab (plan feature Units): the organization's units under its own word for them (e.g. Brands),
/// created, renamed and deleted through <see cref="UnitsService"/>, as <c>/api/v1/orgs/{orgId}/units</c>.
/// </summary>
[Authorize]
public sealed class UnitsModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, UnitsService units) : OrgPage(access, users, db)
{
    public const string Permission = "units:view";

    public IReadOnlyList<UnitView> Units { get; private set; } = [];

    public bool CanEdit => Caller.Has(UnitsService.UnitsEdit);

    /// <summary>The organization's word for its units ("Units" unless it chose e.g. "Brands").</summary>
    public string Label => string.IsNullOrWhiteSpace(Organization.UnitsLabel) ? "Units" : Organization.UnitsLabel;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(Permission, cancellationToken, PlanFeature.Units) is { } refused)
        {
            return refused;
        }

        Units = await units.ListAsync(Caller, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(string? name, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(Permission, cancellationToken, PlanFeature.Units) is { } refused)
        {
            return refused;
        }

        var outcome = await units.CreateAsync(Caller, name, cancellationToken);
        return outcome.Refusal is { } refusal ? Refused(refusal) : Done($"'{outcome.Value!.Name}' was added.");
    }

    public async Task<IActionResult> OnPostRenameAsync(Guid unitId, string? name, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(Permission, cancellationToken, PlanFeature.Units) is { } refused)
        {
            return refused;
        }

        var outcome = await units.RenameAsync(Caller, unitId, name, cancellationToken);
        return outcome.Refusal is { } refusal ? Refused(refusal) : Done($"Renamed to '{outcome.Value!.Name}'.");
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid unitId, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(Permission, cancellationToken, PlanFeature.Units) is { } refused)
        {
            return refused;
        }

        return await units.DeleteAsync(Caller, unitId, cancellationToken) is { } refusal ? Refused(refusal) : Done("The unit was deleted.");
    }
}
