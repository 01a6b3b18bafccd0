using System.Security.Claims;
using BenchmarkDotNet.Attributes;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Benchmarks.Micro;

/// <summary>
/// The principal of every token (ConnectClaims): a service account's on each client-credentials request, a person's
/// on each code and refresh redemption. Claims, scopes, resources and destinations; no signing.
/// </summary>
public class ClaimsBenchmarks
{
    private static readonly string[] ServiceAccountScopes = ["orgidentity.api", "orders:view", "assets:edit", "billing:view"];
    private static readonly string[] UserScopes = ["openid", "profile", "email", "offline_access", "orgidentity.api", "orders:view"];

    private readonly Guid accountId = Guid.Parse("0199a3b5-7c1e-7d2a-9f00-00000000abcd");
    private readonly DateTimeOffset signedInAt = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);
    private OrganizationAccess access = null!;
    private User user = null!;

    [GlobalSetup]
    public void Setup()
    {
        access = Fixtures.Access();
        user = new User
        {
            Id = Guid.Parse("0199a3b5-7c1e-7d2a-9f00-00000000beef"),
            Email = "ada.lovelace@northwind.example",
            UserName = "ada.lovelace@northwind.example",
            EmailConfirmed = true,
            GivenName = "Ada",
            FamilyName = "Lovelace",
            Company = "Northwind Traders",
            SecurityStamp = "KJ3X5UQZ7N2WAHB4L6TQ5RZ2Y7M4C3PD",
        };
    }

    [Benchmark(Description = "ForServiceAccount (4 scopes, 2 permissions)")]
    public ClaimsPrincipal ServiceAccount() => ConnectClaims.ForServiceAccount(accountId, "nightly-export", access, ServiceAccountScopes, Fixtures.Catalog);

    [Benchmark(Description = "ForUser (openid profile email offline_access api + 1 permission)")]
    public ClaimsPrincipal User() => ConnectClaims.ForUser(user, UserScopes, signedInAt, access, Fixtures.Catalog);

    [Benchmark(Description = "ForUser without an organization")]
    public ClaimsPrincipal UserWithoutOrganization() => ConnectClaims.ForUser(user, UserScopes, signedInAt, null, Fixtures.Catalog);
}
