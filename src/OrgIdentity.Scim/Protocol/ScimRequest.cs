using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>A SCIM HTTP request, host-neutral: what <see cref="ScimRequestHandler"/> needs of it.</summary>
/// <param name="Method">The HTTP method (<c>GET</c>, <c>POST</c>, <c>PUT</c>, <c>PATCH</c>, <c>DELETE</c>).</param>
/// <param name="Path">The path after the base URL, such as <c>/Users/2819c223</c> (no query string).</param>
/// <param name="Query">The decoded query parameters (a host decodes <c>+</c> as a space, SCIM-INTEROP T5); names compare case-insensitively.</param>
/// <param name="Body">The request body as text, or null.</param>
/// <param name="IfMatch">The <c>If-Match</c> header, or null.</param>
/// <param name="IfNoneMatch">The <c>If-None-Match</c> header, or null.</param>
/// <param name="BaseUri">The SCIM base URL, ending in <c>/</c> (for <c>meta.location</c> and <c>Location</c>).</param>
public sealed record ScimRequest(string Method, string Path, IReadOnlyDictionary<string, string?> Query, string? Body, string? IfMatch, string? IfNoneMatch, Uri BaseUri);

/// <summary>The answer: a status, a body (null for 204 and 304) and headers (<c>Location</c>, <c>ETag</c>). The content type is always <see cref="ScimConstants.MediaType"/> (SCIM-INTEROP T4).</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Body">The JSON body, or null.</param>
/// <param name="Headers">Headers to send.</param>
public sealed record ScimResponse(int Status, JsonObject? Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The error response for <paramref name="exception"/>.</summary>
    public static ScimResponse Error(ScimException exception) =>
        new(exception.Status, ScimError.From(exception).ToJson(), new Dictionary<string, string>());
}
