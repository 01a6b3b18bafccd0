using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace OrgIdentity.Browser.Tests;

/// <summary>
/// The real server on Kestrel over HTTPS (a self-signed certificate made per run) on 127.0.0.1, with a SQLite
/// file in a temporary data directory, and one headless Debian Chromium for the tests of a class.
/// Without Chromium neither starts, and <see cref="BrowserTests"/> skips the tests (or fails them when <c>CI</c> is set).
/// </summary>
public sealed class BrowserApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string AdminEmail = "admin@browser.test";
    public const string AdminPassword = "admin-password-1";

    public const string CodeClient = "browser-app";
    public const string CodeClientName = "Browser test app";
    public const string CallbackText = "Signed in: this is the client application.";
    public const string DeviceClient = "browser-device";
    public const string DeviceClientName = "Browser test device";

    private readonly X509Certificate2 _certificate = CreateCertificate();
    private IPlaywright? _playwright;

    public BrowserApp()
    {
        // The issuer, the client's redirect URI and the links in e-mails all need the address before the server
        // starts (they are read while the app is built), so the port is picked free first, not left to Kestrel.
        var port = FreePort();
        Address = new Uri($"https://127.0.0.1:{port}/");
        DataDirectory = Path.Combine(Path.GetTempPath(), "orgidentity-browser-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        UseKestrel(o => o.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(_certificate)));
    }

    /// <summary>Where the server listens, with a trailing slash; also its issuer.</summary>
    public Uri Address { get; }
    public string DataDirectory { get; }
    public string CodeRedirect => new Uri(Address, "callback-test").ToString();

    /// <summary>Headless Chromium, or null when it is not installed.</summary>
    public IBrowser? Browser { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        StartServer();
        var bound = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        Assert.Equal(Address, new Uri(Assert.Single(bound) + "/"));

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>An HTTP client for the protocol calls a client application makes; it trusts this run's certificate only.</summary>
    public HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == _certificate.Thumbprint },
    })
    {
        BaseAddress = Address,
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        var settings = new Dictionary<string, string>
        {
            ["OrgIdentity:Issuer"] = Address.ToString(),
            ["OrgIdentity:DataDirectory"] = DataDirectory,
            ["OrgIdentity:Database:Provider"] = "Sqlite",
            ["ConnectionStrings:OrgIdentity"] = $"Data Source={Path.Combine(DataDirectory, "orgidentity.db")}",
            ["OrgIdentity:Bootstrap:AdminEmail"] = AdminEmail,
            ["OrgIdentity:Bootstrap:AdminPassword"] = AdminPassword,
            ["OrgIdentity:Email:PollSeconds"] = "0.2",
            ["OrgIdentity:RateLimits:SignInPerMinute"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",

            // Indices from 10 so they do not merge into the clients of appsettings.json.
            ["OrgIdentity:Clients:10:ClientId"] = CodeClient,
            ["OrgIdentity:Clients:10:DisplayName"] = CodeClientName,
            ["OrgIdentity:Clients:10:ConsentType"] = "Explicit",
            ["OrgIdentity:Clients:10:GrantTypes:0"] = "authorization_code",
            ["OrgIdentity:Clients:10:RedirectUris:0"] = CodeRedirect,
            ["OrgIdentity:Clients:10:Scopes:0"] = "openid",
            ["OrgIdentity:Clients:10:Scopes:1"] = "profile",
            ["OrgIdentity:Clients:10:Scopes:2"] = "email",

            ["OrgIdentity:Clients:11:ClientId"] = DeviceClient,
            ["OrgIdentity:Clients:11:DisplayName"] = DeviceClientName,
            ["OrgIdentity:Clients:11:ConsentType"] = "Explicit",
            ["OrgIdentity:Clients:11:GrantTypes:0"] = "device_code",
            ["OrgIdentity:Clients:11:Scopes:0"] = "openid",
            ["OrgIdentity:Clients:11:Scopes:1"] = "profile",
        };
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        // The client's redirect URI, served by the test host before the app's own pipeline: Playwright's routes
        // do not see the target of a redirect, and a 404 there would log a console error.
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new CallbackPage()));

        // Password hashing at production strength costs ~70 ms a check.
        builder.ConfigureTestServices(services => services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000));
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
        _certificate.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a finishing background task; the temp folder is cleaned eventually.
        }
    }

    private sealed class CallbackPage : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map("/callback-test", callback => callback.Run(context => context.Response.WriteAsync(CallbackText)));
            next(app);
        };
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the private key is a persisted one that SslStream accepts on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }
}
