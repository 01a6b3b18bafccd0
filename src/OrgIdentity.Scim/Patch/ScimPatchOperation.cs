using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>The kind of a PATCH operation (RFC 7644 §3.5.2).</summary>
public enum ScimPatchOperationType
{
    /// <summary><c>add</c>: adds values; on a single-valued attribute it sets the value (§3.5.2.1).</summary>
    Add,

    /// <summary><c>replace</c>: replaces values; treated as <c>add</c> where nothing exists yet (§3.5.2.3).</summary>
    Replace,

    /// <summary><c>remove</c>: removes the attribute, the matching elements or the listed values (§3.5.2.2).</summary>
    Remove,
}

/// <summary>
/// One operation of a PATCH request: what to do, where (<see cref="Path"/>, or the resource itself when null) and
/// with which value. <see cref="Index"/> is the operation's position in <c>Operations</c>, used in error details.
/// </summary>
/// <param name="Index">The zero-based position of the operation in the request.</param>
/// <param name="Type">The operation.</param>
/// <param name="PathText">The <c>path</c> as sent, or null when the operation has none.</param>
/// <param name="Path">The parsed <c>path</c>, or null when the operation has none.</param>
/// <param name="Value">The <c>value</c> as sent (any JSON), or null when absent or JSON <c>null</c>.</param>
public sealed record ScimPatchOperation(
    int Index, ScimPatchOperationType Type, string? PathText, ScimPath? Path, JsonNode? Value);
