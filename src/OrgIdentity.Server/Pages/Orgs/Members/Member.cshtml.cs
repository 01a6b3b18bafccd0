using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Impersonation;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Units;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// One member of the organization (the "user menu"): details, base role, custom roles and units (one Save), suspend or
/// reactivate, password reset, log in as, and removal. Each action is the service method of its API route, with the
/// same caller: <c>PATCH</c> (<see cref="MembersService.UpdateAsync"/>), <c>POST …/password-reset</c>
/// (<see cref="MemberAccounts.SendPasswordResetAsync"/>), <c>POST …/impersonations</c> (<see cref="ImpersonationService.StartAsync"/>)
/// and <c>DELETE</c> (<see cref="MembersService.RemoveAsync"/>); the services decide who may do what.
/// </summary>
[Authorize]
public sealed class MemberModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, MembersService members, MemberAccounts accounts,
    ImpersonationService impersonations, CustomRolesService roles, UnitsService units) : OrgPage(access, users, db)
{
    [BindProperty(SupportsGet = true)]
    public Guid UserId { get; set; }

    public MemberView Member { get; private set; } = null!;
    public IReadOnlyList<RoleView> CustomRoles { get; private set; } = [];

    /// <summary>The organization's units when its plan has them; else null (and no units section).</summary>
    public IReadOnlyList<UnitView>? Units { get; private set; }

    /// <summary>Why the base role and status cannot change, when this member is the organization's only active admin; else null.</summary>
    public string? OnlyAdminReason { get; private set; }

    public bool IsSelf => Member.UserId == Caller.UserId;
    public bool CanEdit => Caller.Has(MembersService.MembersEdit);
    public bool CanImpersonate => Caller.Has(PermissionCatalog.Impersonate) && !IsSelf && !Member.Disabled && Member.Status == "active";

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        var found = await members.GetAsync(Caller, UserId, cancellationToken);
        if (found.Refusal is not null)
        {
            return NotFound();
        }

        Member = found.Value!;
        CustomRoles = await roles.ListCustomAsync(Caller, cancellationToken);
        if (Organization.Has(PlanFeature.Units))
        {
            Units = await units.ListAsync(Caller, cancellationToken);
        }

        // The service refuses to demote, suspend or remove the last active admin; say so before anyone tries.
        if (Member.Role == BuiltInRoles.Admin && Member.Status == "active" && !Member.Disabled
            && !await Db.Memberships.AnyAsync(m => m.OrganizationId == OrgId && m.UserId != UserId && m.BaseRole == BuiltInRoles.Admin
                && m.Status == MembershipStatus.Active && !m.User.IsDisabled, cancellationToken))
        {
            OnlyAdminReason = IsSelf
                ? "You are the organization's only active admin, so your role cannot change and you cannot be suspended or removed: make another member an admin first."
                : "This is the organization's only active admin, so their role cannot change and they cannot be suspended or removed: make another member an admin first.";
        }

        return Page();
    }

    /// <summary>Base role, custom roles and units in one change, as <c>PATCH …/members/{userId}</c>.</summary>
    public async Task<IActionResult> OnPostSaveAsync([Bind(Prefix = "Access")] AccessForm form, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        // Units are sent only when the plan has them (the service refuses them otherwise); none checked means all of them.
        var withUnits = Organization.Has(PlanFeature.Units);
        var change = new MemberChange(string.IsNullOrEmpty(form.Role) ? null : form.Role, form.Roles, null,
            withUnits ? form.Units.Count > 0 : null, withUnits ? form.Units : null);
        return await AnswerAsync(await members.UpdateAsync(Caller, UserId, change, cancellationToken), "The role and access were saved.", cancellationToken);
    }

    /// <summary>The permissions toggle: suspends or reactivates the membership (<c>PATCH</c> with <c>status</c>).</summary>
    public async Task<IActionResult> OnPostStatusAsync(string? status, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        var updated = await members.UpdateAsync(Caller, UserId, new MemberChange(null, null, status), cancellationToken);
        return await AnswerAsync(updated, updated.Value?.Status == "suspended" ? "The membership is suspended." : "The membership is active again.", cancellationToken);
    }

    public async Task<IActionResult> OnPostPasswordResetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        return await accounts.SendPasswordResetAsync(Caller, UserId, cancellationToken) is { } refusal
            ? await BackAsync(refusal, cancellationToken)
            : Done("A password reset e-mail was sent.", Route);
    }

    /// <summary>"Log in as": starts the impersonation, then opens its session URL in this (the admin's) browser.</summary>
    public async Task<IActionResult> OnPostImpersonateAsync(string? reason, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        var started = await impersonations.StartAsync(Caller, User, new NewImpersonation(UserId, reason), cancellationToken);
        return started.Refusal is { } refusal ? await BackAsync(refusal, cancellationToken) : Redirect(started.Value!.SessionUrl!);
    }

    /// <summary>Removes the membership (the account stays), then back to the list; leaving oneself goes to the organization list.</summary>
    public async Task<IActionResult> OnPostRemoveAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        var name = (await members.GetAsync(Caller, UserId, cancellationToken)).Value?.DisplayName ?? "The member";
        if (await members.RemoveAsync(Caller, UserId, cancellationToken) is { } refusal)
        {
            return await BackAsync(refusal, cancellationToken);
        }

        Flash = UserId == Caller.UserId ? $"You left {OrganizationName}." : $"{name} was removed from {OrganizationName}.";
        return UserId == Caller.UserId ? RedirectToPage("/Orgs/Index") : RedirectToPage("/Orgs/Members", new { orgId = OrgId });
    }

    private object Route => new { orgId = OrgId, userId = UserId };

    private async Task<IActionResult> AnswerAsync(Outcome<MemberView> outcome, string message, CancellationToken cancellationToken) =>
        outcome.Refusal is { } refusal ? await BackAsync(refusal, cancellationToken) : Done(message, Route);

    /// <summary>
    /// Back to the member page with the refusal's reason; a member this organization does not have (another's id) is the
    /// page's own 404, as its GET answers.
    /// </summary>
    private async Task<IActionResult> BackAsync(Refusal refusal, CancellationToken cancellationToken) =>
        refusal.Status == StatusCodes.Status404NotFound && (await members.GetAsync(Caller, UserId, cancellationToken)).Refusal is not null
            ? NotFound()
            : Refused(refusal, Route);

    public string When(DateTime? at) => at is { } value ? value.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC" : "never";
}

/// <summary>The access form's fields: the base role, the custom role keys checked and the unit ids checked.</summary>
public sealed class AccessForm
{
    public string? Role { get; set; }
    public List<string> Roles { get; set; } = [];
    public List<Guid> Units { get; set; } = [];
}
