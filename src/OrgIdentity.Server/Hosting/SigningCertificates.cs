using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace OrgIdentity.Server.Hosting;

/// <summary>
/// The signing and encryption certificates: from the files in <c>OrgIdentity:Keys</c>, or in Development
/// without any, self-signed ones made once under the data directory and reused across restarts.
/// Every problem with a file is a <see cref="StartupConfigurationException"/> naming the setting.
/// </summary>
internal static class SigningCertificates
{
    public sealed record Certificates(IReadOnlyList<X509Certificate2> Signing, IReadOnlyList<X509Certificate2> Encryption);

    public static Certificates Load(KeyOptions keys, IHostEnvironment environment, string dataDirectory)
    {
        if (keys.Signing.Count == 0 && keys.Encryption.Count == 0)
        {
            if (!environment.IsDevelopment())
            {
                throw new StartupConfigurationException(
                    $"No signing or encryption certificate is configured for the {environment.EnvironmentName} environment: set " +
                    "OrgIdentity:Keys:Signing:0:Path and OrgIdentity:Keys:Encryption:0:Path (a .pfx with :Password, or a PEM certificate " +
                    "with :KeyPath); certs/make-certs.sh makes a pair. Generated keys are used in Development only.");
            }

            return new Certificates(
                [LoadOrCreateDevelopment(dataDirectory, "signing", X509KeyUsageFlags.DigitalSignature)],
                [LoadOrCreateDevelopment(dataDirectory, "encryption", X509KeyUsageFlags.KeyEncipherment)]);
        }

        if (keys.Signing.Count == 0 || keys.Encryption.Count == 0)
        {
            throw new StartupConfigurationException(
                $"OrgIdentity:Keys:{(keys.Signing.Count == 0 ? "Signing" : "Encryption")} is empty: configure at least one signing and one encryption certificate.");
        }

        return new Certificates(
            keys.Signing.Select((entry, index) => LoadFile(entry, $"{KeyOptions.Section}:Signing:{index}", X509KeyUsageFlags.DigitalSignature)).ToList(),
            keys.Encryption.Select((entry, index) => LoadFile(entry, $"{KeyOptions.Section}:Encryption:{index}", X509KeyUsageFlags.KeyEncipherment)).ToList());
    }

    /// <summary>
    /// The key OpenIddict signs with: the certificate itself for RSA (RS256), or its EC key for an ECDSA certificate,
    /// which OpenIddict cannot infer an algorithm for when wrapped in an X509SecurityKey (ES256 for P-256). The key id
    /// is the certificate's thumbprint either way.
    /// </summary>
    public static SecurityKey SigningKey(X509Certificate2 certificate) =>
        certificate.GetECDsaPrivateKey() is { } ecdsa
            ? new ECDsaSecurityKey(ecdsa) { KeyId = certificate.Thumbprint }
            : new X509SecurityKey(certificate);

    internal static X509Certificate2 LoadFile(KeyFileOptions entry, string setting, X509KeyUsageFlags usage)
    {
        if (string.IsNullOrWhiteSpace(entry.Path))
        {
            throw new StartupConfigurationException($"{setting}:Path is not set.");
        }

        var path = System.IO.Path.GetFullPath(entry.Path);
        if (!File.Exists(path))
        {
            throw new StartupConfigurationException($"{setting}:Path: the file '{path}' does not exist.");
        }

        if (entry.KeyPath is { Length: > 0 } && !File.Exists(System.IO.Path.GetFullPath(entry.KeyPath)))
        {
            throw new StartupConfigurationException($"{setting}:KeyPath: the file '{System.IO.Path.GetFullPath(entry.KeyPath)}' does not exist.");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(path)
                ? LoadPem(path, entry)
                : X509CertificateLoader.LoadPkcs12FromFile(path, entry.Password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException exception)
        {
            throw new StartupConfigurationException(IsPem(path)
                ? $"{setting}: '{path}' could not be read as a PEM certificate with its private key ({exception.Message.TrimEnd('.')}); check :KeyPath and, for an encrypted key, :Password."
                : $"{setting}: '{path}' could not be opened as a PFX file: the password in {setting}:Password is wrong or the file is damaged.", exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new StartupConfigurationException($"{setting}: '{path}' could not be read ({exception.Message.TrimEnd('.')}).", exception);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new StartupConfigurationException($"{setting}: the certificate in '{path}' has no private key; use a PFX that includes it, or set {setting}:KeyPath to the PEM key.");
        }

        if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } keyUsage && !keyUsage.KeyUsages.HasFlag(usage))
        {
            throw new StartupConfigurationException($"{setting}: the certificate in '{path}' is not made for {(usage == X509KeyUsageFlags.DigitalSignature ? "signing (digitalSignature)" : "encryption (keyEncipherment)")}; its key usage is {keyUsage.KeyUsages}.");
        }

        return certificate;
    }

    private static bool IsPem(string path) =>
        System.IO.Path.GetExtension(path).ToUpperInvariant() is ".PEM" or ".CRT" or ".CER";

    private static X509Certificate2 LoadPem(string path, KeyFileOptions entry)
    {
        var keyPath = entry.KeyPath is { Length: > 0 } configured ? System.IO.Path.GetFullPath(configured) : null;
        using var loaded = string.IsNullOrEmpty(entry.Password)
            ? X509Certificate2.CreateFromPemFile(path, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(path, entry.Password, keyPath);
        // Keys made from PEM are ephemeral; a PKCS#12 round trip gives one the platform can use for signing everywhere.
        return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.EphemeralKeySet);
    }

    private static X509Certificate2 LoadOrCreateDevelopment(string dataDirectory, string name, X509KeyUsageFlags usage)
    {
        var directory = System.IO.Path.Combine(dataDirectory, "keys");
        var path = System.IO.Path.Combine(directory, $"{name}.pfx");
        if (File.Exists(path))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.EphemeralKeySet);
        }

        Directory.CreateDirectory(directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=OrgIdentity development {name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2));
        var pfx = certificate.Export(X509ContentType.Pfx);

        // Another process may have raced us here; the first file written wins.
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, pfx);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.EphemeralKeySet);
    }
}
