using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// Gets a person's access token by plain HTTP, as a browser and a single-page app would: the authorization code flow
/// of the Development client <c>spa</c> with PKCE, signing in through the login form (antiforgery token included), and
/// refreshes it. Cookies are kept by the HttpClient's handler (<see cref="ServerHttp"/>, <see cref="CookieJar"/>).
/// A minimal copy of tests/OrgIdentity.Server.Tests/Infrastructure/Browser.cs and Oidc.cs.
/// </summary>
internal sealed partial class TokenClient(Uri server, string email, string password, bool forwardedHttps = false)
{
    public const string ClientId = "spa";
    private const string RedirectUri = "http://localhost:3000/callback";
    private const string Scope = "openid offline_access orgidentity.api";

    private int logins;
    private string? accessToken;
    private string? refreshToken;
    private DateTime expiresAt;

    /// <summary>An access token and its refresh token.</summary>
    internal sealed record TokenSet(string AccessToken, string? RefreshToken, int ExpiresIn);

    /// <summary>How many times this client posted the login form (a flow that found a session cookie does not).</summary>
    public int Logins => Volatile.Read(ref logins);

    /// <summary>A valid access token; refreshed a minute before it expires.</summary>
    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        if (accessToken is not null && DateTime.UtcNow < expiresAt)
        {
            return accessToken;
        }

        using var http = ServerHttp.Client(server, forwardedHttps, new CookieJar());
        var (status, tokens) = refreshToken is not null
            ? await RefreshAsync(http, refreshToken, cancellationToken)
            : await CodeFlowAsync(http, cancellationToken);
        if (tokens is null)
        {
            throw new InvalidOperationException($"The token endpoint answered {status}.");
        }

