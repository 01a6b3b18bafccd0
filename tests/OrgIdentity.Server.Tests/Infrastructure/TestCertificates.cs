using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>Certificates made on the fly and written to files, as an operator would mount them.</summary>
public static class TestCertificates
{
    public static X509Certificate2 Create(string name, X509KeyUsageFlags usage, TimeSpan? lifetime = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now + (lifetime ?? TimeSpan.FromDays(365)));
    }

    public static string WritePfx(X509Certificate2 certificate, string directory, string name, string? password)
    {
        var path = Path.Combine(directory, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }

    /// <summary>Writes <c>name.pem</c> (certificate) and <c>name.key</c> (PKCS#8 private key).</summary>
    public static (string CertificatePath, string KeyPath) WritePem(X509Certificate2 certificate, string directory, string name)
    {
        var certificatePath = Path.Combine(directory, name + ".pem");
        var keyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
