using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OrgIdentity.Server.ServiceAccounts;

/// <summary>
/// Client-credentials access tokens are not stored as rows (DESIGN.md §3, OPENIDDICT.md §4.1): they are short-lived
/// JWTs, and the row was half of a token request's cost. What the row gave, revocation, comes from a deny-list of
/// token ids kept until the tokens would have expired, which revocation fills and introspection and SCIM consult.
/// </summary>
internal static class ClientCredentialsTokens
{
    public static OpenIddictServerBuilder UseClientCredentialsTokensWithoutRows(this OpenIddictServerBuilder server)
    {
        server.AddEventHandler<OpenIddictServerEvents.GenerateTokenContext>(handler => handler
            .UseInlineHandler(context =>
            {
                if (context.TokenType == TokenTypeIdentifiers.AccessToken && context.Request?.IsClientCredentialsGrantType() == true)
                {
                    context.CreateTokenEntry = false;
                }

                return ValueTask.CompletedTask;
            })
            .SetOrder(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom));

        // Before OpenIddict's own revocation, which answers unsupported_token_type for a token without a row.
        server.AddEventHandler<OpenIddictServerEvents.HandleRevocationRequestContext>(handler => handler
            .UseScopedHandler<DenyOnRevocation>()
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<OpenIddictServerEvents.HandleIntrospectionRequestContext>(handler => handler
            .UseScopedHandler<InactiveWhenDenied>()
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom));
        return server;
    }

    /// <summary>Whether a validated access token of a client (a service account or a configured client) has no row.</summary>
    public static bool IsRowless(ClaimsPrincipal principal) =>
        string.IsNullOrEmpty(principal.GetTokenId()) && principal.GetClaim(ConnectClaims.PrincipalType) is "service_account" or "client";

    private sealed class DenyOnRevocation(RevokedAccessTokens revoked) : IOpenIddictServerHandler<OpenIddictServerEvents.HandleRevocationRequestContext>
    {
        public async ValueTask HandleAsync(OpenIddictServerEvents.HandleRevocationRequestContext context)
        {
            if (context.GenericTokenPrincipal is not { } principal || !IsRowless(principal) || principal.GetClaim(Claims.JwtId) is not { } tokenId)
            {
                return;
            }

            await revoked.RevokeAsync(tokenId, principal.GetExpirationDate()?.UtcDateTime ?? DateTime.UtcNow.AddHours(1), principal, context.CancellationToken);
            // RFC 7009 §2.2: 200 is the whole answer; OpenIddict's own revocation would refuse a token without a row.
            context.HandleRequest();
        }
    }

    private sealed class InactiveWhenDenied(RevokedAccessTokens revoked, ServiceAccountDirectory accounts, TimeProvider time)
        : IOpenIddictServerHandler<OpenIddictServerEvents.HandleIntrospectionRequestContext>
    {
        public async ValueTask HandleAsync(OpenIddictServerEvents.HandleIntrospectionRequestContext context)
        {
            if (context.GenericTokenPrincipal is { } principal && IsRowless(principal)
                && !await revoked.IsValidAsync(principal, accounts, time, context.CancellationToken))
            {
                // invalid_token becomes { "active": false } (RFC 7662 §2.2).
                context.Reject(Errors.InvalidToken, "The token was revoked.");
            }
        }
    }
}

/// <summary>The deny-list of client-credentials access tokens (<see cref="RevokedAccessToken"/>).</summary>
public sealed class RevokedAccessTokens(OrgIdentityDbContext db, AuditLog audit, TimeProvider time)
{
    public async Task RevokeAsync(string tokenId, DateTime expiresAt, ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (await db.RevokedAccessTokens.AnyAsync(t => t.TokenId == tokenId, cancellationToken))
        {
            return;
        }

        db.RevokedAccessTokens.Add(new RevokedAccessToken { TokenId = tokenId, ExpiresAt = expiresAt, RevokedAt = time.GetUtcNow().UtcDateTime });
        if (principal.GetClaim(ConnectClaims.PrincipalType) == "service_account" && Guid.TryParse(principal.GetClaim(ConnectClaims.OrganizationId), out var organizationId))
        {
            var subject = principal.GetClaim(Claims.Subject);
            audit.Record(new AuditActor("service_account", subject, null), organizationId, "service_account.token_revoked", "service_account", subject, new { tokenId });
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Revoked by a concurrent call: the token is on the list either way.
        }
    }

    /// <summary>
    /// Whether a row-less client token still holds: not on the deny-list, and for a service account, the account still
    /// gets tokens (deleted, disabled or expired accounts' tokens stop with them).
    /// </summary>
    public async Task<bool> IsValidAsync(ClaimsPrincipal principal, ServiceAccountDirectory accounts, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (principal.GetClaim(Claims.JwtId) is { } tokenId && await db.RevokedAccessTokens.AnyAsync(t => t.TokenId == tokenId, cancellationToken))
        {
            return false;
        }

        if (principal.GetClaim(ConnectClaims.PrincipalType) != "service_account")
        {
            return true;
        }

        var account = await accounts.FindAsync(principal.GetClaim(Claims.ClientId) ?? principal.GetPresenters().FirstOrDefault() ?? "", cancellationToken);
        return account is not null && account.Id.ToString() == principal.GetClaim(Claims.Subject) && account.IsUsable(clock.GetUtcNow().UtcDateTime);
    }
}

/// <summary>
/// Removes deny-list entries of tokens that have expired anyway (hourly, like token pruning). Every replica runs it: the
/// delete is idempotent. A failure (the database away for a moment) waits for the next hour: escaping would stop the host.
/// </summary>
internal sealed partial class RevokedAccessTokenPruning(IServiceScopeFactory scopes, TimeProvider time, ILogger<RevokedAccessTokenPruning> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
                    var now = time.GetUtcNow().UtcDateTime;
                    await db.RevokedAccessTokens.Where(t => t.ExpiresAt < now).ExecuteDeleteAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    Log.Failed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3111, LogLevel.Warning, "Pruning the revoked client-credentials tokens failed; the next hour tries again")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}

/// <summary>What a service account's token request leaves behind: first use of a secret (audited) and the last-used time.</summary>
public sealed class ServiceAccountUse(OrgIdentityDbContext db, ServiceAccountDirectory directory, AuditLog audit, TimeProvider time)
{
    /// <summary>Accounts whose last use is older than this get it written again; a busy client does not write on every token.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task RecordAsync(ServiceAccountClient account, string? presentedSecret, string? ip, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var changed = false;
        if (account.Match(presentedSecret) is { Used: false } secret)
        {
            // Only the request that writes FirstUsedAt first records the event, whichever replica it ran on.
            if (await db.ServiceAccountSecrets.Where(s => s.Id == secret.Id && s.FirstUsedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.FirstUsedAt, now), cancellationToken) == 1)
            {
                audit.Record(new AuditActor("service_account", account.Id.ToString(), ip), account.Access.OrganizationId,
                    "service_account.secret_first_used", "service_account", account.Id.ToString(), new { secretId = secret.Id });
                await db.SaveChangesAsync(cancellationToken);
            }

            changed = true;
        }

        if (account.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            await db.ServiceAccounts.Where(s => s.Id == account.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.LastUsedAt, now), cancellationToken);
            changed = true;
        }

        if (changed)
        {
            await directory.EvictAsync(account.ClientId, cancellationToken);
        }
    }
}
