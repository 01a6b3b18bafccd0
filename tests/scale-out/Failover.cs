// The load of tests/scale-out/run.sh: client-credentials tokens, refresh-token chains and SCIM creates through the load
// balancer at once, every answer recorded, so that the script can say what happened before, during and after a replica
// died, and check afterwards that nothing answered was lost. A .NET 10 file-based program:
//   dotnet run --file tests/scale-out/Failover.cs -- load --target http://127.0.0.1:8090 --stop-file DIR/stop --out DIR ...
//   dotnet run --file tests/scale-out/Failover.cs -- report --out DIR
// It is not OrgIdentity.Benchmarks: that driver reports figures, this one keeps each SCIM id and each refresh token
// answered, which the checks need.
#:property PublishAot=false
#:property RestorePackagesWithLockFile=false

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

var options = Options.Parse(args);
return options.Verb switch
{
    "load" => await Load.RunAsync(options),
    "report" => Report.Run(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Failover.cs load --target URL --out DIR [--stop-file FILE] [--duration 600] [--email E --password P] [--cc 8 --refresh 4 --scim 4]");
    Console.Error.WriteLine("       (the load runs until FILE exists, or --duration seconds at most)");
    Console.Error.WriteLine("       Failover.cs report --out DIR   (DIR/events holds 'kill <unix ms>' and 'ready <unix ms>' lines)");
    return 2;
}

internal sealed record Options(string Verb, Dictionary<string, string> Values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Options(args.Length > 0 ? args[0] : "", values);
    }

    public string Get(string name, string? fallback = null) =>
        Values.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required.");

    public int Int(string name, int fallback) => Values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}

/// <summary>One answer (or failure) as the load saw it: when it was sent and ended, which verb, and its status (0: no HTTP answer).</summary>
internal sealed record Outcome(long SentUnixMs, long AtUnixMs, string Verb, int Status, string? Detail);

