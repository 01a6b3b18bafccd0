using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Tests.Accounts;
using OrgIdentity.Server.Tests.Infrastructure;

namespace OrgIdentity.Server.Tests.Organizations;

/// <summary>
/// DESIGN.md §3 for organizations: what access and ID tokens say about the organization, how authorize chooses it
/// (parameter, single membership, picker), and how refresh recomputes, switches and refuses.
/// </summary>
public abstract class OrganizationTokenTests(OrgIdentityApp app) : ServerTests(app)
{
    private const string ApiScopes = "openid profile email offline_access orgidentity.api";

    private static readonly TestUser PlatformAdmin = new(OrgIdentityApp.AdminEmail, OrgIdentityApp.AdminPassword, "Platform admin");

    private static readonly string[] ProductKinds =
        ["analytics", "apps", "assets", "catalog-items", "configurations", "customers", "developer-accounts", "jobs", "orders", "renders", "stages"];

    private static readonly string[] AdministrativeKinds =
        ["billing", "organization-settings", "members", "roles", "units", "access-tokens", "webhooks", "audit-log"];

    private static readonly string[] AdminPermissions =
        [.. ProductKinds.Concat(AdministrativeKinds).SelectMany(k => new[] { $"{k}:view", $"{k}:edit" }), "members:impersonate"];

    private static readonly string[] MemberPermissions =
        [.. ProductKinds.SelectMany(k => new[] { $"{k}:view", $"{k}:edit" }), "members:view", "units:view"];

    private static readonly string[] ViewerPermissions =
        [.. ProductKinds.Select(k => $"{k}:view"), "members:view", "units:view"];

    // ---- 1. Access token contents ----

    [Fact]
    public async Task An_admins_access_token_carries_the_organization_and_every_permission_of_the_catalog()
    {
        var org = await NewOrganizationAsync("Token Admin Corp");

        var tokens = await App.TokensAsync(org.Admin);

        var payload = Payload(tokens.AccessToken!);
        Assert.Equal((await App.UserIdAsync(org.Admin)).ToString(), payload.GetProperty("sub").GetString());
        AssertOrganization(payload, org, "admin", ["admin"], AdminPermissions);
    }

    [Fact]
    public async Task A_members_access_token_carries_view_and_edit_on_product_kinds_and_members_and_units_view()
    {
        var org = await NewOrganizationAsync("Token Member Corp");
        var member = await App.SignUpAsync("Plain Member");
        await App.AddMemberAsync(org.Id, member, "member");

        var tokens = await App.TokensAsync(member);

        AssertOrganization(Payload(tokens.AccessToken!), org, "member", ["member"], MemberPermissions);
    }

    [Fact]
    public async Task A_viewers_access_token_writes_its_single_role_and_all_units_as_json_arrays()
    {
        var org = await NewOrganizationAsync("Token Viewer Corp");
        var viewer = await App.SignUpAsync("Plain Viewer");
        await App.AddMemberAsync(org.Id, viewer, "viewer");

        var tokens = await App.TokensAsync(viewer);

        var payload = Payload(tokens.AccessToken!);
        AssertOrganization(payload, org, "viewer", ["viewer"], ViewerPermissions);
        // Single values, still arrays (DESIGN.md §3): ["viewer"], not "viewer"; ["*"], not "*".
        Assert.Equal("[\"viewer\"]", payload.GetProperty("org_roles").GetRawText());
        Assert.Equal("[\"*\"]", payload.GetProperty("units").GetRawText());
    }

    [Fact]
    public async Task A_custom_role_adds_its_key_to_org_roles_and_its_permissions_expanded_by_implication()
    {
        var org = await NewOrganizationAsync("Token Custom Corp");
        using (var adminApi = await AdminApiAsync(org))
        {
            await CreateRoleAsync(adminApi, org.Id, "asset-editor", "assets:edit", "billing:edit");
        }

        var user = await App.SignUpAsync("Custom Viewer");
        await App.AddMemberAsync(org.Id, user, "viewer", "asset-editor");

        var tokens = await App.TokensAsync(user);

        var payload = Payload(tokens.AccessToken!);
        // assets:edit brings assets:view and, by implication, catalog-items and stages at edit and view; billing:edit brings billing:view.
        string[] expected = [.. ViewerPermissions, "assets:edit", "catalog-items:edit", "stages:edit", "billing:edit", "billing:view"];
        AssertOrganization(payload, org, "viewer", ["viewer", "asset-editor"], expected);
        Assert.Equal("viewer", Strings(payload, "org_roles")[0]);
    }

    // ---- 2. ID token ----

