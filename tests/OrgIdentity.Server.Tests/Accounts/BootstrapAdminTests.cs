using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

/// <summary><c>OrgIdentity:Bootstrap</c> naming an address that already has an account.</summary>
public abstract class BootstrapAdminTests
{
    private const string OperatorEmail = "operator@corp.test";
    private const string OperatorPassword = "operator-chosen-password";

    protected abstract OrgIdentityApp NewApp();

    [Fact]
    public async Task A_sign_up_that_never_confirmed_the_address_does_not_become_the_platform_admin_with_its_password()
    {
        var first = NewApp().With("OrgIdentity:Bootstrap:AdminEmail", null).With("OrgIdentity:Bootstrap:AdminPassword", null);
        await first.Database.EnsureAvailable();
        using (var squatter = first.CreateBrowser())
        {
            await squatter.SignUpAsync("Mallory", OperatorEmail, "squatter-password");
        }

        await using var second = first.Restart()
            .With("OrgIdentity:Bootstrap:AdminEmail", OperatorEmail)
            .With("OrgIdentity:Bootstrap:AdminPassword", OperatorPassword);
        await first.DisposeAsync();

        Assert.False(await second.CanSignInAsync(OperatorEmail, "squatter-password"));
        var tokens = await second.TokensAsync(new TestUser(OperatorEmail, OperatorPassword, "Operator"));
        var asAdmin = await second.PostToApiAsync($"/api/v1/users/{Guid.NewGuid()}/disable", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, asAdmin.StatusCode);
    }

    [Fact]
    public async Task A_confirmed_account_at_the_address_becomes_the_platform_admin_and_keeps_its_password()
    {
        var first = NewApp().With("OrgIdentity:Bootstrap:AdminEmail", null).With("OrgIdentity:Bootstrap:AdminPassword", null);
        await first.Database.EnsureAvailable();
        var owner = await first.SignUpAsync("Owner");

        await using var second = first.Restart()
            .With("OrgIdentity:Bootstrap:AdminEmail", owner.Email)
            .With("OrgIdentity:Bootstrap:AdminPassword", OperatorPassword);
        await first.DisposeAsync();

        Assert.False(await second.CanSignInAsync(owner.Email, OperatorPassword));
        var tokens = await second.TokensAsync(owner);
        var asAdmin = await second.PostToApiAsync($"/api/v1/users/{Guid.NewGuid()}/disable", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, asAdmin.StatusCode);
    }
}

public sealed class BootstrapAdminTestsOnSqlite : BootstrapAdminTests
{
    protected override OrgIdentityApp NewApp() => new SqliteApp();
}

public sealed class BootstrapAdminTestsOnPostgreSql : BootstrapAdminTests
{
    protected override OrgIdentityApp NewApp() => new PostgreSqlApp();
}
