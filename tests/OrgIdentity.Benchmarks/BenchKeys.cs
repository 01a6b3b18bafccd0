using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// Self-signed certificates for a Production server started by the driver, written as PEM certificate + PKCS#8 key into
/// the server's temporary data directory (never into the checkout): signing RSA 2048 (RS256) or EC P-256 (ES256),
/// encryption always RSA 2048. What src/OrgIdentity.Server/Hosting/SigningCertificates.cs reads from OrgIdentity:Keys.
/// </summary>
internal static class BenchKeys
{
    public sealed record Files(string SigningCertificate, string SigningKey, string EncryptionCertificate, string EncryptionKey);

    public static Files Write(string directory, string signingAlgorithm)
    {
        Directory.CreateDirectory(directory);
        string signingCertificate, signingKey;
        switch (signingAlgorithm.ToUpperInvariant())
        {
            case "RS256":
            {
                using var rsa = RSA.Create(2048);
                (signingCertificate, signingKey) = Write(directory, "signing", rsa,
                    new CertificateRequest("CN=OrgIdentity benchmark signing", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), X509KeyUsageFlags.DigitalSignature);
                break;
            }

            case "ES256":
            {
                using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                (signingCertificate, signingKey) = Write(directory, "signing", ecdsa,
                    new CertificateRequest("CN=OrgIdentity benchmark signing", ecdsa, HashAlgorithmName.SHA256), X509KeyUsageFlags.DigitalSignature);
                break;
            }

            default:
                throw new UsageException($"--alg is RS256 or ES256, not '{signingAlgorithm}'.");
        }

        using var encryption = RSA.Create(2048);
        var (encryptionCertificate, encryptionKey) = Write(directory, "encryption", encryption,
            new CertificateRequest("CN=OrgIdentity benchmark encryption", encryption, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), X509KeyUsageFlags.KeyEncipherment);
        return new Files(signingCertificate, signingKey, encryptionCertificate, encryptionKey);
    }

    private static (string Certificate, string Key) Write(string directory, string name, AsymmetricAlgorithm key, CertificateRequest request, X509KeyUsageFlags usage)
    {
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
        var certificatePath = Path.Combine(directory, $"{name}.pem");
        var keyPath = Path.Combine(directory, $"{name}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return (certificatePath, keyPath);
    }
}
