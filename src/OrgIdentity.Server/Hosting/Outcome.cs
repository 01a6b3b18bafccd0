namespace OrgIdentity.Server.Hosting;

/// <summary>
/// Why a service refused an operation; the API turns it into problem details. <c>Field</c>, for a 400, is the
/// request field at fault (camelCase, as in the JSON body).
/// </summary>
public sealed record Refusal(int Status, string Detail, string? Field = null)
{
    public static Refusal NotFound(string detail) => new(StatusCodes.Status404NotFound, detail);
    public static Refusal Forbidden(string detail) => new(StatusCodes.Status403Forbidden, detail);
    public static Refusal Conflict(string detail) => new(StatusCodes.Status409Conflict, detail);
    public static Refusal Invalid(string field, string detail) => new(StatusCodes.Status400BadRequest, detail, field);

    public IResult ToResult() => Field is not null
        ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { [Field] = [Detail] }, detail: Detail)
        : TypedResults.Problem(statusCode: Status, detail: Detail, title: Status switch
        {
            StatusCodes.Status403Forbidden => "Forbidden",
            StatusCodes.Status404NotFound => "Not Found",
            StatusCodes.Status409Conflict => "Conflict",
            _ => "Bad Request",
        });
}

/// <summary>What a service operation gives back: a value, or the reason it changed nothing.</summary>
public readonly record struct Outcome<T>(T? Value, Refusal? Refusal)
{
    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(Refusal refusal) => new(default, refusal);

    public IResult ToResult(Func<T, IResult> success) => Refusal is { } refusal ? refusal.ToResult() : success(Value!);
}
