using OrgIdentity.Server.Accounts;
using OrgIdentity.Server.Connect;
using OrgIdentity.Server.Data;
using OrgIdentity.Server.Email;
using OrgIdentity.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddHosting();
builder.AddDatabase();
builder.AddEmail();
builder.AddAccounts();
builder.Services.AddApiAuthorization();
builder.AddConnect();

var app = builder.Build();
await app.PrepareAsync();
app.UseHosting();
app.MapHealth();
app.MapConnect();
app.MapUsers();
app.MapRazorPages();
await app.RunAsync();
