using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Organizations;

namespace OrgIdentity.Server.Accounts;

/// <summary>
/// <c>GET/PATCH /api/v1/me</c>: the caller's own profile. A token without an organization may call it
/// (DESIGN.md §6); the profile rules are <see cref="AccountsService"/>'s, as on the profile page.
/// </summary>
internal static class MeEndpoints
{
    public static IEndpointRouteBuilder MapMe(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/me").RequireAuthorization(UsersEndpoints.ApiPolicy).WithTags("Me");
        group.MapGet("/", GetAsync).WithName("GetMe");
        group.MapPatch("/", PatchAsync).WithName("PatchMe");
        group.MapGet("/joinable-organizations", ListJoinableAsync).WithName("ListJoinableOrganizations");
        group.MapPost("/joinable-organizations/{orgId:guid}/join", JoinAsync).WithName("JoinOrganization");
        return app;
    }

    /// <summary>The organizations the caller may join by themselves (open sign-up, or a verified domain of their confirmed e-mail).</summary>
    public static async Task<Results<Ok<JoinableList>, ProblemHttpResult>> ListJoinableAsync(HttpContext context, UserManager<User> users, SelfJoin selfJoin) =>
        await CallerAsync(context, users) is { } user
            ? TypedResults.Ok(new JoinableList((await selfJoin.ListAsync(user.Id, context.RequestAborted))
                .Select(o => new JoinableView(o.Id, o.Slug, o.Name, o.Role, o.Reason == SelfJoinReason.OpenSignUp ? "openSignUp" : "verifiedDomain")).ToList()))
            : NotAPerson();

    /// <summary>Joins with the organization's self sign-up role; 409 for a current member (nothing changes), 403 for an organization that does not allow it.</summary>
    public static async Task<IResult> JoinAsync(Guid orgId, HttpContext context, UserManager<User> users, SelfJoin selfJoin)
    {
        if (await CallerAsync(context, users) is not { } user)
        {
            return NotAPerson();
        }

        var joined = await selfJoin.JoinAsync(user.Id, orgId, Audit.AuditActor.From(context), context.RequestAborted);
        return joined.Refusal is { } refusal
            ? refusal.ToResult()
            : joined.Value!.AlreadyMember
                ? Hosting.Refusal.Conflict($"You are already a member of {joined.Value.Name}; nothing changed.").ToResult()
                : TypedResults.Ok(new JoinedView(joined.Value.OrganizationId, joined.Value.Slug, joined.Value.Name, joined.Value.Role));
    }

    public static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> GetAsync(HttpContext context, UserManager<User> users, MembershipAccess memberships) =>
        await CallerAsync(context, users) is { } user
            ? TypedResults.Ok(MeResponse.From(user, await memberships.ActiveMembershipsAsync(user.Id, context.RequestAborted)))
            : NotAPerson();

    public static async Task<Results<Ok<MeResponse>, ValidationProblem, ProblemHttpResult>> PatchAsync(
        PatchMeRequest request, HttpContext context, UserManager<User> users, AccountsService accounts, MembershipAccess memberships)
    {
        if (Impersonation.ImpersonationService.IsImpersonating(context.User))
        {
            // DESIGN.md §3: an impersonation changes nothing of the member's own account.
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "A member's profile cannot be changed while impersonating them.");
        }

        if (await CallerAsync(context, users) is not { } user)
        {
            return NotAPerson();
        }

        // Absent (or null) leaves a field as it is; an empty string clears it.
        var result = await accounts.UpdateProfileAsync(user, new ProfileChange(
            request.Name ?? user.Name, request.GivenName ?? user.GivenName, request.FamilyName ?? user.FamilyName, request.Company ?? user.Company),
            Audit.AuditActor.From(context));
        return result.Succeeded
            ? TypedResults.Ok(MeResponse.From(user, await memberships.ActiveMembershipsAsync(user.Id, context.RequestAborted)))
            : TypedResults.ValidationProblem(result.Errors.GroupBy(e => e.Code).ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
    }

    private static async Task<User?> CallerAsync(HttpContext context, UserManager<User> users) =>
        context.User.GetClaim(ConnectClaims.PrincipalType) == "user" && Guid.TryParse(context.User.GetClaim(OpenIddictConstants.Claims.Subject), out var id)
            ? await users.FindByIdAsync(id.ToString()) is { IsDisabled: false } user ? user : null
            : null;

    private static ProblemHttpResult NotAPerson() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
            detail: "Only a person's token has a profile; this token belongs to a client or to a disabled account.");

    public sealed record PatchMeRequest(
        [property: StringLength(200)] string? Name,
        [property: StringLength(100)] string? GivenName,
        [property: StringLength(100)] string? FamilyName,
        [property: StringLength(200)] string? Company);

    public sealed record JoinableList(IReadOnlyList<JoinableView> Items);

    /// <summary>An organization the caller may join: <c>reason</c> is <c>openSignUp</c> or <c>verifiedDomain</c>.</summary>
    public sealed record JoinableView(Guid Id, string Slug, string Name, string Role, string Reason);

    public sealed record JoinedView(Guid OrganizationId, string Slug, string Name, string Role);

    /// <summary>The profile and the active memberships.</summary>
    public sealed record MeResponse(Guid Id, string Email, bool EmailVerified, string DisplayName, string? Name, string? GivenName,
        string? FamilyName, string? Company, bool IsPlatformAdmin, IReadOnlyList<MembershipSummary> Memberships)
    {
        public static MeResponse From(User user, IReadOnlyList<MembershipSummary> memberships) => new(user.Id, user.Email!, user.EmailConfirmed,
            user.DisplayName, user.Name, user.GivenName, user.FamilyName, user.Company, user.IsPlatformAdmin, memberships);
    }
}
