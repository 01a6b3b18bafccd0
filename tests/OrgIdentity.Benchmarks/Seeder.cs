using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;

namespace OrgIdentity.Benchmarks;

/// <summary>
/// <c>seed</c>: migrates the database with the server's own migrations, creates (or reuses) one organization and
/// bulk-inserts users and their memberships until the organization has the number asked. Batches of a few thousand
/// rows, each in a fresh context without change detection; every membership gets its copy of the user's directory
/// fields through the server's own <see cref="MemberDirectory.CopyFrom"/>.
/// </summary>
internal static class Seeder
{
    public static async Task RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        var provider = arguments.Provider();
        var connection = arguments.Required("connection");
        var target = arguments.Int("members", 100_000);
        var slug = arguments.Optional("org-slug") ?? "bench";
        var batchSize = Math.Max(1, arguments.Int("batch", 5_000));

        var clock = Stopwatch.StartNew();
        Guid organizationId;
        int existing;
        await using (var db = Database.Open(provider, connection))
        {
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            if (provider == DatabaseProvider.Sqlite)
            {
                // As the server does after migrating (Data/DatabaseExtensions.cs).
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }

            Console.WriteLine($"Migrated ({pending.Count} migration(s) applied) in {clock.Elapsed.TotalSeconds:0.0} s.");
            var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Slug == slug, cancellationToken);
            if (organization is null)
            {
                organization = new Organization
                {
                    Id = Guid.CreateVersion7(),
                    Slug = slug,
                    Name = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(slug.Replace('-', ' ')) + " (benchmark)",
                    CreatedAt = DateTime.UtcNow,
                };
                db.Organizations.Add(organization);
                await db.SaveChangesAsync(cancellationToken);
                Console.WriteLine($"Created organization '{slug}' ({organization.Id}).");
            }

            organizationId = organization.Id;
            existing = await db.Memberships.CountAsync(m => m.OrganizationId == organizationId, cancellationToken);
        }

        Console.WriteLine($"Organization '{slug}' ({organizationId}) has {existing:N0} member(s); target {target:N0}.");
        if (existing < target)
        {
            await InsertMembersAsync(provider, connection, slug, organizationId, existing, target, batchSize, cancellationToken);
        }

        if (arguments.Flag("scim-profiles"))
        {
            await AddScimProfilesAsync(provider, connection, organizationId, batchSize, cancellationToken);
        }
    }

    /// <summary>
    /// Gives every membership of the organization that has none a SCIM profile, as a directory's create would
    /// (userName = the e-mail, externalId, primary work e-mail, name, active = the membership's status).
    /// </summary>
    private static async Task AddScimProfilesAsync(DatabaseProvider provider, string connection, Guid organizationId, int batchSize, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var added = 0;
        while (true)
        {
            await using var db = Database.Open(provider, connection);
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(5));
            var batch = await db.Memberships.AsNoTracking()
                .Where(m => m.OrganizationId == organizationId && !db.ScimProfiles.Any(p => p.MembershipId == m.Id))
                .OrderBy(m => m.Id).Take(batchSize)
                .Select(m => new { m.Id, m.UserId, m.MemberEmail, m.MemberName, m.Status, m.JoinedAt })
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var m in batch)
            {
                var externalId = "ext-" + m.Id.ToString("N");
                var attributes = new System.Text.Json.Nodes.JsonObject
                {
                    ["schemas"] = new System.Text.Json.Nodes.JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
                    ["externalId"] = externalId,
                    ["userName"] = m.MemberEmail,
                    ["displayName"] = m.MemberName,
                    ["emails"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["value"] = m.MemberEmail, ["type"] = "work", ["primary"] = true }),
                };
                db.ScimProfiles.Add(new OrgIdentity.Server.Scim.ScimProfile
                {
                    MembershipId = m.Id,
                    OrganizationId = organizationId,
                    UserId = m.UserId,
                    UserName = m.MemberEmail,
                    UserNameNormalized = m.MemberEmail.ToUpperInvariant(),
                    ExternalId = externalId,
                    PrimaryEmailNormalized = m.MemberEmail.ToUpperInvariant(),
                    Active = m.Status == MembershipStatus.Active,
                    Attributes = attributes.ToJsonString(),
                    CreatedAt = m.JoinedAt,
                    LastModifiedAt = m.JoinedAt,
                });
            }

            await db.SaveChangesAsync(cancellationToken);
            added += batch.Count;
            Console.WriteLine($"  {added,9:N0} SCIM profiles  ({added / clock.Elapsed.TotalSeconds:N0} rows/s)");
        }

        Console.WriteLine($"Added {added:N0} SCIM profiles in {clock.Elapsed.TotalSeconds:0.0} s.");
        if (added > 0 && provider == DatabaseProvider.PostgreSql)
        {
            await using var db = Database.Open(provider, connection);
            await db.Database.ExecuteSqlRawAsync("""VACUUM ANALYZE "ScimProfiles";""", cancellationToken);
        }
    }

    private static async Task InsertMembersAsync(DatabaseProvider provider, string connection, string slug, Guid organizationId, int existing, int target,
        int batchSize, CancellationToken cancellationToken)
    {

        var people = new PeopleGenerator(slug, target);
        var insert = Stopwatch.StartNew();
        var done = 0;
        for (var start = existing; start < target; start += batchSize)
        {
            var count = Math.Min(batchSize, target - start);
            await using var db = Database.Open(provider, connection);
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(5));
            if (provider == DatabaseProvider.Sqlite)
            {
                // This connection only (the server's own are untouched): a large page cache for the index inserts, and
                // no fsync per batch (a crash during the seed loses the seed, nothing else).
                await db.Database.OpenConnectionAsync(cancellationToken);
                await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -262144; PRAGMA synchronous = OFF;", cancellationToken);
            }

            for (var i = start; i < start + count; i++)
            {
                var (user, membership) = people.Make(i, organizationId);
                db.Users.Add(user);
                db.Memberships.Add(membership.CopyFrom(user));
            }

            await db.SaveChangesAsync(cancellationToken);
            done += count;
            Console.WriteLine($"  {start + count,9:N0} members  ({done * 2 / insert.Elapsed.TotalSeconds:N0} rows/s)");
        }

        insert.Stop();
        Console.WriteLine($"Inserted {done:N0} users and {done:N0} memberships ({done * 2:N0} rows) in {insert.Elapsed.TotalSeconds:0.0} s: " +
                          $"{done * 2 / insert.Elapsed.TotalSeconds:N0} rows/s.");

        if (provider == DatabaseProvider.PostgreSql)
        {
            // What autovacuum's auto-analyze does shortly after a bulk load; done now so the first plans are not guesses.
            await using var db = Database.Open(provider, connection);
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
            var analyze = Stopwatch.StartNew();
            await db.Database.ExecuteSqlRawAsync("""VACUUM ANALYZE "AspNetUsers", "Memberships";""", cancellationToken);
            Console.WriteLine($"VACUUM ANALYZE in {analyze.Elapsed.TotalSeconds:0.0} s.");
        }
    }
}