    [Fact]
    public async Task The_id_token_names_the_organization_but_carries_no_roles_permissions_or_units()
    {
        var org = await NewOrganizationAsync("Token Id Corp");

        var tokens = await App.TokensAsync(org.Admin);

        var id = Payload(tokens.IdToken!);
        Assert.Equal(org.Id.ToString(), id.GetProperty("org_id").GetString());
        Assert.Equal(org.Slug, id.GetProperty("org_slug").GetString());
        foreach (var claim in new[] { "permissions", "org_roles", "org_role", "units", "authz_ver" })
        {
            Assert.False(id.TryGetProperty(claim, out _), $"The ID token carries '{claim}': {id}");
        }
    }

    // ---- 3. No organization ----

    [Fact]
    public async Task A_user_in_no_organization_signs_in_and_gets_tokens_without_organization_claims_or_permission_scopes()
    {
        var user = await App.SignUpAsync("Lone Person");

        var tokens = await App.TokensAsync(user, ApiScopes + " assets:view");

        var access = Payload(tokens.AccessToken!);
        foreach (var claim in new[] { "org_id", "org_slug", "org_role", "org_roles", "permissions", "units", "authz_ver" })
        {
            Assert.False(access.TryGetProperty(claim, out _), $"The access token carries '{claim}': {access}");
        }

        Assert.Equal("user", access.GetProperty("principal_type").GetString());
        Assert.False(Payload(tokens.IdToken!).TryGetProperty("org_id", out _));
        Assert.DoesNotContain("assets:view", ScopeList(tokens.Get("scope")));
        Assert.DoesNotContain("assets:view", JwtScopes(access));
    }

    // ---- 4. The organization parameter ----

    [Fact]
    public async Task The_organization_parameter_chooses_the_organization_by_id_or_by_slug()
    {
        var first = await NewOrganizationAsync("Param First");
        var second = await NewOrganizationAsync("Param Second");
        var user = await App.SignUpAsync("Two Hats");
        await App.AddMemberAsync(first.Id, user, "member");
        await App.AddMemberAsync(second.Id, user, "viewer");

        var byId = Payload((await App.TokensAsync(user, organization: second.Id.ToString())).AccessToken!);
        var bySlug = Payload((await App.TokensAsync(user, organization: first.Slug)).AccessToken!);

        Assert.Equal(second.Id.ToString(), byId.GetProperty("org_id").GetString());
        Assert.Equal("viewer", byId.GetProperty("org_role").GetString());
        Assert.Equal(first.Id.ToString(), bySlug.GetProperty("org_id").GetString());
        Assert.Equal(first.Slug, bySlug.GetProperty("org_slug").GetString());
        Assert.Equal("member", bySlug.GetProperty("org_role").GetString());
    }

