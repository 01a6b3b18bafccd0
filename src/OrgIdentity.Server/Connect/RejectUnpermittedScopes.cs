using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OrgIdentity.Server.Connect;

/// <summary>
/// Refuses a scope the client holds no <c>scp:</c> permission for with <c>invalid_scope</c> (RFC 6749 §5.2),
/// before OpenIddict's own permission check answers <c>invalid_request</c> for it.
/// </summary>
internal sealed class RejectUnpermittedScopes(IOpenIddictApplicationManager applications) :
    IOpenIddictServerHandler<ValidateTokenRequestContext>,
    IOpenIddictServerHandler<ValidateDeviceAuthorizationRequestContext>,
    IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
{
    public ValueTask HandleAsync(ValidateTokenRequestContext context) => CheckAsync(context, context.ClientId, context.Request);

    public ValueTask HandleAsync(ValidateDeviceAuthorizationRequestContext context) => CheckAsync(context, context.ClientId, context.Request);

    public ValueTask HandleAsync(ValidateAuthorizationRequestContext context) => CheckAsync(context, context.ClientId, context.Request);

    private async ValueTask CheckAsync(BaseValidatingContext context, string? clientId, OpenIddictRequest request)
    {
        if (string.IsNullOrEmpty(clientId) || await applications.FindByClientIdAsync(clientId, context.CancellationToken) is not { } application)
        {
            return;
        }

        foreach (var scope in request.GetScopes())
        {
            if (scope is not (Scopes.OpenId or Scopes.OfflineAccess)
                && !await applications.HasPermissionAsync(application, Permissions.Prefixes.Scope + scope, context.CancellationToken))
            {
                context.Reject(Errors.InvalidScope, $"This client application may not use the scope '{scope}'.");
                return;
            }
        }
    }
}
