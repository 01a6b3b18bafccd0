using System.Data;
using System.Data.Common;
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
        // Serializable: two people using the link at once must not both find "no platform admin yet".
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        if (!await IsSetupTokenValidAsync(token, cancellationToken))
        {
            return IdentityResult.Failed(new IdentityError { Code = "SetupLinkInvalid", Description = "This setup link has expired or was already used." });
        }

        var user = accounts.NewUser(email);
        user.Name = name.Trim();
        user.EmailConfirmed = true;
        user.IsPlatformAdmin = true;
        try
        {
            var created = await users.CreateAsync(user, password);
            if (created.Succeeded)
            {
                await transaction.CommitAsync(cancellationToken);
            }

            return created;
        }
        catch (Exception exception) when (exception is DbUpdateException or DbException)
        {
            // The other use of the link won (a serialization failure or a duplicate e-mail).
            return IdentityResult.Failed(new IdentityError { Code = "SetupLinkInvalid", Description = "This setup link has expired or was already used." });
        }
    }

    private async Task<string?> EnsureConfiguredAdminAsync(string email, string password)
    {
        if (await users.FindByEmailAsync(email) is { } existing)
        {
            if (existing.IsPlatformAdmin && existing.EmailConfirmed)
            {
                // Made at an earlier start: its password belongs to its owner now.
                return null;
            }

            if (!existing.EmailConfirmed)
            {
                // Whoever signed up with this address never proved it; the operator's password replaces theirs,
                // and a new security stamp ends anything that sign-up started.
                var replaced = await ReplacePasswordAsync(existing, password);
                if (replaced is not null)
                {
                    return replaced;
                }
            }

            // A confirmed account is the address's owner: it becomes the admin and keeps its own password.
            existing.IsPlatformAdmin = true;
            existing.EmailConfirmed = true;
            var updated = await users.UpdateAsync(existing);
            return updated.Succeeded ? null : Describe(updated);
        }

        var user = accounts.NewUser(email);
        user.EmailConfirmed = true;
        user.IsPlatformAdmin = true;
        var created = await users.CreateAsync(user, password);
        return created.Succeeded ? null : Describe(created);
    }

    private async Task<string?> ReplacePasswordAsync(User user, string password)
    {
        if (await users.HasPasswordAsync(user))
        {
            var removed = await users.RemovePasswordAsync(user);
            if (!removed.Succeeded)
            {
                return Describe(removed);
            }
        }

        var added = await users.AddPasswordAsync(user, password);
        return added.Succeeded ? null : Describe(added);
    }

    private static string Describe(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));
}
