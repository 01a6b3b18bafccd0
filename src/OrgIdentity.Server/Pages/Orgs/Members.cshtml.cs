using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Pages.Orgs;

/// <summary>
/// The console's Members tab (issue 12, first screen): search, sort by any column, filters by role and status, a switch
/// for disabled users, keyset pages of 50, and the CSV export of every member whatever the search. It reads through
/// <see cref="MemberList"/>, the service behind <c>GET /api/v1/orgs/{orgId}/members</c>.
/// </summary>
[Authorize]
public sealed class MembersModel(MembershipAccess access, UserManager<User> users, OrgIdentityDbContext db, MemberList list) : OrgPage(access, users, db)
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Sort { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Role { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool IncludeDisabled { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    public Page<MemberView>? Members { get; private set; }
    public string? Problem { get; private set; }

    public static readonly IReadOnlyList<(string Key, string Label)> Columns =
        [("name", "Name"), ("email", "E-mail"), ("company", "Company"), ("role", "Role"), ("joined", "Joined"), ("lastLogin", "Last login")];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync("members:view", cancellationToken) is { } refused)
        {
            return refused;
        }

        var outcome = await list.ListAsync(OrgId, new MemberListRequest(Search, Sort, Role, null, Status, null, IncludeDisabled, Cursor, PageSize), cancellationToken);
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

    /// <summary>The sort a column's header links to: ascending first, then descending.</summary>
    public string SortFor(string column) => Sort == column ? "-" + column : column;

    public string? Arrow(string column) => Sort == column || (Sort is null && column == "name") ? "▲" : Sort == "-" + column ? "▼" : null;
}
