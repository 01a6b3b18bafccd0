using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// A list response (RFC 7644 §3.4.2). Every number is an integer and an empty result is still a list
/// (SCIM-INTEROP Q4, Q5): <c>{"schemas":[ListResponse],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}</c>.
/// </summary>
public static class ScimListResponse
{
    /// <summary>The response for one page: <paramref name="resources"/> are the page's documents, already projected.</summary>
    public static JsonObject Create(int totalResults, int startIndex, IEnumerable<JsonObject> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var page = new JsonArray();
        foreach (var resource in resources)
        {
            page.Add(resource);
        }

        return new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.ListResponseSchema),
            ["totalResults"] = totalResults,
            ["Resources"] = page,
            ["startIndex"] = startIndex,
            ["itemsPerPage"] = page.Count,
        };
    }
}