/// <summary>
/// Varied, deterministic people: a skewed surname distribution (so a common fragment such as "smith" matches a few
/// percent), a handful of very rare surnames ("featherstonehaugh"), companies, names given in different ways, last
/// sign-ins over two years or never, roles, sources, some suspended memberships and some disabled accounts.
/// </summary>
internal sealed class PeopleGenerator(string slug, int total)
{
    private static readonly string[] GivenNames =
    [
        "Anna", "Ben", "Chloé", "David", "Elena", "Farid", "Grace", "Hiroshi", "Ines", "Jakob", "Kara", "Liam", "Mei", "Noah", "Olga",
        "Pablo", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Amelia", "Bruno", "Carla", "Dmitri",
        "Emma", "Felix", "Gabriela", "Hugo", "Isla", "Jonas", "Katarzyna", "Lucas", "Maria", "Nils", "Oscar", "Priya", "Rafael", "Sofia",
        "Thomas", "Ulrike", "Valentina", "William", "Xavier", "Yara", "Zainab", "Aaron", "Beatriz", "Conor", "Daniela", "Emil", "Fatima",
        "George", "Hannah", "Ivan", "Julia", "Kenji", "Laura", "Mateo", "Nadia", "Olivia", "Peter", "Renata", "Samuel", "Tessa", "Uwe",
        "Vera", "Walter", "Yann", "Zofia", "Adam", "Bianca", "Caleb", "Diana", "Ethan", "Freya", "Gustav", "Helena", "Isaac", "Jana",
        "Kofi", "Lena", "Marco", "Nora", "Omar", "Paula", "Ruben", "Sara", "Timo", "Ursula", "Vincent", "Willa", "Yosef", "Zara", "Ahmed",
    ];

