using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Audit;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Impersonation;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Sso;
using OrgIdentity.Server.Units;
using static OpenIddict.Abstractions.OpenIddictConstants;

using OrgIdentity.Server.Scim;
using OrgIdentity.Server.ServiceAccounts;

namespace OrgIdentity.Server.Organizations;

/// <summary>
/// <c>/api/v1/orgs</c>: organizations, their members and the permission check (DESIGN.md §6). Thin: the rules
/// are <see cref="OrganizationsService"/>'s and <see cref="MembersService"/>'s.
/// </summary>
internal static class OrganizationsEndpoints
{
    public static IHostApplicationBuilder AddOrganizations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OrganizationsOptions>().BindConfiguration(OrganizationsOptions.Section);
        builder.Services.AddScoped<MembershipAccess>();
        builder.Services.AddScoped<CurrentOrganizationCaller>();
        builder.Services.AddScoped<OrganizationsService>();
        builder.Services.AddScoped<MembersService>();
        builder.Services.AddScoped<MemberList>();
        builder.Services.AddScoped<MemberAccounts>();
        builder.Services.AddScoped<OrganizationJoin>();
        builder.Services.AddScoped<SelfJoin>();
        builder.Services.AddScoped<WelcomeEmails>();
        builder.Services.AddSingleton<Invitations.PendingTokenCookie>();
        builder.Services.AddScoped<Units.UnitsService>();
        builder.Services.AddScoped<CustomRolesService>();
        builder.Services.AddScoped<AuditLog>();
        builder.AddInvitations();
        return builder;
    }

    public static IEndpointRouteBuilder MapOrganizations(this IEndpointRouteBuilder app)
    {
        var top = app.MapGroup("/api/v1/orgs").RequireAuthorization(UsersEndpoints.ApiPolicy).WithTags("Organizations");
        top.MapGet("/", ListAsync).WithName("ListOrganizations").Produces<Page<OrganizationView>>();
        top.MapPost("/", CreateAsync).WithName("CreateOrganization").Produces<OrganizationView>(StatusCodes.Status201Created);

        var organization = app.MapOrganizationGroup();
        var settings = organization.MapGroup("").WithTags("Organizations");
        settings.MapGet("/", GetAsync).WithName("GetOrganization").Produces<OrganizationView>();
        settings.MapPatch("/", UpdateAsync).WithName("UpdateOrganization").Produces<OrganizationView>();

        var members = organization.MapGroup("/members").WithTags("Members");
        members.MapGet("/", ListMembersAsync).RequirePermission("members:view").WithName("ListMembers").Produces<Page<MemberView>>();
        members.MapGet("/export", ExportMembers).RequirePermission("members:view").WithName("ExportMembers").Produces(StatusCodes.Status200OK, contentType: "text/csv");
        members.MapPost("/", CreateMemberAsync).WithName("CreateMember").Produces<MemberView>(StatusCodes.Status201Created)
            .Produces<InvitedInsteadResponse>(StatusCodes.Status202Accepted);
        members.MapPost("/{userId:guid}/password-reset", SendPasswordResetAsync).WithName("SendPasswordReset").Produces(StatusCodes.Status202Accepted);
        members.MapGet("/{userId:guid}", GetMemberAsync).RequirePermission("members:view").WithName("GetMember").Produces<MemberView>();
        members.MapPatch("/{userId:guid}", UpdateMemberAsync).WithName("UpdateMember").Produces<MemberView>();
        members.MapDelete("/{userId:guid}", RemoveMemberAsync).WithName("RemoveMember").Produces(StatusCodes.Status204NoContent);

        organization.MapPost("/authz/check", CheckAsync).WithTags("Authorization").WithName("CheckPermission").Produces<CheckResponse>();

        organization.MapPut("/plan", UpdatePlanAsync).WithTags("Organizations").WithName("UpdatePlan").Produces<OrganizationView>();
        organization.MapUnits();
        organization.MapRoles();
        organization.MapAudit();
        organization.MapDomains();
        organization.MapInvitations();
        organization.MapInviteLinks();
        organization.MapDirectoryTokens();
        organization.MapDirectoryGroups();
        organization.MapServiceAccounts();
        organization.MapImpersonations();
        organization.MapSsoConnections();
        return app;
    }

    public static async Task<IResult> ListAsync(int? limit, Guid? cursor, HttpContext context, OrgIdentityDbContext db,
        OrganizationsService organizations, CancellationToken cancellationToken)
    {
        if (PageSize(limit) is not { } size)
        {
            return BadLimit();
        }

        if (CallerId(context) is not { } userId)
        {
            return Refusal.Forbidden("Only a person's token lists organizations.").ToResult();
        }

        var everything = await db.Users.AnyAsync(u => u.Id == userId && u.IsPlatformAdmin && !u.IsDisabled, cancellationToken);
        var page = await organizations.ListAsync(userId, everything, cursor, size, cancellationToken);
        return TypedResults.Ok(new Page<OrganizationView>(page.Items.Select(OrganizationView.From).ToList(), page.Total, page.Next));
    }

    public static async Task<IResult> CreateAsync(CreateOrganizationRequest request, HttpContext context, OrganizationsService organizations,
        CancellationToken cancellationToken)
    {
        if (CallerId(context) is not { } userId)
        {
            return Refusal.Forbidden("Only a person's token creates an organization.").ToResult();
        }

        var created = await organizations.CreateAsync(userId, AuditActor.From(context), request.Name ?? "", request.Slug, cancellationToken);
        return created.ToResult(organization => TypedResults.Created($"/api/v1/orgs/{organization.Id}", OrganizationView.From(organization)));
    }

    public static IResult GetAsync(CurrentOrganizationCaller caller) => TypedResults.Ok(OrganizationView.From(caller.Value.Organization));

    public static async Task<IResult> UpdateAsync(UpdateOrganizationRequest request, CurrentOrganizationCaller caller, OrganizationsService organizations,
        CancellationToken cancellationToken) =>
        (await organizations.UpdateAsync(caller.Value, new OrganizationChange(request.Name, request.Slug, request.DefaultRoles, request.UnitsLabel,
            request.OpenSignUp, request.SelfJoinByVerifiedDomain, request.WelcomeEmails), cancellationToken))
            .ToResult(organization => TypedResults.Ok(OrganizationView.From(organization)));

    /// <summary>Platform admins set the organization's plan features (all four fields required).</summary>
    public static async Task<IResult> UpdatePlanAsync(PlanRequest request, CurrentOrganizationCaller caller, OrganizationsService organizations,
        CancellationToken cancellationToken) =>
        (await organizations.UpdatePlanAsync(caller.Value, new PlanFeatures
        {
            Invitations = request.Invitations!.Value,
            Units = request.Units!.Value,
            Sso = request.Sso!.Value,
            Scim = request.Scim!.Value,
        }, cancellationToken)).ToResult(organization => TypedResults.Ok(OrganizationView.From(organization)));

    /// <summary>Members with search, sort, filters and keyset paging (DESIGN.md §6).</summary>
    public static async Task<IResult> ListMembersAsync(string? search, string? sort, string? role, string? unit, string? status, string? source,
        bool? includeDisabled, string? cursor, int? limit, CurrentOrganizationCaller caller, MemberList list, CancellationToken cancellationToken) =>
        PageSize(limit) is { } size
            ? (await list.ListAsync(caller.Value.OrganizationId,
                new MemberListRequest(search, sort, role, unit, status, source, includeDisabled ?? false, cursor, size), cancellationToken)).ToResult(TypedResults.Ok)
            : BadLimit();

    public static async Task<IResult> CreateMemberAsync(CreateMemberRequest request, CurrentOrganizationCaller caller, MemberAccounts accounts,
        CancellationToken cancellationToken) =>
        (await accounts.CreateAsync(caller.Value, new NewMember(request.Name, request.GivenName, request.FamilyName, request.Email, request.Company,
            request.Role, request.Roles, request.Units, request.WelcomeEmail), cancellationToken))
            .ToResult(created => created.Member is { } member
                ? TypedResults.Created($"/api/v1/orgs/{caller.Value.OrganizationId}/members/{member.UserId}", member)
                // The address already has an account: adding that person needs their consent, so they were invited instead.
                : TypedResults.Accepted((string?)null, new InvitedInsteadResponse(true, created.Invitation!.Invitation, InvitationsService.SentMessage)));

    public static async Task<IResult> SendPasswordResetAsync(Guid userId, CurrentOrganizationCaller caller, MemberAccounts accounts,
        CancellationToken cancellationToken) =>
        await accounts.SendPasswordResetAsync(caller.Value, userId, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.Accepted((string?)null);

    /// <summary>The member CSV; <c>includeInvitations=true</c> appends pending and expired invitations (status <c>invited</c>/<c>invitation-expired</c>).</summary>
    public static IResult ExportMembers(bool? includeInvitations, CurrentOrganizationCaller caller, MemberList list, TimeProvider time, HttpContext context) =>
        TypedResults.Stream(body => list.ExportAsync(caller.Value.OrganizationId, body,
            includeInvitations == true ? time.GetUtcNow().UtcDateTime : null, context.RequestAborted), "text/csv; charset=utf-8",
            $"members-{caller.Value.Organization.Slug}.csv");

    public static async Task<IResult> GetMemberAsync(Guid userId, CurrentOrganizationCaller caller, MembersService members, CancellationToken cancellationToken) =>
        (await members.GetAsync(caller.Value, userId, cancellationToken)).ToResult(TypedResults.Ok);

    public static async Task<IResult> UpdateMemberAsync(Guid userId, UpdateMemberRequest request, CurrentOrganizationCaller caller, MembersService members,
        CancellationToken cancellationToken) =>
        (await members.UpdateAsync(caller.Value, userId, new MemberChange(request.Role, request.Roles, request.Status, request.LimitedToUnits, request.Units), cancellationToken)).ToResult(TypedResults.Ok);

    public static async Task<IResult> RemoveMemberAsync(Guid userId, CurrentOrganizationCaller caller, MembersService members, CancellationToken cancellationToken) =>
        await members.RemoveAsync(caller.Value, userId, cancellationToken) is { } refused ? refused.ToResult() : TypedResults.NoContent();

    /// <summary>
    /// A fresh answer from the database (DESIGN.md §6): may <c>subject</c> do <c>permission</c> here now? The caller
    /// needs <c>members:view</c>, or asks about itself.
    /// </summary>
    public static async Task<IResult> CheckAsync(CheckRequest request, CurrentOrganizationCaller current, MembershipAccess access, PermissionCatalog catalog,
        CancellationToken cancellationToken)
    {
        var caller = current.Value;
        if (!Guid.TryParse(request.Subject, out var subject))
        {
            return Refusal.Invalid("subject", "The subject is a user id.").ToResult();
        }

        if (string.IsNullOrWhiteSpace(request.Permission) || !catalog.Contains(request.Permission))
        {
            return Refusal.Invalid("permission", $"'{request.Permission}' is not a permission of the catalog.").ToResult();
        }

        if (subject != caller.UserId && !caller.Has("members:view"))
        {
            return OrganizationRoutes.MissingPermission("members:view").ToResult();
        }

        Guid? unit = null;
        if (request.Unit is not null)
        {
            if (!Guid.TryParse(request.Unit, out var unitId))
            {
                return Refusal.Invalid("unit", "The unit is a unit id.").ToResult();
            }

            unit = unitId;
        }

        var membership = await access.ForUserAsync(subject, caller.OrganizationId, cancellationToken);
        var inUnit = membership is not null && (unit is null || membership.Units.Contains("*") || membership.Units.Contains(unit.Value.ToString()));
        return TypedResults.Ok(new CheckResponse(membership is not null && inUnit && membership.Permissions.Contains(request.Permission)));
    }

    private static Guid? CallerId(HttpContext context) =>
        context.User.GetClaim(ConnectClaims.PrincipalType) == "user" && Guid.TryParse(context.User.GetClaim(Claims.Subject), out var id) ? id : null;

    /// <summary>1 to 200, 50 when absent; null when out of range.</summary>
    internal static int? PageSize(int? limit) => limit switch
    {
        null => 50,
        >= 1 and <= OrganizationsService.MaxPageSize => limit,
        _ => null,
    };

    internal static IResult BadLimit() => Refusal.Invalid("limit", $"The limit is between 1 and {OrganizationsService.MaxPageSize}.").ToResult();

    public sealed record CreateOrganizationRequest([property: Required, StringLength(200)] string? Name, [property: StringLength(63)] string? Slug);

    public sealed record UpdateOrganizationRequest([property: StringLength(200)] string? Name, [property: StringLength(63)] string? Slug,
        JoinDefaultsChange? DefaultRoles, [property: StringLength(50)] string? UnitsLabel, bool? OpenSignUp = null, bool? SelfJoinByVerifiedDomain = null,
        bool? WelcomeEmails = null);

    public sealed record PlanRequest([property: Required] bool? Invitations, [property: Required] bool? Units, [property: Required] bool? Sso,
        [property: Required] bool? Scim);

    public sealed record UpdateMemberRequest(string? Role, [property: MaxLength(100)] IReadOnlyList<string>? Roles, string? Status, bool? LimitedToUnits,
        [property: MaxLength(1000)] IReadOnlyList<Guid>? Units);

    public sealed record CreateMemberRequest(
        [property: StringLength(200)] string? Name,
        [property: StringLength(100)] string? GivenName,
        [property: StringLength(100)] string? FamilyName,
        [property: Required, StringLength(256)] string? Email,
        [property: StringLength(200)] string? Company,
        string? Role,
        [property: MaxLength(100)] IReadOnlyList<string>? Roles,
        [property: MaxLength(1000)] IReadOnlyList<Guid>? Units,
        WelcomeEmail? WelcomeEmail);

    /// <summary>The answer of <c>POST .../members</c> when the address already had an account and was invited instead (202).</summary>
    public sealed record InvitedInsteadResponse(bool Invited, InvitationView Invitation, string Message);

    public sealed record CheckRequest([property: Required] string? Subject, [property: Required] string? Permission, string? Unit);

    public sealed record CheckResponse(bool Allowed);

    public sealed record OrganizationView(Guid Id, string Slug, string Name, DateTime CreatedAt, JoinDefaults DefaultRoles, string UnitsLabel, PlanFeatures Plan,
        bool OpenSignUp, bool SelfJoinByVerifiedDomain, bool WelcomeEmails)
    {
        public static OrganizationView From(Organization organization) =>
            new(organization.Id, organization.Slug, organization.Name, organization.CreatedAt, organization.DefaultRoles, organization.UnitsLabel, organization.Plan,
                organization.OpenSignUp, organization.SelfJoinByVerifiedDomain, organization.WelcomeEmails);
    }
}
