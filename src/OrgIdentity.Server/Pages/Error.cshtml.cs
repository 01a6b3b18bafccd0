using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace OrgIdentity.Server.Pages;

/// <summary>
/// Shown for status codes of pages and for OpenID Connect errors that must not be sent back to the client
/// (an unknown client or redirect URI): the user sees the error here, and nothing is redirected.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "Something went wrong";
    public string? Error { get; private set; }
    public string? Description { get; private set; }

    public void OnGet() => Describe();

    public void OnPost() => Describe();

    private void Describe()
    {
        if (HttpContext.GetOpenIddictServerResponse() is { } response)
        {
            Title = "This sign-in request cannot be completed";
            Error = response.Error;
            Description = response.ErrorDescription;
            return;
        }

        Title = Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => "Page not found",
            StatusCodes.Status400BadRequest => "Bad request",
            StatusCodes.Status403Forbidden => "Not allowed",
            _ => Title,
        };
    }
}
