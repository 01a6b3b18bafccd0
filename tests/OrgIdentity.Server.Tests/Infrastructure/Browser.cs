using System.Net;
using System.Text.RegularExpressions;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>
/// A cookie-keeping HTTP client that fills in and posts the server's HTML forms the way a browser would
/// (antiforgery token and hidden fields included) and follows redirects only inside the server.
/// </summary>
public sealed partial class Browser(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public Task<HttpResponseMessage> GetAsync(string url) => Http.GetAsync(url);

    /// <summary>GETs a page and follows local redirects; stops at a redirect that leaves the server.</summary>
    public async Task<HttpResponseMessage> OpenAsync(string url) => await FollowAsync(await Http.GetAsync(url));

    public async Task<HttpResponseMessage> FollowAsync(HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10 && IsLocalRedirect(response); hops++)
        {
            response = await Http.GetAsync(response.Headers.Location);
        }

        return response;
    }

    /// <summary>
    /// Posts the first form of <paramref name="page"/> (or the one whose action contains <paramref name="action"/>) with its
    /// own fields overridden by <paramref name="fields"/>; <paramref name="button"/> names the submit button pressed.
    /// </summary>
    public async Task<HttpResponseMessage> SubmitAsync(HttpResponseMessage page, IDictionary<string, string>? fields = null, string? button = null, string? action = null)
    {
        var html = await page.Content.ReadAsStringAsync();
        // The page's own forms are in <main>; the header holds the sign-out form (and the impersonation banner its
        // stop button): those are reached by naming their action.
        var main = html.IndexOf("<main", StringComparison.Ordinal);
        html = main >= 0 && action is null ? html[main..] : html;
        var form = FormPattern().Matches(html).FirstOrDefault(f => action is null || f.Groups["attributes"].Value.Contains(action, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No form on {page.RequestMessage?.RequestUri}: {html}");

        var values = new List<KeyValuePair<string, string>>();
        foreach (Match input in InputPattern().Matches(form.Groups["body"].Value))
        {
            var attributes = Attributes(input.Value);
            if (!attributes.TryGetValue("name", out var name) || attributes.GetValueOrDefault("type") is "submit" or "checkbox")
            {
                continue;
            }

            values.Add(new(name, attributes.GetValueOrDefault("value") ?? ""));
        }

        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            values.RemoveAll(v => v.Key == name);
            values.Add(new(name, value));
        }

        if (button is not null)
        {
            values.Add(new(button, "yes"));
        }

        var formAction = Attributes(form.Groups["attributes"].Value).GetValueOrDefault("action") is { Length: > 0 } a
            ? a
            : page.RequestMessage!.RequestUri!.PathAndQuery;
        return await Http.PostAsync(formAction, new FormUrlEncodedContent(values));
    }

    /// <summary>Signs in through the real login form.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string email, string password, string? returnUrl = null)
    {
        var page = await Http.GetAsync("/Account/Login" + (returnUrl is null ? "" : "?ReturnUrl=" + Uri.EscapeDataString(returnUrl)));
        return await SubmitAsync(page, new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password });
    }

    /// <summary>Opens an e-mail confirmation link and presses its button, as its owner would.</summary>
    public async Task<HttpResponseMessage> ConfirmEmailAsync(string link)
    {
        var page = await Http.GetAsync(link);
        return page.IsSuccessStatusCode ? await SubmitAsync(page) : page;
    }

    public static bool IsLocalRedirect(HttpResponseMessage response) =>
        (int)response.StatusCode is >= 300 and < 400
        && response.Headers.Location is { } location
        && (!location.IsAbsoluteUri || location.Host == "localhost");

    public void Dispose() => Http.Dispose();

    private static Dictionary<string, string> Attributes(string tag) =>
        AttributePattern().Matches(tag).ToDictionary(m => m.Groups["name"].Value.ToLowerInvariant(), m => WebUtility.HtmlDecode(m.Groups["value"].Value));

    [GeneratedRegex(@"<form(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FormPattern();

    [GeneratedRegex(@"<input[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputPattern();

    [GeneratedRegex(@"(?<name>[\w.\-]+)=""(?<value>[^""]*)""")]
    private static partial Regex AttributePattern();
}
