using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// The member list of DESIGN.md §6 (<c>GET /api/v1/orgs/{orgId}/members</c>): search, every sort in both directions,
/// every filter and the switch for disabled users and suspended memberships, checked against a known data set; the
/// total; keyset paging (each member once, and stable while members are added); the errors naming their parameter;
/// and the membership's copy of the person's directory fields following renames, sign-ins and disabling.
/// </summary>
public abstract class MemberListTests(OrgIdentityApp app) : ServerTests(app)
{
    /// <summary>Every sort of the API, ascending and descending.</summary>
    public static readonly TheoryData<string> Sorts = new("name", "-name", "email", "-email", "company", "-company", "role", "-role", "joined", "-joined",
        "lastLogin", "-lastLogin");

    // ---- the known data set (KnownMembers below): its own state as read back ----

    [Fact]
    public async Task The_known_data_set_reads_back_as_it_was_made()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var all = await KnownMembers.ListAsync(api, known.Id, "includeDisabled=true&limit=200");
        Assert.Equal(known.Members.Count, all.Total);
        Assert.Null(all.Next);
        foreach (var member in known.Members)
        {
            var item = Assert.Single(all.Items, i => i.UserId == member.UserId);
            Assert.Equal(member.Name, item.DisplayName);
            Assert.Equal(member.Email, item.Email);
            Assert.Equal(member.Company, item.Company);
            Assert.Equal(member.Role, item.Role);
            Assert.Equal(member.Roles.Order(StringComparer.Ordinal), item.Roles);
            Assert.Equal(member.Units.Select(u => known.Units[u]).Order(), item.Units.Order());
            Assert.Equal(member.Units.Length > 0, item.LimitedToUnits);
            Assert.Equal(member.Status, item.Status);
            Assert.Equal(member.Disabled, item.Disabled);
            Assert.Equal(member.Source, item.Source);
        }

