namespace OrgIdentity.Server.Hosting;

/// <summary>
/// A setting stops the server from starting. Its message is one line that names the setting to change;
/// Program prints it and exits non-zero instead of showing a stack trace.
/// </summary>
public sealed class StartupConfigurationException(string message, Exception? innerException = null)
    : Exception(message, innerException);
