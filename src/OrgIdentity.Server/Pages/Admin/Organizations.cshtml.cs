using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Pages.Admin;

/// <summary>
/// Every organization with its plan features, for platform admins: listed by <see cref="OrganizationsService.ListAsync"/>
/// and saved by <see cref="OrganizationsService.UpdatePlanAsync"/> (the service behind <c>PUT /api/v1/orgs/{orgId}/plan</c>),
/// with the platform admin as the organization's caller, as the API resolves them.
/// </summary>
[Authorize]
public sealed class OrganizationsModel : AdminPage
{
    public const int PageSize = 50;

    private readonly OrgIdentityDbContext database;
    private readonly OrganizationsService organizations;
    private readonly MembershipAccess access;

    public OrganizationsModel(UserManager<User> users, OrgIdentityDbContext db, OrganizationsService organizations, MembershipAccess access) : base(users, db)
    {
        database = db;
        this.organizations = organizations;
        this.access = access;
    }

    [BindProperty(SupportsGet = true)]
    public Guid? Cursor { get; set; }

    [BindProperty]
    public PlanInput Plan { get; set; } = new();

    public Page<Organization>? Organizations { get; private set; }

    /// <summary>Active members per organization on this page.</summary>
    public Dictionary<Guid, int> MemberCounts { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        Organizations = await organizations.ListAsync(UserId, everything: true, Cursor, PageSize, cancellationToken);
        var ids = Organizations.Items.Select(o => o.Id).ToList();
        MemberCounts = await database.Memberships.AsNoTracking().Where(m => ids.Contains(m.OrganizationId) && m.Status == MembershipStatus.Active)
            .GroupBy(m => m.OrganizationId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPlanAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        var back = new { cursor = Cursor };
        var organization = await database.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (organization is null)
        {
            return Refused(Hosting.Refusal.NotFound("There is no such organization."), back);
        }

        // The caller the API's organization routes would resolve for a platform admin: every permission there.
        var caller = new OrganizationCaller(UserId, true, organization, await access.ForUserAsync(UserId, id, cancellationToken), access.Everything, Actor);
        var saved = await organizations.UpdatePlanAsync(caller, new PlanFeatures
        {
            Invitations = Plan.Invitations,
            Units = Plan.Units,
            Sso = Plan.Sso,
            Scim = Plan.Scim,
        }, cancellationToken);
        return saved.Refusal is { } refusal ? Refused(refusal, back) : Done($"The plan of {organization.Name} is saved.", back);
    }
}

/// <summary>The plan's check boxes; an unchecked box is absent from the form, so false.</summary>
public sealed class PlanInput
{
    public bool Invitations { get; set; }
    public bool Units { get; set; }
    public bool Sso { get; set; }
    public bool Scim { get; set; }
}