        // The sort values the exact-order assertions rely on are distinct (role and last login have ties by design).
        Assert.Equal(all.Items.Count, all.Items.Select(i => i.DisplayName.ToLowerInvariant()).Distinct().Count());
        Assert.Equal(all.Items.Count, all.Items.Select(i => i.Email.ToLowerInvariant()).Distinct().Count());
        Assert.Equal(all.Items.Count, all.Items.Select(i => (i.Company ?? "").ToLowerInvariant()).Distinct().Count());
        Assert.Equal(all.Items.Count, all.Items.Select(i => i.JoinedAt).Distinct().Count());
        Assert.Equal(3, all.Items.Count(i => i.LastLoginAt is not null));
    }

    // ---- sorts ----

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Every_sort_orders_the_known_data_set(string sort)
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var everyone = (await KnownMembers.ListAsync(api, known.Id, "includeDisabled=true&limit=200")).Items;

        var active = await KnownMembers.ListAsync(api, known.Id, $"sort={sort}&limit=200");
        AssertOrder(everyone.Where(i => i.Status == "active" && !i.Disabled), active.Items, sort);

        var all = await KnownMembers.ListAsync(api, known.Id, $"sort={sort}&includeDisabled=true&limit=200");
        AssertOrder(everyone, all.Items, sort);

        var filtered = await KnownMembers.ListAsync(api, known.Id, $"sort={sort}&role=member&includeDisabled=true&limit=200");
        AssertOrder(everyone.Where(i => i.Role == "member"), filtered.Items, sort);
    }

    [Fact]
    public async Task Without_a_sort_the_list_is_by_name_ascending()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var byDefault = await KnownMembers.ListAsync(api, known.Id, "limit=200");
        var byName = await KnownMembers.ListAsync(api, known.Id, "sort=name&limit=200");
        Assert.Equal(byName.Items.Select(i => i.UserId), byDefault.Items.Select(i => i.UserId));
        var empty = await KnownMembers.ListAsync(api, known.Id, "sort=&limit=200");
        Assert.Equal(byName.Items.Select(i => i.UserId), empty.Items.Select(i => i.UserId));
    }

    [Fact]
    public async Task Name_email_and_company_sort_case_insensitively()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);

        // "alice Archer" sorts before "Alice Brown" (a binary sort of the original case would put 'A' before 'a').
        var byName = (await KnownMembers.ListAsync(api, known.Id, "sort=name&limit=200")).Items.Select(i => known.KeyOf(i.UserId)).ToList();
        Assert.True(byName.IndexOf("aliceA") == byName.IndexOf("aliceB") - 1, string.Join(", ", byName));

        // "BOB@..." sorts between "Alice.Archer@..." and "carl@..."; a binary sort of the original case would put it first.
        var byEmail = (await KnownMembers.ListAsync(api, known.Id, "sort=email&limit=200")).Items.Select(i => known.KeyOf(i.UserId)).ToList();
        Assert.True(byEmail.IndexOf("aliceA") < byEmail.IndexOf("bob") && byEmail.IndexOf("bob") < byEmail.IndexOf("carl"), string.Join(", ", byEmail));

        // The member without a company sorts first by company (""), last when descending.
        var byCompany = (await KnownMembers.ListAsync(api, known.Id, "sort=company&limit=200")).Items;
        Assert.Equal("hal", known.KeyOf(byCompany[0].UserId));
        var byCompanyDescending = (await KnownMembers.ListAsync(api, known.Id, "sort=-company&limit=200")).Items;
        Assert.Equal("hal", known.KeyOf(byCompanyDescending[^1].UserId));
    }

    [Fact]
    public async Task Last_login_sorts_people_who_never_signed_in_first()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var ascending = (await KnownMembers.ListAsync(api, known.Id, "sort=lastLogin&limit=200")).Items;
        Assert.Equal(new[] { "zed", "ivy", "jay" }, ascending.TakeLast(3).Select(i => known.KeyOf(i.UserId)));
        Assert.All(ascending.SkipLast(3), i => Assert.Null(i.LastLoginAt));

        var descending = (await KnownMembers.ListAsync(api, known.Id, "sort=-lastLogin&limit=200")).Items;
        Assert.Equal(new[] { "jay", "ivy", "zed" }, descending.Take(3).Select(i => known.KeyOf(i.UserId)));
        Assert.All(descending.Skip(3), i => Assert.Null(i.LastLoginAt));
    }

    // ---- search ----

    [Theory]
    [InlineData("alice", false, "aliceA,aliceB")]
    [InlineData("ALICE.ARCHER", false, "aliceA")]
    [InlineData("FabriKam", false, "aliceA")]
    [InlineData("inc", false, "aliceA,at")]
    [InlineData("rowN", false, "aliceB")]
    [InlineData("ann", false, "ann,anna")]
    [InlineData("TAILSPIN", false, "anna")]
    [InlineData("émile", false, "emile")]
    [InlineData("ÉMILE", false, "emile")]
    [InlineData("éditions", false, "emile")]
    [InlineData("%", false, "gus")]
    [InlineData("_", false, "gus")]
    [InlineData("\"best\"", false, "bob")]
    [InlineData("person", false, "at,eq,minus,plus")]
    [InlineData("=", false, "carl,eq")]
    [InlineData("+plus", false, "plus")]
    [InlineData("  alice  ", false, "aliceA,aliceB")]
    [InlineData("initech", false, "ivy")]
    [InlineData("umbrella", false, "")]
    [InlineData("umbrella", true, "dora")]
    [InlineData("vandelay", true, "eve")]
    [InlineData("zzz-nobody", true, "")]
    public async Task Search_matches_name_email_and_company_case_insensitively_as_a_substring(string search, bool includeDisabled, string expected)
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var page = await KnownMembers.ListAsync(api, known.Id, $"search={Uri.EscapeDataString(search)}&includeDisabled={(includeDisabled ? "true" : "false")}&limit=200");
        Assert.Equal(Split(expected), page.Items.Select(i => known.KeyOf(i.UserId)).Order(StringComparer.Ordinal));
        Assert.Equal(page.Items.Count, page.Total);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task An_empty_search_is_no_search(string search)
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var page = await KnownMembers.ListAsync(api, known.Id, $"search={Uri.EscapeDataString(search)}&limit=200");
        Assert.Equal(KnownMembers.ActiveKeys, page.Items.Select(i => known.KeyOf(i.UserId)).Order(StringComparer.Ordinal));
    }

    // ---- filters ----

    [Theory]
    [InlineData("", "*active")]
    [InlineData("includeDisabled=false", "*active")]
    [InlineData("includeDisabled=true", "*all")]
    [InlineData("role=admin", "aliceA,zed")]
    [InlineData("role=member", "aliceB,anna,at,bob,carl,emile,eq,gus,hal,ivy,minus")]
    [InlineData("role=viewer", "ann,jay,plus")]
    [InlineData("role=viewer&includeDisabled=true", "ann,eve,jay,plus")]
    [InlineData("role=auditor", "anna,bob")]
    [InlineData("role=billing-clerk", "anna,plus")]
    [InlineData("unit={North}", "*active,-carl")]
    [InlineData("unit={South}", "*active,-ann")]
    [InlineData("unit={South}&includeDisabled=true", "*all,-ann")]
    [InlineData("status=active", "*active")]
    [InlineData("status=suspended", "dora")]
    [InlineData("status=suspended&includeDisabled=true", "dora,finn")]
    [InlineData("status=active&includeDisabled=true", "*active,eve")]
    [InlineData("source=creator", "zed")]
    [InlineData("source=invitation", "ivy,jay")]
    [InlineData("source=admin", "*active,-zed,-ivy,-jay")]
    [InlineData("source=admin&includeDisabled=true", "*all,-zed,-ivy,-jay")]
    [InlineData("source=inviteLink", "")]
    [InlineData("source=scim", "")]
    [InlineData("source=sso", "")]
    [InlineData("source=selfSignup", "")]
    [InlineData("role=member&unit={North}", "aliceB,anna,at,bob,emile,eq,gus,hal,ivy,minus")]
    [InlineData("role=viewer&unit={South}", "jay,plus")]
    [InlineData("role=auditor&unit={North}&source=admin", "anna,bob")]
    [InlineData("role=member&search=person", "at,eq,minus")]
    [InlineData("role=member&status=suspended&includeDisabled=true", "dora,finn")]
    [InlineData("role=viewer&status=suspended&includeDisabled=true", "")]
    [InlineData("role=billing-clerk&search=plus&source=admin&unit={South}", "plus")]
    public async Task Each_filter_and_their_combinations_select_the_expected_members(string query, string expected)
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var resolved = known.Units.Aggregate(query, (q, unit) => q.Replace($"{{{unit.Key}}}", unit.Value.ToString(), StringComparison.Ordinal));
        var page = await KnownMembers.ListAsync(api, known.Id, $"{resolved}&limit=200".TrimStart('&'));
        Assert.Equal(Expand(expected), page.Items.Select(i => known.KeyOf(i.UserId)).Order(StringComparer.Ordinal));
        Assert.Equal(page.Items.Count, page.Total);
        Assert.Null(page.Next);
    }

    [Theory]
    [InlineData("", 16)]
    [InlineData("includeDisabled=true", 19)]
    [InlineData("role=member", 11)]
    [InlineData("search=person", 4)]
    [InlineData("role=member&includeDisabled=true&sort=-company", 13)]
    public async Task The_total_counts_the_filtered_set_on_every_page(string query, int total)
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var pages = await WalkAsync(api, known.Id, query, 2);
        Assert.All(pages, p => Assert.Equal(total, p.Total));
        Assert.Equal(total, pages.Sum(p => p.Items.Count));
        Assert.Equal((total + 1) / 2, pages.Count);
        Assert.All(pages.SkipLast(1), p => Assert.NotNull(p.Next));
        Assert.Null(pages[^1].Next);
    }

    // ---- paging ----

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Paging_by_three_visits_each_member_once_in_the_order_of_the_whole_list(string sort)
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        foreach (var filter in new[] { "includeDisabled=true", "", "role=member&includeDisabled=true", "unit={North}" })
        {
            var query = known.Units.Aggregate($"sort={sort}&{filter}", (q, unit) => q.Replace($"{{{unit.Key}}}", unit.Value.ToString(), StringComparison.Ordinal));
            var whole = await KnownMembers.ListAsync(api, known.Id, $"{query}&limit=200");
            var pages = await WalkAsync(api, known.Id, query, 3);
            var visited = pages.SelectMany(p => p.Items).Select(i => i.UserId).ToList();
            Assert.Equal(visited.Count, visited.Distinct().Count());
            Assert.Equal(whole.Items.Select(i => i.UserId), visited);
            Assert.All(pages, p => Assert.InRange(p.Items.Count, 1, 3));
            Assert.All(pages, p => Assert.Equal(whole.Total, p.Total));
        }
    }

    /// <summary>
    /// Keyset paging: members added between pages — some sorting before the cursor, some after — never make the
    /// walk show anyone twice or skip anyone who was there from the start; those after the cursor are reached.
    /// </summary>
    [Theory]
    [InlineData("name")]
    [InlineData("-name")]
    [InlineData("email")]
    [InlineData("-email")]
    [InlineData("company")]
    [InlineData("-company")]
    [InlineData("joined")]
    [InlineData("-joined")]
    public async Task Paging_is_stable_while_members_are_added_between_pages(string sort)
    {
        var (orgId, api) = await SmallOrganizationAsync("Paging");
        using var _ = api;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var used = new HashSet<int>();
        var originals = new List<ListedMember>();
        for (var n = 2000; n <= 9000; n += 1000)
        {
            originals.Add(await NumberedMemberAsync(api, orgId, n, tag, used));
        }

        var key = SortKey(sort.TrimStart('-'));
        var descending = sort.StartsWith('-');
        var mustSee = new List<ListedMember>();
        var mustNotSee = new List<ListedMember>();
        var seen = new List<ListedMember>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await KnownMembers.ListAsync(api, orgId, $"sort={sort}&limit=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            seen.AddRange(page.Items);
            cursor = page.Next;
            if (cursor is null || ++pages > 40)
            {
                break;
            }

            if (pages > 3)
            {
                continue;
            }

            // On the first pages, two new members: one just before the last one seen and one just after it (by their
            // number, which orders name, e-mail and company alike); a new member always joins last.
            var last = page.Items[^1];
            var number = Number(last) ?? 5000;
            foreach (var added in new[] { await NumberedMemberAsync(api, orgId, Free(used, number, -1), tag, used), await NumberedMemberAsync(api, orgId, Free(used, number, +1), tag, used) })
            {
                var after = Compare(key(added), key(last)) * (descending ? -1 : 1) > 0;
                (after ? mustSee : mustNotSee).Add(added);
            }
        }
        while (true);

        Assert.True(pages <= 40, "The walk did not end.");
        var ids = seen.Select(i => i.UserId).ToList();
        Assert.True(ids.Count == ids.Distinct().Count(), $"Seen twice: {string.Join(", ", seen.GroupBy(i => i.UserId).Where(g => g.Count() > 1).Select(g => g.First().DisplayName))}");
        Assert.All(originals, o => Assert.Contains(o.UserId, ids));
        Assert.All(mustSee, o => Assert.True(ids.Contains(o.UserId), $"{o.DisplayName}, added after the cursor, was skipped"));
        Assert.All(mustNotSee, o => Assert.False(ids.Contains(o.UserId), $"{o.DisplayName}, added before the cursor, was shown"));
        Assert.Equal(6, mustSee.Count + mustNotSee.Count);
        if (!sort.EndsWith("joined", StringComparison.Ordinal))
        {
            Assert.NotEmpty(mustSee);
            Assert.NotEmpty(mustNotSee);
        }

        // What the walk showed is in order.
        var keys = seen.Select(key).ToList();
        for (var i = 1; i < keys.Count; i++)
        {
            Assert.True(Compare(keys[i - 1], keys[i]) * (descending ? -1 : 1) < 0, $"{seen[i - 1].DisplayName} then {seen[i].DisplayName}");
        }
    }

    [Fact]
    public async Task Paging_under_concurrent_inserts_shows_nobody_twice_and_skips_no_one_who_was_there()
    {
        var (orgId, api) = await SmallOrganizationAsync("Concurrent");
        using var _ = api;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var used = new HashSet<int>();
        var originals = new List<ListedMember>();
        for (var n = 2000; n <= 9000; n += 1000)
        {
            originals.Add(await NumberedMemberAsync(api, orgId, n, tag, used));
        }

        var seen = new List<ListedMember>();
        var page = await KnownMembers.ListAsync(api, orgId, "sort=name&limit=2");
        seen.AddRange(page.Items);
        for (var round = 0; page.Next is not null && round < 40; round++)
        {
            var next = KnownMembers.ListAsync(api, orgId, $"sort=name&limit=2&cursor={Uri.EscapeDataString(page.Next)}");
            if (round < 4)
            {
                // While the next page is read, three members are added: just before the cursor, just after it, and far after.
                var number = Number(page.Items[^1]) ?? 5000;
                int before = Free(used, number, -1), after = Free(used, number, +1), far = Free(used, 9500, +1);
                await Task.WhenAll(next, NumberedMemberAsync(api, orgId, before, tag, used), NumberedMemberAsync(api, orgId, after, tag, used),
                    NumberedMemberAsync(api, orgId, far, tag, used));
            }

            page = await next;
            seen.AddRange(page.Items);
        }

        Assert.Null(page.Next);
        var ids = seen.Select(i => i.UserId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(originals, o => Assert.Contains(o.UserId, ids));
        var names = seen.Select(i => i.DisplayName.ToLowerInvariant()).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task A_cursor_is_good_only_for_the_sort_that_gave_it()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var byName = await KnownMembers.ListAsync(api, known.Id, "sort=name&limit=2");
        var cursor = Uri.EscapeDataString(byName.Next!);
        foreach (var other in new[] { "email", "-name", "joined", "lastLogin", "role", "company" })
        {
            await AssertInvalidAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members?sort={other}&limit=2&cursor={cursor}"), "cursor");
        }

        // Without a sort the list is by name, so the cursor holds.
        var byDefault = await KnownMembers.ListAsync(api, known.Id, $"limit=2&cursor={cursor}");
        var next = await KnownMembers.ListAsync(api, known.Id, $"sort=name&limit=2&cursor={cursor}");
        Assert.Equal(next.Items.Select(i => i.UserId), byDefault.Items.Select(i => i.UserId));

        var byJoined = await KnownMembers.ListAsync(api, known.Id, "sort=-joined&limit=2");
        await AssertInvalidAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members?sort=joined&limit=2&cursor={Uri.EscapeDataString(byJoined.Next!)}"), "cursor");
        foreach (var garbage in new[] { "not-a-cursor", "eyJ4IjoxfQ", "%00", Uri.EscapeDataString(Convert.ToBase64String("{\"Sort\":\"name\"}"u8.ToArray())) })
        {
            await AssertInvalidAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members?sort=name&cursor={garbage}"), "cursor");
        }
    }

    /// <summary>A cursor made up by hand for a time sort, whose value is no time: refused naming the cursor, not a server error.</summary>
    [Theory]
    [InlineData("joined", "yesterday")]
    [InlineData("-lastLogin", "99999999999999999999")]
    [InlineData("joined", "-1")]
    [InlineData("lastLogin", "3155378976000000000")]
    public async Task A_forged_time_cursor_is_refused(string sort, string value)
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var forged = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { Sort = sort, Value = value, Id = Guid.NewGuid() }));
        await AssertInvalidAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members?sort={sort}&cursor={forged}"), "cursor");
    }

    // ---- errors ----

    [Theory]
    [InlineData("sort=bogus", "sort")]
    [InlineData("sort=-bogus", "sort")]
    [InlineData("sort=Name", "sort")]
    [InlineData("sort=--name", "sort")]
    [InlineData("sort=last_login", "sort")]
    [InlineData("status=disabled", "status")]
    [InlineData("status=Active", "status")]
    [InlineData("source=ldap", "source")]
    [InlineData("source=InviteLink", "source")]
    [InlineData("role=nosuch", "role")]
    [InlineData("role=Admin", "role")]
    [InlineData("unit=not-a-guid", "unit")]
    [InlineData("unit=6b8a3f0e-1d2c-4e5f-9a7b-0c1d2e3f4a5b", "unit")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=201", "limit")]
    public async Task An_unknown_sort_or_filter_value_is_refused_naming_the_parameter(string query, string parameter)
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        await AssertInvalidAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members?{query}"), parameter);
    }

    [Fact]
    public async Task The_largest_page_is_two_hundred()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var page = await KnownMembers.ListAsync(api, known.Id, "limit=200&includeDisabled=true");
        Assert.Equal(known.Members.Count, page.Items.Count);
        var one = await KnownMembers.ListAsync(api, known.Id, "limit=1&includeDisabled=true");
        Assert.Single(one.Items);
        Assert.NotNull(one.Next);
        var byDefault = await KnownMembers.ListAsync(api, known.Id, "includeDisabled=true");
        Assert.Equal(known.Members.Count, byDefault.Items.Count);
    }

    [Fact]
    public async Task A_unit_or_a_custom_role_of_another_organization_is_refused()
    {
        var known = await App.KnownOrganizationAsync();
        using var api = App.ApiWithToken(known.AdminToken);
        var (otherId, other) = await SmallOrganizationAsync("Other units");
        using var _ = other;
        var unit = await CreatedAsync(await other.Http.PostAsJsonAsync($"/api/v1/orgs/{otherId}/units", new { name = "Elsewhere" }));
        Assert.Equal(HttpStatusCode.Created, (await other.Http.PostAsJsonAsync($"/api/v1/orgs/{otherId}/roles",
            new { key = "elsewhere-only", name = "Elsewhere", permissions = new[] { "billing:view" } })).StatusCode);

        await AssertInvalidAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members?unit={unit.GetProperty("id").GetGuid()}"), "unit");
        await AssertInvalidAsync(await api.Http.GetAsync($"/api/v1/orgs/{known.Id}/members?role=elsewhere-only"), "role");
        // The known organization's own unit and role are unknown in the other one.
        await AssertInvalidAsync(await other.Http.GetAsync($"/api/v1/orgs/{otherId}/members?unit={known.Units["North"]}"), "unit");
        await AssertInvalidAsync(await other.Http.GetAsync($"/api/v1/orgs/{otherId}/members?role=auditor"), "role");
    }

    // ---- the directory copy follows the person ----

    [Fact]
    public async Task A_rename_and_a_new_company_through_me_are_searched_and_sorted_at_once()
    {
        var (orgId, api) = await SmallOrganizationAsync("Rename");
        using var _ = api;
        var person = await App.SignUpAsync("Quentin Original");
        await App.AddMemberAsync(orgId, person);
        var personId = await App.UserIdAsync(person);
        var middle = await NamedMemberAsync(api, orgId, "Mallory Middle", "Middle Co");

        Assert.Equal(new[] { personId }, (await KnownMembers.ListAsync(api, orgId, "search=quentin")).Items.Select(i => i.UserId));
        Assert.Equal(new[] { "Mallory Middle", "Quentin Original", "Zz Admin" }, (await KnownMembers.ListAsync(api, orgId, "sort=name")).Items.Select(i => i.DisplayName));

        using (var me = await App.ApiAsync(person, orgId.ToString()))
        {
            var patched = await me.Http.PatchAsJsonAsync("/api/v1/me", new { name = "Aaron Renamed", company = "Zeta Widgets" });
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        Assert.Empty((await KnownMembers.ListAsync(api, orgId, "search=quentin")).Items);
        var found = Assert.Single((await KnownMembers.ListAsync(api, orgId, "search=AARON")).Items);
        Assert.Equal(personId, found.UserId);
        Assert.Equal("Aaron Renamed", found.DisplayName);
        Assert.Equal(new[] { personId }, (await KnownMembers.ListAsync(api, orgId, "search=zeta widgets")).Items.Select(i => i.UserId));
        Assert.Equal(personId, (await KnownMembers.ListAsync(api, orgId, "sort=name")).Items[0].UserId);
        Assert.Equal(personId, (await KnownMembers.ListAsync(api, orgId, "sort=-company")).Items[0].UserId);

        // Given and family names instead of a name: the display name is made of them.
        using (var me = await App.ApiAsync(person, orgId.ToString()))
        {
            var patched = await me.Http.PatchAsJsonAsync("/api/v1/me", new { name = "", givenName = "Yolanda", familyName = "Split" });
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        Assert.Equal(new[] { personId }, (await KnownMembers.ListAsync(api, orgId, "search=yolanda split")).Items.Select(i => i.UserId));
        Assert.Empty((await KnownMembers.ListAsync(api, orgId, "search=aaron")).Items);
        Assert.Equal(new[] { "Zz Admin", "Yolanda Split", "Mallory Middle" }, (await KnownMembers.ListAsync(api, orgId, "sort=-name")).Items.Select(i => i.DisplayName));
        Assert.Equal(new[] { middle.UserId }, (await KnownMembers.ListAsync(api, orgId, "search=mallory")).Items.Select(i => i.UserId));
    }

    /// <summary>SQLite searches through its trigram index (migration MemberSearch), kept by triggers: removal and re-adding keep it true.</summary>
    [Fact]
    public async Task A_removed_member_is_not_found_and_found_again_when_added_back()
    {
        var (orgId, api) = await SmallOrganizationAsync("Search index");
        using var _ = api;
        var person = await App.SignUpAsync("Priscilla Searchable");
        await App.AddMemberAsync(orgId, person);
        var personId = await App.UserIdAsync(person);
        Assert.Equal(new[] { personId }, (await KnownMembers.ListAsync(api, orgId, "search=priscilla")).Items.Select(i => i.UserId));

        Assert.Equal(HttpStatusCode.NoContent, (await api.Http.DeleteAsync($"/api/v1/orgs/{orgId}/members/{personId}")).StatusCode);
        Assert.Empty((await KnownMembers.ListAsync(api, orgId, "search=priscilla")).Items);
        Assert.Equal(0, (await KnownMembers.ListAsync(api, orgId, "search=priscilla&includeDisabled=true")).Total);

        await App.AddMemberAsync(orgId, person);
        Assert.Equal(new[] { personId }, (await KnownMembers.ListAsync(api, orgId, "search=cilla sea")).Items.Select(i => i.UserId));
        // Two characters are below the trigram index's reach: the plain scan answers.
        Assert.Contains(personId, (await KnownMembers.ListAsync(api, orgId, "search=pr")).Items.Select(i => i.UserId));
    }

    /// <summary>Quotes, LIKE's wildcards and non-ASCII letters are plain characters of the search, with or without the index.</summary>
    [Theory]
    [InlineData("\"quote\"", true)]
    [InlineData("\"quote", true)]
    [InlineData("100%_sure", true)]
    [InlineData("%_s", true)]
    [InlineData("100%s", false)]
    [InlineData("zoë", true)]
    [InlineData("ZOË \"Q", true)]
    [InlineData("quote\" 1", true)]
    [InlineData("q*", false)]
    public async Task Search_terms_are_literal_text(string term, bool found)
    {
        var (orgId, api) = await SmallOrganizationAsync("Literal search");
        using var _ = api;
        var person = await App.SignUpAsync("Zoë \"Quote\" 100%_sure");
        await App.AddMemberAsync(orgId, person);
        var personId = await App.UserIdAsync(person);

        var page = await KnownMembers.ListAsync(api, orgId, $"search={Uri.EscapeDataString(term)}");

        Assert.Equal(found ? new[] { personId } : [], page.Items.Select(i => i.UserId));
    }

    [Fact]
    public async Task Disabling_a_person_hides_them_unless_disabled_users_are_included_and_enabling_shows_them_again()
    {
        var (orgId, api) = await SmallOrganizationAsync("Disable");
        using var _ = api;
        var kept = await NamedMemberAsync(api, orgId, "Kept Person", "Kept Co");
        var gone = await NamedMemberAsync(api, orgId, "Gone Person", "Gone Co");
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);

        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{gone.UserId}/disable", null)).StatusCode);
        var visible = await KnownMembers.ListAsync(api, orgId, "search=person");
        Assert.Equal(new[] { kept.UserId }, visible.Items.Select(i => i.UserId));
        Assert.Equal(1, visible.Total);
        var all = await KnownMembers.ListAsync(api, orgId, "search=person&includeDisabled=true&sort=name");
        Assert.Equal(new[] { gone.UserId, kept.UserId }, all.Items.Select(i => i.UserId));
        Assert.True(all.Items[0].Disabled);
        Assert.Equal("active", all.Items[0].Status);
        // An explicit status does not bring a disabled account back.
        Assert.Equal(new[] { kept.UserId }, (await KnownMembers.ListAsync(api, orgId, "search=person&status=active")).Items.Select(i => i.UserId));

        Assert.Equal(HttpStatusCode.NoContent, (await platform.Http.PostAsync($"/api/v1/users/{gone.UserId}/enable", null)).StatusCode);
        var back = await KnownMembers.ListAsync(api, orgId, "search=person&sort=name");
        Assert.Equal(new[] { gone.UserId, kept.UserId }, back.Items.Select(i => i.UserId));
        Assert.False(back.Items[0].Disabled);
    }

    [Fact]
    public async Task Suspending_a_membership_hides_it_unless_included_or_asked_for()
    {
        var (orgId, api) = await SmallOrganizationAsync("Suspend");
        using var _ = api;
        var member = await NamedMemberAsync(api, orgId, "Sus Pended", null);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{member.UserId}", new { status = "suspended" })).StatusCode);

        Assert.Empty((await KnownMembers.ListAsync(api, orgId, "search=sus")).Items);
        Assert.Equal(new[] { member.UserId }, (await KnownMembers.ListAsync(api, orgId, "search=sus&status=suspended")).Items.Select(i => i.UserId));
        Assert.Equal(new[] { member.UserId }, (await KnownMembers.ListAsync(api, orgId, "search=sus&includeDisabled=true")).Items.Select(i => i.UserId));

        Assert.Equal(HttpStatusCode.OK, (await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{member.UserId}", new { status = "active" })).StatusCode);
        Assert.Equal(new[] { member.UserId }, (await KnownMembers.ListAsync(api, orgId, "search=sus")).Items.Select(i => i.UserId));
    }

    [Fact]
    public async Task A_sign_in_moves_the_person_in_the_last_login_sort()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Logins");
        using var api = await App.ApiAsync(admin, orgId.ToString());
        var adminId = await App.UserIdAsync(admin);
        var person = await App.SignUpAsync("Late Comer");
        await App.AddMemberAsync(orgId, person);
        var personId = await App.UserIdAsync(person);
        var never = await NamedMemberAsync(api, orgId, "Never Signed", null);

        App.Time.Advance(TimeSpan.FromSeconds(5));
        await App.TokensAsync(person, organization: orgId.ToString());
        var ascending = (await KnownMembers.ListAsync(api, orgId, "sort=lastLogin")).Items;
        Assert.Equal(never.UserId, ascending[0].UserId);
        Assert.Equal(personId, ascending[^1].UserId);
        var signedIn = ascending[^1].LastLoginAt;
        Assert.NotNull(signedIn);

        App.Time.Advance(TimeSpan.FromSeconds(5));
        await App.TokensAsync(admin, organization: orgId.ToString());
        var descending = (await KnownMembers.ListAsync(api, orgId, "sort=-lastLogin")).Items;
        Assert.Equal(new[] { adminId, personId, never.UserId }, descending.Select(i => i.UserId));
        Assert.True(descending[0].LastLoginAt > signedIn);
    }

    // ---- helpers ----

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string[] Split(string keys) => keys.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();

    /// <summary>"*active" and "*all" stand for the default and the whole set; "-key" removes one.</summary>
    private static string[] Expand(string spec)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "*active")
            {
                keys.UnionWith(KnownMembers.ActiveKeys);
            }
            else if (part == "*all")
            {
                keys.UnionWith(KnownMembers.AllKeys);
            }
            else if (part.StartsWith('-'))
            {
                Assert.True(keys.Remove(part[1..]), $"{part} in {spec}");
            }
            else
            {
                keys.Add(part);
            }
        }

        return [.. keys];
    }

    /// <summary>The sort value the server orders by, computed the same way from what the API shows.</summary>
    private static Func<ListedMember, IComparable> SortKey(string sort) => sort switch
    {
        "name" => i => i.DisplayName.ToLowerInvariant(),
        "email" => i => i.Email.ToLowerInvariant(),
        "company" => i => (i.Company ?? "").ToLowerInvariant(),
        "role" => i => i.Role,
        "joined" => i => i.JoinedAt,
        "lastLogin" => i => i.LastLoginAt ?? DateTime.MinValue,
        _ => throw new ArgumentOutOfRangeException(nameof(sort)),
    };

    private static int Compare(IComparable a, IComparable b) => a is string x && b is string y ? string.CompareOrdinal(x, y) : a.CompareTo(b);

    /// <summary>
    /// The list is <paramref name="expected"/>'s members in the order of the sort: the sort values in order, and the
    /// very member wherever its value is its own (ties, like a shared role, may come in any order between themselves).
    /// </summary>
    private static void AssertOrder(IEnumerable<ListedMember> expected, IReadOnlyList<ListedMember> actual, string sort)
    {
        var key = SortKey(sort.TrimStart('-'));
        var comparer = Comparer<IComparable>.Create(Compare);
        var set = expected.ToList();
        var ordered = sort.StartsWith('-') ? set.OrderByDescending(key, comparer).ToList() : set.OrderBy(key, comparer).ToList();
        var counts = set.GroupBy(key).ToDictionary(g => g.Key, g => g.Count());
        string Describe(ListedMember i) => counts.GetValueOrDefault(key(i)) == 1 ? $"{Show(key(i))} = {i.DisplayName}" : $"{Show(key(i))} (tie)";
        Assert.Equal(ordered.Select(Describe), actual.Select(Describe));
        Assert.Equal(set.Select(i => i.UserId).Order(), actual.Select(i => i.UserId).Order());
    }

    private static string Show(IComparable value) => value is DateTime time ? time.ToString("O", CultureInfo.InvariantCulture) : $"'{value}'";

    private static async Task<List<MemberPage>> WalkAsync(Browser api, Guid orgId, string query, int limit)
    {
        var pages = new List<MemberPage>();
        string? cursor = null;
        do
        {
            var page = await KnownMembers.ListAsync(api, orgId, $"{query}&limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            pages.Add(page);
            cursor = page.Next;
            Assert.True(pages.Count <= 100, "The walk did not end.");
        }
        while (cursor is not null);

        return pages;
    }

    /// <summary>A new organization with its admin's API client (the admin has no company and sorts last by name).</summary>
    private async Task<(Guid OrgId, Browser Api)> SmallOrganizationAsync(string name)
    {
        var admin = await App.SignUpAsync("Zz Admin");
        var orgId = await App.CreateOrganizationAsync(admin, $"{name} {Guid.NewGuid():N}"[..30]);
        return (orgId, await App.ApiAsync(admin, orgId.ToString()));
    }

    private async Task<ListedMember> NamedMemberAsync(Browser api, Guid orgId, string name, string? company)
    {
        App.Time.Advance(TimeSpan.FromSeconds(1));
        var email = $"{name.Replace(' ', '.').ToLowerInvariant()}.{Guid.NewGuid():N}@list.example.com";
        var created = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/members", new { name, email, company });
        return (await CreatedAsync(created)).Deserialize<ListedMember>(JsonSerializerOptions.Web)!;
    }

    /// <summary>"Member n" (m{n}@..., "Co n"): the number orders name, e-mail and company alike.</summary>
    private async Task<ListedMember> NumberedMemberAsync(Browser api, Guid orgId, int number, string tag, HashSet<int> used)
    {
        lock (used)
        {
            used.Add(number);
        }

        App.Time.Advance(TimeSpan.FromMilliseconds(10));
        var text = number.ToString("D4", CultureInfo.InvariantCulture);
        var created = await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/members",
            new { name = $"Member {text}", email = $"m{text}.{tag}@paging.example.com", company = $"Co {text}" });
        return (await CreatedAsync(created)).Deserialize<ListedMember>(JsonSerializerOptions.Web)!;
    }

    private static int? Number(ListedMember item) =>
        item.DisplayName.StartsWith("Member ", StringComparison.Ordinal) ? int.Parse(item.DisplayName["Member ".Length..], CultureInfo.InvariantCulture) : null;

    /// <summary>The nearest unused number from <paramref name="number"/> in <paramref name="direction"/>.</summary>
    private static int Free(HashSet<int> used, int number, int direction)
    {
        lock (used)
        {
            var candidate = number + direction;
            while (used.Contains(candidate))
            {
                candidate += direction;
            }

            used.Add(candidate);
            return candidate;
        }
    }

    private static async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Expected 201, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400 naming '{field}', got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase)),
            $"Expected an error naming '{field}': {body}");
    }
}

