using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>The client side of the protocol, written out by hand so the tests show every parameter.</summary>
public static class Oidc
{
    public sealed record Pkce(string Verifier, string Challenge)
    {
        public static Pkce Create()
        {
            var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
            return new Pkce(verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
        }
    }

    public static string AuthorizeUrl(string clientId, string redirectUri, string scope, Pkce? pkce, params (string Name, string Value)[] extra)
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = "state-" + Guid.NewGuid().ToString("N"),
            ["nonce"] = "nonce-" + Guid.NewGuid().ToString("N"),
        };
        if (pkce is not null)
        {
            query["code_challenge"] = pkce.Challenge;
            query["code_challenge_method"] = "S256";
        }

        foreach (var (name, value) in extra)
        {
            query[name] = value;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", query);
    }

    /// <summary>The parameters of a redirect back to the client (code, state, error...).</summary>
    public static Dictionary<string, string> CallbackParameters(HttpResponseMessage response, string redirectUri)
    {
        var location = response.Headers.Location ?? throw new InvalidOperationException($"Expected a redirect to the client, got {(int)response.StatusCode}.");
        Assert.StartsWith(redirectUri, location.ToString(), StringComparison.Ordinal);
        return QueryHelpers.ParseQuery(location.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    /// <summary>Signs in with the login form when asked, follows the authorize request and returns the code.</summary>
    public static async Task<string> AuthorizeCodeAsync(Browser browser, string email, string password, string clientId, string redirectUri, string scope, Pkce pkce,
        params (string Name, string Value)[] extra)
    {
        var response = await browser.OpenAsync(AuthorizeUrl(clientId, redirectUri, scope, pkce, extra));
        if (response.RequestMessage!.RequestUri!.AbsolutePath.Equals("/Account/Login", StringComparison.OrdinalIgnoreCase))
        {
            response = await browser.FollowAsync(await browser.SubmitAsync(response,
                new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password }));
        }

        var parameters = CallbackParameters(response, redirectUri);
        Assert.True(parameters.ContainsKey("code"), $"No code in {response.Headers.Location}");
        return parameters["code"];
    }

    public static Task<TokenResponse> RedeemCodeAsync(HttpClient http, string code, Pkce pkce, string clientId, string redirectUri, string? secret = null) =>
        TokenAsync(http, Form(("grant_type", "authorization_code"), ("code", code), ("code_verifier", pkce.Verifier),
            ("client_id", clientId), ("redirect_uri", redirectUri), ("client_secret", secret)));

    public static Task<TokenResponse> RefreshAsync(HttpClient http, string refreshToken, string clientId, string? secret = null, string? organization = null) =>
        TokenAsync(http, Form(("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientId), ("client_secret", secret),
            ("organization", organization)));

    public static Task<TokenResponse> ClientCredentialsAsync(HttpClient http, string clientId, string secret, string? scope = null) =>
        TokenAsync(http, Form(("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret), ("scope", scope)));

    public static async Task<TokenResponse> TokenAsync(HttpClient http, IEnumerable<KeyValuePair<string, string>> form) =>
        await TokenResponse.ReadAsync(await http.PostAsync("/connect/token", new FormUrlEncodedContent(form)));

    public static async Task<JsonElement> IntrospectAsync(HttpClient http, string token, string clientId, string secret)
    {
        var response = await http.PostAsync("/connect/introspect", new FormUrlEncodedContent(Form(("token", token), ("client_id", clientId), ("client_secret", secret))));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static List<KeyValuePair<string, string>> Form(params (string Name, string? Value)[] fields) =>
        fields.Where(f => f.Value is not null).Select(f => new KeyValuePair<string, string>(f.Name, f.Value!)).ToList();

    public static JsonWebToken Jwt(string token) => new(token);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A token endpoint answer: either tokens or an OAuth error.</summary>
public sealed record TokenResponse(System.Net.HttpStatusCode Status, JsonElement Json)
{
    public string? AccessToken => Get("access_token");
    public string? RefreshToken => Get("refresh_token");
    public string? IdToken => Get("id_token");
    public string? Error => Get("error");
    public string? ErrorDescription => Get("error_description");

    public string? Get(string name) => Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty(name, out var value) ? value.ToString() : null;

    public static async Task<TokenResponse> ReadAsync(HttpResponseMessage response) =>
        new(response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());

    public TokenResponse EnsureTokens()
    {
        Assert.True(AccessToken is not null, $"Expected tokens, got {(int)Status}: {Json}");
        return this;
    }
}
