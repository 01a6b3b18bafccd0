using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Scim;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's Directory sync tab (plan feature Scim): the SCIM base URL, the directory tokens
/// (<see cref="DirectoryTokensService"/>, as <c>/api/v1/orgs/{orgId}/directory-tokens</c>) and the groups the directory
/// pushed (<see cref="DirectoryGroupsService"/>). A new token is rendered in the answer to the POST that made it, once.
/// </summary>
[Authorize]
public sealed class DirectorySyncModel(
    MembershipAccess access,
    UserManager<User> users,
    OrgIdentityDbContext db,
    DirectoryTokensService tokens,
    DirectoryGroupsService groups,
    IOptions<OrgIdentityOptions> options) : OrgPage(access, users, db)
{
    public IReadOnlyList<DirectoryTokenView> Tokens { get; private set; } = [];

    /// <summary>Listed only to those who may see members (as <c>GET …/directory-groups</c>).</summary>
    public IReadOnlyList<DirectoryGroupView>? Groups { get; private set; }

    /// <summary>The token just created: shown in this one answer only.</summary>
    public CreatedDirectoryToken? Created { get; private set; }

    public Refusal? Problem { get; private set; }

    [BindProperty]
    public string? Name { get; set; }

    public string ScimBaseUrl => options.Value.Link(ScimEndpoints.BasePath);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsEdit, cancellationToken, PlanFeature.Scim) is { } refused)
        {
            return refused;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostCreateTokenAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsEdit, cancellationToken, PlanFeature.Scim) is { } refused)
        {
            return refused;
        }

        var outcome = await tokens.CreateAsync(Caller, Name, ScimBaseUrl, cancellationToken);
        if (outcome.Refusal is { } refusal)
        {
            Problem = refusal;
            Response.StatusCode = refusal.Status;
        }
        else
        {
            Created = outcome.Value;
            Response.Headers.CacheControl = "no-store";
            Name = null;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeTokenAsync(Guid tokenId, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(DomainsService.SettingsEdit, cancellationToken, PlanFeature.Scim) is { } refused)
        {
            return refused;
        }

        return await tokens.RevokeAsync(Caller, tokenId, cancellationToken) is { } refusal
            ? Refused(refusal)
            : Done("The token was revoked: the directory's next call with it is refused.");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Tokens = await tokens.ListAsync(Caller, cancellationToken);
        if (Caller.Has(DirectoryGroupPage.MembersView))
        {
            Groups = await groups.ListAsync(Caller, cancellationToken);
        }
    }
}
