using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OrgIdentity.Server.Connect;

/// <summary>
/// On a refresh, OpenIddict copies the resources of the old token onto the new principal when it has none
/// (<c>RestoreInternalClaims</c>), so a refresh that narrows the scopes would keep the wider audience.
/// This runs after that and sets the resources from the scopes actually granted now.
/// </summary>
internal sealed class AudienceFollowsScopes : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<AudienceFollowsScopes>()
            .SetOrder(OpenIddictServerHandlers.RestoreInternalClaims.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.Principal is { } principal)
        {
            principal.SetResources(ConnectClaims.ResourcesFor(principal.GetScopes()));
        }

        return default;
    }
}
