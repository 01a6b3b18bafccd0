using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace OrgIdentity.Server.Impersonation;

/// <summary>
/// "Log in as" in the browser (issue 11): the admin's own signed-in browser opens <c>/Account/Impersonate/{id}</c> and
/// becomes a session of the member, pinned and bounded like the impersonation's tokens. This holds the two guards of
/// such a session: it ends at once when the impersonation is stopped or expires, and it changes nothing of the
/// member's (no form of the login UI is accepted from it, but stopping and signing out).
/// </summary>
internal static class BrowserImpersonation
{
    /// <summary>The pages an impersonation's session may post to: the banner's stop button and signing out.</summary>
    private static readonly string[] AllowedPosts = ["/Account/StopImpersonating", "/Account/Logout", "/connect/logout"];

    public static void AddBrowserImpersonation(this IServiceCollection services)
    {
        services.ConfigureApplicationCookie(options =>
        {
            // After Identity's own check (security stamp, disabled account), one indexed read for impersonated sessions only.
            // The impersonation is read from the cookie's properties, which no refresh rebuilds.
            var securityStamp = options.Events.OnValidatePrincipal;
            options.Events.OnValidatePrincipal = async context =>
            {
                await securityStamp(context);
                if (context.Properties.Items.TryGetValue(ImpersonationService.SessionItem, out var id) && id is not null
                    && !await context.HttpContext.RequestServices.GetRequiredService<ImpersonationService>().IsLiveAsync(id, context.HttpContext.RequestAborted))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                }
            };
        });

        // The security-stamp check (every 5 s) rebuilds the principal from the user: the impersonation's claims, which
        // the banner, the page guard and the audit's impersonator read, are carried over.
        services.Configure<SecurityStampValidatorOptions>(options =>
        {
            var inner = options.OnRefreshingPrincipal;
            options.OnRefreshingPrincipal = async context =>
            {
                if (inner is not null)
                {
                    await inner(context);
                }

                if (context.NewPrincipal?.Identity is System.Security.Claims.ClaimsIdentity identity && context.CurrentPrincipal is { } current)
                {
                    foreach (var claim in current.Claims.Where(c => c.Type is ImpersonationService.Claim or ImpersonationService.ActClaim).ToList())
                    {
                        identity.AddClaim(new System.Security.Claims.Claim(claim.Type, claim.Value, claim.ValueType));
                    }
                }
            };
        });
        services.Configure<MvcOptions>(options => options.Filters.Add<ImpersonationPageGuard>());
    }

    /// <summary>No change of the member's password, e-mail, sessions, profile or memberships while impersonating (DESIGN.md §3).</summary>
    private sealed class ImpersonationPageGuard : IAsyncPageFilter
    {
        public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

        public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
        {
            var request = context.HttpContext.Request;
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && ImpersonationService.IsImpersonating(context.HttpContext.User)
                && !AllowedPosts.Any(path => request.Path.Equals(path, StringComparison.OrdinalIgnoreCase)))
            {
                context.Result = new ContentResult
                {
                    StatusCode = StatusCodes.Status403Forbidden,
                    ContentType = "text/plain; charset=utf-8",
                    Content = "Not while impersonating: stop impersonating first. Nothing was changed.",
                };
                return;
            }

            await next();
        }
    }
}
