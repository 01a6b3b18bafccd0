using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Data;

/// <summary>What happens when the server starts on a database it has seen before.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task A_start_interrupted_during_migration_does_not_block_the_next_start_on_SQLite()
    {
        var first = new SqliteApp();
        await using (var scope = first.Services.CreateAsyncScope())
        {
            // What a start killed in the middle of MigrateAsync leaves behind.
            await scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>().Database
                .ExecuteSqlRawAsync("INSERT INTO \"__EFMigrationsLock\" (\"Id\", \"Timestamp\") VALUES (1, '2026-01-01 00:00:00+00:00')");
        }

        await using var second = first.Restart();
        await first.DisposeAsync();
        var start = Task.Run(() => second.CreateBrowser().GetAsync("/health/ready"));

        var finished = await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(start, finished);
        Assert.Equal(HttpStatusCode.OK, (await start).StatusCode);
    }

    [Fact]
    public async Task Development_keys_and_sessions_survive_a_restart()
    {
        var first = new SqliteApp();
        var user = await first.SignUpAsync();
        var tokens = await first.TokensAsync(user);
        var keys = await first.CreateBrowser().Http.GetStringAsync("/.well-known/jwks");

        await using var second = first.Restart();
        await first.DisposeAsync();
        using var browser = second.CreateBrowser();

        Assert.Equal(keys, await browser.Http.GetStringAsync("/.well-known/jwks"));
        // The refresh token was encrypted with the old process's keys; the same keys read it now.
        var refreshed = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.Equal(Oidc.Jwt(tokens.AccessToken!).Subject, Oidc.Jwt(refreshed.AccessToken!).Subject);
    }

    [Fact]
    public async Task With_migrations_at_start_turned_off_the_server_runs_on_a_migrated_database()
    {
        var first = new SqliteApp();
        _ = first.Server;

        await using var second = first.Restart().With("OrgIdentity:Database:ApplyMigrationsAtStartup", "false");
        await first.DisposeAsync();
        var ready = await second.CreateBrowser().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task A_client_changed_in_configuration_is_updated_at_the_next_start()
    {
        var first = new SqliteApp();
        _ = first.Server;

        await using var second = first.Restart().With("OrgIdentity:Clients:10:RedirectUris:0", "https://moved.test/callback");
        await first.DisposeAsync();
        using var browser = second.CreateBrowser();
        var old = await browser.GetAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create()));
        var moved = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, "https://moved.test/callback", "openid", Oidc.Pkce.Create()));

        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        Assert.Null(old.Headers.Location);
        Assert.Equal("/Account/Login", moved.RequestMessage!.RequestUri!.AbsolutePath);
    }
}
