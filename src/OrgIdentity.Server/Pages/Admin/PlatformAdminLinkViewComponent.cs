using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;

namespace OrgIdentity.Server.Pages.Admin;

/// <summary>
/// The header's "Platform admin" link, shown only to an active platform admin. The flag is not a claim of the sign-in
/// cookie (it can change while someone is signed in), so it is read from the database: one indexed lookup per page.
/// </summary>
public sealed class PlatformAdminLinkViewComponent(UserManager<User> users, OrgIdentityDbContext db) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        var show = Guid.TryParse(users.GetUserId(UserClaimsPrincipal), out var userId)
            && await db.Users.AsNoTracking().AnyAsync(u => u.Id == userId && u.IsPlatformAdmin && !u.IsDisabled, HttpContext.RequestAborted);
        return show ? View() : Content("");
    }
}
