using System.Text.Json.Nodes;

namespace OrgIdentity.Scim.Tests;

/// <summary>Documents and helpers the PATCH tests share.</summary>
internal static class PatchTests
{
    public const string UserId = "2819c223-7f76-453a-919d-413861904646";
    public const string GroupId = "e9e30dba-f08f-4109-8486-d5c6a331660a";
    public const string Babs = "2819c223-7f76-453a-919d-413861904646";
    public const string Mandy = "902c246b-6245-4190-8e05-00816be7344a";
    public const string Newcomer = "08e1d05d-121c-4561-8b96-473d93df9210";
    public const string Enterprise = ScimConstants.EnterpriseUserSchema;

    /// <summary>RFC 7643 §8.2's Babs Jensen, trimmed.</summary>
    public static JsonObject User() => Json($$"""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
          "id": "{{UserId}}",
          "externalId": "bjensen",
          "userName": "bjensen@example.com",
          "name": { "familyName": "Jensen", "givenName": "Barbara" },
          "displayName": "Babs Jensen",
          "active": true,
          "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
          ],
          "addresses": [
            { "type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "USA", "primary": true },
            { "type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "USA" }
          ],
          "meta": { "resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z" }
        }
        """);

    /// <summary>RFC 7643 §8.4's Tour Guides.</summary>
    public static JsonObject Group() => Json($$"""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
          "id": "{{GroupId}}",
          "displayName": "Tour Guides",
          "members": [
            { "value": "{{Babs}}", "display": "Babs Jensen" },
            { "value": "{{Mandy}}", "display": "Mandy Pepperidge" }
          ],
          "meta": { "resourceType": "Group", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z" }
        }
        """);

    public static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>A request whose body is <paramref name="body"/>, exactly as a directory sends it.</summary>
    public static ScimPatchRequest Body(string body) => ScimPatchRequest.Parse(JsonNode.Parse(body));

    /// <summary>A request with the PatchOp envelope around <paramref name="operations"/> (each a JSON object).</summary>
    public static ScimPatchRequest Operations(params string[] operations) => Body(
        $$"""{"schemas":["{{ScimConstants.PatchOpSchema}}"],"Operations":[{{string.Join(",", operations)}}]}""");

    public static JsonObject PatchUser(JsonObject user, params string[] operations) =>
        ScimPatcher.Apply(user, Operations(operations), ScimResourceTypes.User);

    public static JsonObject PatchGroup(JsonObject group, params string[] operations) =>
        ScimPatcher.Apply(group, Operations(operations), ScimResourceTypes.Group);

    /// <summary>The error of a PATCH that must fail, after checking that it is a 400 of <paramref name="scimType"/>.</summary>
    public static ScimException Fails(ScimErrorType scimType, Action patch)
    {
        var exception = Assert.Throws<ScimException>(patch);
        Assert.Equal(400, exception.Status);
        Assert.Equal(scimType, exception.ScimType);
        return exception;
    }

    public static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"Expected {expected}\nActual   {actual?.ToJsonString()}");

    public static void AssertSame(JsonNode expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"Expected {expected.ToJsonString()}\nActual   {actual?.ToJsonString()}");

    public static string[] MemberIds(JsonObject group) =>
        group["members"] is JsonArray members ? members.Select(m => (string)m!["value"]!).ToArray() : [];
}
