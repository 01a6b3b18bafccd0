using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Pages.Account;

/// <summary>"User settings": the person's own name and company, their memberships, and signing out of every session.</summary>
[Authorize]
public sealed class ProfileModel(UserManager<User> users, SignInManager<User> signIn, AccountsService accounts, MembershipAccess access) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [TempData]
    public string? StatusMessage { get; set; }

    public string Email { get; private set; } = "";

    public IReadOnlyList<MembershipSummary> Memberships { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return Challenge();
        }

        await LoadAsync(user, cancellationToken);
        Input = new InputModel { Name = user.Name, GivenName = user.GivenName, FamilyName = user.FamilyName, Company = user.Company };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return Challenge();
        }

        await LoadAsync(user, cancellationToken);
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await accounts.UpdateProfileAsync(user, new ProfileChange(Input.Name, Input.GivenName, Input.FamilyName, Input.Company), Audit.AuditActor.From(HttpContext));
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(string.Empty, error.Description);
            }

            return Page();
        }

        // The cookie carries the display name; issue a fresh one.
        await signIn.RefreshSignInAsync(user);
        StatusMessage = "Your settings have been saved.";
        return RedirectToPage();
    }

    /// <summary>Ends every session and token of the person, this browser's included, and goes to the sign-in page.</summary>
    public async Task<IActionResult> OnPostSignOutEverywhereAsync(CancellationToken cancellationToken)
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return Challenge();
        }

        await accounts.SignOutEverywhereAsync(user, Audit.AuditActor.From(HttpContext), cancellationToken);
        await signIn.SignOutAsync();
        return RedirectToPage("./SignedOut", new { everywhere = "true" });
    }

    private async Task LoadAsync(User user, CancellationToken cancellationToken)
    {
        Email = user.Email ?? "";
        Memberships = await access.ActiveMembershipsAsync(user.Id, cancellationToken);
    }

    public sealed class InputModel
    {
        [StringLength(200)]
        public string? Name { get; set; }

        [StringLength(100), Display(Name = "Given name")]
        public string? GivenName { get; set; }

        [StringLength(100), Display(Name = "Family name")]
        public string? FamilyName { get; set; }

        [StringLength(200)]
        public string? Company { get; set; }
    }
}
