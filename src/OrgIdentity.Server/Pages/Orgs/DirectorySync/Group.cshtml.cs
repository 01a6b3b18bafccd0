using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Scim;
using OrgIdentity.Server.Units;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// One directory group's mapping to a base role, custom roles and units: Preview lists the members whose access would
/// change (<see cref="DirectoryGroupsService.PreviewAsync"/>, changing nothing), Save applies it
/// (<see cref="DirectoryGroupsService.SetMappingAsync"/>), as <c>…/directory-groups/{groupId}/mapping</c>.
/// </summary>
[Authorize]
public sealed class DirectoryGroupPage(
    MembershipAccess access,
    UserManager<User> users,
    OrgIdentityDbContext db,
    OrgIdentityDbContext reads,
    DirectoryGroupsService groups,
    CustomRolesService roles,
    UnitsService units) : OrgPage(access, users, db)
{
    /// <summary>What reading directory groups needs (<c>GET …/directory-groups</c>).</summary>
    public const string MembersView = "members:view";

    [BindProperty(SupportsGet = true)]
    public Guid GroupId { get; set; }

    public DirectoryGroupView Group { get; private set; } = null!;

    /// <summary>The base role the group gives; empty for none.</summary>
    [BindProperty]
    public string? Role { get; set; }

    [BindProperty]
    public List<string> CustomRoles { get; set; } = [];

    [BindProperty]
    public List<Guid> UnitIds { get; set; } = [];

    public IReadOnlyList<RoleView> RoleChoices { get; private set; } = [];
    public IReadOnlyList<UnitView> UnitChoices { get; private set; } = [];

    /// <summary>The members a Preview found would change; null until previewed.</summary>
    public IReadOnlyList<GroupAccessChange>? Preview { get; private set; }

    public Refusal? Problem { get; private set; }

    private Dictionary<Guid, string> _roleNames = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await OpenAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        Role = Group.Mapping.Role;
        CustomRoles = [.. Group.Mapping.Roles];
        UnitIds = [.. Group.Mapping.Units];
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken cancellationToken)
    {
        if (await OpenAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        var outcome = await groups.PreviewAsync(Caller, GroupId, Mapping(), cancellationToken);
        if (outcome.Refusal is { } refusal)
        {
            Problem = refusal;
            Response.StatusCode = refusal.Status;
        }
        else
        {
            Preview = outcome.Value;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        if (await OpenAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        var outcome = await groups.SetMappingAsync(Caller, GroupId, Mapping(), cancellationToken);
        if (outcome.Refusal is { } refusal)
        {
            Problem = refusal;
            Response.StatusCode = refusal.Status;
            return Page();
        }

        return Done($"The mapping of '{outcome.Value!.DisplayName}' was saved and applied to its {outcome.Value.Members} member(s).", new { orgId = OrgId, groupId = GroupId });
    }

    public string RoleName(Guid id) => _roleNames.GetValueOrDefault(id, "a deleted role");

    public string UnitName(Guid id) => UnitChoices.FirstOrDefault(u => u.Id == id)?.Name ?? "a deleted unit";

    private DirectoryGroupMapping Mapping() => new(string.IsNullOrEmpty(Role) ? null : Role, CustomRoles, UnitIds);

    /// <summary>The tab's permission and plan, then the group (404 outside this organization) and the choices of the form.</summary>
    private async Task<IActionResult?> OpenAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsEdit, cancellationToken, PlanFeature.Scim) is { } refused)
        {
            return refused;
        }

        if (!Caller.Has(MembersView))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        var found = await groups.GetAsync(Caller, GroupId, cancellationToken);
        if (found.Value is not { } group)
        {
            return NotFound();
        }

        Group = group;
        RoleChoices = await roles.ListCustomAsync(Caller, cancellationToken);
        if (Organization.Has(PlanFeature.Units))
        {
            UnitChoices = await units.ListAsync(Caller, cancellationToken);
        }

        // The preview names roles by id; the page shows their names. (`reads` is the same scoped context as the
        // base page's, asked for twice because a constructor parameter passed to the base cannot also be kept.)
        _roleNames = await reads.OrganizationRoles.AsNoTracking().Where(r => r.OrganizationId == OrgId).ToDictionaryAsync(r => r.Id, r => r.Name, cancellationToken);
        return null;
    }
}
