using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrgIdentity.Server.Domains;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>
/// The real server in-process (TestServer) on a real database of its own: a SQLite file in a temporary
/// data directory, or a fresh PostgreSQL database. Time is a <see cref="FakeTimeProvider"/> that starts at
/// the real now and moves only when a test advances it. E-mails land in <see cref="Mail"/>.
/// </summary>
public abstract class OrgIdentityApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminEmail = "admin@test.example";
    public const string AdminPassword = "admin-password-1";

    private readonly Dictionary<string, string?> _settings;
    private bool _handedOver;

    protected OrgIdentityApp(TestDatabase database, string? dataDirectory = null)
    {
        Database = database;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "orgidentity-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        Mail = new Mailbox(Path.Combine(DataDirectory, "mail"));
        _settings = new Dictionary<string, string?>
        {
            ["OrgIdentity:Issuer"] = "https://localhost/",
            ["OrgIdentity:DataDirectory"] = DataDirectory,
            ["OrgIdentity:Database:Provider"] = database.Provider,
            ["ConnectionStrings:OrgIdentity"] = database.ConnectionString(DataDirectory),
            ["OrgIdentity:Bootstrap:AdminEmail"] = AdminEmail,
            ["OrgIdentity:Bootstrap:AdminPassword"] = AdminPassword,
            ["OrgIdentity:Email:PollSeconds"] = "0.2",
            ["OrgIdentity:Email:RetryBaseSeconds"] = "30",
            // Tests share one client address; the rate limit has its own test with its own limit.
            ["OrgIdentity:RateLimits:SignInPerMinute"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
        };
        foreach (var (key, value) in TestClients.Settings)
        {
            _settings[key] = value;
        }
    }

    public TestDatabase Database { get; }
    public string DataDirectory { get; }
    public Mailbox Mail { get; }
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The TXT records domain verification sees; tests publish into it.</summary>
    public FakeDns Dns { get; } = new();

    /// <summary>The hosting environment; Development unless a test needs production behaviour.</summary>
    public string EnvironmentName { get; set; } = "Development";

    /// <summary>Changes a setting; only before the server starts (the first client or service use).</summary>
    public OrgIdentityApp With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>
    /// For a test that makes its own server: skips (or fails in CI) when the database service is missing,
    /// and then removes what the server already made.
    /// </summary>
    public async Task<OrgIdentityApp> EnsureAvailableAsync()
    {
        try
        {
            await Database.EnsureAvailable();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }

        return this;
    }

    /// <summary>
    /// A second server on the same database and data directory, as after a restart. Stop this one first;
    /// the successor owns the data from then on.
    /// </summary>
    public OrgIdentityApp Restart()
    {
        _handedOver = true;
        var successor = new RestartedApp(Database, DataDirectory);
        foreach (var (key, value) in _settings)
        {
            successor._settings[key] = value;
        }

        return successor;
    }

    /// <summary>
    /// A second server on the same database and data directory, running beside this one, as another replica behind a
    /// load balancer. Disposing it leaves the data to this one.
    /// </summary>
    public OrgIdentityApp Replica()
    {
        var replica = new RestartedApp(Database, DataDirectory) { _handedOver = true };
        foreach (var (key, value) in _settings)
        {
            replica._settings[key] = value;
        }

        return replica;
    }

    /// <summary>A cookie-keeping client that does not follow redirects, on https://localhost.</summary>
    public Browser CreateBrowser() => new(CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri("https://localhost"),
        AllowAutoRedirect = false,
        HandleCookies = true,
    }));

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            // Domain verification asks this instead of the network.
            services.AddSingleton<IDnsTxtLookup>(Dns);
            // Password hashing at production strength costs ~70 ms a check; tests make hundreds.
            services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000);
            services.AddTransient<IStartupFilter, RemoteAddressFromTestHeader>();
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_handedOver)
        {
            GC.SuppressFinalize(this);
            return;
        }

        await Database.DropAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a finishing background task; the temp folder is cleaned eventually.
        }

        GC.SuppressFinalize(this);
    }
}

internal sealed class RestartedApp(TestDatabase database, string dataDirectory) : OrgIdentityApp(database, dataDirectory);

/// <summary>The server on a SQLite file of its own.</summary>
public sealed class SqliteApp() : OrgIdentityApp(TestDatabase.Sqlite());

/// <summary>The server on a PostgreSQL database of its own (<c>ORGIDENTITY_TEST_POSTGRES</c>).</summary>
public sealed class PostgreSqlApp() : OrgIdentityApp(TestDatabase.PostgreSql());

/// <summary>
/// TestServer requests have no client address; a test names one in <see cref="Header"/> to play a
/// proxy (trusted or not) in front of the server. Runs before the server's own middleware.
/// </summary>
internal sealed class RemoteAddressFromTestHeader : IStartupFilter
{
    public const string Header = "X-Test-Remote-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var address))
            {
                context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address.ToString());
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
