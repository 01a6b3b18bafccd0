using System.Net;
using OrgIdentity.Server.Tests.Infrastructure;
using static OrgIdentity.Server.Tests.Scim.ScimClient;

namespace OrgIdentity.Server.Tests.Scim;

/// <summary>
/// <c>OrgIdentity:RateLimits:ScimPerTokenPerSecond</c>: a directory token over its rate gets 429 with <c>Retry-After</c>
/// and a SCIM error body (Entra retries those); another token of the same organization is not slowed down by it.
/// A server of its own, with a limit of 2 a second.
/// </summary>
public abstract class ScimRateLimitTests
{
    protected abstract OrgIdentityApp NewApp();

    [Fact]
    public async Task A_token_over_its_rate_gets_429_with_retry_after_and_another_token_does_not()
    {
        await using var app = await NewApp().With("OrgIdentity:RateLimits:ScimPerTokenPerSecond", "2").EnsureAvailableAsync();
        var (admin, orgId) = await app.OrganizationWithAdminAsync("Busy Directory Co");
        using var adminApi = await app.ApiAsync(admin, orgId.ToString());
        var (busy, _, _) = await CreateAsync(app, adminApi, orgId, "busy");
        var (quiet, _, _) = await CreateAsync(app, adminApi, orgId, "quiet");
        using var _busy = busy;
        using var _quiet = quiet;

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await busy.GetAsync("/Users"));
        }

        var limited = answers.FirstOrDefault(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited);
        await ExpectErrorAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"Retry-After: {limited.Headers.RetryAfter}");
        await ExpectAsync(await quiet.GetAsync("/Users"), HttpStatusCode.OK);
    }
}

public sealed class ScimRateLimitTestsOnSqlite : ScimRateLimitTests
{
    protected override OrgIdentityApp NewApp() => new SqliteApp();
}

public sealed class ScimRateLimitTestsOnPostgreSql : ScimRateLimitTests
{
    protected override OrgIdentityApp NewApp() => new PostgreSqlApp();
}