public sealed class MemberListTestsOnSqlite(SqliteApp app) : MemberListTests(app), IClassFixture<SqliteApp>;

public sealed class MemberListTestsOnPostgreSql(PostgreSqlApp app) : MemberListTests(app), IClassFixture<PostgreSqlApp>;

/// <summary>A member as the list shows it (camelCase JSON).</summary>
internal sealed record ListedMember(Guid UserId, string DisplayName, string Email, string? Company, string Role, string[] Roles, string Status, string Source,
    bool LimitedToUnits, Guid[] Units, bool Disabled, DateTime JoinedAt, DateTime? LastLoginAt);

internal sealed record MemberPage(List<ListedMember> Items, int Total, string? Next);

/// <summary>One person of the known data set, as made.</summary>
internal sealed record KnownMember(string Key, Guid UserId, string Name, string Email, string? Company, string Role, string[] Roles, string[] Units,
    string Status, bool Disabled, string Source);

internal sealed record KnownOrganization(Guid Id, string Slug, string AdminToken, IReadOnlyDictionary<string, Guid> Units, IReadOnlyList<KnownMember> Members,
    IReadOnlyDictionary<string, TestUser> People)
{
    public string KeyOf(Guid userId) => Members.SingleOrDefault(m => m.UserId == userId)?.Key ?? $"unknown {userId}";
}

