using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenIddict.EntityFrameworkCore.Models;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Connect;

public abstract class TokenPruningTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task Pruning_removes_revoked_tokens_older_than_two_weeks_and_keeps_live_ones()
    {
        // OpenIddict's store compares expiry with the machine clock, so the old token is revoked rather than expired.
        // A person's tokens: client-credentials access tokens have no row to prune.
        using var browser = App.CreateBrowser();
        var user = await App.SignUpAsync();
        var old = await App.TokensAsync(user, scope: "openid");
        var revoked = await browser.Http.PostAsync("/connect/revoke", new FormUrlEncodedContent(Oidc.Form(
            ("token", old.AccessToken), ("client_id", TestClients.CodeClient), ("client_secret", TestClients.CodeSecret))));
        Assert.True(revoked.IsSuccessStatusCode);
        App.Time.Advance(TimeSpan.FromDays(15));
        var fresh = await App.TokensAsync(user, scope: "openid");

        await App.Services.GetServices<IHostedService>().OfType<TokenPruning>().Single().PruneAsync(TestContext.Current.CancellationToken);

        var remaining = await TokenIdsAsync();
        Assert.DoesNotContain(TokenId(old), remaining);
        Assert.Contains(TokenId(fresh), remaining);
    }

    private static Guid TokenId(TokenResponse tokens) => Guid.Parse(Oidc.Jwt(tokens.AccessToken!).GetClaim("oi_tkn_id").Value);

    private async Task<List<Guid>> TokenIdsAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>()
            .Set<OpenIddictEntityFrameworkCoreToken<Guid>>().Select(t => t.Id).ToListAsync();
    }
}

public sealed class TokenPruningTestsOnSqlite(SqliteApp app) : TokenPruningTests(app), IClassFixture<SqliteApp>;

public sealed class TokenPruningTestsOnPostgreSql(PostgreSqlApp app) : TokenPruningTests(app), IClassFixture<PostgreSqlApp>;
