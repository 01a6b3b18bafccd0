using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Hosting;

namespace OrgIdentity.Server.Accounts;

internal static class AccountsExtensions
{
    /// <summary>Rate-limit policy for the forms that check a password or send e-mail.</summary>
    public const string SignInRateLimit = "sign-in";

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section);
        builder.Services.AddOptions<SignUpOptions>().BindConfiguration(SignUpOptions.Section);

        builder.Services
            .AddIdentity<User, IdentityRole<Guid>>(options =>
            {
                options.User.RequireUniqueEmail = true;
                // The user name is the e-mail: any character an address may hold is allowed (o'neil@...).
                options.User.AllowedUserNameCharacters = string.Empty;
                options.SignIn.RequireConfirmedEmail = true;
                options.Password.RequiredLength = 8;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireDigit = false;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
                // The cookie's principal uses the same claim names as our tokens.
                options.ClaimsIdentity.UserIdClaimType = OpenIddictConstants.Claims.Subject;
                options.ClaimsIdentity.EmailClaimType = OpenIddictConstants.Claims.Email;
            })
            .AddEntityFrameworkStores<OrgIdentityDbContext>()
            .AddUserManager<OrgIdentityUserManager>()
            .AddSignInManager<OrgIdentitySignInManager>()
            .AddClaimsPrincipalFactory<UserClaimsFactory>()
            .AddDefaultTokenProviders();

        // A disabled user's or reset password's cookie dies within 5 s on every replica (issue 13: the same bound as the
        // caches); the check is one indexed read of the user per browser every 5 s.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromSeconds(5));
        builder.Services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/Account/Login";
            options.LogoutPath = "/Account/Logout";
            options.AccessDeniedPath = "/Account/Login";
            options.Cookie.Name = "orgidentity";
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.ExpireTimeSpan = TimeSpan.FromDays(14);
            options.SlidingExpiration = true;
        });

        builder.Services.AddScoped<AccountsService>();
        builder.Services.AddScoped<PasswordSignIn>();
        builder.Services.AddSingleton<AccountEmails>();
        builder.Services.AddScoped<BootstrapAdmin>();
        builder.AddSignInRateLimit();
        return builder;
    }

    /// <summary>Limits password and e-mail forms per client address; page views are not counted.</summary>
    private static void AddSignInRateLimit(this IHostApplicationBuilder builder)
    {
        var limit = builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>()?.SignInPerMinute ?? 10;
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(SignInRateLimit, context =>
                HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                    ? RateLimitPartition.GetNoLimiter("views")
                    : RateLimitPartition.GetFixedWindowLimiter(
                        context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            options.OnRejected = static async (context, cancellationToken) =>
            {
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await context.HttpContext.Response.WriteAsync("Too many attempts from your address. Wait a minute and try again.", cancellationToken);
            };
        });
    }
}

/// <summary><c>OrgIdentity:Bootstrap</c>: the first platform admin.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "OrgIdentity:Bootstrap";

    public string? AdminEmail { get; set; }
    public string? AdminPassword { get; set; }
}

/// <summary><c>OrgIdentity:SignUp</c>.</summary>
public sealed class SignUpOptions
{
    public const string Section = "OrgIdentity:SignUp";

    public bool Enabled { get; set; } = true;
}