/// <summary>
/// A known data set of 19 people, made once per test server (and read only by the tests that use it): names, e-mails
/// and companies that differ only in case, carry CSV specials (comma, quote, a leading =, +, - or @), accents, % and _;
/// every base role, two custom roles, two units (one admin limited to a unit), suspended and disabled people, three
/// sources, distinct joining times, and three people who signed in at known times.
/// </summary>
internal static class KnownMembers
{
    /// <summary>Who the list shows by default: active memberships of enabled users.</summary>
    public static readonly string[] ActiveKeys =
        [.. new[] { "zed", "aliceA", "aliceB", "bob", "ann", "anna", "carl", "plus", "minus", "at", "eq", "emile", "gus", "hal", "ivy", "jay" }.Order(StringComparer.Ordinal)];

    public static readonly string[] AllKeys = [.. ActiveKeys.Concat(["dora", "eve", "finn"]).Order(StringComparer.Ordinal)];

    private static readonly ConditionalWeakTable<OrgIdentityApp, Task<KnownOrganization>> Made = new();

    /// <summary>(key, name, e-mail's local part, company, role, custom roles, units, suspended, disabled) of the people an admin creates.</summary>
    private static readonly (string Key, string Name, string Local, string? Company, string Role, string[] Roles, string[] Units, bool Suspended, bool Disabled)[] Created =
    [
        ("aliceB", "Alice Brown", "alice.brown", "Contoso", "member", [], [], false, false),
        ("aliceA", "alice Archer", "Alice.Archer", "Fabrikam, Inc.", "admin", [], ["South"], false, false),
        ("bob", "Bob Stone", "BOB", "The \"Best\" Co", "member", ["auditor"], [], false, false),
        ("ann", "Ann Lee", "ann.lee", "Northwind", "viewer", [], ["North"], false, false),
        ("anna", "Anna Smith", "anna", "Tailspin", "member", ["auditor", "billing-clerk"], ["North", "South"], false, false),
        ("carl", "Carl Diaz", "carl", "=HYPERLINK(\"http://evil.example\",\"x\")", "member", [], ["South"], false, false),
        ("plus", "+Plus Person", "plus", "+Plus Corp", "viewer", ["billing-clerk"], [], false, false),
        ("minus", "-Minus Person", "minus", "-Minus Ltd", "member", [], [], false, false),
        ("at", "@At Person", "at", "@Home Inc", "member", [], [], false, false),
        ("eq", "=Eq Person", "eq", "Equals GmbH", "member", [], [], false, false),
        ("dora", "Dora Suspended", "dora", "Umbrella", "member", [], [], true, false),
        ("eve", "Eve Disabled", "eve", "Vandelay", "viewer", [], [], false, true),
        ("finn", "Finn Both", "finn", "Wayne", "member", [], [], true, true),
        ("emile", "Émile Zola", "emile", "Éditions", "member", [], [], false, false),
        ("gus", "Gus Percent", "gus_p", "100% Pure", "member", [], [], false, false),
        ("hal", "Hal Roe", "hal", null, "member", [], [], false, false),
    ];

