using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's Roles tab: the built-in roles and the organization's custom roles with their permissions and member
/// counts, through <see cref="CustomRolesService"/> (the service behind <c>/api/v1/orgs/{orgId}/roles</c>).
/// </summary>
[Authorize]
public sealed class RolesModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, CustomRolesService roles, PermissionCatalog catalog)
    : OrgPage(access, users, db)
{
    public IReadOnlyList<RoleView> Roles { get; private set; } = [];

    /// <summary>Whether to offer New, Edit and Delete; the service checks <c>roles:edit</c> again on every change.</summary>
    public bool CanEdit => Caller.Has(CustomRolesService.RolesEdit);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("roles:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        Roles = await roles.ListAsync(Caller, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string key, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("roles:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        return await roles.DeleteAsync(Caller, key, cancellationToken) is { } refusal ? Refused(refusal) : Done($"The role '{key}' was deleted.");
    }

    public IReadOnlyList<string> Summary(RoleView role) => PermissionSummary.Of(catalog, role.Permissions);
}

/// <summary>A role's permissions in a few words: one entry per kind at its highest action, or "All permissions".</summary>
public static class PermissionSummary
{
    public static IReadOnlyList<string> Of(PermissionCatalog catalog, IEnumerable<string> permissions)
    {
        var granted = catalog.Expand(permissions);
        if (catalog.All.All(granted.Contains))
        {
            return ["All permissions"];
        }

        var summary = catalog.Kinds
            .Select(kind => granted.Contains($"{kind}:{PermissionCatalog.Edit}") ? $"{kind}: edit" : granted.Contains($"{kind}:{PermissionCatalog.View}") ? $"{kind}: view" : null)
            .OfType<string>().ToList();
        if (granted.Contains(PermissionCatalog.Impersonate))
        {
            summary.Add(PermissionCatalog.Impersonate);
        }

        return summary;
    }
}