    [Fact]
    public async Task A_user_with_one_organization_gets_it_without_naming_it()
    {
        var org = await NewOrganizationAsync("Only One");
        var user = await App.SignUpAsync("One Hat");
        await App.AddMemberAsync(org.Id, user, "member");
        using var browser = await App.SignedInBrowserAsync(user);

        var response = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create()));

        Assert.True(Oidc.CallbackParameters(response, TestClients.CodeRedirect).ContainsKey("code"));
    }

    [Fact]
    public async Task Naming_an_organization_the_user_is_not_an_active_member_of_answers_invalid_request_like_an_unknown_one()
    {
        var home = await NewOrganizationAsync("Home Org");
        var foreign = await NewOrganizationAsync("Foreign Org");
        var left = await NewOrganizationAsync("Suspending Org");
        var user = await App.SignUpAsync("Outsider");
        await App.AddMemberAsync(home.Id, user, "member");
        await App.AddMemberAsync(left.Id, user, "member");
        using (var leftApi = await AdminApiAsync(left))
        {
            await PatchMemberAsync(leftApi, left.Id, await App.UserIdAsync(user), new { status = "suspended" });
        }

        using var browser = await App.SignedInBrowserAsync(user);

        var answers = new Dictionary<string, Dictionary<string, string>>();
        foreach (var named in new[] { foreign.Id.ToString(), foreign.Slug, left.Id.ToString(), left.Slug, Guid.NewGuid().ToString(), "no-such-org-slug" })
        {
            var response = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(),
                ("organization", named)));
            answers[named] = Oidc.CallbackParameters(response, TestClients.CodeRedirect);
        }

        foreach (var (named, parameters) in answers)
        {
            Assert.False(parameters.ContainsKey("code"), $"A code for '{named}'");
            Assert.Equal("invalid_request", parameters.GetValueOrDefault("error"));
        }

        // The same answer, so the error does not tell whether an organization exists.
        Assert.Single(answers.Values.Select(p => p.GetValueOrDefault("error_description")).Distinct());
    }

    // ---- 5. The picker ----

    [Fact]
    public async Task A_user_in_several_organizations_is_shown_a_picker_and_the_token_is_for_the_one_picked()
    {
        var alpha = await NewOrganizationAsync("Picker Alpha");
        var beta = await NewOrganizationAsync("Picker Beta");
        var user = await App.SignUpAsync("Picky Person");
        await App.AddMemberAsync(alpha.Id, user, "member");
        await App.AddMemberAsync(beta.Id, user, "viewer");
        using var browser = await App.SignedInBrowserAsync(user);
        var pkce = Oidc.Pkce.Create();

        var page = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, ApiScopes, pkce));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains(alpha.Name, html, StringComparison.Ordinal);
        Assert.Contains(beta.Name, html, StringComparison.Ordinal);
        Assert.Contains("<form", html, StringComparison.Ordinal);

        // The picker's buttons are named "organization" with the organization's id as value.
        var picked = await browser.FollowAsync(await browser.SubmitAsync(page, new Dictionary<string, string> { ["organization"] = beta.Id.ToString() }));
        var parameters = Oidc.CallbackParameters(picked, TestClients.CodeRedirect);
        Assert.True(parameters.ContainsKey("code"), $"No code in {picked.Headers.Location}");
        var tokens = (await Oidc.RedeemCodeAsync(browser.Http, parameters["code"], pkce, TestClients.CodeClient, TestClients.CodeRedirect, TestClients.CodeSecret))
            .EnsureTokens();

        var payload = Payload(tokens.AccessToken!);
        Assert.Equal(beta.Id.ToString(), payload.GetProperty("org_id").GetString());
        Assert.Equal("viewer", payload.GetProperty("org_role").GetString());
        Assert.Equal(beta.Id.ToString(), Payload(tokens.IdToken!).GetProperty("org_id").GetString());
    }

    [Fact]
    public async Task Prompt_none_with_several_organizations_and_none_named_answers_interaction_required()
    {
        var alpha = await NewOrganizationAsync("Silent Alpha");
        var beta = await NewOrganizationAsync("Silent Beta");
        var user = await App.SignUpAsync("Silent Person");
        await App.AddMemberAsync(alpha.Id, user, "member");
        await App.AddMemberAsync(beta.Id, user, "member");
        using var browser = await App.SignedInBrowserAsync(user);

        var response = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(), ("prompt", "none")));

        Assert.Equal("interaction_required", Oidc.CallbackParameters(response, TestClients.CodeRedirect).GetValueOrDefault("error"));
        var named = await browser.OpenAsync(Oidc.AuthorizeUrl(TestClients.CodeClient, TestClients.CodeRedirect, "openid", Oidc.Pkce.Create(),
            ("prompt", "none"), ("organization", alpha.Id.ToString())));
        Assert.True(Oidc.CallbackParameters(named, TestClients.CodeRedirect).ContainsKey("code"));
    }

    // ---- 6. Permission scopes ----

    [Fact]
    public async Task Permission_scopes_are_granted_only_when_the_member_holds_the_permission()
    {
        var org = await NewOrganizationAsync("Scope Corp");
        var member = await App.SignUpAsync("Scope Member");
        await App.AddMemberAsync(org.Id, member, "member");
        const string scope = "openid offline_access orgidentity.api assets:view billing:edit";

        var memberTokens = await App.TokensAsync(member, scope);
        var adminTokens = await App.TokensAsync(org.Admin, scope);

        var memberResponseScopes = ScopeList(memberTokens.Get("scope"));
        var memberJwtScopes = JwtScopes(Payload(memberTokens.AccessToken!));
        Assert.Contains("assets:view", memberResponseScopes);
        Assert.DoesNotContain("billing:edit", memberResponseScopes);
        Assert.Contains("assets:view", memberJwtScopes);
        Assert.DoesNotContain("billing:edit", memberJwtScopes);

        foreach (var granted in new[] { ScopeList(adminTokens.Get("scope")), JwtScopes(Payload(adminTokens.AccessToken!)) })
        {
            Assert.Contains("assets:view", granted);
            Assert.Contains("billing:edit", granted);
        }
    }

    [Fact]
    public async Task A_refresh_drops_a_permission_scope_the_member_no_longer_holds()
    {
        var org = await NewOrganizationAsync("Scope Refresh Corp");
        using var adminApi = await AdminApiAsync(org);
        await CreateRoleAsync(adminApi, org.Id, "billing-editor", "billing:edit");
        var member = await App.SignUpAsync("Former Biller");
        await App.AddMemberAsync(org.Id, member, "member", "billing-editor");
        var tokens = await App.TokensAsync(member, "openid offline_access orgidentity.api assets:view billing:edit");
        Assert.Contains("billing:edit", ScopeList(tokens.Get("scope")));

        await PatchMemberAsync(adminApi, org.Id, await App.UserIdAsync(member), new { roles = Array.Empty<string>() });
        using var browser = App.CreateBrowser();
        var refreshed = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();

        var payload = Payload(refreshed.AccessToken!);
        Assert.DoesNotContain("billing:edit", ScopeList(refreshed.Get("scope")));
        Assert.DoesNotContain("billing:edit", JwtScopes(payload));
        Assert.Contains("assets:view", JwtScopes(payload));
        Assert.Equal(["member"], Strings(payload, "org_roles"));
    }

    [Fact]
    public async Task Consent_to_a_permission_scope_not_held_is_remembered_and_a_second_sign_in_reuses_the_authorization()
    {
        var org = await NewOrganizationAsync("Consent Memory Corp");
        var member = await App.SignUpAsync("Remembered Member");
        await App.AddMemberAsync(org.Id, member, "member");
        // billing:edit is asked for but not held: the token leaves it out, the consent to what was asked stays.
        const string scope = "openid offline_access orgidentity.api billing:edit";

        var first = await App.TokensAsync(member, scope);
        var second = await App.TokensAsync(member, scope);

        Assert.DoesNotContain("billing:edit", ScopeList(first.Get("scope")));
        Assert.DoesNotContain("billing:edit", ScopeList(second.Get("scope")));
        var authorizations = await PermanentAuthorizationsAsync(await App.UserIdAsync(member), TestClients.CodeClient);
        Assert.True(authorizations.Count == 1,
            $"Expected one permanent authorization, found {authorizations.Count}: {string.Join(" | ", authorizations.Select(a => string.Join(" ", a)))}");
        Assert.Contains("billing:edit", authorizations[0]);
    }

    [Fact]
    public async Task A_permission_scope_not_held_at_sign_in_is_granted_on_a_later_refresh_once_held()
    {
        var org = await NewOrganizationAsync("Later Grant Corp");
        using var adminApi = await AdminApiAsync(org);
        await CreateRoleAsync(adminApi, org.Id, "billing-editor", "billing:edit");
        var member = await App.SignUpAsync("Future Biller");
        await App.AddMemberAsync(org.Id, member, "member");
        var tokens = await App.TokensAsync(member, "openid offline_access orgidentity.api assets:view billing:edit");
        Assert.DoesNotContain("billing:edit", ScopeList(tokens.Get("scope")));
        Assert.DoesNotContain("billing:edit", JwtScopes(Payload(tokens.AccessToken!)));

        await PatchMemberAsync(adminApi, org.Id, await App.UserIdAsync(member), new { roles = new[] { "billing-editor" } });
        using var browser = App.CreateBrowser();
        var refreshed = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();

        var payload = Payload(refreshed.AccessToken!);
        Assert.Contains("billing:edit", ScopeList(refreshed.Get("scope")));
        Assert.Contains("billing:edit", JwtScopes(payload));
        Assert.Contains("assets:view", JwtScopes(payload));
        Assert.Contains("billing:edit", Strings(payload, "permissions"));
        // The bookkeeping of what was asked never reaches the access token.
        Assert.False(payload.TryGetProperty("oi_requested_permissions", out _), payload.ToString());

        // Taken away again, it goes again; given back, it comes back: the request is remembered, not the grant.
        await PatchMemberAsync(adminApi, org.Id, await App.UserIdAsync(member), new { roles = Array.Empty<string>() });
        var dropped = (await Oidc.RefreshAsync(browser.Http, refreshed.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.DoesNotContain("billing:edit", ScopeList(dropped.Get("scope")));
        await PatchMemberAsync(adminApi, org.Id, await App.UserIdAsync(member), new { roles = new[] { "billing-editor" } });
        var regained = (await Oidc.RefreshAsync(browser.Http, dropped.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.Contains("billing:edit", ScopeList(regained.Get("scope")));
    }

    [Fact]
    public async Task A_switch_by_refresh_to_an_organization_where_the_permission_is_held_grants_the_permission_scope_there()
    {
        var memberOf = await NewOrganizationAsync("Switch Scope Member");
        var adminOf = await NewOrganizationAsync("Switch Scope Admin");
        var user = await App.SignUpAsync("Scope Switcher");
        await App.AddMemberAsync(memberOf.Id, user, "member");
        await App.AddMemberAsync(adminOf.Id, user, "admin");
        var tokens = await App.TokensAsync(user, "openid offline_access orgidentity.api billing:edit", organization: memberOf.Id.ToString());
        Assert.Equal(memberOf.Id.ToString(), Payload(tokens.AccessToken!).GetProperty("org_id").GetString());
        Assert.DoesNotContain("billing:edit", ScopeList(tokens.Get("scope")));
        using var browser = App.CreateBrowser();

        var switched = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret, adminOf.Id.ToString()))
            .EnsureTokens();

        var payload = Payload(switched.AccessToken!);
        Assert.Equal(adminOf.Id.ToString(), payload.GetProperty("org_id").GetString());
        Assert.Contains("billing:edit", ScopeList(switched.Get("scope")));
        Assert.Contains("billing:edit", JwtScopes(payload));

        // And back: where it is not held, it is not granted.
        var back = (await Oidc.RefreshAsync(browser.Http, switched.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret, memberOf.Id.ToString()))
            .EnsureTokens();
        Assert.Equal(memberOf.Id.ToString(), Payload(back.AccessToken!).GetProperty("org_id").GetString());
        Assert.DoesNotContain("billing:edit", ScopeList(back.Get("scope")));
        Assert.DoesNotContain("billing:edit", JwtScopes(Payload(back.AccessToken!)));
    }

    // ---- 7. Refresh recomputes ----

    [Fact]
    public async Task A_refresh_after_a_change_of_base_role_carries_the_new_role_and_permissions_and_a_higher_authz_ver()
    {
        var org = await NewOrganizationAsync("Refresh Role Corp");
        var member = await App.SignUpAsync("Demoted Member");
        await App.AddMemberAsync(org.Id, member, "member");
        var tokens = await App.TokensAsync(member);
        var before = Payload(tokens.AccessToken!);
        Assert.Equal("member", before.GetProperty("org_role").GetString());
        using (var adminApi = await AdminApiAsync(org))
        {
            await PatchMemberAsync(adminApi, org.Id, await App.UserIdAsync(member), new { role = "viewer" });
        }

        using var browser = App.CreateBrowser();
        var refreshed = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();

        var after = Payload(refreshed.AccessToken!);
        AssertOrganization(after, org, "viewer", ["viewer"], ViewerPermissions);
        Assert.True(after.GetProperty("authz_ver").GetInt32() > before.GetProperty("authz_ver").GetInt32(),
            $"authz_ver {before.GetProperty("authz_ver")} → {after.GetProperty("authz_ver")}");
    }

    [Fact]
    public async Task A_refresh_after_a_custom_roles_permissions_are_edited_carries_them()
    {
        var org = await NewOrganizationAsync("Refresh Custom Corp");
        using var adminApi = await AdminApiAsync(org);
        await CreateRoleAsync(adminApi, org.Id, "biller", "billing:view");
        var user = await App.SignUpAsync("Custom Holder");
        await App.AddMemberAsync(org.Id, user, "viewer", "biller");
        var tokens = await App.TokensAsync(user);
        var before = Payload(tokens.AccessToken!);
        Assert.Contains("billing:view", Strings(before, "permissions"));
        Assert.DoesNotContain("billing:edit", Strings(before, "permissions"));

        var edited = await adminApi.Http.PutAsJsonAsync($"/api/v1/orgs/{org.Id}/roles/biller",
            new { name = "Biller", permissions = new[] { "billing:edit", "webhooks:view" } });
        Assert.True(edited.StatusCode == HttpStatusCode.OK, $"{(int)edited.StatusCode} {await edited.Content.ReadAsStringAsync()}");
        using var browser = App.CreateBrowser();
        var refreshed = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();

        var after = Payload(refreshed.AccessToken!);
        AssertOrganization(after, org, "viewer", ["viewer", "biller"], [.. ViewerPermissions, "billing:edit", "billing:view", "webhooks:view"]);
        Assert.True(after.GetProperty("authz_ver").GetInt32() > before.GetProperty("authz_ver").GetInt32(),
            $"authz_ver {before.GetProperty("authz_ver")} → {after.GetProperty("authz_ver")}");
    }

    // ---- 8. Refresh refused after removal or suspension ----

    [Fact]
    public async Task A_refresh_after_the_member_is_removed_is_refused_with_invalid_grant()
    {
        var org = await NewOrganizationAsync("Removal Corp");
        var member = await App.SignUpAsync("Removed Member");
        await App.AddMemberAsync(org.Id, member, "member");
        var tokens = await App.TokensAsync(member);
        using (var adminApi = await AdminApiAsync(org))
        {
            var removed = await adminApi.Http.DeleteAsync($"/api/v1/orgs/{org.Id}/members/{await App.UserIdAsync(member)}");
            Assert.True(removed.StatusCode == HttpStatusCode.NoContent, $"{(int)removed.StatusCode} {await removed.Content.ReadAsStringAsync()}");
        }

        using var browser = App.CreateBrowser();
        var refreshed = await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret);

        Assert.Equal(HttpStatusCode.BadRequest, refreshed.Status);
        Assert.Equal("invalid_grant", refreshed.Error);
        Assert.Null(refreshed.AccessToken);
    }

    [Fact]
    public async Task A_refresh_after_the_membership_is_suspended_is_refused_with_invalid_grant()
    {
        var org = await NewOrganizationAsync("Suspension Corp");
        var member = await App.SignUpAsync("Suspended Member");
        await App.AddMemberAsync(org.Id, member, "member");
        var tokens = await App.TokensAsync(member);
        using (var adminApi = await AdminApiAsync(org))
        {
            await PatchMemberAsync(adminApi, org.Id, await App.UserIdAsync(member), new { status = "suspended" });
        }

        using var browser = App.CreateBrowser();
        var refreshed = await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret);

        Assert.Equal(HttpStatusCode.BadRequest, refreshed.Status);
        Assert.Equal("invalid_grant", refreshed.Error);
        Assert.Null(refreshed.AccessToken);
    }

    // ---- 9. Switching organization on refresh ----

    [Fact]
    public async Task A_refresh_with_organization_switches_to_another_organization_of_the_user()
    {
        var first = await NewOrganizationAsync("Switch First");
        var second = await NewOrganizationAsync("Switch Second");
        var user = await App.SignUpAsync("Switcher");
        await App.AddMemberAsync(first.Id, user, "member");
        await App.AddMemberAsync(second.Id, user, "viewer");
        var tokens = await App.TokensAsync(user, organization: first.Id.ToString());
        Assert.Equal(first.Id.ToString(), Payload(tokens.AccessToken!).GetProperty("org_id").GetString());
        using var browser = App.CreateBrowser();

        var switched = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret, second.Id.ToString()))
            .EnsureTokens();

        AssertOrganization(Payload(switched.AccessToken!), second, "viewer", ["viewer"], ViewerPermissions);
        // The next refresh without the parameter stays in the organization switched to.
        var again = (await Oidc.RefreshAsync(browser.Http, switched.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.Equal(second.Id.ToString(), Payload(again.AccessToken!).GetProperty("org_id").GetString());
    }

    [Fact]
    public async Task A_refresh_naming_an_organization_the_user_is_not_in_is_refused_and_leaves_the_refresh_token_usable()
    {
        var home = await NewOrganizationAsync("Stay Home");
        var foreign = await NewOrganizationAsync("Stay Foreign");
        var user = await App.SignUpAsync("Stayer");
        await App.AddMemberAsync(home.Id, user, "member");
        var tokens = await App.TokensAsync(user);
        using var browser = App.CreateBrowser();

        var refused = await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret, foreign.Id.ToString());
        var unknown = await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("invalid_request", refused.Error);
        Assert.Null(refused.AccessToken);
        Assert.Equal("invalid_request", unknown.Error);
        // Past the rotation leeway: the refused requests did not redeem the refresh token.
        App.Time.Advance(TimeSpan.FromSeconds(31));
        var still = (await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret)).EnsureTokens();
        Assert.Equal(home.Id.ToString(), Payload(still.AccessToken!).GetProperty("org_id").GetString());
    }

    // ---- 10. Disabled user ----

    [Fact]
    public async Task A_disabled_members_refresh_fails_at_once_and_they_cannot_sign_in()
    {
        var org = await NewOrganizationAsync("Disable Corp");
        var member = await App.SignUpAsync("Soon Disabled");
        await App.AddMemberAsync(org.Id, member, "member");
        var tokens = await App.TokensAsync(member);
        var platformToken = (await App.TokensAsync(PlatformAdmin)).AccessToken!;

        var disabled = await App.PostToApiAsync($"/api/v1/users/{await App.UserIdAsync(member)}/disable", platformToken);
        Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);

        using var browser = App.CreateBrowser();
        var refreshed = await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret);
        Assert.Equal(HttpStatusCode.BadRequest, refreshed.Status);
        Assert.Equal("invalid_grant", refreshed.Error);
        var switched = await Oidc.RefreshAsync(browser.Http, tokens.RefreshToken!, TestClients.CodeClient, TestClients.CodeSecret, org.Id.ToString());
        Assert.Equal("invalid_grant", switched.Error);
        Assert.False(await App.CanSignInAsync(member.Email, member.Password));
    }

    // ---- 11. Userinfo ----

    [Fact]
    public async Task Userinfo_with_the_organizations_scope_lists_every_active_membership_with_its_roles()
    {
        var (user, first, second, suspended) = await UserInThreeOrganizationsAsync();
        var tokens = await App.TokensAsync(user, "openid organizations", organization: first.Id.ToString());
        using var browser = App.ApiWithToken(tokens.AccessToken!);

        var info = await browser.Http.GetFromJsonAsync<JsonElement>("/connect/userinfo");

        var listed = info.GetProperty("organizations").EnumerateArray().ToDictionary(o => o.GetProperty("id").GetString()!);
        Assert.Equal(2, listed.Count);
        Assert.False(listed.ContainsKey(suspended.Id.ToString()), "The suspended membership is listed.");
        AssertListed(listed[first.Id.ToString()], first, "member", ["member", "asset-editor"]);
        AssertListed(listed[second.Id.ToString()], second, "viewer", ["viewer"]);
    }

    [Fact]
    public async Task Userinfo_without_the_organizations_scope_lists_no_memberships()
    {
        var org = await NewOrganizationAsync("Quiet Corp");
        var tokens = await App.TokensAsync(org.Admin, "openid profile");
        using var browser = App.ApiWithToken(tokens.AccessToken!);

        var info = await browser.Http.GetFromJsonAsync<JsonElement>("/connect/userinfo");

        Assert.False(info.TryGetProperty("organizations", out _), info.ToString());
    }

    // ---- 12. /api/v1/me ----

    [Fact]
    public async Task Me_lists_the_active_memberships_and_not_a_suspended_one()
    {
        var (user, first, second, suspended) = await UserInThreeOrganizationsAsync();
        using var api = await App.ApiAsync(user, organization: second.Id.ToString());

        var me = await api.Http.GetFromJsonAsync<JsonElement>("/api/v1/me");

        var listed = me.GetProperty("memberships").EnumerateArray().ToDictionary(m => m.GetProperty("organizationId").GetString()!);
        Assert.Equal(2, listed.Count);
        Assert.False(listed.ContainsKey(suspended.Id.ToString()), "The suspended membership is listed.");
        AssertListed(listed[first.Id.ToString()], first, "member", ["member", "asset-editor"]);
        AssertListed(listed[second.Id.ToString()], second, "viewer", ["viewer"]);
    }

    // ---- helpers ----

    private sealed record TestOrganization(TestUser Admin, Guid Id, string Slug, string Name);

    /// <summary>A new person who creates a new organization with a slug of its own (so tests can name it).</summary>
    private async Task<TestOrganization> NewOrganizationAsync(string name)
    {
        var admin = await App.SignUpAsync($"{name} admin");
        var slug = "t-" + Guid.NewGuid().ToString("N")[..16];
        var id = await App.CreateOrganizationAsync(admin, name, slug);
        return new TestOrganization(admin, id, slug, name);
    }

    private Task<Browser> AdminApiAsync(TestOrganization organization) => App.ApiAsync(organization.Admin, organization: organization.Id.ToString());

    /// <summary>A member (with a custom role) of one, a viewer of another, and suspended in a third.</summary>
    private async Task<(TestUser User, TestOrganization First, TestOrganization Second, TestOrganization Suspended)> UserInThreeOrganizationsAsync()
    {
        var first = await NewOrganizationAsync("Listed First");
        var second = await NewOrganizationAsync("Listed Second");
        var suspended = await NewOrganizationAsync("Listed Suspended");
        using (var firstApi = await AdminApiAsync(first))
        {
            await CreateRoleAsync(firstApi, first.Id, "asset-editor", "assets:edit");
        }

        var user = await App.SignUpAsync("Many Hats");
        await App.AddMemberAsync(first.Id, user, "member", "asset-editor");
        await App.AddMemberAsync(second.Id, user, "viewer");
        await App.AddMemberAsync(suspended.Id, user, "member");
        using (var suspendedApi = await AdminApiAsync(suspended))
        {
            await PatchMemberAsync(suspendedApi, suspended.Id, await App.UserIdAsync(user), new { status = "suspended" });
        }

        return (user, first, second, suspended);
    }

    /// <summary>The scopes of each valid permanent authorization of <paramref name="userId"/> for the client, read with OpenIddict's manager.</summary>
    private async Task<List<string[]>> PermanentAuthorizationsAsync(Guid userId, string clientId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        var application = await applications.FindByClientIdAsync(clientId) ?? throw new InvalidOperationException($"No client {clientId}.");
        var applicationId = await applications.GetIdAsync(application);
        var found = new List<string[]>();
        await foreach (var authorization in authorizations.FindAsync(subject: userId.ToString(), client: applicationId,
                           status: OpenIddictConstants.Statuses.Valid, type: OpenIddictConstants.AuthorizationTypes.Permanent, scopes: null))
        {
            found.Add([.. await authorizations.GetScopesAsync(authorization)]);
        }

        return found;
    }

    private static async Task CreateRoleAsync(Browser adminApi, Guid organizationId, string key, params string[] permissions)
    {
        var response = await adminApi.Http.PostAsJsonAsync($"/api/v1/orgs/{organizationId}/roles",
            new { key, name = key, description = $"The {key} role", permissions });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Creating role {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task PatchMemberAsync(Browser adminApi, Guid organizationId, Guid userId, object change)
    {
        var response = await adminApi.Http.PatchAsJsonAsync($"/api/v1/orgs/{organizationId}/members/{userId}", change);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Changing member {userId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The JWT's payload as JSON, so the tests see arrays as arrays and numbers as numbers.</summary>
    private static JsonElement Payload(string jwt)
    {
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        using var document = JsonDocument.Parse(WebEncoders.Base64UrlDecode(parts[1]));
        return document.RootElement.Clone();
    }

    /// <summary>A claim that must be a JSON array of strings.</summary>
    private static string[] Strings(JsonElement payload, string claim)
    {
        Assert.True(payload.TryGetProperty(claim, out var value), $"No '{claim}' in {payload}");
        Assert.True(value.ValueKind == JsonValueKind.Array, $"'{claim}' is a {value.ValueKind}, not an array: {value.GetRawText()}");
        return value.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    private static void AssertOrganization(JsonElement payload, TestOrganization organization, string role, string[] roles, IEnumerable<string> permissions)
    {
        Assert.Equal(organization.Id.ToString(), payload.GetProperty("org_id").GetString());
        Assert.Equal(organization.Slug, payload.GetProperty("org_slug").GetString());
        Assert.Equal(role, payload.GetProperty("org_role").GetString());
        var actualRoles = Strings(payload, "org_roles");
        Assert.True(actualRoles.ToHashSet().SetEquals(roles) && actualRoles.Length == roles.Length,
            $"org_roles {string.Join(" ", actualRoles)}, expected {string.Join(" ", roles)}");
        var expected = permissions.ToHashSet(StringComparer.Ordinal);
        var actual = Strings(payload, "permissions");
        Assert.True(expected.SetEquals(actual) && actual.Length == expected.Count,
            $"permissions: missing [{string.Join(" ", expected.Except(actual))}], unexpected [{string.Join(" ", actual.Except(expected))}]");
        Assert.Equal(["*"], Strings(payload, "units"));
        Assert.Equal(JsonValueKind.Number, payload.GetProperty("authz_ver").ValueKind);
        Assert.True(payload.GetProperty("authz_ver").TryGetInt32(out _), $"authz_ver is not an integer: {payload.GetProperty("authz_ver").GetRawText()}");
        Assert.Equal("user", payload.GetProperty("principal_type").GetString());
    }

    private static void AssertListed(JsonElement listed, TestOrganization organization, string role, string[] roles)
    {
        Assert.Equal(organization.Slug, listed.GetProperty("slug").GetString());
        Assert.Equal(organization.Name, listed.GetProperty("name").GetString());
        Assert.Equal(role, listed.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Array, listed.GetProperty("roles").ValueKind);
        Assert.Equal(roles.Order(StringComparer.Ordinal), listed.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal));
    }

    private static string[] ScopeList(string? scope) => scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>The JWT's <c>scope</c> claim: a space-separated string (RFC 9068), or an array.</summary>
    private static string[] JwtScopes(JsonElement payload)
    {
        if (!payload.TryGetProperty("scope", out var scope))
        {
            return [];
        }

        return scope.ValueKind == JsonValueKind.Array ? scope.EnumerateArray().Select(s => s.GetString()!).ToArray() : ScopeList(scope.GetString());
    }
}

public sealed class OrganizationTokenTestsOnSqlite(SqliteApp app) : OrganizationTokenTests(app), IClassFixture<SqliteApp>;

public sealed class OrganizationTokenTestsOnPostgreSql(PostgreSqlApp app) : OrganizationTokenTests(app), IClassFixture<PostgreSqlApp>;
