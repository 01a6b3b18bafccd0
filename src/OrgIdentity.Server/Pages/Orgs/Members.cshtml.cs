using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Units;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's Members tab (issue 12, first screen): search, sort by any column, filters by role and status, a switch
/// for disabled users, keyset pages of 50, and the CSV export of every member whatever the search. It reads through
/// <see cref="MemberList"/>, the service behind <c>GET /api/v1/orgs/{orgId}/members</c>. With <c>members:edit</c>, the
/// Invite dialog (<see cref="InvitationsService.InviteAsync"/>, as <c>POST …/invitations</c>) and the Create New User dialog
/// (<see cref="MemberAccounts.CreateAsync"/>, as <c>POST …/members</c>).
/// </summary>
[Authorize]
public sealed class MembersModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, MemberList list, MemberAccounts accounts,
    InvitationsService invitations, CustomRolesService roles, UnitsService units) : OrgPage(access, users, db)
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Sort { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Role { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Unit { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool IncludeDisabled { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    public Page<MemberView>? Members { get; private set; }
    public string? Problem { get; private set; }

    /// <summary>The organization's units, when its plan has them (for the column, the filter and the dialogs); else null.</summary>
    public IReadOnlyList<UnitView>? Units { get; private set; }

    /// <summary>The organization's custom roles, for the dialogs' check boxes.</summary>
    public IReadOnlyList<RoleView> CustomRoles { get; private set; } = [];

    public bool CanEdit => Caller.Has(MembersService.MembersEdit);
    public bool CanInvite => CanEdit && Organization.Has(PlanFeature.Invitations);

    public static readonly IReadOnlyList<(string Key, string Label)> Columns =
        [("name", "Name"), ("email", "E-mail"), ("company", "Company"), ("role", "Role"), ("joined", "Joined"), ("lastLogin", "Last login")];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        if (Organization.Has(PlanFeature.Units))
        {
            Units = await units.ListAsync(Caller, cancellationToken);
        }

        if (CanEdit)
        {
            CustomRoles = await roles.ListCustomAsync(Caller, cancellationToken);
        }

        var unit = Units is null ? null : Unit;
        var outcome = await list.ListAsync(OrgId, new MemberListRequest(Search, Sort, Role, unit, Status, null, IncludeDisabled, Cursor, PageSize), cancellationToken);
        if (outcome.Refusal is { } invalid)
        {
            Problem = invalid.Detail;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Members = outcome.Value;
        return Page();
    }

    /// <summary>Every member as CSV, streamed, like <c>GET …/members/export</c>.</summary>
    public async Task<IActionResult> OnGetExportAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"members-{OrganizationSlug}.csv\"";
        await list.ExportAsync(OrgId, Response.Body, null, cancellationToken);
        return new EmptyResult();
    }

    /// <summary>The Invite dialog: an e-mail invitation, as <c>POST …/invitations</c>.</summary>
    public async Task<IActionResult> OnPostInviteAsync(InviteForm invite, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken, PlanFeature.Invitations) is { } refused)
        {
            return refused;
        }

        var sent = await invitations.InviteAsync(Caller, new NewInvitation(invite.Email, Blank(invite.Role), invite.Roles, invite.Units), cancellationToken);
        return sent.Refusal is { } refusal ? Refused(refusal) : Done(InvitationsService.SentMessage);
    }

    /// <summary>The Create New User dialog, as <c>POST …/members</c>: an account and membership, or an invitation when the address has an account.</summary>
    public async Task<IActionResult> OnPostCreateAsync(NewUserForm newUser, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        var created = await accounts.CreateAsync(Caller, new NewMember(null, newUser.GivenName, newUser.FamilyName, newUser.Email, newUser.Company,
            Blank(newUser.Role), newUser.Roles, newUser.Units, new WelcomeEmail(newUser.SendWelcome, newUser.WelcomeSubject, newUser.BccMe)), cancellationToken);
        if (created.Refusal is { } refusal)
        {
            return Refused(refusal);
        }

        return created.Value!.Member is { } member
            ? Done($"{member.DisplayName} was added to {OrganizationName}." + (newUser.SendWelcome ? " A welcome e-mail is on its way." : ""))
            // The address already has an account: adding that person needs their consent, so the service invited them.
            : Done($"{newUser.Email?.Trim()} already has an account, so they were invited instead. {InvitationsService.SentMessage}");
    }

    /// <summary>A blank choice is the organization's default.</summary>
    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The units a member sees, by name: "All" unless limited to some (admins never are).</summary>
    public string UnitNames(MemberView member)
    {
        if (!member.LimitedToUnits || member.Role == BuiltInRoles.Admin)
        {
            return "All";
        }

        var names = member.Units.Select(id => Units?.FirstOrDefault(u => u.Id == id)?.Name).OfType<string>().Order(StringComparer.CurrentCulture).ToList();
        return names.Count == 0 ? "None" : string.Join(", ", names);
    }

    /// <summary>The sort a column's header links to: ascending first, then descending.</summary>
    public string SortFor(string column) => Sort == column ? "-" + column : column;

    public string? Arrow(string column) => Sort == column || (Sort is null && column == "name") ? "▲" : Sort == "-" + column ? "▼" : null;
}

/// <summary>The Invite dialog's fields.</summary>
public sealed class InviteForm
{
    public string? Email { get; set; }
    public string? Role { get; set; }
    public List<string> Roles { get; set; } = [];
    public List<Guid> Units { get; set; } = [];
}

/// <summary>The Create New User dialog's fields; the welcome e-mail's box is checked on the form, so unchecked posts false.</summary>
public sealed class NewUserForm
{
    public string? GivenName { get; set; }
    public string? FamilyName { get; set; }
    public string? Email { get; set; }
    public string? Company { get; set; }
    public string? Role { get; set; }
    public List<string> Roles { get; set; } = [];
    public List<Guid> Units { get; set; } = [];
    public bool SendWelcome { get; set; }
    public string? WelcomeSubject { get; set; }
    public bool BccMe { get; set; }
}
