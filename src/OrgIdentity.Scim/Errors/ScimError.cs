using System.Globalization;
using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// The error body of RFC 7644 §3.12. <c>status</c> is a string, as the RFC says and Okta's tests compare it
/// (SCIM-INTEROP §1.9); <c>scimType</c> only when there is one.
/// </summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="ScimType">The <c>scimType</c>, or null.</param>
/// <param name="Detail">The detail for a person.</param>
public sealed record ScimError(int Status, ScimErrorType? ScimType, string Detail)
{
    /// <summary>The body for <paramref name="exception"/>.</summary>
    public static ScimError From(ScimException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new ScimError(exception.Status, exception.ScimType, exception.Detail);
    }

    /// <summary>The JSON body.</summary>
    public JsonObject ToJson()
    {
        var body = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.ErrorSchema),
            ["status"] = Status.ToString(CultureInfo.InvariantCulture),
        };
        if (ScimType is { } type)
        {
            body["scimType"] = type.ToWireName();
        }

        body["detail"] = Detail;
        return body;
    }
}
