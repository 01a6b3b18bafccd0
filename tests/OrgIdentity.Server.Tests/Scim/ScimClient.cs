using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Scim;

/// <summary>A directory's side of SCIM: requests to <c>/scim/v2</c> with an organization's directory token, as Entra ID and Okta send them.</summary>
public sealed class ScimClient(Browser browser) : IDisposable
{
    public const string MediaType = "application/scim+json";

    public HttpClient Http => browser.Http;

    public static async Task<(ScimClient Client, string Token, Guid TokenId)> CreateAsync(OrgIdentityApp app, Browser adminApi, Guid organizationId, string name = "Entra ID")
    {
        var created = await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{organizationId}/directory-tokens", new { name });
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        return (WithToken(app, token), token, body.GetProperty("id").GetGuid());
    }

    public static ScimClient WithToken(OrgIdentityApp app, string? token)
    {
        var browser = app.CreateBrowser();
        if (token is not null)
        {
            browser.Http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        }

        browser.Http.DefaultRequestHeaders.Accept.ParseAdd("application/scim+json; charset=utf-8");
        return new ScimClient(browser);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync("/scim/v2" + path);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string json, string contentType = MediaType, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, "/scim/v2" + path) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string path, string json, string contentType = MediaType) => SendAsync(HttpMethod.Post, path, json, contentType);
    public Task<HttpResponseMessage> PutAsync(string path, string json, string? ifMatch = null) => SendAsync(HttpMethod.Put, path, json, ifMatch: ifMatch);
    public Task<HttpResponseMessage> PatchAsync(string path, string json) => SendAsync(HttpMethod.Patch, path, json);
    public Task<HttpResponseMessage> DeleteAsync(string path) => Http.DeleteAsync("/scim/v2" + path);

    /// <summary>The body of a response that must have the status given, with the SCIM media type.</summary>
    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        if (status == HttpStatusCode.NoContent)
        {
            return default;
        }

        Assert.Equal(MediaType, response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>An error body of RFC 7644 §3.12: the status (a string), the scimType when given, and a detail.</summary>
    public static async Task<JsonElement> ExpectErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? scimType = null)
    {
        var body = await ExpectAsync(response, status);
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", body.GetProperty("schemas")[0].GetString());
        Assert.Equal(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()));
        if (scimType is not null)
        {
            Assert.Equal(scimType, body.GetProperty("scimType").GetString());
        }

        return body;
    }

    public void Dispose() => browser.Dispose();
}
