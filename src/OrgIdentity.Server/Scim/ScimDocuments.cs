using System.Text.Json.Nodes;

namespace OrgIdentity.Server.Scim;

internal static class ScimDocuments
{
    /// <summary>What is stored of a document: everything as sent, without the attributes the server owns or never keeps.</summary>
    public static string Stored(JsonObject document, params string[] serverOwned)
    {
        var stored = document.DeepClone().AsObject();
        foreach (var key in stored.Select(p => p.Key).Where(k => serverOwned.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList())
        {
            stored.Remove(key);
        }

        return stored.ToJsonString();
    }
}
