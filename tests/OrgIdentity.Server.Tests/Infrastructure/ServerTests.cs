namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>
/// Base of every test class that runs against a server: skips (or, in CI, fails) each test when the
/// class's database service is missing. xunit reports a skip only from the test class, not from a fixture.
/// </summary>
public abstract class ServerTests(OrgIdentityApp app) : IAsyncLifetime
{
    protected OrgIdentityApp App { get; } = app;

    public ValueTask InitializeAsync() => App.Database.EnsureAvailable();

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
