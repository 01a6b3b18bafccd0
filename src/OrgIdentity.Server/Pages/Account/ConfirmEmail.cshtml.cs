using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrgIdentity.Server.Accounts;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>
/// Opening the link only shows a button; the address is confirmed by pressing it. Mail scanners that
/// fetch every link would otherwise confirm an account someone else created with this address.
/// </summary>
public sealed class ConfirmEmailModel(AccountsService accounts) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid UserId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Code { get; set; }

    /// <summary>Where signing in leads afterwards (a local path only), e.g. the join page of an invite link.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? LocalReturnUrl => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null;

    public bool? Confirmed { get; private set; }

    public void OnGet()
    {
        if (string.IsNullOrEmpty(Code))
        {
            Refuse();
        }
    }

    public async Task OnPostAsync()
    {
        Confirmed = !string.IsNullOrEmpty(Code) && (await accounts.ConfirmEmailAsync(UserId, Code)).Succeeded;
        if (Confirmed == false)
        {
            Refuse();
        }
    }

    private void Refuse()
    {
        Confirmed = false;
        Response.StatusCode = StatusCodes.Status400BadRequest;
    }
}