        accessToken = tokens.AccessToken;
        refreshToken = tokens.RefreshToken;
        expiresAt = DateTime.UtcNow.AddSeconds(tokens.ExpiresIn - 60);
        return accessToken;
    }

    /// <summary>Signs in as a new browser would (no cookies) and returns the tokens of the code flow.</summary>
    public async Task<TokenSet> SignInAsync(CancellationToken cancellationToken)
    {
        using var http = ServerHttp.Client(server, forwardedHttps, new CookieJar());
        var (status, tokens) = await CodeFlowAsync(http, cancellationToken);
        return tokens ?? throw new InvalidOperationException($"The token endpoint answered {status}.");
    }

    /// <summary>
    /// The authorization code flow with PKCE through <paramref name="http"/> (whose handler keeps the cookies): authorize,
    /// the login form when there is no session cookie yet, the redirect with the code, the token request. The status
    /// is the token endpoint's, or a failed step's.
    /// </summary>
    public async Task<(int Status, TokenSet? Tokens)> CodeFlowAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var form = await AuthorizationCodeAsync(http, cancellationToken);
        return await TokenAsync(http, form, cancellationToken);
    }

    /// <summary>One refresh of the public client: the answer carries the next refresh token (rotation).</summary>
    public static Task<(int Status, TokenSet? Tokens)> RefreshAsync(HttpClient http, string refreshToken, CancellationToken cancellationToken,
        string clientId = ClientId, Uri? tokenEndpoint = null) =>
        TokenAsync(http, Form(("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientId)), cancellationToken, tokenEndpoint);

    private static async Task<(int Status, TokenSet? Tokens)> TokenAsync(HttpClient http, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken,
        Uri? tokenEndpoint = null)
    {
        using var response = await http.PostAsync(tokenEndpoint ?? new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(form), cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return ((int)response.StatusCode, null);
        }

        var json = JsonDocument.Parse(body).RootElement;
        return ((int)response.StatusCode, new TokenSet(json.GetProperty("access_token").GetString()!,
            json.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null, json.GetProperty("expires_in").GetInt32()));
    }

    private async Task<List<KeyValuePair<string, string>>> AuthorizationCodeAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Guid.NewGuid().ToString("N");
        var authorize = QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = ClientId,
            ["redirect_uri"] = RedirectUri,
            ["response_type"] = "code",
            ["scope"] = Scope,
            ["state"] = state,
            ["nonce"] = Guid.NewGuid().ToString("N"),
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });

        var response = await FollowAsync(http, await http.GetAsync(new Uri(authorize, UriKind.Relative), cancellationToken), cancellationToken);
        if (response.StatusCode == HttpStatusCode.OK && response.RequestMessage!.RequestUri!.AbsolutePath.Equals("/Account/Login", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref logins);
            response = await FollowAsync(http, await SubmitLoginAsync(http, response, cancellationToken), cancellationToken);
        }

        var location = response.Headers.Location;
        if (location is null || !location.ToString().StartsWith(RedirectUri, StringComparison.Ordinal))
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new FlowFailedException((int)response.StatusCode,
                $"Signing in as {email} did not end at the client's redirect URI but at {(int)response.StatusCode} {response.RequestMessage?.RequestUri} " +
                $"(is the Development client 'spa' declared, and are the e-mail and password right?): {body[..Math.Min(body.Length, 500)]}");
        }

        var parameters = QueryHelpers.ParseQuery(location.Query);
        if (!parameters.TryGetValue("code", out var code) || parameters["state"] != state)
        {
            throw new InvalidOperationException($"No code in {location}.");
        }

        return Form(("grant_type", "authorization_code"), ("code", code.ToString()), ("code_verifier", verifier), ("client_id", ClientId),
            ("redirect_uri", RedirectUri));
    }

    /// <summary>Follows redirects inside the server; stops at one that leaves it (the client's redirect URI).</summary>
    private async Task<HttpResponseMessage> FollowAsync(HttpClient http, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        for (var hops = 0; hops < 10 && (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location
                            && (!location.IsAbsoluteUri || location.Authority == server.Authority); hops++)
        {
            response = await http.GetAsync(location, cancellationToken);
        }

        return response;
    }

    /// <summary>Posts the login form with its hidden fields (antiforgery token, return URL) and the credentials.</summary>
    private async Task<HttpResponseMessage> SubmitLoginAsync(HttpClient http, HttpResponseMessage page, CancellationToken cancellationToken)
    {
        var html = await page.Content.ReadAsStringAsync(cancellationToken);
        var main = html.IndexOf("<main", StringComparison.Ordinal);
        var form = FormPattern().Match(main >= 0 ? html[main..] : html);
        if (!form.Success)
        {
            throw new InvalidOperationException($"No login form on {page.RequestMessage!.RequestUri}.");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match input in InputPattern().Matches(form.Groups["body"].Value))
        {
            var attributes = AttributePattern().Matches(input.Value)
                .ToDictionary(a => a.Groups["name"].Value.ToLowerInvariant(), a => WebUtility.HtmlDecode(a.Groups["value"].Value));
            if (attributes.TryGetValue("name", out var name) && attributes.GetValueOrDefault("type") is not ("submit" or "checkbox"))
            {
                fields[name] = attributes.GetValueOrDefault("value") ?? "";
            }
        }

        fields["Input.Email"] = email;
        fields["Input.Password"] = password;
        var action = AttributePattern().Matches(form.Groups["attributes"].Value).FirstOrDefault(a => a.Groups["name"].Value == "action")?.Groups["value"].Value;
        var target = string.IsNullOrEmpty(action) ? page.RequestMessage!.RequestUri! : new Uri(WebUtility.HtmlDecode(action), UriKind.RelativeOrAbsolute);
        return await http.PostAsync(target, new FormUrlEncodedContent(fields), cancellationToken);
    }

    private static List<KeyValuePair<string, string>> Form(params (string Name, string Value)[] fields) =>
        fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();

    private static string Base64Url(byte[] bytes) => WebEncoders.Base64UrlEncode(bytes);

    [GeneratedRegex(@"<form(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FormPattern();

    [GeneratedRegex(@"<input[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputPattern();

    [GeneratedRegex(@"(?<name>[\w.\-]+)=""(?<value>[^""]*)""")]
    private static partial Regex AttributePattern();
}

/// <summary>A request or a step of a flow did not answer as expected; <see cref="Label"/> (an HTTP status or a word) is counted as its error.</summary>
internal sealed class FlowFailedException(string label, string message) : InvalidOperationException(message)
{
    public FlowFailedException(int status, string message)
        : this(status.ToString(System.Globalization.CultureInfo.InvariantCulture), message)
    {
    }

    public string Label { get; } = label;
}
