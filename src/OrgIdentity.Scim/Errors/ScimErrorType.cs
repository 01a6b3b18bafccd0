namespace OrgIdentity.Scim;

/// <summary>The <c>scimType</c> of an error response (RFC 7644 §3.12, table 9).</summary>
public enum ScimErrorType
{
    /// <summary><c>invalidFilter</c>: the filter syntax is invalid or names an attribute that cannot be filtered.</summary>
    InvalidFilter,

    /// <summary><c>tooMany</c>: the filter yields more results than the server is willing to process.</summary>
    TooMany,

    /// <summary><c>uniqueness</c>: a value is already in use (sent with status 409).</summary>
    Uniqueness,

    /// <summary><c>mutability</c>: the request changes a read-only or immutable attribute.</summary>
    Mutability,

    /// <summary><c>invalidSyntax</c>: the request body is not valid JSON or not a valid SCIM message.</summary>
    InvalidSyntax,

    /// <summary><c>invalidPath</c>: a PATCH path is invalid or names an unknown attribute.</summary>
    InvalidPath,

    /// <summary><c>noTarget</c>: a PATCH path or filter designates nothing.</summary>
    NoTarget,

    /// <summary><c>invalidValue</c>: a value is missing, of the wrong type or not allowed.</summary>
    InvalidValue,

    /// <summary><c>invalidVers</c>: the SCIM protocol version is not supported.</summary>
    InvalidVersion,

    /// <summary><c>sensitive</c>: the request carries sensitive data where it must not (for example in a URL).</summary>
    Sensitive,
}

/// <summary>Wire names of <see cref="ScimErrorType"/>.</summary>
public static class ScimErrorTypeNames
{
    /// <summary>The <c>scimType</c> value sent on the wire for <paramref name="type"/>.</summary>
    public static string ToWireName(this ScimErrorType type) => type switch
    {
        ScimErrorType.InvalidFilter => "invalidFilter",
        ScimErrorType.TooMany => "tooMany",
        ScimErrorType.Uniqueness => "uniqueness",
        ScimErrorType.Mutability => "mutability",
        ScimErrorType.InvalidSyntax => "invalidSyntax",
        ScimErrorType.InvalidPath => "invalidPath",
        ScimErrorType.NoTarget => "noTarget",
        ScimErrorType.InvalidValue => "invalidValue",
        ScimErrorType.InvalidVersion => "invalidVers",
        ScimErrorType.Sensitive => "sensitive",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
