using Microsoft.Extensions.Options;
using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Domains;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Hosting;
using OrgIdentity.Server.Impersonation;
using OrgIdentity.Server.Invitations;
using OrgIdentity.Server.Organizations;
using OrgIdentity.Server.Roles;
using OrgIdentity.Server.Scim;
using OrgIdentity.Server.ServiceAccounts;
using OrgIdentity.Server.Sso;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddHosting();
    builder.AddDatabase();
    builder.AddEmail();
    builder.AddAccounts();
    builder.Services.AddApiAuthorization();
    builder.AddConnect();
    builder.AddRoles();
    builder.AddOrganizations();
    builder.AddDomains();
    builder.AddInviteLinks();
    builder.AddScim();
    builder.AddServiceAccounts();
    builder.AddImpersonation();
    builder.AddSso();
    builder.Services.AddOpenApi();

    var app = builder.Build();
    if (await app.RunCommandAsync(args) is { } exitCode) return exitCode;
    await app.PrepareAsync();
    app.UseHosting();
    app.MapHealth();
    app.MapConnect();
    app.MapUsers();
    app.MapMe();
    app.MapPermissions();
    app.MapOrganizations();
    app.MapScim();
    // The admin API's contract, for client generators and the console (DESIGN.md §6).
    app.MapOpenApi();
    app.MapRazorPages();
    await app.RunAsync();
    return 0;
}
catch (Exception problem) when (problem is StartupConfigurationException or OptionsValidationException)
{
    // A setting is wrong: say which, in one line, instead of a stack trace.
    await Console.Error.WriteLineAsync($"OrgIdentity cannot start: {problem.Message}");
    return 1;
}
