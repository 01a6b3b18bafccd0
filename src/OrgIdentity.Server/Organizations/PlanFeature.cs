using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Organizations;

/// <summary>The plan features of DESIGN.md §2, each gating its routes.</summary>
public enum PlanFeature
{
    Invitations,
    Units,
    Sso,
    Scim,
}

internal static class PlanGate
{
    public static bool Has(this Organization organization, PlanFeature feature) => feature switch
    {
        PlanFeature.Invitations => organization.Plan.Invitations,
        PlanFeature.Units => organization.Plan.Units,
        PlanFeature.Sso => organization.Plan.Sso,
        PlanFeature.Scim => organization.Plan.Scim,
        _ => false,
    };

    public static Refusal NotInPlan(PlanFeature feature) =>
        Refusal.Forbidden($"The '{MembersService.Lower(feature)}' feature is not part of this organization's plan; a platform admin can turn it on.");

    /// <summary>Refuses the routes of a feature the organization's plan does not include (403), after the caller is resolved.</summary>
    public static TBuilder RequireFeature<TBuilder>(this TBuilder builder, PlanFeature feature) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<CurrentOrganizationCaller>().Value.Organization.Has(feature)
                ? await next(context)
                : NotInPlan(feature).ToResult());
}
