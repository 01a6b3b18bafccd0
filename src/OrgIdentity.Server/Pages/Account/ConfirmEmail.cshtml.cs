using Microsoft.AspNetCore.Mvc.RazorPages;
using OrgIdentity.Server.Accounts;

namespace OrgIdentity.Server.Pages.Account;

public sealed class ConfirmEmailModel(AccountsService accounts) : PageModel
{
    public bool Confirmed { get; private set; }

    public async Task OnGetAsync(Guid userId, string? code)
    {
        Confirmed = !string.IsNullOrEmpty(code) && (await accounts.ConfirmEmailAsync(userId, code)).Succeeded;
        if (!Confirmed)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
    }
}