    public static Task<KnownOrganization> KnownOrganizationAsync(this OrgIdentityApp app) => Made.GetValue(app, MakeAsync);

    public static async Task<MemberPage> ListAsync(Browser api, Guid orgId, string query)
    {
        var response = await api.Http.GetAsync($"/api/v1/orgs/{orgId}/members?{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET members?{query}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<MemberPage>(body, JsonSerializerOptions.Web)!;
    }

    private static async Task<KnownOrganization> MakeAsync(OrgIdentityApp app)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var domain = $"k{tag}.example.com";
        var members = new List<KnownMember>();
        var people = new Dictionary<string, TestUser>(StringComparer.Ordinal);

        var admin = await app.SignUpAsync("Zed Admin");
        people["zed"] = admin;
        var orgId = await app.CreateOrganizationAsync(admin, $"Known {tag}");
        var adminToken = (await app.TokensAsync(admin, organization: orgId.ToString())).AccessToken!;
        using var api = app.ApiWithToken(adminToken);
        await OkAsync(await api.Http.PatchAsJsonAsync("/api/v1/me", new { company = "Acme HQ" }));
        members.Add(new("zed", await app.UserIdAsync(admin), "Zed Admin", admin.Email, "Acme HQ", "admin", [], [], "active", false, "creator"));
        var slug = (await OkAsync(await api.Http.GetAsync($"/api/v1/orgs/{orgId}"))).GetProperty("slug").GetString()!;

        var units = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var unit in new[] { "North", "South" })
        {
            units[unit] = (await CreatedAsync(await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/units", new { name = unit }))).GetProperty("id").GetGuid();
        }

        await CreatedAsync(await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key = "auditor", name = "Auditor", permissions = new[] { "audit-log:view" } }));
        await CreatedAsync(await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles", new { key = "billing-clerk", name = "Billing clerk", permissions = new[] { "billing:view" } }));

        using var platform = await app.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        foreach (var (key, name, local, company, role, roles, unitNames, suspended, disabled) in Created)
        {
            // Each joins a second after the one before: the joined sort has no ties.
            app.Time.Advance(TimeSpan.FromSeconds(1));
            var email = $"{local}@{domain}";
            var created = await CreatedAsync(await api.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/members",
                new { name, email, company, role, roles, units = unitNames.Select(u => units[u]).ToArray() }));
            var userId = created.GetProperty("userId").GetGuid();
            if (suspended)
            {
                await OkAsync(await api.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{userId}", new { status = "suspended" }));
            }

            if (disabled)
            {
                var response = await platform.Http.PostAsync($"/api/v1/users/{userId}/disable", null);
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            }

            members.Add(new(key, userId, name, email, company, role, roles, unitNames, suspended ? "suspended" : "active", disabled, "admin"));
        }

        // Two people who joined through an invitation and then signed in, a few seconds apart, and set their company themselves.
        foreach (var (key, name, role, company) in new[] { ("ivy", "Ivy Login", "member", "Initech"), ("jay", "Jay Login", "viewer", "Jupiter") })
        {
            var person = await app.SignUpAsync(name);
            people[key] = person;
            await app.AddMemberAsync(orgId, person, role);
            app.Time.Advance(TimeSpan.FromSeconds(3));
            using var me = await app.ApiAsync(person, orgId.ToString());
            await OkAsync(await me.Http.PatchAsJsonAsync("/api/v1/me", new { company }));
            members.Add(new(key, await app.UserIdAsync(person), name, person.Email, company, role, [], [], "active", false, "invitation"));
        }

        return new KnownOrganization(orgId, slug, adminToken, units, members, people);
    }

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
