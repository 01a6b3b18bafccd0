using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>New role: <see cref="CustomRolesService.CreateAsync"/>, as <c>POST /api/v1/orgs/{orgId}/roles</c>.</summary>
[Authorize]
public sealed class NewRoleModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, PermissionCatalog catalog, CustomRolesService roles)
    : RoleEditorModel(access, users, db, catalog)
{
    public override bool IsNew => true;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await AuthorizeAsync(CustomRolesService.RolesEdit, cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("roles:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        var outcome = await roles.CreateAsync(Caller, new RoleDefinition(Key, Name, Description, Granted), cancellationToken);
        return outcome.Refusal is { } refusal ? Rejected(refusal) : BackToRoles($"The role '{outcome.Value!.Name}' was created.");
    }
}
