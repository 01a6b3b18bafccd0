using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Accounts;

/// <summary>
/// Makes sure someone can administer a new installation: the platform admin from
/// <c>OrgIdentity:Bootstrap</c>, or else a one-time setup link. The link is printed to the console in
/// Development only, never to the log.
/// </summary>
public sealed class BootstrapAdmin(
    OrgIdentityDbContext db,
    UserManager<User> users,
    AccountsService accounts,
    IDataProtectionProvider dataProtection,
    IOptions<BootstrapOptions> bootstrap,
    IOptions<OrgIdentityOptions> host,
    IHostEnvironment environment,
    TimeProvider time)
{
    private static readonly TimeSpan SetupLinkLifetime = TimeSpan.FromHours(24);

    private ITimeLimitedDataProtector Protector =>
        dataProtection.CreateProtector("OrgIdentity.Setup").ToTimeLimitedDataProtector();

    public async Task RunAsync(TextWriter console, CancellationToken cancellationToken)
    {
        var options = bootstrap.Value;
        if (!string.IsNullOrWhiteSpace(options.AdminEmail) && !string.IsNullOrEmpty(options.AdminPassword))
        {
            var failure = await EnsureConfiguredAdminAsync(options.AdminEmail, options.AdminPassword);
            await console.WriteLineAsync(failure is null
                ? $"OrgIdentity: sign in at {host.Value.Link("Account/Login")} as {options.AdminEmail} (OrgIdentity:Bootstrap)."
                : $"OrgIdentity: the bootstrap admin could not be created: {failure}");
            return;
        }

        if (await db.Users.AnyAsync(u => u.IsPlatformAdmin, cancellationToken))
        {
            await console.WriteLineAsync($"OrgIdentity: sign in at {host.Value.Link("Account/Login")}.");
            return;
        }

        if (environment.IsDevelopment())
        {
            await console.WriteLineAsync(
                $"OrgIdentity: no platform admin yet. Create one within 24 hours at {host.Value.Link($"setup?token={CreateSetupToken()}")}");
        }
        else
        {
            await console.WriteLineAsync(
                "OrgIdentity: no platform admin yet. Set OrgIdentity:Bootstrap:AdminEmail and OrgIdentity:Bootstrap:AdminPassword and restart.");
        }
    }

    public string CreateSetupToken() =>
        Protector.Protect(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), time.GetUtcNow() + SetupLinkLifetime);

    /// <summary>A setup link works while it is fresh and no platform admin exists: the first use ends it.</summary>
    public async Task<bool> IsSetupTokenValidAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || await db.Users.AnyAsync(u => u.IsPlatformAdmin, cancellationToken))
        {
            return false;
        }

        try
        {
            Protector.Unprotect(token, out var expiration);
            return expiration > time.GetUtcNow();
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public async Task<IdentityResult> CompleteSetupAsync(string token, string name, string email, string password, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await IsSetupTokenValidAsync(token, cancellationToken))
        {
            return IdentityResult.Failed(new IdentityError { Code = "SetupLinkInvalid", Description = "This setup link has expired or was already used." });
        }

        var user = accounts.NewUser(email);
        user.Name = name.Trim();
        user.EmailConfirmed = true;
        user.IsPlatformAdmin = true;
        var created = await users.CreateAsync(user, password);
        if (created.Succeeded)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return created;
    }

    private async Task<string?> EnsureConfiguredAdminAsync(string email, string password)
    {
        if (await users.FindByEmailAsync(email) is { } existing)
        {
            // The password is only set when the account is made; later changes belong to its owner.
            if (!existing.IsPlatformAdmin || !existing.EmailConfirmed)
            {
                existing.IsPlatformAdmin = true;
                existing.EmailConfirmed = true;
                await users.UpdateAsync(existing);
            }

            return null;
        }

        var user = accounts.NewUser(email);
        user.EmailConfirmed = true;
        user.IsPlatformAdmin = true;
        var created = await users.CreateAsync(user, password);
        return created.Succeeded ? null : string.Join(" ", created.Errors.Select(e => e.Description));
    }
}
