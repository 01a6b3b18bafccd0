namespace OrgIdentity.Server.Roles;

/// <summary>One kind of resource in <c>OrgIdentity:Permissions</c>: <c>{ "Implies": [ "catalog-items" ] }</c> under its key.</summary>
public sealed class PermissionKindOptions
{
    public List<string> Implies { get; set; } = [];
}

/// <summary>
/// The permission catalog (DESIGN.md §2). A permission is <c>kind:view</c> or <c>kind:edit</c> (edit implies
/// view; a kind may imply other kinds at the same action), plus the special <c>members:impersonate</c>.
/// Each product names its own kinds in <c>OrgIdentity:Permissions</c>; OrgIdentity's administrative kinds
/// are always there, because its own rules need them.
/// </summary>
public sealed class PermissionCatalog
{
    public const string Section = "OrgIdentity:Permissions";
    public const string View = "view";
    public const string Edit = "edit";
    public const string Impersonate = "members:impersonate";

    public static readonly string[] AdministrativeKinds =
        ["billing", "organization-settings", "members", "roles", "units", "access-tokens", "webhooks", "audit-log"];

    /// <summary>The catalog when <c>OrgIdentity:Permissions</c> is not set.</summary>
    public static readonly IReadOnlyDictionary<string, PermissionKindOptions> DefaultKinds = new Dictionary<string, PermissionKindOptions>
    {
        ["assets"] = new() { Implies = ["catalog-items", "stages"] },
        ["catalog-items"] = new(),
        ["stages"] = new(),
        ["orders"] = new(),
        ["customers"] = new(),
        ["renders"] = new(),
        ["jobs"] = new(),
        ["configurations"] = new(),
        ["apps"] = new(),
        ["analytics"] = new(),
        ["developer-accounts"] = new(),
    };

    private readonly Dictionary<string, string[]> _implies;

    public PermissionCatalog(IReadOnlyDictionary<string, PermissionKindOptions> configured)
    {
        var kinds = configured.ToDictionary(k => k.Key.Trim().ToLowerInvariant(), k => k.Value.Implies.Select(i => i.Trim().ToLowerInvariant()).ToArray());
        foreach (var kind in AdministrativeKinds)
        {
            kinds.TryAdd(kind, []);
        }

        foreach (var (kind, implied) in kinds)
        {
            if (implied.FirstOrDefault(i => !kinds.ContainsKey(i)) is { } unknown)
            {
                throw new Hosting.StartupConfigurationException($"{Section}:{kind}:Implies names '{unknown}', which is not a kind of the catalog; add it or remove it there.");
            }
        }

        _implies = kinds;
        ProductKinds = kinds.Keys.Where(k => !AdministrativeKinds.Contains(k)).Order(StringComparer.Ordinal).ToArray();
        Kinds = [.. ProductKinds, .. AdministrativeKinds];
        All = [.. Kinds.SelectMany(k => new[] { $"{k}:{View}", $"{k}:{Edit}" }), Impersonate];
    }

    /// <summary>Product kinds first (sorted), then the administrative ones.</summary>
    public IReadOnlyList<string> Kinds { get; }
    public IReadOnlyList<string> ProductKinds { get; }

    /// <summary>Every permission of the catalog, special ones included.</summary>
    public IReadOnlyList<string> All { get; }

    public IReadOnlyList<string> ImpliedKinds(string kind) => _implies.TryGetValue(kind, out var implied) ? implied : [];

    public bool Contains(string permission) => All.Contains(permission, StringComparer.Ordinal);

    /// <summary>Everything <paramref name="permissions"/> grant: edit brings view, a kind brings the kinds it implies (transitively).</summary>
    public IReadOnlySet<string> Expand(IEnumerable<string> permissions)
    {
        var granted = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(permissions);
        while (pending.TryPop(out var permission))
        {
            if (!granted.Add(permission))
            {
                continue;
            }

            if (permission.Split(':') is [var kind, var action] && action is View or Edit)
            {
                if (action == Edit)
                {
                    pending.Push($"{kind}:{View}");
                }

                foreach (var implied in ImpliedKinds(kind))
                {
                    pending.Push($"{implied}:{action}");
                }
            }
        }

        return granted;
    }
}
