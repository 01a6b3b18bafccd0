using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// The last-admin rule under concurrency: changes in one organization take its row lock first, so two
/// admins demoting each other at the same moment cannot both succeed.
/// </summary>
public abstract class LastAdminRaceTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task Two_admins_demoting_each_other_at_once_leave_exactly_one_admin()
    {
        for (var round = 0; round < 3; round++)
        {
            var (first, organizationId) = await App.OrganizationWithAdminAsync($"Race {round}");
            var second = await App.SignUpAsync("Second admin");
            await App.AddMemberAsync(organizationId, second, "admin");
            var firstId = await App.UserIdAsync(first);
            var secondId = await App.UserIdAsync(second);
            using var firstApi = await App.ApiAsync(first, organizationId.ToString());
            using var secondApi = await App.ApiAsync(second, organizationId.ToString());

            var answers = await Task.WhenAll(
                firstApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{organizationId}/members/{secondId}", new { role = "member" }),
                secondApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{organizationId}/members/{firstId}", new { role = "member" }));

            var statuses = answers.Select(a => a.StatusCode).Order().ToArray();
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], statuses);
            using var admin = App.ApiWithToken((await App.TokensAsync(Infrastructure.Organizations.PlatformAdmin)).AccessToken!);
            var members = await admin.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{organizationId}/members");
            Assert.Equal(1, members.GetProperty("items").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "admin"));
        }
    }
}

public sealed class LastAdminRaceTestsOnSqlite(SqliteApp app) : LastAdminRaceTests(app), IClassFixture<SqliteApp>;

public sealed class LastAdminRaceTestsOnPostgreSql(PostgreSqlApp app) : LastAdminRaceTests(app), IClassFixture<PostgreSqlApp>;
