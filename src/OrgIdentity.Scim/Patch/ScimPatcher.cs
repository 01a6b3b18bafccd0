using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// Applies PATCH requests (RFC 7644 §3.5.2) to resource documents, with the leniencies Entra ID and Okta need
/// (SCIM-INTEROP §1.6, P1–P17). Operations apply in order to a deep copy of the document: either all of them
/// succeed and the copy is returned, or a <see cref="ScimException"/> whose detail starts with
/// <c>Operations[i]:</c> names the failing operation and the input document is left as it was (P17).
/// </summary>
public static class ScimPatcher
{
    /// <summary>
    /// Applies <paramref name="request"/> to <paramref name="resource"/>, a resource of type
    /// <paramref name="type"/>, and returns the patched document (a new object; <paramref name="resource"/> is not
    /// changed). Attribute names are written as the schema spells them; extension attributes live under their
    /// schema URN, which is added to (or, when the extension empties, removed from) <c>schemas</c>.
    /// Throws <see cref="ScimException"/> 400 with <c>invalidPath</c> (unknown attribute, value filter on a
    /// single-valued attribute), <c>noTarget</c> (<c>remove</c> without a path, a filter that matches nothing and
    /// cannot describe a new element), <c>invalidValue</c> (a value of the wrong type) or <c>mutability</c>
    /// (read-only attributes, changed immutable ones, removed required ones).
    /// </summary>
    public static JsonObject Apply(JsonObject resource, ScimPatchRequest request, ScimResourceType type)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(type);

        var document = (JsonObject)resource.DeepClone();
        var engine = new PatchEngine(document, type, members: null);
        engine.ApplyAll(request);
        return document;
    }

    /// <summary>
    /// Applies <paramref name="request"/> to a group without loading its members: <paramref name="group"/> holds
    /// every attribute but <c>members</c> (a <c>members</c> key, if any, is neither read nor changed), and each
    /// operation on <c>members</c> becomes a <see cref="ScimMemberChange"/> instead of an edit of the document.
    /// Member operations understood: <c>add members</c> with a list, one member object or a bare id string (P10,
    /// P15) → <see cref="ScimMemberChangeKind.Add"/>; <c>add</c>/<c>replace</c> <c>members[value eq "id"]</c> →
    /// Add (P6); <c>remove members</c> with a value list (P11) → <see cref="ScimMemberChangeKind.Remove"/>;
    /// <c>remove members[value eq "a" or value eq "b"]</c> (P12) → Remove; <c>remove members</c> without value →
    /// <see cref="ScimMemberChangeKind.RemoveAll"/>; <c>replace members</c> (P13), also inside a path-less
    /// value → <see cref="ScimMemberChangeKind.ReplaceAll"/> (RemoveAll when empty). Other member filters and
    /// member sub-attribute paths would need the member list: they fail with 400 <c>invalidPath</c>, and a
    /// store that wants them can load the members and call
    /// <see cref="Apply(JsonObject, ScimPatchRequest, ScimResourceType)"/> instead. Errors and atomicity are as
    /// for <see cref="Apply(JsonObject, ScimPatchRequest, ScimResourceType)"/>: on failure nothing is returned, so
    /// a store applies no change at all. <paramref name="type"/> defaults to the Group resource type.
    /// </summary>
    public static ScimGroupPatchResult ApplyToGroup(JsonObject group, ScimPatchRequest request, ScimResourceType? type = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(request);

        var document = (JsonObject)group.DeepClone();
        var members = new MemberDeltaCollector();
        var engine = new PatchEngine(document, type ?? ScimResourceTypes.Group, members);
        engine.ApplyAll(request);
        return new ScimGroupPatchResult(document, members.Changes);
    }
}
