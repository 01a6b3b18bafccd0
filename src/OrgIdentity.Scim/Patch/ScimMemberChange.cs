using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>What a <see cref="ScimMemberChange"/> does to a group's member list.</summary>
public enum ScimMemberChangeKind
{
    /// <summary>Add the listed members; ids already members are left alone (RFC 7644 §3.5.2.1, INTEROP P10).</summary>
    Add,

    /// <summary>Remove the listed members; ids that are not members are ignored (INTEROP P11, P12).</summary>
    Remove,

    /// <summary>Remove every member (<c>remove members</c>, or <c>replace members</c> with an empty list; P13).</summary>
    RemoveAll,

    /// <summary>Make the listed ids the whole member list (<c>replace members</c>; P13).</summary>
    ReplaceAll,
}

/// <summary>
/// One change to a group's members, translated from a PATCH operation by
/// <see cref="ScimPatcher.ApplyToGroup(JsonObject, ScimPatchRequest, ScimResourceType?)"/>. A store applies the
/// changes in order without loading the member list.
/// </summary>
/// <param name="Kind">The change.</param>
/// <param name="MemberIds">The member ids (<c>members.value</c>), distinct, in request order; empty for
/// <see cref="ScimMemberChangeKind.RemoveAll"/>.</param>
public sealed record ScimMemberChange(ScimMemberChangeKind Kind, IReadOnlyList<string> MemberIds)
{
    /// <summary>The change as text, for example <c>Add [a, b]</c>, for logs and test messages.</summary>
    public override string ToString() => $"{Kind} [{string.Join(", ", MemberIds)}]";
}

/// <summary>
/// The outcome of <see cref="ScimPatcher.ApplyToGroup(JsonObject, ScimPatchRequest, ScimResourceType?)"/>: the
/// group document with every non-member change applied, and the member changes to apply to the store in order.
/// </summary>
/// <param name="Resource">The patched group document (a new object; the input is untouched).</param>
/// <param name="MemberChanges">The member changes, in the order of the operations that made them.</param>
public sealed record ScimGroupPatchResult(JsonObject Resource, IReadOnlyList<ScimMemberChange> MemberChanges);
