using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrgIdentity.Server.Hosting;

/// <summary>
/// Turns a request that could not be bound (a query value of the wrong type, a body that is not the JSON the
/// route takes) into a validation problem that names the parameter, like the API's own validation errors.
/// </summary>
internal static partial class BadRequests
{
    public static void Describe(ProblemDetailsContext context)
    {
        if (context.Exception is not BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad)
        {
            return;
        }

        string field;
        string detail;
        if (bad.InnerException is JsonException json)
        {
            // Json paths look like "$.permissions[0]": the field is the first name after the root.
            field = JsonField().Match(json.Path ?? "") is { Success: true } match ? CamelCase(match.Groups["name"].Value) : "body";
            detail = json.Path is { Length: > 1 } path ? $"The request body is not valid JSON for this route (at {path})." : "The request body is not valid JSON for this route.";
        }
        else if (Parameter().Match(bad.Message) is { Success: true } parameter && !bad.Message.Contains("request body", StringComparison.Ordinal))
        {
            field = parameter.Groups["name"].Value;
            detail = $"The value of '{field}' is missing or not of the right type.";
        }
        else
        {
            field = "body";
            detail = "The request could not be read.";
        }

        context.ProblemDetails.Title = "One or more validation errors occurred.";
        context.ProblemDetails.Detail = detail;
        context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [detail] };
    }

    private static string CamelCase(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);

    // ASP.NET Core's messages: Failed to bind parameter "int? limit" from "ten". / Required parameter "Guid id" was not provided ...
    [GeneratedRegex("parameter \"[^\"]* (?<name>[A-Za-z0-9_]+)\"")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"^\$\.(?<name>[A-Za-z0-9_]+)")]
    private static partial Regex JsonField();
}
