using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace OrgIdentity.Browser.Tests;

/// <summary>
/// Base of the browser test classes: a fresh browser context (own cookies) and page per test, and every console
/// error and uncaught page error collected, so a page broken by the Content-Security-Policy (inline script or
/// style) fails the test. Without Chromium each test is skipped, saying why, or fails when <c>CI</c> is set:
/// xunit reports a skip only from the test class, not from a fixture.
/// </summary>
public abstract partial class BrowserTests(BrowserApp app) : IAsyncLifetime
{
    private readonly List<string> _errors = [];
    private IBrowserContext? _context;

    protected BrowserApp App { get; } = app;
    protected IPage Page { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (App.Browser is null)
        {
            var reason = $"Browser tests need Chromium at {BrowserApp.ChromiumPath} (apt-get install chromium); .ci/run installs it.";
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            {
                Assert.Fail(reason + " CI is set, so a missing browser is a failure.");
            }

            Assert.Skip(reason);
        }

        _context = await App.Browser.NewContextAsync(new() { IgnoreHTTPSErrors = true, BaseURL = App.Address.ToString() });
        _context.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        Page = await _context.NewPageAsync();
        Page.Console += (_, message) =>
        {
            // The server has no /favicon.ico; Chromium asks for it after some page loads and logs the 404.
            if (message.Type == "error" && !message.Location.Contains("/favicon.ico", StringComparison.Ordinal))
            {
                lock (_errors)
                {
                    _errors.Add($"console on {Page.Url}: {message.Text} ({message.Location})");
                }
            }
        };
        Page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                lock (_errors)
                {
                    _errors.Add($"HTTP {response.Status} for {response.Request.Method} {response.Url}");
                }
            }
        };
        Page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add($"page error on {Page.Url}: {error}");
            }
        };
    }

    /// <summary>No page so far logged an error (a CSP violation shows up as one), threw, or answered 4xx/5xx.</summary>
    protected void AssertNoConsoleErrors()
    {
        lock (_errors)
        {
            Assert.True(_errors.Count == 0, string.Join(Environment.NewLine, _errors));
        }
    }

    /// <summary>
    /// Saves a full-page screenshot of the screen the browser shows as <c>artifacts/screenshots/{name}.png</c> at the
    /// repository's root (a test artifact CI keeps; the directory is ignored by git), at desktop width and, with
    /// <paramref name="phone"/>, also at a phone's width as <c>{name}-phone.png</c>. <paramref name="page"/> is another
    /// person's page (a second browser context) instead of the test's own.
    /// </summary>
    protected async Task ScreenshotAsync(string name, bool phone = false, IPage? page = null)
    {
        page ??= Page;
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
        if (phone)
        {
            var size = page.ViewportSize;
            await page.SetViewportSizeAsync(390, 844);
            await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + "-phone.png"), FullPage = true });
            if (size is not null)
            {
                await page.SetViewportSizeAsync(size.Width, size.Height);
            }
        }
    }

    /// <summary><c>artifacts/screenshots</c> under the repository's root (found from the test assembly's folder).</summary>
    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    private static string FindScreenshotDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "README.md")) && Directory.Exists(Path.Combine(directory.FullName, "tests")))
            {
                return Path.Combine(directory.FullName, "artifacts", "screenshots");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "screenshots");
    }

    /// <summary>Signs in on the login page the browser is on.</summary>
    protected async Task SignInAsync(string email, string password)
    {
        await Assertions.Expect(Page.Locator("main h1")).ToHaveTextAsync("Sign in");
        // E-mail first (home-realm discovery), then the password step.
        await Page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(email);
        await Page.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await Page.Locator("main").GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Waits for the e-mail to <paramref name="to"/> in the server's pickup directory and returns its first link to <paramref name="path"/>.</summary>
    protected async Task<string> WaitForMailLinkAsync(string to, string path)
    {
        var mail = Path.Combine(App.DataDirectory, "mail");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var texts = Directory.Exists(mail) ? Directory.GetFiles(mail, "*.eml").Select(File.ReadAllText) : [];
            var link = texts.Where(t => t.Contains($"\r\nTo: {to}\r\n", StringComparison.OrdinalIgnoreCase))
                .SelectMany(t => LinkPattern().Matches(t)).Select(m => m.Value)
                .FirstOrDefault(l => new Uri(l).AbsolutePath.Equals(path, StringComparison.OrdinalIgnoreCase));
            if (link is not null)
            {
                return link;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No e-mail to {to} with a link to {path} arrived in {mail}.");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();
}
