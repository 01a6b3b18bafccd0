using System.Runtime.CompilerServices;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>
/// Dozens of test servers live at once in this process. Each would hold inotify instances for its configuration
/// files' reload-on-change and its file providers, and Linux allows 128 per user by default: past that, servers fail
/// to start or answer 500. Test servers never need a changed file noticed, so configuration is not watched and file
/// providers poll (which costs no inotify instance).
/// </summary>
internal static class FileWatchers
{
    [ModuleInitializer]
    internal static void TurnOff()
    {
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
    }
}
