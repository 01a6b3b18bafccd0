namespace OrgIdentity.Server.Roles;

/// <summary>The three base roles, exactly as DESIGN.md §2's table; defined in code, not in the database.</summary>
public sealed class BuiltInRoles(PermissionCatalog catalog)
{
    public const string Admin = "admin";
    public const string Member = "member";
    public const string Viewer = "viewer";

    public static readonly string[] Keys = [Admin, Member, Viewer];

    /// <summary>The permissions a base role grants, expanded.</summary>
    public IReadOnlySet<string> PermissionsOf(string role) => role switch
    {
        // Every permission of the catalog, members:impersonate included.
        Admin => catalog.Expand(catalog.All),
        Member => catalog.Expand([.. catalog.ProductKinds.Select(k => $"{k}:{PermissionCatalog.Edit}"), "members:view", "units:view"]),
        Viewer => catalog.Expand([.. catalog.ProductKinds.Select(k => $"{k}:{PermissionCatalog.View}"), "members:view", "units:view"]),
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not a built-in role."),
    };
}