    private static readonly string[] FamilyNames =
    [
        "Smith", "Müller", "Garcia", "Johnson", "Schmidt", "Rossi", "Martin", "Nguyen", "Kowalski", "Brown", "Fischer", "Lopez", "Williams",
        "Weber", "Dubois", "Tanaka", "Jones", "Meyer", "Silva", "Andersson", "Taylor", "Wagner", "Bianchi", "Kim", "Davies", "Becker",
        "Moreau", "Sato", "Evans", "Hoffmann", "Ricci", "Chen", "Wilson", "Schulz", "Laurent", "Suzuki", "Thomas", "Koch", "Romano", "Wang",
        "Roberts", "Richter", "Lefebvre", "Takahashi", "Walker", "Klein", "Colombo", "Li", "Wright", "Wolf", "Fournier", "Watanabe",
        "Robinson", "Schröder", "Greco", "Zhang", "Thompson", "Neumann", "Girard", "Ito", "White", "Schwarz", "Bruno", "Liu", "Hughes",
        "Zimmermann", "Bonnet", "Yamamoto", "Edwards", "Braun", "Gallo", "Yang", "Green", "Krüger", "Dupont", "Nakamura", "Hall",
        "Hofmann", "Conti", "Huang", "Wood", "Hartmann", "Lambert", "Kobayashi", "Harris", "Lange", "DeLuca", "Zhao", "Lewis", "Schmitt",
        "Fontaine", "Kato", "Clarke", "Werner", "Mancini", "Wu", "Jackson", "Krause", "Rousseau", "Yoshida", "Patel", "Meier", "Costa",
        "Zhou", "Turner", "Lehmann", "Vincent", "Yamada", "Hill", "Köhler", "Ferrari", "Xu", "Moore", "Maier", "Morel", "Sasaki", "Cooper",
        "Herrmann", "Marino", "Sun", "Ward", "König", "Fabre", "Yamaguchi", "Morris", "Walter", "Barbieri", "Ma", "King", "Mayer", "Leroy",
        "Matsumoto", "Baker", "Huber", "Rinaldi", "Zhu", "Harrison", "Kaiser", "Roux", "Inoue", "Morgan", "Fuchs", "Caruso", "Hu", "Allen",
        "Peters", "Fernandez", "Kimura", "Young", "Lang", "Santos", "Hayashi", "Scott", "Ostrowski", "Nowak", "Novak", "Horvat", "Jensen",
    ];

    /// <summary>About one person in 20,000 each: the rare search.</summary>
    private static readonly string[] RareFamilyNames = ["Featherstonehaugh", "Quillfeather", "Vandersteen"];

    private static readonly string[] Companies =
    [
        "Northwind Traders", "Contoso Ltd", "Fabrikam GmbH", "Adventure Works", "Tailspin Toys", "Wide World Importers", "Litware Inc",
        "Proseware", "Woodgrove Bank", "Coho Winery", "Alpine Ski House", "Blue Yonder Airlines", "City Power & Light", "Consolidated Messenger",
        "Fourth Coffee", "Graphic Design Institute", "Humongous Insurance", "Lamna Healthcare", "Lucerne Publishing", "Margie's Travel",
        "Nod Publishers", "Relecloud", "School of Fine Art", "Southridge Video", "Trey Research", "VanArsdel Ltd", "Wingtip Toys",
        "Acme Corporation", "Globex", "Initech", "Umbrella Logistics", "Stark Components", "Wayne Shipping", "Tyrell Systems", "Cyberdyne",
        "Soylent Foods", "Hooli", "Pied Piper", "Massive Dynamic", "Oscorp Labs", "Vandelay Industries", "Kramerica", "Dunder Mifflin",
        "Sterling Cooper", "Bluth Company", "Wonka Industries", "Gringotts", "Monarch Solutions", "Aperture Science", "Black Mesa",
        "Nakatomi Trading", "Gekko & Co", "Duff Brewing", "Los Pollos Hermanos", "Prestige Worldwide", "Paper Street Soap", "Vought",
        "Weyland Corp", "Yoyodyne", "Zorg Industries", "Spacely Sprockets", "Cogswell Cogs", "Ollivanders", "Buy n Large", "InGen",
        "Virtucon", "Sirius Cybernetics", "Omni Consumer Products", "Rekall", "Abstergo", "Planet Express", "Mom's Friendly Robots",
        "Krusty Krab", "Bubba Gump Shrimp", "Cheers Bar", "Central Perk", "Monk's Diner", "Stay Puft", "Ghostbusters", "Ecto Labs",
    ];

    private static readonly (MembershipSource Source, int Weight)[] Sources =
    [
        (MembershipSource.Invitation, 40), (MembershipSource.Admin, 25), (MembershipSource.Scim, 15), (MembershipSource.Sso, 10),
        (MembershipSource.SelfSignup, 5), (MembershipSource.InviteLink, 5),
    ];

    private static readonly double[] FamilyWeights = CumulativeZipf(FamilyNames.Length, 0.5);
    private static readonly double[] CompanyWeights = CumulativeZipf(Companies.Length, 0.7);

