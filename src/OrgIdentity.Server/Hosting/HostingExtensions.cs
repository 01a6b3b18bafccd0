using Microsoft.AspNetCore.DataProtection;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Sso;

namespace OrgIdentity.Server.Hosting;

internal static class HostingExtensions
{
    public static IHostApplicationBuilder AddHosting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OrgIdentityOptions>().BindConfiguration(OrgIdentityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = BadRequests.Describe);
        // A malformed or oversized request that fails while being read is the client's error, not a 500.
        builder.Services.Configure<ExceptionHandlerOptions>(options =>
        {
            options.StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
            // The client's mistake is answered, not logged as a server error.
            options.SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException;
        });
        // A query value or body that does not bind (limit=ten, broken JSON) reaches the exception handler in every
        // environment, so BadRequests can say which parameter was wrong instead of an empty 400.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddRazorPages();
        // DataAnnotations on minimal-API request bodies answer 400 problem details naming the field.
        builder.Services.AddValidation();

        // The key ring lives in the database, so every replica reads cookies, reset links and setup links of the others.
        builder.Services.AddDataProtection().SetApplicationName("OrgIdentity").PersistKeysToDbContext<OrgIdentityDbContext>();

        builder.AddCaching();
        builder.AddForwardedHeaders();
        builder.AddHealth();
        return builder;
    }

    public static WebApplication UseHosting(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseHttpsRequirement(app.Environment);
        app.UseExceptionHandler();
        app.UseSecurityHeaders();
        // JSON APIs answer problem details; pages (and OpenIddict's errors at /connect/authorize) get the error page.
        // OpenIddict's JSON endpoints write their own error bodies and get neither.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages());
        app.UseWhen(context => !context.Request.Path.StartsWithSegments("/api") && !ConnectRequestLimits.IsJsonEndpoint(context.Request.Path),
            pages => pages.UseStatusCodePagesWithReExecute("/error"));
        app.UseConnectRequestLimits();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseSsoCallbackGuard();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>What runs once before the server listens: migrations, configured clients, the first admin.</summary>
    public static async Task PrepareAsync(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        await app.Services.MigrateDatabaseAsync(stopping);
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ConfiguredClients>().SyncAsync(stopping);
        await scope.ServiceProvider.GetRequiredService<BootstrapAdmin>().RunAsync(Console.Out, stopping);
    }
}
