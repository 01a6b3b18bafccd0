using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>Edit role: <see cref="CustomRolesService.UpdateAsync"/>, as <c>PUT /api/v1/orgs/{orgId}/roles/{key}</c>.</summary>
[Authorize]
public sealed class EditRoleModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, PermissionCatalog catalog, CustomRolesService roles)
    : RoleEditorModel(access, users, db, catalog)
{
    public override bool IsNew => false;

    /// <summary>How many members hold the role: changing it changes them.</summary>
    public int Holders { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(CustomRolesService.RolesEdit, cancellationToken) is { } refused)
        {
            return refused;
        }

        var found = await roles.GetAsync(Caller, Key ?? "", cancellationToken);
        if (found.Value is not { BuiltIn: false } role)
        {
            // Built-in roles are fixed: they have no edit page.
            return NotFound();
        }

        Name = role.Name;
        Description = role.Description;
        Granted = [.. role.Permissions];
        Holders = role.Members;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("roles:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        var outcome = await roles.UpdateAsync(Caller, Key ?? "", new RoleDefinition(null, Name, Description, Granted), cancellationToken);
        if (outcome.Refusal is { Status: StatusCodes.Status404NotFound })
        {
            return NotFound();
        }

        return outcome.Refusal is { } refusal ? Rejected(refusal) : BackToRoles($"The role '{outcome.Value!.Name}' was saved.");
    }
}
