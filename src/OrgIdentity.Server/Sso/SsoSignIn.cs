using System.Net.Mail;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Client.AspNetCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Organizations;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.Sso;

/// <summary>A connection people can be sent to now, and whether its organization requires it for its verified domains.</summary>
public sealed record UsableConnection(Guid Id, Guid OrganizationId, string Name, bool RequireSso);

/// <summary>
/// Home-realm discovery and the rules of an SSO sign-in (DESIGN.md §2 and §4 "Enterprise SSO"): later sign-ins match
/// the upstream (<c>iss</c>, <c>sub</c>) pair, never the e-mail alone; a first sign-in needs an e-mail in a domain the
/// organization verified, and then creates the account (managed by the organization) or links an existing one whose
/// e-mail is confirmed (its password and sessions wiped); the membership gets the organization's SSO default role,
/// whatever the upstream says. One transaction per sign-in, audit events included.
/// </summary>
public sealed partial class SsoSignIn(
    OrgIdentityDbContext db,
    UserManager<User> users,
    SignInManager<User> signIn,
    AccountsService accounts,
    DomainsService domains,
    OrganizationJoin join,
    AuditLog audit,
    TimeProvider time)
{
    public const string AuthenticationMethod = "sso";

    private static readonly TimeSpan IdTokenClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The enabled connection of the organization that verified the e-mail's domain, if any.</summary>
    public async Task<UsableConnection?> ForEmailAsync(string email, CancellationToken cancellationToken)
    {
        if (DomainOf(email) is not { } domain)
        {
            return null;
        }

        var organizationId = await db.OrganizationDomains.AsNoTracking().Where(d => d.VerifiedDomain == domain).Select(d => (Guid?)d.OrganizationId)
            .SingleOrDefaultAsync(cancellationToken);
        return organizationId is { } id ? await ForOrganizationAsync(id, cancellationToken) : null;
    }

    /// <summary>The organization's enabled connection (the oldest, when it has several), if its plan has <c>sso</c>.</summary>
    public async Task<UsableConnection?> ForOrganizationAsync(Guid organizationId, CancellationToken cancellationToken) =>
        await db.SsoConnections.AsNoTracking()
            .Where(c => c.OrganizationId == organizationId && c.Enabled && c.Organization.Plan.Sso)
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .Select(c => new UsableConnection(c.Id, c.OrganizationId, c.Name, c.RequireSso))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Sends the browser to the connection's provider; <paramref name="returnUrl"/> is where the callback goes after the
    /// sign-in. False when the connection went away meanwhile.
    /// </summary>
    public static async Task<bool> ChallengeAsync(HttpContext context, Guid connectionId, string returnUrl, string? loginHint)
    {
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.RegistrationId] = connectionId.ToString(),
        })
        { RedirectUri = returnUrl };
        if (!string.IsNullOrWhiteSpace(loginHint))
        {
            properties.Items[OpenIddictClientAspNetCoreConstants.Properties.LoginHint] = loginHint.Trim();
        }

        try
        {
            await context.ChallengeAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme, properties);
            return true;
        }
        catch (SsoConnectionUnavailableException)
        {
            return false;
        }
    }

    /// <summary>Signs the upstream identity in (creating, linking or matching the account), or says why not.</summary>
    public async Task<Outcome<User>> SignInAsync(ClaimsPrincipal upstream, AuditActor caller, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(upstream.GetClaim(Claims.Private.RegistrationId), out var connectionId))
        {
            return Refused("The sign-in did not come from a known SSO connection.");
        }

        // OpenIddict's client does not check the lifetime of an ID token it got from the token endpoint; OIDC Core §3.1.3.7 asks for it.
        var expires = upstream.GetExpirationDate()
            ?? (long.TryParse(upstream.GetClaim(Claims.ExpiresAt), System.Globalization.CultureInfo.InvariantCulture, out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : null);
        if (expires is { } expiry && expiry.Add(IdTokenClockSkew) < time.GetUtcNow())
        {
            return Refused("The identity provider's answer has expired. Try again from the sign-in page.");
        }

        var subject = upstream.GetClaim(Claims.Subject);
        var issuer = upstream.GetClaim(Claims.Issuer) ?? upstream.FindFirst(Claims.Subject)?.Issuer;
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(issuer))
        {
            return Refused("The identity provider did not say who you are (no subject).");
        }

        if (subject.Length > 255 || issuer.Length > 500)
        {
            // The columns of ExternalLogin; OIDC Core §2 bounds sub at 255 ASCII characters.
            return Refused("The identity provider's subject or issuer is too long to be recorded.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = await db.SsoConnections.Include(c => c.Organization).SingleOrDefaultAsync(c => c.Id == connectionId, cancellationToken);
        if (connection is null || !connection.Enabled || !connection.Organization.Has(PlanFeature.Sso))
        {
            return Refused("This organization's single sign-on is no longer available. Ask your administrator.");
        }

        var organization = connection.Organization;
        await db.LockOrganizationAsync(organization.Id, cancellationToken);
        var email = NormalizedEmail(upstream.GetClaim(connection.EmailClaim));
        var name = upstream.GetClaim(connection.NameClaim)?.Trim() is { Length: > 0 and <= 200 } given ? given : null;
        var domainVerified = email is not null && await domains.IsVerifiedForAsync(organization.Id, email, cancellationToken);
        var now = time.UtcNowToMicrosecond();

        var link = await db.ExternalLogins.Include(l => l.User)
            .SingleOrDefaultAsync(l => l.ConnectionId == connectionId && l.Issuer == issuer && l.Subject == subject, cancellationToken);
        User user;
        string how;
        if (link is not null)
        {
            user = link.User;
            if (user.IsDisabled)
            {
                return Refused("Your account is disabled. Contact your administrator.");
            }

            link.LastUsedAt = now;
            how = "matched";
            if (user.ManagedByOrganizationId == organization.Id)
            {
                await RefreshProfileAsync(user, name, domainVerified ? email : null);
            }
        }
        else
        {
            if (email is null)
            {
                return Refused($"The identity provider did not send an e-mail address (claim '{connection.EmailClaim}'), so no account can be found or made.");
            }

            if (!domainVerified)
            {
                // An upstream may assert any address: only a domain this organization proved it owns is trusted.
                return Refused($"The address {email} is not in a domain {organization.Name} has verified, so it cannot sign in through this organization's provider.");
            }

            var existing = await users.FindByEmailAsync(email);
            if (existing is null)
            {
                user = accounts.NewUser(email);
                user.EmailConfirmed = true;
                user.ManagedByOrganizationId = organization.Id;
                user.Name = name;
                var created = await users.CreateAsync(user);
                if (!created.Succeeded)
                {
                    db.ChangeTracker.Clear();
                    return Refused("The account could not be made: " + string.Join(" ", created.Errors.Select(e => e.Description)));
                }

                how = "created";
                audit.Record(caller, organization.Id, "sso.user_created", "user", user.Id.ToString(), new { connection = connection.Id, email });
            }
            else
            {
                user = existing;
                if (user.IsDisabled)
                {
                    return Refused("Your account is disabled. Contact your administrator.");
                }

                if (await db.ExternalLogins.AnyAsync(l => l.ConnectionId == connectionId && l.UserId == user.Id, cancellationToken))
                {
                    // Never on the e-mail alone: the provider now gives this address to someone else.
                    return Refused($"The account {email} is linked to another identity at this provider. Ask your administrator.");
                }

                if (user.ManagedByOrganizationId is { } manager && manager != organization.Id)
                {
                    return Refused($"The account {email} is managed by another organization and cannot be linked to this one's provider.");
                }

                if (user.ManagedByOrganizationId is null)
                {
                    if (!user.EmailConfirmed)
                    {
                        return Refused($"An account with the address {email} exists but its address is not confirmed, so it cannot be linked. "
                            + "Confirm it (sign in with the password to get a new link) or ask your administrator.");
                    }

                    user.ManagedByOrganizationId = organization.Id;
                    await accounts.WipeCredentialsInTransactionAsync(user, caller, organization.Id, cancellationToken);
                }

                how = "linked";
                audit.Record(caller, organization.Id, "sso.user_linked", "user", user.Id.ToString(), new { connection = connection.Id, email });
            }

            db.ExternalLogins.Add(new ExternalLogin
            {
                Id = Guid.CreateVersion7(),
                ConnectionId = connectionId,
                UserId = user.Id,
                Issuer = issuer,
                Subject = subject,
                CreatedAt = now,
                LastUsedAt = now,
            });
        }

        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.OrganizationId == organization.Id && m.UserId == user.Id, cancellationToken);
        if (membership is { Status: MembershipStatus.Suspended })
        {
            db.ChangeTracker.Clear();
            return Refused($"Your membership of {organization.Name} is suspended. Contact your administrator.");
        }

        // SSO default role whatever the upstream token says: upstream groups and roles are never mapped (SCIM group mappings do that).
        membership ??= await join.AddAsync(organization, user, MembershipSource.Sso, organization.DefaultRoles.Sso, [], [], caller, cancellationToken);
        audit.Record(caller with { Type = "user", Id = user.Id.ToString() }, organization.Id, "sso.signed_in", "user", user.Id.ToString(),
            new { connection = connection.Id, how });
        user.LastLoginAt = time.GetUtcNow().UtcDateTime;
        var saved = await users.UpdateAsync(user);
        if (!saved.Succeeded)
        {
            db.ChangeTracker.Clear();
            return Refused("The sign-in could not be recorded: " + string.Join(" ", saved.Errors.Select(e => e.Description)));
        }

        await db.SyncAsync(user, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        // The connection rides in the session's properties (they survive the cookie's refreshes): sign-out ends the session there too.
        var properties = new AuthenticationProperties { IsPersistent = false, Items = { [SessionConnectionItem] = connectionId.ToString() } };
        await signIn.SignInWithClaimsAsync(user, properties, [new Claim(ClaimTypes.AuthenticationMethod, AuthenticationMethod)]);
        return user;
    }

    public const string SessionConnectionItem = "sso_connection";

    /// <summary>The connection the current session signed in through, if any.</summary>
    public static async Task<Guid?> SessionConnectionAsync(HttpContext context)
    {
        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        return session.Succeeded && session.Properties?.Items.TryGetValue(SessionConnectionItem, out var value) == true && Guid.TryParse(value, out var id)
            ? id
            : null;
    }

    /// <summary>
    /// Sends the browser to the provider's end-session endpoint, then back to <paramref name="returnUrl"/> (through
    /// <c>/sso/signed-out</c>). False when that cannot be done (the provider has no end-session endpoint, the connection
    /// is gone): the local sign-out stands on its own then.
    /// </summary>
    public static async Task<bool> SignOutUpstreamAsync(HttpContext context, Guid connectionId, string returnUrl, ILogger logger)
    {
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.RegistrationId] = connectionId.ToString(),
        })
        { RedirectUri = returnUrl };
        try
        {
            await context.SignOutAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme, properties);
            return !context.Response.HasStarted || context.Response.StatusCode is >= 300 and < 400;
        }
        catch (Exception problem) when (problem is InvalidOperationException or HttpRequestException or OpenIddictExceptions.ProtocolException)
        {
            // The local session is already gone; the provider's stays (it may not support RP-initiated logout).
            Log.UpstreamSignOutSkipped(logger, connectionId, problem.Message);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "The session at the provider of SSO connection {ConnectionId} was not ended: {Reason}")]
        public static partial void UpstreamSignOutSkipped(ILogger logger, Guid connectionId, string reason);
    }

    /// <summary>A later sign-in refreshes the name, and the e-mail when it is still in a verified domain and nobody else has it.</summary>
    private async Task RefreshProfileAsync(User user, string? name, string? email)
    {
        if (name is not null)
        {
            user.Name = name;
        }

        if (email is not null && !string.Equals(email, user.Email, StringComparison.OrdinalIgnoreCase)
            && await users.FindByEmailAsync(email) is null)
        {
            user.Email = email;
            user.UserName = email;
            user.EmailConfirmed = true;
        }
    }

    private static Outcome<User> Refused(string detail) => Refusal.Forbidden(detail);

    private static string? NormalizedEmail(string? value) =>
        value?.Trim() is { Length: > 0 and <= 256 } trimmed && MailAddress.TryCreate(trimmed, out var address) && address.Address == trimmed
            ? trimmed.ToLowerInvariant()
            : null;

    /// <summary>The domain as verified domains are stored (<see cref="DomainsService.Normalize"/>: lowercase, IDN in its xn-- form).</summary>
    private static string? DomainOf(string email) =>
        email.LastIndexOf('@') is var at and > 0 ? DomainsService.Normalize(email[(at + 1)..]).Value : null;
}
