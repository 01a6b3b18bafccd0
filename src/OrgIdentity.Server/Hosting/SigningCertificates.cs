using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrgIdentity.Server.Hosting;

/// <summary>
/// Development keys: a self-signed signing and encryption certificate made once under the data
/// directory and reused across restarts, so tokens and refresh tokens survive a restart.
/// </summary>
internal static class SigningCertificates
{
    public static X509Certificate2 LoadOrCreateDevelopment(string dataDirectory, string name, X509KeyUsageFlags usage)
    {
        var directory = Path.Combine(dataDirectory, "keys");
        var path = Path.Combine(directory, $"{name}.pfx");
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
