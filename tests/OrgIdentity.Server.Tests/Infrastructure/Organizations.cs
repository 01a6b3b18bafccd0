using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Tests.Infrastructure;

/// <summary>Organizations and memberships for tests, through the API where one exists.</summary>
public static class Organizations
{
    /// <summary>The platform admin every test server bootstraps.</summary>
    public static TestUser PlatformAdmin { get; } = new(OrgIdentityApp.AdminEmail, OrgIdentityApp.AdminPassword, "Platform admin");

    /// <summary>A browser whose requests carry <paramref name="user"/>'s access token (for <paramref name="organization"/> when given).</summary>
    public static async Task<Browser> ApiAsync(this OrgIdentityApp app, TestUser user, string? organization = null)
    {
        var tokens = await app.TokensAsync(user, organization: organization);
        return app.ApiWithToken(tokens.AccessToken!);
    }

    public static Browser ApiWithToken(this OrgIdentityApp app, string accessToken)
    {
        var api = app.CreateBrowser();
        api.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return api;
    }

    /// <summary>Creates an organization through <c>POST /api/v1/orgs</c> as <paramref name="creator"/>, who becomes its admin.</summary>
    public static async Task<Guid> CreateOrganizationAsync(this OrgIdentityApp app, TestUser creator, string name, string? slug = null)
    {
        using var api = await app.ApiAsync(creator, organization: await FirstOrganizationAsync(app, creator));
        var response = await api.Http.PostAsJsonAsync("/api/v1/orgs", new { name, slug });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Creating {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A new person and a new organization they are the admin of.</summary>
    public static async Task<(TestUser Admin, Guid OrganizationId)> OrganizationWithAdminAsync(this OrgIdentityApp app, string name = "Acme")
    {
        var admin = await app.SignUpAsync($"{name} admin");
        return (admin, await app.CreateOrganizationAsync(admin, name));
    }

    public static async Task<Guid> UserIdAsync(this OrgIdentityApp app, TestUser user)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var normalized = user.Email.ToUpperInvariant();
        return await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleAsync();
    }

    /// <summary>
    /// Puts <paramref name="user"/> in the organization. Until invitations exist there is no API by which an
    /// existing person joins, so this writes the membership row as the invitation flow will.
    /// </summary>
    public static async Task AddMemberAsync(this OrgIdentityApp app, Guid organizationId, TestUser user, string role = "member", params string[] customRoles)
    {
        var userId = await app.UserIdAsync(user);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        var account = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId);
        var membership = new Membership
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organizationId,
            UserId = userId,
            BaseRole = role,
            Status = MembershipStatus.Active,
            Source = MembershipSource.Invitation,
            JoinedAt = DateTime.UtcNow,
        }.CopyFrom(account);
        foreach (var key in customRoles)
        {
            var roleId = await db.OrganizationRoles.Where(r => r.OrganizationId == organizationId && r.Key == key).Select(r => r.Id).SingleAsync();
            membership.Roles.Add(new MembershipRole { MembershipId = membership.Id, RoleId = roleId, Source = MembershipRoleSource.Manual });
        }

        db.Memberships.Add(membership);
        await db.SaveChangesAsync();
    }

    /// <summary>The audit events of an organization (or platform-level ones with null), oldest first, read from the database.</summary>
    public static async Task<List<Audit.AuditEvent>> AuditEventsAsync(this OrgIdentityApp app, Guid? organizationId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        return await db.AuditEvents.AsNoTracking().Where(e => e.OrganizationId == organizationId).OrderBy(e => e.At).ThenBy(e => e.Id).ToListAsync();
    }

    private static async Task<string?> FirstOrganizationAsync(OrgIdentityApp app, TestUser user)
    {
        var userId = await app.UserIdAsync(user);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrgIdentityDbContext>();
        return (await db.Memberships.Where(m => m.UserId == userId).OrderBy(m => m.JoinedAt).Select(m => (Guid?)m.OrganizationId).FirstOrDefaultAsync())?.ToString();
    }
}
