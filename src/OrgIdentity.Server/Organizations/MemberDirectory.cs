using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;

namespace OrgIdentity.Server.Organizations;

/// <summary>
/// Keeps each membership's copy of its user's directory fields (<c>Membership.Member*</c>) equal to the user:
/// set when a membership is made, and rewritten with one statement for all of a user's memberships when the
/// profile, the last sign-in or the disabled flag changes.
/// </summary>
public static class MemberDirectory
{
    /// <summary>Sets the copy on a new membership.</summary>
    public static Membership CopyFrom(this Membership membership, User user)
    {
        membership.MemberName = NameOf(user);
        membership.MemberEmail = EmailOf(user);
        membership.MemberCompany = CompanyOf(user);
        membership.MemberSearchText = SearchTextOf(user);
        membership.MemberLastLoginAt = user.LastLoginAt ?? DateTime.MinValue;
        membership.MemberDisabled = user.IsDisabled;
        return membership;
    }

    /// <summary>Rewrites the copy in every membership of <paramref name="user"/>, in the caller's transaction.</summary>
    public static async Task SyncAsync(this OrgIdentityDbContext db, User user, CancellationToken cancellationToken = default)
    {
        string name = NameOf(user), email = EmailOf(user), company = CompanyOf(user), search = SearchTextOf(user);
        var lastLogin = user.LastLoginAt ?? DateTime.MinValue;
        await db.Memberships.Where(m => m.UserId == user.Id).ExecuteUpdateAsync(m => m
            .SetProperty(x => x.MemberName, name)
            .SetProperty(x => x.MemberEmail, email)
            .SetProperty(x => x.MemberCompany, company)
            .SetProperty(x => x.MemberSearchText, search)
            .SetProperty(x => x.MemberLastLoginAt, lastLogin)
            .SetProperty(x => x.MemberDisabled, user.IsDisabled), cancellationToken);
    }

    private static string NameOf(User user) => Truncate(user.DisplayName.ToLowerInvariant(), 256);

    private static string EmailOf(User user) => (user.Email ?? "").ToLowerInvariant();

    private static string CompanyOf(User user) => (user.Company ?? "").ToLowerInvariant();

    private static string SearchTextOf(User user) => Truncate($"{user.DisplayName}\n{user.Email}\n{user.Company}".ToLowerInvariant(), 720);

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
