namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>The applications every test server declares in <c>OrgIdentity:Clients</c>.</summary>
public static class TestClients
{
    public const string CodeClient = "code-client";
    public const string CodeSecret = "code-client-secret-0123456789";
    public const string CodeRedirect = "https://app.test/callback";
    public const string CodePostLogout = "https://app.test/signed-out";

    public const string ConsentClient = "consent-client";
    public const string ConsentRedirect = "https://consent.test/callback";

    public const string Worker = "worker";
    public const string WorkerSecret = "worker-secret-0123456789abcdef";

    public const string DeviceClient = "device-client";

    // Indices from 10 so they do not merge into the clients of appsettings.Development.json.
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["OrgIdentity:Clients:10:ClientId"] = CodeClient,
        ["OrgIdentity:Clients:10:ClientSecret"] = CodeSecret,
        ["OrgIdentity:Clients:10:DisplayName"] = "Code app",
        ["OrgIdentity:Clients:10:ConsentType"] = "Implicit",
        ["OrgIdentity:Clients:10:GrantTypes:0"] = "authorization_code",
        ["OrgIdentity:Clients:10:GrantTypes:1"] = "refresh_token",
        ["OrgIdentity:Clients:10:GrantTypes:2"] = "urn:ietf:params:oauth:grant-type:token-exchange",
        ["OrgIdentity:Clients:10:RedirectUris:0"] = CodeRedirect,
        ["OrgIdentity:Clients:10:PostLogoutRedirectUris:0"] = CodePostLogout,
        ["OrgIdentity:Clients:10:Scopes:0"] = "openid",
        ["OrgIdentity:Clients:10:Scopes:1"] = "profile",
        ["OrgIdentity:Clients:10:Scopes:2"] = "email",
        ["OrgIdentity:Clients:10:Scopes:3"] = "offline_access",
        ["OrgIdentity:Clients:10:Scopes:4"] = "organizations",
        ["OrgIdentity:Clients:10:Scopes:5"] = "orgidentity.api",
        // Permissions of the catalog, requested as scopes: granted only when held.
        ["OrgIdentity:Clients:10:Scopes:6"] = "assets:view",
        ["OrgIdentity:Clients:10:Scopes:7"] = "billing:edit",

        ["OrgIdentity:Clients:11:ClientId"] = ConsentClient,
        ["OrgIdentity:Clients:11:DisplayName"] = "Third-party app",
        ["OrgIdentity:Clients:11:ConsentType"] = "Explicit",
        ["OrgIdentity:Clients:11:GrantTypes:0"] = "authorization_code",
        ["OrgIdentity:Clients:11:GrantTypes:1"] = "refresh_token",
        ["OrgIdentity:Clients:11:RedirectUris:0"] = ConsentRedirect,
        ["OrgIdentity:Clients:11:Scopes:0"] = "openid",
        ["OrgIdentity:Clients:11:Scopes:1"] = "profile",
        ["OrgIdentity:Clients:11:Scopes:2"] = "email",
        ["OrgIdentity:Clients:11:Scopes:3"] = "offline_access",

        ["OrgIdentity:Clients:12:ClientId"] = Worker,
        ["OrgIdentity:Clients:12:ClientSecret"] = WorkerSecret,
        ["OrgIdentity:Clients:12:DisplayName"] = "Billing worker",
        ["OrgIdentity:Clients:12:GrantTypes:0"] = "client_credentials",
        ["OrgIdentity:Clients:12:Scopes:0"] = "orgidentity.api",

        ["OrgIdentity:Clients:13:ClientId"] = DeviceClient,
        ["OrgIdentity:Clients:13:DisplayName"] = "Command line",
        ["OrgIdentity:Clients:13:ConsentType"] = "Explicit",
        ["OrgIdentity:Clients:13:GrantTypes:0"] = "device_code",
        ["OrgIdentity:Clients:13:GrantTypes:1"] = "refresh_token",
        ["OrgIdentity:Clients:13:Scopes:0"] = "openid",
        ["OrgIdentity:Clients:13:Scopes:1"] = "profile",
        ["OrgIdentity:Clients:13:Scopes:2"] = "offline_access",
    };
}