    // Joined dates spread over three years up to now, in index order (memberships are made over time, and their ids
    // are version-7 GUIDs of that time, as the server makes them); last sign-ins between joining and now.
    private readonly DateTime now = Truncate(DateTime.UtcNow);
    private readonly int seed = slug.Aggregate(17, (hash, c) => unchecked((hash * 31) + c));
    private readonly TimeSpan span = TimeSpan.FromDays(3 * 365);

    public (User User, Membership Membership) Make(int index, Guid organizationId)
    {
        var random = new Random(unchecked((seed * 31) + index));
        var given = GivenNames[random.Next(GivenNames.Length)];
        var family = random.Next(20_000) == 0 ? RareFamilyNames[random.Next(RareFamilyNames.Length)] : FamilyNames[Pick(FamilyWeights, random)];
        var company = random.Next(100) < 85 ? Companies[Pick(CompanyWeights, random)] : null;
        var domain = (company is null ? "mail" : new string(company.Where(char.IsAsciiLetterOrDigit).ToArray())).ToLowerInvariant() + "." + slug + ".example";
        var email = $"{Ascii(given)}.{Ascii(family)}.{index}@{domain}".ToLowerInvariant();

        var joined = Truncate(now - span + (span * ((double)index / Math.Max(1, total))) + TimeSpan.FromMinutes(random.Next(-60, 60)));
        if (joined > now)
        {
            joined = now;
        }

        DateTime? lastLogin = random.Next(100) < 75 ? Truncate(joined + ((now - joined) * random.NextDouble())) : null;
        var disabled = random.Next(100) < 2;
        var nameStyle = random.Next(100);
        var user = new User
        {
            Id = Guid.CreateVersion7(new DateTimeOffset(joined.AddMinutes(-random.Next(0, 60 * 24 * 30)), TimeSpan.Zero)),
            Email = email,
            NormalizedEmail = email.ToUpperInvariant(),
            UserName = email,
            NormalizedUserName = email.ToUpperInvariant(),
            EmailConfirmed = random.Next(100) < 95,
            SecurityStamp = Guid.NewGuid().ToString("N").ToUpperInvariant(),
            ConcurrencyStamp = Guid.NewGuid().ToString(),
            LockoutEnabled = true,
            // Most have a full name; some only given and family names, a few only a legacy user name or nothing (the e-mail shows).
            Name = nameStyle < 88 ? $"{given} {family}" : null,
            GivenName = nameStyle < 96 ? given : null,
            FamilyName = nameStyle < 96 ? family : null,
            LegacyUserName = nameStyle is >= 96 and < 98 ? $"{Ascii(given)}{Ascii(family)}{index % 1000}".ToLowerInvariant() : null,
            Company = company,
            IsDisabled = disabled,
            DisabledAt = disabled ? lastLogin ?? joined : null,
            CreatedAt = joined,
            LastLoginAt = lastLogin,
        };

        var role = random.Next(100) switch
        {
            < 3 => BuiltInRoles.Admin,
            < 83 => BuiltInRoles.Member,
            _ => BuiltInRoles.Viewer,
        };
        var weight = random.Next(100);
        var source = Sources.First(s => (weight -= s.Weight) < 0).Source;
        var membership = new Membership
        {
            Id = Guid.CreateVersion7(new DateTimeOffset(joined, TimeSpan.Zero)),
            OrganizationId = organizationId,
            UserId = user.Id,
            BaseRole = role,
            Status = random.Next(100) < 4 ? MembershipStatus.Suspended : MembershipStatus.Active,
            Source = source,
            JoinedAt = joined,
        };
        return (user, membership);
    }

    private static int Pick(double[] cumulative, Random random)
    {
        var index = Array.BinarySearch(cumulative, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, cumulative.Length - 1);
    }

    private static double[] CumulativeZipf(int count, double exponent)
    {
        var weights = Enumerable.Range(1, count).Select(rank => 1 / Math.Pow(rank, exponent)).ToArray();
        var sum = weights.Sum();
        var cumulative = new double[count];
        double running = 0;
        for (var i = 0; i < count; i++)
        {
            running += weights[i] / sum;
            cumulative[i] = running;
        }

        return cumulative;
    }

    private static string Ascii(string text) =>
        new(text.Normalize(System.Text.NormalizationForm.FormD).Where(char.IsAsciiLetter).ToArray());

    /// <summary>Microseconds: what PostgreSQL keeps, so both databases hold the same values.</summary>
    private static DateTime Truncate(DateTime time) => new(time.Ticks - (time.Ticks % 10), DateTimeKind.Utc);
}
