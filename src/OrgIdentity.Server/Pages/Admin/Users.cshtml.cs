using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Pages.Admin;

/// <summary>
/// Every account across organizations, for platform admins: search, keyset pages, disable, re-enable and delete, through
/// the same code as <c>/api/v1/users</c> (<see cref="UsersEndpoints"/>'s list and disable rule, <see cref="AccountsService"/>).
/// Disabling is the normal way to stop an account; deleting is for an account made in error.
/// </summary>
[Authorize]
public sealed class UsersModel : AdminPage
{
    public const int PageSize = 50;

    private readonly OrgIdentityDbContext database;
    private readonly AccountsService accounts;

    public UsersModel(UserManager<User> users, OrgIdentityDbContext db, AccountsService accounts) : base(users, db)
    {
        database = db;
        this.accounts = accounts;
    }

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? Cursor { get; set; }

    internal Page<UsersEndpoints.UserView>? Users { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        Users = await UsersEndpoints.PageAsync(database, Search, Cursor, PageSize, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDisableAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        return await UsersEndpoints.DisableAccountAsync(UserId, id, Actor, accounts, cancellationToken) is { } refusal
            ? Refused(refusal, Back)
            : Done("The account is disabled: it cannot sign in, and its sessions and tokens are revoked.", Back);
    }

    public async Task<IActionResult> OnPostEnableAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        return await accounts.EnableAsync(id, Actor)
            ? Done("The account is enabled again; it signs in anew (its old tokens stay revoked).", Back)
            : Refused(UsersEndpoints.NoSuchAccount, Back);
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(cancellationToken) is { } refused)
        {
            return refused;
        }

        return await accounts.DeleteAsync(id, Actor, cancellationToken) is { } refusal
            ? Refused(refusal, Back)
            : Done("The account was deleted, with its memberships.", Back);
    }

    /// <summary>The same search and page after an action.</summary>
    private object Back => new { search = Search, cursor = Cursor };
}