internal static class Load
{
    public static async Task<int> RunAsync(Options options)
    {
        var target = new Uri(options.Get("target").TrimEnd('/') + "/");
        var duration = TimeSpan.FromSeconds(options.Int("duration", 600));
        var stopFile = options.Get("stop-file", "");
        var output = Directory.CreateDirectory(options.Get("out")).FullName;
        var email = options.Get("email", "scale-admin@example.com");
        var password = options.Get("password", "scale-admin-password-1");
        using var http = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = 64,
            // A dead upstream's connections are dropped by nginx; do not keep them long.
            PooledConnectionLifetime = TimeSpan.FromSeconds(5),
        })
        { BaseAddress = target, Timeout = TimeSpan.FromSeconds(15) };

        // Set-up (not timed): the platform admin's token, an organization, a service account and a directory token.
        var admin = await Browser.SignInForTokensAsync(target, email, password);
        using var adminApi = new HttpClient { BaseAddress = target };
        adminApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.GetProperty("access_token").GetString());
        var slug = "failover-" + Guid.NewGuid().ToString("N")[..8];
        var org = await Json(await adminApi.PostAsJsonAsync("api/v1/orgs", new { name = "Failover " + slug, slug }), HttpStatusCode.Created);
        var orgId = org.GetProperty("id").GetString()!;
        var account = await Json(await adminApi.PostAsJsonAsync($"api/v1/orgs/{orgId}/service-accounts", new { name = "Failover load", role = "viewer" }),
            HttpStatusCode.Created);
        var clientId = account.GetProperty("account").GetProperty("clientId").GetString()!;
        var clientSecret = account.GetProperty("clientSecret").GetString()!;
        var directory = await Json(await adminApi.PostAsJsonAsync($"api/v1/orgs/{orgId}/directory-tokens", new { name = "Failover load" }), HttpStatusCode.Created);
        var scimToken = directory.GetProperty("token").GetString()!;
        var chains = new List<string>();
        for (var i = 0; i < options.Int("refresh", 4); i++)
        {
            chains.Add((await Browser.SignInForTokensAsync(target, email, password)).GetProperty("refresh_token").GetString()!);
        }

        await File.WriteAllTextAsync(Path.Combine(output, "organization"), orgId + "\n");
        Console.WriteLine($"set up: organization {orgId}, service account {clientId}, {chains.Count} refresh chains");

        var outcomes = new ConcurrentQueue<Outcome>();
        var created = new ConcurrentQueue<string>();
        var lastTokens = new string[chains.Count];
        var lost = new ConcurrentQueue<string>();
        var end = DateTime.UtcNow + duration;
        using var stopWatcher = new Timer(_ =>
        {
            if (stopFile.Length > 0 && File.Exists(stopFile))
            {
                end = DateTime.UtcNow;
            }
        }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
        File.WriteAllText(Path.Combine(output, "started"), Now().ToString(CultureInfo.InvariantCulture) + "\n");

        async Task<(int Status, JsonElement? Body, string? Detail)> SendAsync(string verb, Func<HttpRequestMessage> request)
        {
            var sent = Now();
            try
            {
                using var message = request();
                using var response = await http.SendAsync(message);
                var text = await response.Content.ReadAsStringAsync();
                JsonElement? body = null;
                if (text.StartsWith('{'))
                {
                    body = JsonDocument.Parse(text).RootElement.Clone();
                }

                var status = (int)response.StatusCode;
                outcomes.Enqueue(new Outcome(sent, Now(), verb, status, response.IsSuccessStatusCode ? null : text[..Math.Min(200, text.Length)]));
                return (status, body, text);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
            {
                outcomes.Enqueue(new Outcome(sent, Now(), verb, 0, exception.GetType().Name + ": " + exception.Message));
                return (0, null, exception.Message);
            }
        }

        HttpRequestMessage TokenRequest(params (string, string)[] form) => new(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))),
        };

        var workers = new List<Task>();
        for (var i = 0; i < options.Int("cc", 8); i++)
        {
            workers.Add(Task.Run(async () =>
            {
                while (DateTime.UtcNow < end)
                {
                    await SendAsync("cc", () => TokenRequest(("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", clientSecret),
                        ("scope", "orgidentity.api")));
                }
            }));
        }

        for (var i = 0; i < chains.Count; i++)
        {
            var chain = i;
            workers.Add(Task.Run(async () =>
            {
                var token = chains[chain];
                while (DateTime.UtcNow < end)
                {
                    var (status, body, detail) = await SendAsync("refresh", () => TokenRequest(("grant_type", "refresh_token"), ("refresh_token", token),
                        ("client_id", "spa")));
                    if (status == 200)
                    {
                        token = body!.Value.GetProperty("refresh_token").GetString()!;
                    }
                    else if (status is 400 or 401)
                    {
                        // An answered token that the server then refused: lost. Start the chain again to keep the load.
                        lost.Enqueue($"chain {chain}: {detail}");
                        token = (await Browser.SignInForTokensAsync(target, email, password)).GetProperty("refresh_token").GetString()!;
                    }

                    // 0 or 5xx: no answer (the replica died under it): the same token is sent again.
                }

                lastTokens[chain] = token;
            }));
        }

        for (var i = 0; i < options.Int("scim", 4); i++)
        {
            workers.Add(Task.Run(async () =>
            {
                while (DateTime.UtcNow < end)
                {
                    var userName = $"{slug}-{Guid.NewGuid():N}@example.com";
                    var (status, body, _) = await SendAsync("scim", () =>
                    {
                        var message = new HttpRequestMessage(HttpMethod.Post, "scim/v2/Users")
                        {
                            Content = new StringContent(JsonSerializer.Serialize(new
                            {
                                schemas = new[] { "urn:ietf:params:scim:schemas:core:2.0:User" },
                                userName,
                                name = new { givenName = "Fail", familyName = "Over" },
                                emails = new[] { new { value = userName, type = "work", primary = true } },
                                active = true,
                            }), Encoding.UTF8, "application/scim+json"),
                        };
                        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", scimToken);
                        return message;
                    });
                    if (status == 201)
                    {
                        created.Enqueue(userName + "\t" + body!.Value.GetProperty("id").GetString());
                    }
                }
            }));
        }

        await Task.WhenAll(workers);
        File.WriteAllText(Path.Combine(output, "ended"), Now().ToString(CultureInfo.InvariantCulture) + "\n");

        // Every chain's last answered refresh token must still work.
        var unusable = 0;
        foreach (var token in lastTokens)
        {
            var (status, _, detail) = await SendAsync("final-refresh", () => TokenRequest(("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", "spa")));
            if (status != 200)
            {
                unusable++;
                lost.Enqueue("last token: " + detail);
            }
        }

        await File.WriteAllLinesAsync(Path.Combine(output, "scim-created.tsv"), created);
        await File.WriteAllLinesAsync(Path.Combine(output, "lost-refresh-tokens"), lost);
        await File.WriteAllLinesAsync(Path.Combine(output, "outcomes.tsv"),
            outcomes.Select(o => string.Join('\t', o.SentUnixMs.ToString(CultureInfo.InvariantCulture), o.AtUnixMs.ToString(CultureInfo.InvariantCulture), o.Verb, o.Status.ToString(CultureInfo.InvariantCulture),
                (o.Detail ?? "").ReplaceLineEndings(" ").Replace('\t', ' '))));
        Console.WriteLine($"load done: {outcomes.Count} requests, {created.Count} SCIM users answered 201, " +
                          $"{lastTokens.Length - unusable}/{lastTokens.Length} final refresh tokens usable, {lost.Count} refresh tokens lost");
        return 0;
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        return response.StatusCode == expected
            ? JsonDocument.Parse(text).RootElement.Clone()
            : throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
    }
}

/// <summary>The code flow of the Development client <c>spa</c> with PKCE through the login form, by plain HTTP.</summary>
internal static partial class Browser
{
    private const string RedirectUri = "http://localhost:3000/callback";

