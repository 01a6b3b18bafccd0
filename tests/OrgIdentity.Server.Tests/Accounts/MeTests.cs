using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Accounts;

/// <summary><c>GET/PATCH /api/v1/me</c>: a person's own profile through the API.</summary>
public abstract class MeTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task Me_answers_the_callers_profile_and_no_memberships_yet()
    {
        var user = await App.SignUpAsync("Emmy Noether");
        using var api = await ApiAsync(user);

        var me = await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/me");

        Assert.Equal(user.Email, me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
        Assert.Equal("Emmy Noether", me.GetProperty("displayName").GetString());
        Assert.False(me.GetProperty("isPlatformAdmin").GetBoolean());
        Assert.Empty(me.GetProperty("memberships").EnumerateArray());
    }

    [Fact]
    public async Task Patching_me_changes_only_the_fields_sent_and_an_empty_string_clears_one()
    {
        var user = await App.SignUpAsync("Emmy Noether");
        using var api = await ApiAsync(user);
        await api.Http.PatchAsJsonAsync("/api/v1/me", new { company = "Göttingen", givenName = "Amalie" });

        var response = await api.Http.PatchAsJsonAsync("/api/v1/me", new { givenName = "" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Emmy Noether", me.GetProperty("name").GetString());
        Assert.Equal("Göttingen", me.GetProperty("company").GetString());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("givenName").ValueKind);
        var again = await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal("Göttingen", again.GetProperty("company").GetString());
    }

    [Fact]
    public async Task A_too_long_field_is_a_validation_problem_naming_it_and_changes_nothing()
    {
        var user = await App.SignUpAsync("Emmy Noether");
        using var api = await ApiAsync(user);

        var response = await api.Http.PatchAsJsonAsync("/api/v1/me", new { name = "Someone else", company = new string('x', 201) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").EnumerateObject().Any(e => e.Name.Equals("company", StringComparison.OrdinalIgnoreCase)), problem.ToString());
        Assert.Equal("Emmy Noether", (await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_client_token_has_no_profile_and_no_token_gets_401()
    {
        using var browser = App.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();

        var anonymous = await browser.GetAsync("/api/v1/me");
        browser.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        var asClient = await browser.GetAsync("/api/v1/me");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asClient.StatusCode);
        Assert.Equal("application/problem+json", asClient.Content.Headers.ContentType?.MediaType);
    }

    private async Task<Browser> ApiAsync(TestUser user)
    {
        var tokens = await App.TokensAsync(user);
        var api = App.CreateBrowser();
        api.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return api;
    }
}

public sealed class MeTestsOnSqlite(SqliteApp app) : MeTests(app), IClassFixture<SqliteApp>;

public sealed class MeTestsOnPostgreSql(PostgreSqlApp app) : MeTests(app), IClassFixture<PostgreSqlApp>;
