using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Units;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's Invitations tab (plan feature Invitations): the e-mail invitations with a status filter, Resend and
/// Revoke per pending one (<see cref="InvitationsService"/>, as <c>…/invitations</c>), and the Invite link card
/// (<see cref="InviteLinksService"/>, as <c>…/invite-link</c>: create, regenerate, revoke). The link's URL is a secret only
/// <c>members:edit</c> reads, so the card is shown to them only.
/// </summary>
[Authorize]
public sealed class InvitationsModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, InvitationsService invitations,
    InviteLinksService links, CustomRolesService roles, UnitsService units) : OrgPage(access, users, db)
{
    public const int PageSize = 50;

    public static readonly IReadOnlyList<string> Statuses = ["pending", "expired", "accepted", "revoked"];

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    public Page<InvitationView>? Invitations { get; private set; }
    public string? Problem { get; private set; }

    /// <summary>The display names of the people who sent the invitations shown.</summary>
    public IReadOnlyDictionary<Guid, string> Inviters { get; private set; } = new Dictionary<Guid, string>();

    /// <summary>The live invite link, when there is one and the caller may read it.</summary>
    public InviteLinkView? Link { get; private set; }

    public bool CanEdit => Caller.Has(MembersService.MembersEdit);

    /// <summary>The Invite dialog's check boxes: the organization's custom roles and (when its plan has them) units.</summary>
    public GrantChoices InviteGrants { get; private set; } = null!;

    /// <summary>The custom roles and units the invite link's form offers, the live link's checked.</summary>
    public GrantChoices LinkGrants { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken, PlanFeature.Invitations) is { } refused)
        {
            return refused;
        }

        var listed = await invitations.ListAsync(Caller, string.IsNullOrEmpty(Status) ? null : Status, Cursor, PageSize, cancellationToken);
        if (listed.Refusal is { } invalid)
        {
            Problem = invalid.Detail;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Invitations = listed.Value;
            var ids = Invitations!.Items.Select(i => i.InvitedBy).OfType<Guid>().Distinct().ToList();
            var people = await Db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToListAsync(cancellationToken);
            Inviters = people.ToDictionary(u => u.Id, u => u.DisplayName);
        }

        if (CanEdit)
        {
            // No live link is a 404 from the service: the card then offers to create one.
            Link = (await links.GetAsync(Caller, cancellationToken)).Value;
            var customRoles = await roles.ListCustomAsync(Caller, cancellationToken);
            var unitChoices = Organization.Has(PlanFeature.Units) ? await units.ListAsync(Caller, cancellationToken) : null;
            InviteGrants = new GrantChoices("Invite", customRoles, unitChoices, Organization.UnitsLabel, [], []);
            // The link's form starts from the live link's grants, so Regenerate keeps them unless changed.
            LinkGrants = new GrantChoices("Link", customRoles, unitChoices, Organization.UnitsLabel, Link?.Roles ?? [], Link?.Units ?? []);
        }

        return Page();
    }

    /// <summary>The Invite dialog, as on the Members tab: <c>POST …/invitations</c>.</summary>
    public async Task<IActionResult> OnPostInviteAsync(InviteForm invite, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken, PlanFeature.Invitations) is { } refused)
        {
            return refused;
        }

        var sent = await invitations.InviteAsync(Caller, new NewInvitation(invite.Email, string.IsNullOrWhiteSpace(invite.Role) ? null : invite.Role,
            invite.Roles, invite.Units), cancellationToken);
        return sent.Refusal is { } refusal ? Refused(refusal) : Done(InvitationsService.SentMessage);
    }

    public async Task<IActionResult> OnPostResendAsync(Guid invitationId, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken, PlanFeature.Invitations) is { } refused)
        {
            return refused;
        }

        var resent = await invitations.ResendAsync(Caller, invitationId, cancellationToken);
        return resent.Refusal is { } refusal ? Refused(refusal) : Done(InvitationsService.SentMessage);
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid invitationId, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken, PlanFeature.Invitations) is { } refused)
        {
            return refused;
        }

        return await invitations.RevokeAsync(Caller, invitationId, cancellationToken) is { } refusal
            ? Refused(refusal)
            : Done("The invitation was revoked; its link no longer works.");
    }

    /// <summary>Creates the invite link, or regenerates it (the previous URL dies), as <c>POST …/invite-link</c>.</summary>
    public async Task<IActionResult> OnPostCreateLinkAsync(string? role, int? expiresInHours, int? maxUses, string? allowedDomains,
        [FromForm(Name = "Link.Roles")] List<string>? linkRoles, [FromForm(Name = "Link.Units")] List<Guid>? linkUnits, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken, PlanFeature.Invitations) is { } refused)
        {
            return refused;
        }

        if (!ModelState.IsValid)
        {
            // Not numbers (the inputs are type=number, so only a hand-made post): refuse rather than quietly use the defaults.
            return Refused(Refusal.Invalid("expiresInHours", "The hours and the number of uses must be whole numbers."));
        }

        // Domains as typed: separated by commas, spaces or lines; the service checks each.
        var domains = allowedDomains?.Split([',', ' ', '\n', '\r', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var created = await links.CreateAsync(Caller, new InviteLinkRequest(string.IsNullOrEmpty(role) ? null : role, linkRoles ?? [],
            Organization.Has(PlanFeature.Units) ? linkUnits ?? [] : null, expiresInHours, maxUses, domains is { Length: > 0 } ? domains : null), cancellationToken);
        return created.Refusal is { } refusal ? Refused(refusal) : Done("A new invite link is ready; any previous link no longer works.");
    }

    public async Task<IActionResult> OnPostRevokeLinkAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken, PlanFeature.Invitations) is { } refused)
        {
            return refused;
        }

        return await links.RevokeAsync(Caller, cancellationToken) is { } refusal
            ? Refused(refusal)
            : Done("The invite link was revoked; it no longer works.");
    }

    public static string Badge(string status) => status switch
    {
        "pending" => "warn",
        "accepted" => "good",
        "revoked" => "bad",
        _ => "",
    };

    public static string When(DateTime at) => at.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC";
}
