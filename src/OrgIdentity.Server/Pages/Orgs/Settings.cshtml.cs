using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's Settings tab: the organization's name, slug, default role per join path, welcome e-mails, units label,
/// open sign-up and self-join by verified domain, saved through <see cref="OrganizationsService.UpdateAsync"/> (the
/// service behind <c>PATCH /api/v1/orgs/{orgId}</c>, which checks <c>organization-settings:edit</c>). Whoever may only
/// view sees the same form, read-only.
/// </summary>
[Authorize]
public sealed class SettingsModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, OrganizationsService organizations)
    : OrgPage(access, users, db)
{
    [BindProperty]
    public SettingsInput Input { get; set; } = new();

    /// <summary>The refusal's message under its field (the service names the field in camelCase, as the API does).</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public bool CanEdit => Caller.Has(DomainsService.SettingsEdit);

    /// <summary>The join paths whose default role is set here; a path of a feature outside the plan is left out.</summary>
    public IEnumerable<JoinPath> Paths => JoinPath.All.Where(p => p.Feature is null || Organization.Has(p.Feature.Value));

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken) is { } refused)
        {
            return refused;
        }

        Input = SettingsInput.From(Organization);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsView, cancellationToken) is { } refused)
        {
            return refused;
        }

        var defaults = Input.DefaultRoles;
        // A field the form did not show (a feature outside the plan) arrives as null and stays as it is.
        var change = new OrganizationChange(Input.Name, Input.Slug,
            new JoinDefaultsChange(defaults.Invitation, defaults.AdminCreated, defaults.InviteLink, defaults.SelfSignup, defaults.Sso, defaults.Scim),
            Organization.Has(PlanFeature.Units) ? Input.UnitsLabel : null, Input.OpenSignUp, Input.SelfJoinByVerifiedDomain, Input.WelcomeEmails);
        var outcome = await organizations.UpdateAsync(Caller, change, cancellationToken);
        if (outcome.Refusal is { Field: { } field } invalid)
        {
            // Shown next to its field, with what was typed kept.
            Errors[field] = invalid.Detail;
            return Page();
        }

        return outcome.Refusal is { } refusal ? Refused(refusal) : Done("Settings saved.");
    }

    public string? ErrorFor(string field) => Errors.GetValueOrDefault(field);

    public static IReadOnlyList<string> RolesFor(JoinPath path) => path.AllowsAdmin ? BuiltInRoles.Keys : [BuiltInRoles.Member, BuiltInRoles.Viewer];
}

/// <summary>The settings form; an empty text box is an empty string (refused by the service), an absent one null (kept).</summary>
public sealed class SettingsInput
{
    [DisplayFormat(ConvertEmptyStringToNull = false)]
    public string? Name { get; set; }

    [DisplayFormat(ConvertEmptyStringToNull = false)]
    public string? Slug { get; set; }

    [DisplayFormat(ConvertEmptyStringToNull = false)]
    public string? UnitsLabel { get; set; }

    public bool OpenSignUp { get; set; }
    public bool SelfJoinByVerifiedDomain { get; set; }
    public bool WelcomeEmails { get; set; }
    public DefaultRolesInput DefaultRoles { get; set; } = new();

    public static SettingsInput From(Organization organization) => new()
    {
        Name = organization.Name,
        Slug = organization.Slug,
        UnitsLabel = organization.UnitsLabel,
        OpenSignUp = organization.OpenSignUp,
        SelfJoinByVerifiedDomain = organization.SelfJoinByVerifiedDomain,
        WelcomeEmails = organization.WelcomeEmails,
        DefaultRoles = new()
        {
            Invitation = organization.DefaultRoles.Invitation,
            AdminCreated = organization.DefaultRoles.AdminCreated,
            InviteLink = organization.DefaultRoles.InviteLink,
            SelfSignup = organization.DefaultRoles.SelfSignup,
            Sso = organization.DefaultRoles.Sso,
            Scim = organization.DefaultRoles.Scim,
        },
    };
}

public sealed class DefaultRolesInput
{
    public string? Invitation { get; set; }
    public string? AdminCreated { get; set; }
    public string? InviteLink { get; set; }
    public string? SelfSignup { get; set; }
    public string? Sso { get; set; }
    public string? Scim { get; set; }

    public string? this[string key] => key switch
    {
        "invitation" => Invitation,
        "adminCreated" => AdminCreated,
        "inviteLink" => InviteLink,
        "selfSignup" => SelfSignup,
        "sso" => Sso,
        "scim" => Scim,
        _ => null,
    };
}

/// <summary>
/// A way into the organization with its own default role; <paramref name="Key"/> is the API's field name.
/// Paths nobody vets (an invite link, self sign-up, SSO, SCIM) never make someone an admin: the service refuses it.
/// </summary>
public sealed record JoinPath(string Key, string Label, string Hint, bool AllowsAdmin, PlanFeature? Feature = null)
{
    public static readonly IReadOnlyList<JoinPath> All =
    [
        new("adminCreated", "Added by an admin", "Someone an admin adds directly.", true),
        new("invitation", "Invitation", "Someone who accepts an e-mail invitation.", true, PlanFeature.Invitations),
        new("inviteLink", "Invite link", "Someone who joins through the shareable invite link.", false, PlanFeature.Invitations),
        new("selfSignup", "Self sign-up", "Someone who joins by open sign-up or by a verified e-mail domain.", false),
        new("sso", "SSO", "Someone who first signs in through the organization's SSO.", false, PlanFeature.Sso),
        new("scim", "Directory sync", "Someone provisioned by the organization's directory (SCIM).", false, PlanFeature.Scim),
    ];

    /// <summary>The form field's name (the property of <see cref="DefaultRolesInput"/>).</summary>
    public string InputName => "Input.DefaultRoles." + char.ToUpperInvariant(Key[0]) + Key[1..];

    public string InputId => "default-" + Key;
}