    public static async Task<JsonElement> SignInForTokensAsync(Uri server, string email, string password)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = server };
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = "connect/authorize?client_id=spa&response_type=code&scope=openid%20offline_access%20orgidentity.api"
                        + $"&redirect_uri={Uri.EscapeDataString(RedirectUri)}&state=s&nonce=n&code_challenge={challenge}&code_challenge_method=S256";
        var response = await FollowAsync(http, await http.GetAsync(authorize));
        if (response.RequestMessage!.RequestUri!.AbsolutePath.Equals("/Account/Login", StringComparison.OrdinalIgnoreCase))
        {
            var html = await response.Content.ReadAsStringAsync();
            var main = html.IndexOf("<main", StringComparison.Ordinal);
            var form = FormPattern().Match(main >= 0 ? html[main..] : html);
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
            response = await FollowAsync(http, await http.PostAsync(response.RequestMessage.RequestUri, new FormUrlEncodedContent(fields)));
        }

        var location = response.Headers.Location?.ToString() ?? "";
        var code = Regex.Match(location, "[?&]code=([^&]+)").Groups[1].Value;
        if (!location.StartsWith(RedirectUri, StringComparison.Ordinal) || code.Length == 0)
        {
            throw new InvalidOperationException($"Signing in as {email} ended at {(int)response.StatusCode} {response.RequestMessage?.RequestUri} {location}");
        }

        using var token = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = Uri.UnescapeDataString(code),
            ["code_verifier"] = verifier,
            ["client_id"] = "spa",
            ["redirect_uri"] = RedirectUri,
        }));
        var json = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.Clone();
        return token.IsSuccessStatusCode ? json : throw new InvalidOperationException($"The code was refused: {json}");
    }

    private static async Task<HttpResponseMessage> FollowAsync(HttpClient http, HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10 && (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location
                            && (!location.IsAbsoluteUri || location.Authority == http.BaseAddress!.Authority); hops++)
        {
            response = await http.GetAsync(location);
        }

        return response;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex(@"<form(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FormPattern();

    [GeneratedRegex(@"<input[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputPattern();

    [GeneratedRegex(@"(?<name>[\w.\-]+)=""(?<value>[^""]*)""")]
    private static partial Regex AttributePattern();
}

/// <summary>Throughput and errors per verb before the kill, from the kill until the restarted replica was ready, and after.</summary>
internal static class Report
{
    public static int Run(Options options)
    {
        var output = options.Get("out");
        long Read(string name) => long.Parse(File.ReadAllText(Path.Combine(output, name)).Trim(), CultureInfo.InvariantCulture);
        var events = File.ReadAllLines(Path.Combine(output, "events")).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        var (started, ended) = (Read("started"), Read("ended"));
        var (kill, ready) = (events["kill"], events.GetValueOrDefault("ready", ended));
        var outcomes = File.ReadAllLines(Path.Combine(output, "outcomes.tsv")).Select(l => l.Split('\t'))
            .Select(p => new Outcome(long.Parse(p[0], CultureInfo.InvariantCulture), long.Parse(p[1], CultureInfo.InvariantCulture), p[2],
                int.Parse(p[3], CultureInfo.InvariantCulture), p[4]))
            .Where(o => o.Verb != "final-refresh").ToList();
        var phases = new (string Name, long From, long To)[] { ("before", started, kill), ("during", kill, ready), ("after", ready, ended) };

        Console.WriteLine();
        Console.WriteLine($"| phase | seconds | verb | answered 2xx | per second | errors (status: count; 0 = no answer) |");
        Console.WriteLine("| --- | ---: | --- | ---: | ---: | --- |");
        foreach (var (name, from, to) in phases)
        {
            var seconds = Math.Max(0.001, (to - from) / 1000.0);
            foreach (var verb in new[] { "cc", "refresh", "scim" })
            {
                var mine = outcomes.Where(o => o.Verb == verb && o.AtUnixMs >= from && o.AtUnixMs < to).ToList();
                var ok = mine.Count(o => o.Status is >= 200 and < 300);
                var errors = string.Join(", ", mine.Where(o => o.Status is < 200 or >= 300).GroupBy(o => o.Status).OrderBy(g => g.Key)
                    .Select(g => $"{g.Key}: {g.Count()}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {seconds:0.0} | {verb} | {ok} | {ok / seconds:0} | {(errors.Length == 0 ? "none" : errors)} |"));
            }
        }

        var failures = outcomes.Where(o => o.Status is < 200 or >= 300).ToList();
        Console.WriteLine();
        Console.WriteLine($"errors outside the failover window: {failures.Count(o => o.AtUnixMs < kill || o.AtUnixMs >= ready)}; " +
                          $"errors of requests sent after the kill: {failures.Count(o => o.SentUnixMs > kill)} " +
                          $"(the last at +{failures.Where(o => o.SentUnixMs > kill).Select(o => (o.AtUnixMs - kill) / 1000.0).DefaultIfEmpty().Max():0.00} s)");
        foreach (var sample in failures.GroupBy(o => (o.Verb, o.Status)).Select(g => g.First()))
        {
            Console.WriteLine($"  e.g. {sample.Verb} {sample.Status} at +{(sample.AtUnixMs - kill) / 1000.0:0.00} s from the kill: {sample.Detail}");
        }

        return 0;
    }
}
