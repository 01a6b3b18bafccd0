using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Units;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The check boxes of what a member, invitation or new user gets besides the base role: the organization's custom roles
/// and (when its plan has them) its units. <see cref="Prefix"/> names the fields (<c>{Prefix}.Roles</c>, <c>{Prefix}.Units</c>)
/// and keeps the ids unique when several forms of one page show them.
/// </summary>
public sealed record GrantChoices(string Prefix, IReadOnlyList<RoleView> Roles, IReadOnlyList<UnitView>? Units, string UnitsLabel,
    IReadOnlyCollection<string> CheckedRoles, IReadOnlyCollection<Guid> CheckedUnits, bool Disabled = false)
{
    public string Id(string field, object key) => $"{Prefix}-{field}-{key}".Replace('.', '-');
}

/// <summary>The Invite dialog (Members and Invitations tabs): the organization, its invitation default role and the grant check boxes.</summary>
public sealed record InviteDialog(string OrganizationName, string DefaultRole, GrantChoices Grants);
