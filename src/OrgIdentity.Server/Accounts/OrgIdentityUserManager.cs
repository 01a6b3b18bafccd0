using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace OrgIdentity.Server.Accounts;

/// <summary>
/// Identity's user manager with the lockout on the injected <see cref="TimeProvider"/> (Identity reads the
/// machine clock there), so the lockout follows the same clock as every other expiry in the server.
/// </summary>
public sealed class OrgIdentityUserManager(
    IUserStore<User> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<User> passwordHasher,
    IEnumerable<IUserValidator<User>> userValidators,
    IEnumerable<IPasswordValidator<User>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<User>> logger,
    TimeProvider time)
    : UserManager<User>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override async Task<bool> IsLockedOutAsync(User user) =>
        await GetLockoutEnabledAsync(user) && await GetLockoutEndDateAsync(user) is { } end && end >= time.GetUtcNow();

    public override async Task<IdentityResult> AccessFailedAsync(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var lockoutStore = (IUserLockoutStore<User>)Store;
        var count = await lockoutStore.IncrementAccessFailedCountAsync(user, CancellationToken);
        if (count < Options.Lockout.MaxFailedAccessAttempts)
        {
            return await UpdateUserAsync(user);
        }

        await lockoutStore.SetLockoutEndDateAsync(user, time.GetUtcNow() + Options.Lockout.DefaultLockoutTimeSpan, CancellationToken);
        await lockoutStore.ResetAccessFailedCountAsync(user, CancellationToken);
        return await UpdateUserAsync(user);
    }
}
