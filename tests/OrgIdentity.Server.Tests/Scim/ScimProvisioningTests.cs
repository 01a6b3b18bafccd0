using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;
using static OrgIdentity.Server.Tests.Scim.ScimClient;

namespace OrgIdentity.Server.Tests.Scim;

/// <summary>
/// SCIM provisioning as Entra ID and Okta do it (DESIGN.md §4, SCIM-INTEROP.md), replayed over HTTP against
/// <c>/scim/v2</c>: find by filter, create, update, group membership, deactivate, reactivate, delete, with the
/// payloads those directories send. Plus what the members API and the tokens show of it afterwards.
/// </summary>
public abstract class ScimProvisioningTests(OrgIdentityApp app) : ServerTests(app)
{
    [Fact]
    public async Task An_entra_like_sequence_provisions_updates_groups_deactivates_reactivates_and_deletes_a_user()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Entra Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (scim, _, tokenId) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;
        var email = $"alice-{Guid.NewGuid():N}@entra.example";

        // Test connection: a random filter value matches nothing, and the answer is exactly an empty list (Q4).
        var miss = await ExpectAsync(await scim.GetAsync($"/Users?filter=userName+eq+%22{Uri.EscapeDataString(Guid.NewGuid().ToString())}%22"), HttpStatusCode.OK);
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}""").RootElement),
            JsonSerializer.Serialize(miss));

        // Entra's create: both schemas (once with its typo), explicit nulls, roles:[], meta sent by the client.
        var created = await scim.PostAsync("/Users", $$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
             "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"{{email}}","active":true,
             "addresses":null,"title":null,"manager":null,"roles":[],
             "emails":[{"primary":true,"type":"work","value":"{{email}}"}],
             "meta":{"resourceType":"User"},
             "name":{"formatted":"Alice Smith","familyName":"Smith","givenName":"Alice"},
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Finance"} }
            """);
        var user = await ExpectAsync(created, HttpStatusCode.Created);
        var id = user.GetProperty("id").GetString()!;
        Assert.EndsWith($"/scim/v2/Users/{id}", created.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(email, user.GetProperty("userName").GetString());
        Assert.Equal("User", user.GetProperty("meta").GetProperty("resourceType").GetString());
        Assert.NotNull(created.Headers.ETag);
        Assert.Equal("Finance", user.GetProperty("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").GetProperty("department").GetString());

        // The same filter now finds exactly that user; so does externalId and the work e-mail (Q1).
        foreach (var filter in new[] { $"userName eq \"{email}\"", "externalId eq \"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\"", $"emails[type eq \"work\"].value eq \"{email}\"" })
        {
            var found = await ExpectAsync(await scim.GetAsync($"/Users?filter={Uri.EscapeDataString(filter)}"), HttpStatusCode.OK);
            Assert.Equal(1, found.GetProperty("totalResults").GetInt32());
            Assert.Equal(id, found.GetProperty("Resources")[0].GetProperty("id").GetString());
        }

        // The person is a member, with the SCIM default role, joined by SCIM.
        var member = await MemberAsync(adminApi, orgId, id);
        Assert.Equal(("member", "scim", "active"), (member.GetProperty("role").GetString(), member.GetProperty("source").GetString(), member.GetProperty("status").GetString()));

        // Entra's default-job PATCH: capitalised ops, a value-filter path, a path-less replace with dotted keys.
        var patched = await ExpectAsync(await scim.PatchAsync($"/Users/{id}", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Replace","path":"displayName","value":"Alice Jones"},
              {"op":"Replace","path":"name.familyName","value":"Jones"},
              {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"701984"},
              {"op":"Replace","value":{"title":"Controller","name.givenName":"Alicia"}}]}
            """), HttpStatusCode.OK);
        Assert.Equal("Alice Jones", patched.GetProperty("displayName").GetString());
        Assert.Equal(("Alicia", "Jones"), (patched.GetProperty("name").GetProperty("givenName").GetString(), patched.GetProperty("name").GetProperty("familyName").GetString()));
        Assert.Equal("Controller", patched.GetProperty("title").GetString());

        // A group with Entra's extra schema URI, then members added by PATCH.
        var group = await ExpectAsync(await scim.PostAsync("/Groups", """
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
             "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Finance","members":[]}
            """), HttpStatusCode.Created);
        var groupId = group.GetProperty("id").GetString()!;
        await ExpectAsync(await scim.PatchAsync($"/Groups/{groupId}", $$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"{{id}}"}]}]}
            """), HttpStatusCode.NoContent);
        var byName = await ExpectAsync(await scim.GetAsync("/Groups?filter=displayName+eq+%22Finance%22&excludedAttributes=members"), HttpStatusCode.OK);
        Assert.Equal(groupId, byName.GetProperty("Resources")[0].GetProperty("id").GetString());
        Assert.False(byName.GetProperty("Resources")[0].TryGetProperty("members", out _));
        var withMembers = await ExpectAsync(await scim.GetAsync($"/Groups/{groupId}"), HttpStatusCode.OK);
        Assert.Equal(id, withMembers.GetProperty("members")[0].GetProperty("value").GetString());
        var userGroups = (await ExpectAsync(await scim.GetAsync($"/Users/{id}"), HttpStatusCode.OK)).GetProperty("groups");
        Assert.Equal(groupId, userGroups[0].GetProperty("value").GetString());

        // Deactivate (Entra sends "False" as a string): the membership is suspended, and the user still listed, inactive.
        await ExpectAsync(await scim.PatchAsync($"/Users/{id}", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}
            """), HttpStatusCode.OK);
        Assert.Equal("suspended", (await MemberAsync(adminApi, orgId, id)).GetProperty("status").GetString());
        var inactive = await ExpectAsync(await scim.GetAsync($"/Users?filter={Uri.EscapeDataString($"userName eq \"{email}\"")}"), HttpStatusCode.OK);
        Assert.False(inactive.GetProperty("Resources")[0].GetProperty("active").GetBoolean());

        // Reactivate.
        await ExpectAsync(await scim.PatchAsync($"/Users/{id}", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}
            """), HttpStatusCode.OK);
        Assert.Equal("active", (await MemberAsync(adminApi, orgId, id)).GetProperty("status").GetString());

        // Entra removes a member by value array (P11), then deletes the user.
        await ExpectAsync(await scim.PatchAsync($"/Groups/{groupId}", $$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"{{id}}"}]}]}
            """), HttpStatusCode.NoContent);
        Assert.Equal(0, MemberCount(await ExpectAsync(await scim.GetAsync($"/Groups/{groupId}"), HttpStatusCode.OK)));
        await ExpectAsync(await scim.DeleteAsync($"/Users/{id}"), HttpStatusCode.NoContent);
        await ExpectErrorAsync(await scim.GetAsync($"/Users/{id}"), HttpStatusCode.NotFound);
        await ExpectErrorAsync(await scim.DeleteAsync($"/Users/{id}"), HttpStatusCode.NotFound);
        Assert.Equal(0, (await ExpectAsync(await scim.GetAsync($"/Users?filter={Uri.EscapeDataString($"userName eq \"{email}\"")}"), HttpStatusCode.OK)).GetProperty("totalResults").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await adminApi.Http.GetAsync($"/api/v1/orgs/{orgId}/members/{id}")).StatusCode);

        // Every change is audited with the directory as the actor.
        var events = (await App.AuditEventsAsync(orgId)).Where(e => e.ActorType == "directory").ToList();
        Assert.All(events, e => Assert.Equal(tokenId.ToString(), e.ActorId));
        foreach (var action in new[] { "scim.user_provisioned", "member.joined", "scim.user_updated", "scim.group_created", "scim.group_members_changed", "member.suspended", "member.reactivated", "scim.user_deprovisioned" })
        {
            Assert.Contains(events, e => e.Action == action);
        }
    }

    [Fact]
    public async Task An_okta_like_sequence_matches_case_insensitively_refuses_duplicates_and_replaces_with_put()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Okta Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (scim, _, _) = await CreateAsync(App, adminApi, orgId, "Okta");
        using var _scim = scim;
        var email = $"bob-{Guid.NewGuid():N}@okta.example";
        var body = $$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{email}}",
             "name":{"givenName":"Bob","familyName":"Builder"},"emails":[{"primary":true,"value":"{{email}}","type":"work"}],
             "displayName":"Bob Builder","locale":"en-US","externalId":"00u1esetzxbqzg9Ep0h7","groups":[],"password":"1mJ2k!x9","active":true}
            """;

        // Okta posts with application/json; the password is accepted and never returned.
        var created = await ExpectAsync(await scim.PostAsync("/Users", body, "application/json"), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.False(created.TryGetProperty("password", out _));
        Assert.Equal(email, created.GetProperty("userName").GetString());

        // Okta's suite filters with an upper-cased userName, and re-posts the same user: 409 uniqueness.
        var upper = await ExpectAsync(await scim.GetAsync($"/Users?filter=userName%20eq%20%22{Uri.EscapeDataString(email.ToUpperInvariant())}%22&startIndex=1&count=100"), HttpStatusCode.OK);
        Assert.Equal(id, upper.GetProperty("Resources")[0].GetProperty("id").GetString());
        await ExpectErrorAsync(await scim.PostAsync("/Users", body.Replace(email, email.ToUpperInvariant(), StringComparison.Ordinal)), HttpStatusCode.Conflict, "uniqueness");

        // AIW apps: GET then PUT the full body back, id, meta and groups included, to deactivate.
        var current = await ExpectAsync(await scim.GetAsync($"/Users/{id}"), HttpStatusCode.OK);
        var put = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(current.GetRawText())!;
        put["active"] = JsonSerializer.SerializeToElement(false);
        put["groups"] = JsonSerializer.SerializeToElement(Array.Empty<object>());
        put["nickName"] = JsonSerializer.SerializeToElement("Bobby");
        var replaced = await ExpectAsync(await scim.PutAsync($"/Users/{id}", JsonSerializer.Serialize(put)), HttpStatusCode.OK);
        Assert.False(replaced.GetProperty("active").GetBoolean());
        Assert.Equal("Bobby", replaced.GetProperty("nickName").GetString());
        Assert.Equal("suspended", (await MemberAsync(adminApi, orgId, id)).GetProperty("status").GetString());

        // OIN apps: a path-less replace reactivates (P3).
        var active = await ExpectAsync(await scim.PatchAsync($"/Users/{id}", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}
            """), HttpStatusCode.OK);
        Assert.True(active.GetProperty("active").GetBoolean());

        // Groups: create, rename with the id in the value (P14), remove a member by filter (P12), delete.
        var group = await ExpectAsync(await scim.PostAsync("/Groups", $$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Builders","members":[{"value":"{{id}}","display":"Bob"}]}
            """), HttpStatusCode.Created);
        var groupId = group.GetProperty("id").GetString()!;
        await ExpectAsync(await scim.PatchAsync($"/Groups/{groupId}", $$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"{{groupId}}","displayName":"Master Builders"} }]}
            """), HttpStatusCode.NoContent);
        await ExpectAsync(await scim.PatchAsync($"/Groups/{groupId}", $$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"{{id}}\"]"}]}
            """), HttpStatusCode.NoContent);
        var renamed = await ExpectAsync(await scim.GetAsync($"/Groups/{groupId}"), HttpStatusCode.OK);
        Assert.Equal("Master Builders", renamed.GetProperty("displayName").GetString());
        Assert.Equal(0, MemberCount(renamed));
        await ExpectAsync(await scim.DeleteAsync($"/Groups/{groupId}"), HttpStatusCode.NoContent);
        await ExpectErrorAsync(await scim.GetAsync($"/Groups/{groupId}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deactivation_revokes_the_users_refresh_tokens_for_the_organization()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Revoke Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var person = await App.SignUpAsync("Carol Member");
        await App.AddMemberAsync(orgId, person);
        var tokens = await App.TokensAsync(person, organization: orgId.ToString());
        using var http = App.CreateBrowser();
        (await Oidc.RefreshAsync(http.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();

        // The directory takes over the existing member (same e-mail), then deactivates them.
        var (scim, _, _) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;
        var user = await ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{person.Email}}","active":true}"""), HttpStatusCode.Created);
        Assert.Equal((await App.UserIdAsync(person)).ToString(), user.GetProperty("id").GetString());
        await ExpectAsync(await scim.PatchAsync($"/Users/{user.GetProperty("id").GetString()}", """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}
            """), HttpStatusCode.OK);

        var refused = await Oidc.RefreshAsync(http.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.Equal("invalid_grant", refused.Error);
    }

    [Fact]
    public async Task A_directory_sees_and_changes_only_its_own_organization()
    {
        var (adminA, orgA) = await App.OrganizationWithAdminAsync("Tenant A");
        var (adminB, orgB) = await App.OrganizationWithAdminAsync("Tenant B");
        using var apiA = await App.ApiAsync(adminA, orgA.ToString());
        using var apiB = await App.ApiAsync(adminB, orgB.ToString());
        var (scimA, _, _) = await CreateAsync(App, apiA, orgA);
        var (scimB, _, _) = await CreateAsync(App, apiB, orgB);
        using var _a = scimA;
        using var _b = scimB;
        var email = $"shared-{Guid.NewGuid():N}@tenants.example";
        var inB = await ExpectAsync(await scimB.PostAsync("/Users", $$"""{"userName":"{{email}}"}"""), HttpStatusCode.Created);
        var userB = inB.GetProperty("id").GetString()!;
        var groupB = (await ExpectAsync(await scimB.PostAsync("/Groups", """{"displayName":"B only"}"""), HttpStatusCode.Created)).GetProperty("id").GetString()!;

        await ExpectErrorAsync(await scimA.GetAsync($"/Users/{userB}"), HttpStatusCode.NotFound);
        await ExpectErrorAsync(await scimA.PatchAsync($"/Users/{userB}", """{"Operations":[{"op":"replace","path":"active","value":false}]}"""), HttpStatusCode.NotFound);
        await ExpectErrorAsync(await scimA.DeleteAsync($"/Users/{userB}"), HttpStatusCode.NotFound);
        await ExpectErrorAsync(await scimA.GetAsync($"/Groups/{groupB}"), HttpStatusCode.NotFound);
        Assert.Equal(0, (await ExpectAsync(await scimA.GetAsync($"/Users?filter={Uri.EscapeDataString($"userName eq \"{email}\"")}"), HttpStatusCode.OK)).GetProperty("totalResults").GetInt32());
        Assert.Equal(0, (await ExpectAsync(await scimA.GetAsync("/Groups"), HttpStatusCode.OK)).GetProperty("totalResults").GetInt32());

        // A's own group cannot take B's user as a member.
        var groupA = (await ExpectAsync(await scimA.PostAsync("/Groups", """{"displayName":"A only"}"""), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await ExpectErrorAsync(await scimA.PatchAsync($"/Groups/{groupA}", $$"""{"Operations":[{"op":"add","path":"members","value":[{"value":"{{userB}}"}]}]}"""),
            HttpStatusCode.BadRequest, "invalidValue");
        Assert.Equal("active", (await MemberAsync(apiB, orgB, userB)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Bad_or_missing_tokens_get_a_scim_401_and_a_plan_without_scim_a_403()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Auth Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (scim, token, tokenId) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;
        await ExpectAsync(await scim.GetAsync("/Users"), HttpStatusCode.OK);

        foreach (var header in new string?[] { null, "non-token", "Bearer scim_not-a-real-token", $"Bearer {token}x" })
        {
            using var client = App.CreateBrowser();
            if (header is not null)
            {
                client.Http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);
            }

            var refused = await client.Http.GetAsync("/scim/v2/Users");
            await ExpectErrorAsync(refused, HttpStatusCode.Unauthorized);
        }

        // The list shows the prefix and the last use, never the token; a revoked token stops working at once.
        var list = await adminApi.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}/directory-tokens");
        var listed = list.GetProperty("items")[0];
        Assert.Equal(token[..12], listed.GetProperty("prefix").GetString());
        Assert.DoesNotContain(token, list.GetRawText(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("lastUsedAt").ValueKind);
        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.Http.DeleteAsync($"/api/v1/orgs/{orgId}/directory-tokens/{tokenId}")).StatusCode);
        await ExpectErrorAsync(await scim.GetAsync("/Users"), HttpStatusCode.Unauthorized);

        var (second, _, _) = await CreateAsync(App, adminApi, orgId, "second");
        using var _second = second;
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        Assert.Equal(HttpStatusCode.OK, (await platform.Http.PutAsJsonAsync($"/api/v1/orgs/{orgId}/plan", new { invitations = true, units = true, sso = true, scim = false })).StatusCode);
        await ExpectErrorAsync(await second.GetAsync("/Users"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, (await adminApi.Http.GetAsync($"/api/v1/orgs/{orgId}/directory-tokens")).StatusCode);
    }

    [Fact]
    public async Task Bad_input_gets_the_right_scim_error_and_changes_nothing()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Bad Input Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (scim, _, _) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;
        var email = $"dave-{Guid.NewGuid():N}@bad.example";
        var id = (await ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{email}}","displayName":"Dave"}"""), HttpStatusCode.Created)).GetProperty("id").GetString()!;

        await ExpectErrorAsync(await scim.PostAsync("/Users", "{\"userName\": "), HttpStatusCode.BadRequest, "invalidSyntax");
        await ExpectErrorAsync(await scim.PostAsync("/Users", $$"""{"userName":"big@bad.example","displayName":"{{new string('x', 1_100_000)}}"}"""),
            HttpStatusCode.RequestEntityTooLarge);
        await ExpectErrorAsync(await scim.PostAsync("/Users", """{"displayName":"No user name"}"""), HttpStatusCode.BadRequest, "invalidValue");
        await ExpectErrorAsync(await scim.GetAsync("/Users?filter=userName+eq"), HttpStatusCode.BadRequest, "invalidFilter");
        var unknown = await ExpectErrorAsync(await scim.GetAsync("/Users?filter=favoriteColor+eq+%22blue%22"), HttpStatusCode.BadRequest, "invalidFilter");
        Assert.Contains("favoriteColor", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ExpectErrorAsync(await scim.PatchAsync($"/Users/{id}", """{"Operations":[{"op":"replace","path":"no such[path","value":"x"}]}"""), HttpStatusCode.BadRequest, "invalidPath");
        await ExpectErrorAsync(await scim.PatchAsync($"/Users/{id}", """{"Operations":[{"op":"remove"}]}"""), HttpStatusCode.BadRequest, "noTarget");

        // Two operations, the second one bad: the first is not applied either.
        var failed = await ExpectErrorAsync(await scim.PatchAsync($"/Users/{id}", """
            {"Operations":[{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"unknownAttribute","value":"x"}]}
            """), HttpStatusCode.BadRequest, "invalidPath");
        Assert.Contains("1", failed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Dave", (await ExpectAsync(await scim.GetAsync($"/Users/{id}"), HttpStatusCode.OK)).GetProperty("displayName").GetString());

        // If-Match: a stale ETag is refused with 412 and changes nothing.
        var read = await scim.GetAsync($"/Users/{id}");
        var etag = read.Headers.ETag!.ToString();
        await ExpectAsync(await scim.PatchAsync($"/Users/{id}", """{"Operations":[{"op":"replace","path":"nickName","value":"D"}]}"""), HttpStatusCode.OK);
        await ExpectErrorAsync(await scim.PutAsync($"/Users/{id}", $$"""{"userName":"{{email}}","displayName":"Stale"}""", etag), HttpStatusCode.PreconditionFailed);
        Assert.Equal("Dave", (await ExpectAsync(await scim.GetAsync($"/Users/{id}"), HttpStatusCode.OK)).GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Existing_accounts_are_claimed_only_in_a_verified_domain_with_a_confirmed_email()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Claim Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var domain = $"d{Guid.NewGuid():N}"[..16] + ".example.org";
        await VerifyDomainAsync(adminApi, orgId, domain);
        var (scim, _, _) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;

        // An account in the verified domain, confirmed: claimed; its password stops working.
        var insider = await SignUpWithEmailAsync($"insider@{domain}");
        var claimed = await ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{insider.Email}}","name":{"givenName":"In","familyName":"Sider"} }"""), HttpStatusCode.Created);
        Assert.Equal((await App.UserIdAsync(insider)).ToString(), claimed.GetProperty("id").GetString());
        using var browser = App.CreateBrowser();
        Assert.NotEqual(HttpStatusCode.Redirect, (await browser.SignInAsync(insider.Email, insider.Password)).StatusCode);

        // An account outside the organization's domains: 409 with a detail that says why.
        var outsider = await App.SignUpAsync("Out Sider");
        var refused = await ExpectErrorAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{outsider.Email}}"}"""), HttpStatusCode.Conflict, "uniqueness");
        Assert.Contains("not verified", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var outsiderBrowser = App.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await outsiderBrowser.SignInAsync(outsider.Email, outsider.Password)).StatusCode);

        // A new address in the verified domain: a new account the organization manages; deleting it disables it,
        // and provisioning it again brings the same account back.
        var fresh = $"fresh@{domain}";
        var created = (await ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{fresh}}"}"""), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await ExpectAsync(await scim.DeleteAsync($"/Users/{created}"), HttpStatusCode.NoContent);
        var again = (await ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{fresh}}"}"""), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        Assert.Equal(created, again);

        // Another organization cannot claim the account this one manages.
        var (otherAdmin, otherOrg) = await App.OrganizationWithAdminAsync("Other Co");
        using var otherApi = await App.ApiAsync(otherAdmin, otherOrg.ToString());
        var (otherScim, _, _) = await CreateAsync(App, otherApi, otherOrg);
        using var _other = otherScim;
        await ExpectErrorAsync(await otherScim.PostAsync("/Users", $$"""{"userName":"{{fresh}}"}"""), HttpStatusCode.Conflict, "uniqueness");
    }

    [Fact]
    public async Task Group_mappings_give_and_take_roles_and_units_while_manual_grants_stay()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Mapping Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        Assert.Equal(HttpStatusCode.Created, (await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles",
            new { key = "billing", name = "Billing", permissions = new[] { "billing:view" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/roles",
            new { key = "auditor", name = "Auditor", permissions = new[] { "members:view" } })).StatusCode);
        var unit = (await (await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/units", new { name = "Brand A" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var (scim, _, _) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;
        var user = (await ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"erin-{{Guid.NewGuid():N}}@map.example"}"""), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var group = (await ExpectAsync(await scim.PostAsync("/Groups", $$"""{"displayName":"Billing team","members":[{"value":"{{user}}"}]}"""), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        // A manual grant, made by the admin.
        Assert.Equal(HttpStatusCode.OK, (await adminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{orgId}/members/{user}", new { roles = new[] { "auditor" } })).StatusCode);

        var mapping = new { role = "viewer", roles = new[] { "billing" }, units = new[] { unit } };
        var preview = await (await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/directory-groups/{group}/mapping/preview", mapping)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, preview.GetProperty("changed").GetInt32());
        Assert.Equal("viewer", preview.GetProperty("members")[0].GetProperty("baseRoleAfter").GetString());
        Assert.Equal("member", (await MemberAsync(adminApi, orgId, user)).GetProperty("role").GetString());

        Assert.Equal(HttpStatusCode.OK, (await adminApi.Http.PutAsJsonAsync($"/api/v1/orgs/{orgId}/directory-groups/{group}/mapping", mapping)).StatusCode);
        var mapped = await MemberAsync(adminApi, orgId, user);
        Assert.Equal("viewer", mapped.GetProperty("role").GetString());
        Assert.Equal(["auditor", "billing"], mapped.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains(unit.ToString(), mapped.GetProperty("units").GetRawText(), StringComparison.Ordinal);

        // Leaving the group takes away what the group gave; the manual role stays; the base role falls back to the SCIM default.
        await ExpectAsync(await scim.PatchAsync($"/Groups/{group}", """{"Operations":[{"op":"remove","path":"members"}]}"""), HttpStatusCode.NoContent);
        var after = await MemberAsync(adminApi, orgId, user);
        Assert.Equal("member", after.GetProperty("role").GetString());
        Assert.Equal(["auditor"], after.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ToArray());
    }

    [Fact]
    public async Task A_directory_may_deactivate_the_last_admin_and_that_is_audited()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Last Admin Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (scim, _, _) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;
        var id = (await ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{admin.Email}}"}"""), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await ExpectAsync(await scim.PatchAsync($"/Users/{id}", """{"Operations":[{"op":"replace","path":"active","value":false}]}"""), HttpStatusCode.OK);

        var suspended = Assert.Single(await App.AuditEventsAsync(orgId), e => e.Action == "member.suspended");
        Assert.Equal("directory", suspended.ActorType);
        Assert.Contains("\"lastAdmin\":true", suspended.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_documents_are_list_responses_and_me_is_not_implemented()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Discovery Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (scim, _, _) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;

        var config = await ExpectAsync(await scim.GetAsync("/ServiceProviderConfig"), HttpStatusCode.OK);
        Assert.True(config.GetProperty("patch").GetProperty("supported").GetBoolean());
        Assert.True(config.GetProperty("filter").GetProperty("supported").GetBoolean());
        var schemas = await ExpectAsync(await scim.GetAsync("/Schemas"), HttpStatusCode.OK);
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:ListResponse", schemas.GetProperty("schemas")[0].GetString());
        var ids = schemas.GetProperty("Resources").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.Contains("urn:ietf:params:scim:schemas:core:2.0:Group", ids);
        Assert.Contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", ids);
        var types = await ExpectAsync(await scim.GetAsync("/ResourceTypes"), HttpStatusCode.OK);
        Assert.Equal(2, types.GetProperty("totalResults").GetInt32());
        await ExpectErrorAsync(await scim.GetAsync("/Me"), HttpStatusCode.NotImplemented);
    }

    [Fact]
    public async Task A_provisioned_account_is_welcomed_with_a_link_to_choose_its_password()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Welcome Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (scim, _, _) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;
        var email = $"wendy-{Guid.NewGuid():N}@welcome.example";
        await ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{email}}","name":{"givenName":"Wendy","familyName":"Welcome"},"password":"ignored-1"} """), HttpStatusCode.Created);

        // The directory gave no password (and one it gives is ignored): the welcome is the way in.
        var mail = await App.Mail.WaitForAsync(email, "Welcome to Welcome Co");
        Assert.Contains("Choose your password", mail.Body, StringComparison.Ordinal);
        using var browser = App.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.ResetPasswordAsync(mail.Link("/Account/ResetPassword"), "wendy-chose-this-1")).StatusCode);
        var tokens = await App.TokensAsync(new TestUser(email, "wendy-chose-this-1", "Wendy Welcome"), organization: orgId.ToString());
        Assert.Equal(("member", orgId.ToString()), (Oidc.Jwt(tokens.AccessToken!).GetClaim("org_role").Value, Oidc.Jwt(tokens.AccessToken!).GetClaim("org_id").Value));
    }

    [Fact]
    public async Task Paging_is_stable_and_echoes_start_index()
    {
        var (admin, orgId) = await App.OrganizationWithAdminAsync("Paging Co");
        using var adminApi = await App.ApiAsync(admin, orgId.ToString());
        var (scim, _, _) = await CreateAsync(App, adminApi, orgId);
        using var _scim = scim;
        var userNames = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            userNames.Add($"page-{i}-{Guid.NewGuid():N}@paging.example");
            await ExpectAsync(await scim.PostAsync("/Users", $$"""{"userName":"{{userNames[^1]}}","active":{{(i % 2 == 0 ? "true" : "false")}}}"""), HttpStatusCode.Created);
        }

        var seen = new List<string>();
        for (var page = 0; page < 3; page++)
        {
            var body = await ExpectAsync(await scim.GetAsync($"/Users?startIndex={(page * 5) + 1}&count=5"), HttpStatusCode.OK);
            Assert.Equal(11, body.GetProperty("totalResults").GetInt32());
            Assert.Equal((page * 5) + 1, body.GetProperty("startIndex").GetInt32());
            Assert.Equal(page < 2 ? 5 : 1, body.GetProperty("itemsPerPage").GetInt32());
            seen.AddRange(body.GetProperty("Resources").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
        }

        Assert.Equal(11, seen.Distinct().Count());
        var totalsOnly = await ExpectAsync(await scim.GetAsync("/Users?count=0"), HttpStatusCode.OK);
        Assert.Equal((11, 0), (totalsOnly.GetProperty("totalResults").GetInt32(), totalsOnly.GetProperty("Resources").GetArrayLength()));

        // A lookup that matches one user is answered by one query: its total, count=0 and a start past it still hold.
        async Task<(int Total, int Returned)> FilteredAsync(string filter, string paging = "")
        {
            var body = await ExpectAsync(await scim.GetAsync($"/Users?filter={Uri.EscapeDataString(filter)}{paging}"), HttpStatusCode.OK);
            return (body.GetProperty("totalResults").GetInt32(), body.GetProperty("Resources").GetArrayLength());
        }

        var one = $"userName eq \"{userNames[3].ToUpperInvariant()}\"";
        Assert.Equal((1, 1), await FilteredAsync(one));
        Assert.Equal((1, 0), await FilteredAsync(one, "&count=0"));
        Assert.Equal((1, 0), await FilteredAsync(one, "&startIndex=2"));
        Assert.Equal((0, 0), await FilteredAsync("userName eq \"nobody@paging.example\""));
        Assert.Equal((6, 2), await FilteredAsync("active eq true", "&startIndex=5&count=5"));
        Assert.Equal((5, 3), await FilteredAsync("active eq false", "&startIndex=3"));
    }

    /// <summary>An empty member list is unassigned, and unassigned attributes are left out of responses.</summary>
    private static int MemberCount(JsonElement group) => group.TryGetProperty("members", out var members) ? members.GetArrayLength() : 0;

    private static async Task<JsonElement> MemberAsync(Browser adminApi, Guid orgId, string userId)
    {
        var response = await adminApi.Http.GetAsync($"/api/v1/orgs/{orgId}/members/{userId}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task VerifyDomainAsync(Browser adminApi, Guid orgId, string domain)
    {
        var added = await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/domains", new { domain });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var id = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var platform = await App.ApiAsync(Infrastructure.Organizations.PlatformAdmin);
        Assert.Equal(HttpStatusCode.OK, (await platform.Http.PostAsJsonAsync($"/api/v1/orgs/{orgId}/domains/{id}/verify", new { force = true })).StatusCode);
    }

    private async Task<TestUser> SignUpWithEmailAsync(string email)
    {
        using var browser = App.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignUpAsync("Domain Person", email, Users.Password)).StatusCode);
        var mail = await App.Mail.WaitForAsync(email, "Confirm your e-mail");
        Assert.Equal(HttpStatusCode.OK, (await browser.ConfirmEmailAsync(mail.Link("/Account/ConfirmEmail"))).StatusCode);
        return new TestUser(email, Users.Password, "Domain Person");
    }
}

public sealed class ScimProvisioningTestsOnSqlite(SqliteApp app) : ScimProvisioningTests(app), IClassFixture<SqliteApp>;

public sealed class ScimProvisioningTestsOnPostgreSql(PostgreSqlApp app) : ScimProvisioningTests(app), IClassFixture<PostgreSqlApp>;
