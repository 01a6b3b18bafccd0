using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Hosting;

/// <summary>Signing and encryption certificates from files (<c>OrgIdentity:Keys</c>), as production runs.</summary>
public sealed class KeysTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("orgidentity-keys-").FullName;

    [Fact]
    public async Task Production_without_keys_refuses_to_start_with_one_line_naming_the_settings()
    {
        var result = await ServerProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["OrgIdentity__DataDirectory"] = Path.Combine(_directory, "data"),
        }, _directory);

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("OrgIdentity:Keys:Signing:0:Path", line, StringComparison.Ordinal);
        Assert.Contains("OrgIdentity:Keys:Encryption:0:Path", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_PFX_password_stops_the_server_with_one_line_naming_the_setting()
    {
        var signing = TestCertificates.WritePfx(TestCertificates.Create("signing", X509KeyUsageFlags.DigitalSignature), _directory, "signing", "right");
        var encryption = TestCertificates.WritePfx(TestCertificates.Create("encryption", X509KeyUsageFlags.KeyEncipherment), _directory, "encryption", "right");

        var result = await ServerProcess.RunAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["OrgIdentity__DataDirectory"] = Path.Combine(_directory, "data"),
            ["OrgIdentity__Keys__Signing__0__Path"] = signing,
            ["OrgIdentity__Keys__Signing__0__Password"] = "wrong",
            ["OrgIdentity__Keys__Encryption__0__Path"] = encryption,
            ["OrgIdentity__Keys__Encryption__0__Password"] = "right",
        }, _directory);

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("OrgIdentity:Keys:Signing:0:Password", line, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", line.Replace("is wrong", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_from_PFX_files_sign_tokens_that_validate_against_the_published_key_set()
    {
        var signing = TestCertificates.Create("signing", X509KeyUsageFlags.DigitalSignature);
        await using var app = ProductionApp(
            ("OrgIdentity:Keys:Signing:0:Path", TestCertificates.WritePfx(signing, _directory, "signing", "pfx-password")),
            ("OrgIdentity:Keys:Signing:0:Password", "pfx-password"),
            ("OrgIdentity:Keys:Encryption:0:Path", TestCertificates.WritePfx(TestCertificates.Create("encryption", X509KeyUsageFlags.KeyEncipherment), _directory, "encryption", "pfx-password")),
            ("OrgIdentity:Keys:Encryption:0:Password", "pfx-password"));

        var (token, keys) = await TokenAndKeysAsync(app);

        Assert.True((await ValidateAsync(token, keys)).IsValid);
        Assert.Equal(signing.Thumbprint, new JsonWebToken(token).Kid);
    }

    [Fact]
    public async Task Keys_from_PEM_files_sign_tokens_that_validate_against_the_published_key_set()
    {
        var signing = TestCertificates.Create("signing", X509KeyUsageFlags.DigitalSignature);
        var (signingPem, signingKey) = TestCertificates.WritePem(signing, _directory, "signing");
        var (encryptionPem, encryptionKey) = TestCertificates.WritePem(TestCertificates.Create("encryption", X509KeyUsageFlags.KeyEncipherment), _directory, "encryption");
        await using var app = ProductionApp(
            ("OrgIdentity:Keys:Signing:0:Path", signingPem), ("OrgIdentity:Keys:Signing:0:KeyPath", signingKey),
            ("OrgIdentity:Keys:Encryption:0:Path", encryptionPem), ("OrgIdentity:Keys:Encryption:0:KeyPath", encryptionKey));

        var (token, keys) = await TokenAndKeysAsync(app);

        Assert.True((await ValidateAsync(token, keys)).IsValid);
        Assert.Equal(signing.Thumbprint, new JsonWebToken(token).Kid);
    }

    [Fact]
    public async Task An_EC_P256_signing_certificate_signs_ES256_tokens_that_validate_against_the_published_key_set()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=signing-p256", ecdsa, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        using var signing = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        var signingPem = Path.Combine(_directory, "signing-p256.pem");
        var signingKey = Path.Combine(_directory, "signing-p256.key");
        await File.WriteAllTextAsync(signingPem, signing.ExportCertificatePem());
        await File.WriteAllTextAsync(signingKey, ecdsa.ExportPkcs8PrivateKeyPem());
        var (encryptionPem, encryptionKey) = TestCertificates.WritePem(TestCertificates.Create("encryption", X509KeyUsageFlags.KeyEncipherment), _directory, "encryption");
        await using var app = ProductionApp(
            ("OrgIdentity:Keys:Signing:0:Path", signingPem), ("OrgIdentity:Keys:Signing:0:KeyPath", signingKey),
            ("OrgIdentity:Keys:Encryption:0:Path", encryptionPem), ("OrgIdentity:Keys:Encryption:0:KeyPath", encryptionKey));

        var (token, keys) = await TokenAndKeysAsync(app);

        Assert.Equal("ES256", new JsonWebToken(token).Alg);
        Assert.Equal(signing.Thumbprint, new JsonWebToken(token).Kid);
        Assert.Equal("EC", Assert.Single(keys.Keys).Kty);
        Assert.True((await ValidateAsync(token, keys)).IsValid);
    }

    [Fact]
    public async Task With_two_signing_keys_both_are_published_and_the_first_listed_signs()
    {
        // OpenIddict alone would pick the one that expires last; the operator's order wins.
        var first = TestCertificates.Create("first", X509KeyUsageFlags.DigitalSignature, TimeSpan.FromDays(30));
        var second = TestCertificates.Create("second", X509KeyUsageFlags.DigitalSignature, TimeSpan.FromDays(900));
        await using var app = ProductionApp(
            ("OrgIdentity:Keys:Signing:0:Path", TestCertificates.WritePfx(first, _directory, "first", null)),
            ("OrgIdentity:Keys:Signing:1:Path", TestCertificates.WritePfx(second, _directory, "second", null)),
            ("OrgIdentity:Keys:Encryption:0:Path", TestCertificates.WritePfx(TestCertificates.Create("encryption", X509KeyUsageFlags.KeyEncipherment), _directory, "encryption", null)));

        var (token, keys) = await TokenAndKeysAsync(app);

        Assert.Equal(new[] { first.Thumbprint, second.Thumbprint }.Order(), keys.Keys.Select(k => k.Kid).Order());
        Assert.Equal(first.Thumbprint, new JsonWebToken(token).Kid);
        Assert.True((await ValidateAsync(token, keys)).IsValid);
    }

    [Fact]
    public void A_certificate_without_its_private_key_is_refused_naming_the_setting()
    {
        var (certificate, _) = TestCertificates.WritePem(TestCertificates.Create("signing", X509KeyUsageFlags.DigitalSignature), _directory, "nokey");

        var problem = Assert.Throws<StartupConfigurationException>(() =>
            SigningCertificates.LoadFile(new KeyFileOptions { Path = certificate }, "OrgIdentity:Keys:Signing:0", X509KeyUsageFlags.DigitalSignature));

        Assert.Contains("OrgIdentity:Keys:Signing:0", problem.Message, StringComparison.Ordinal);
        Assert.Contains("KeyPath", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_PFX_without_a_private_key_is_refused_naming_the_setting()
    {
        using var withKey = TestCertificates.Create("signing", X509KeyUsageFlags.DigitalSignature);
        var path = Path.Combine(_directory, "public-only.pfx");
        using (var publicOnly = X509CertificateLoader.LoadCertificate(withKey.Export(X509ContentType.Cert)))
        {
            File.WriteAllBytes(path, publicOnly.Export(X509ContentType.Pfx));
        }

        var problem = Assert.Throws<StartupConfigurationException>(() =>
            SigningCertificates.LoadFile(new KeyFileOptions { Path = path }, "OrgIdentity:Keys:Signing:0", X509KeyUsageFlags.DigitalSignature));

        Assert.Contains("has no private key", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encryption_certificate_in_the_signing_list_is_refused()
    {
        var path = TestCertificates.WritePfx(TestCertificates.Create("encryption", X509KeyUsageFlags.KeyEncipherment), _directory, "encryption", null);

        var problem = Assert.Throws<StartupConfigurationException>(() =>
            SigningCertificates.LoadFile(new KeyFileOptions { Path = path }, "OrgIdentity:Keys:Signing:0", X509KeyUsageFlags.DigitalSignature));

        Assert.Contains("not made for signing", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_certificate_is_refused_naming_the_setting()
    {
        var path = Path.Combine(_directory, "garbage.pfx");
        File.WriteAllText(path, "this is not a certificate");

        var problem = Assert.Throws<StartupConfigurationException>(() =>
            SigningCertificates.LoadFile(new KeyFileOptions { Path = path }, "OrgIdentity:Keys:Encryption:1", X509KeyUsageFlags.KeyEncipherment));

        Assert.Contains("OrgIdentity:Keys:Encryption:1", problem.Message, StringComparison.Ordinal);
    }

    private static SqliteApp ProductionApp(params (string Key, string Value)[] settings)
    {
        var app = new SqliteApp { EnvironmentName = "Production" };
        foreach (var (key, value) in settings)
        {
            app.With(key, value);
        }

        return app;
    }

    private static async Task<(string Token, JsonWebKeySet Keys)> TokenAndKeysAsync(OrgIdentityApp app)
    {
        using var browser = app.CreateBrowser();
        var tokens = (await Oidc.ClientCredentialsAsync(browser.Http, TestClients.Worker, TestClients.WorkerSecret, "orgidentity.api")).EnsureTokens();
        var keys = new JsonWebKeySet(await browser.Http.GetStringAsync("/.well-known/jwks"));
        return (tokens.AccessToken!, keys);
    }

    private static Task<TokenValidationResult> ValidateAsync(string token, JsonWebKeySet keys) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "https://localhost/",
            ValidAudience = "orgidentity",
            ValidTypes = ["at+jwt"],
            IssuerSigningKeys = keys.GetSigningKeys(),
        });

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }
}
