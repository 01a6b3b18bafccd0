namespace OrgIdentity.Scim;

/// <summary>
/// A request the SCIM service provider refuses: carries the HTTP status, the optional <c>scimType</c> and a
/// <c>detail</c> meant for the directory's administrator. <c>ScimError.From</c> turns it
/// into the error body of RFC 7644 §3.12.
/// </summary>
public sealed class ScimException : Exception
{
    /// <summary>Creates an error with an HTTP status, an optional <c>scimType</c> and a detail.</summary>
    public ScimException(int status, ScimErrorType? scimType, string detail)
        : base(detail)
    {
        Status = status;
        ScimType = scimType;
    }

    /// <summary>The HTTP status code (400, 401, 403, 404, 409, 412, 413, 429, 501...).</summary>
    public int Status { get; }

    /// <summary>The <c>scimType</c>, or null when the status says it all (401, 404, 412...).</summary>
    public ScimErrorType? ScimType { get; }

    /// <summary>The human-readable detail (the exception message).</summary>
    public string Detail => Message;

    /// <summary>400 with <c>scimType</c> <paramref name="scimType"/>.</summary>
    public static ScimException BadRequest(ScimErrorType scimType, string detail) => new(400, scimType, detail);

    /// <summary>400 <c>invalidFilter</c>.</summary>
    public static ScimException InvalidFilter(string detail) => BadRequest(ScimErrorType.InvalidFilter, detail);

    /// <summary>400 <c>invalidPath</c>.</summary>
    public static ScimException InvalidPath(string detail) => BadRequest(ScimErrorType.InvalidPath, detail);

    /// <summary>400 <c>invalidValue</c>.</summary>
    public static ScimException InvalidValue(string detail) => BadRequest(ScimErrorType.InvalidValue, detail);

    /// <summary>400 <c>invalidSyntax</c>.</summary>
    public static ScimException InvalidSyntax(string detail) => BadRequest(ScimErrorType.InvalidSyntax, detail);

    /// <summary>400 <c>noTarget</c>.</summary>
    public static ScimException NoTarget(string detail) => BadRequest(ScimErrorType.NoTarget, detail);

    /// <summary>400 <c>mutability</c>.</summary>
    public static ScimException Mutability(string detail) => BadRequest(ScimErrorType.Mutability, detail);

    /// <summary>400 <c>tooMany</c>.</summary>
    public static ScimException TooMany(string detail) => BadRequest(ScimErrorType.TooMany, detail);

    /// <summary>409 <c>uniqueness</c>.</summary>
    public static ScimException Uniqueness(string detail) => new(409, ScimErrorType.Uniqueness, detail);

    /// <summary>404 for a resource that does not exist (or that the caller may not see).</summary>
    public static ScimException NotFound(string detail) => new(404, null, detail);

    /// <summary>412 when <c>If-Match</c> does not match the resource's current version.</summary>
    public static ScimException PreconditionFailed(string detail) => new(412, null, detail);
}
