using System.Text;

namespace OrgIdentity.Scim.Tests;

/// <summary>
/// Seeded random requests built from SCIM fragments: whatever arrives, <see cref="ScimRequestHandler"/> answers a
/// status and never throws (hostile input only ever becomes a ScimException, answered as a SCIM error body).
/// </summary>
public sealed class ProtocolHandlerRobustnessTests
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "get"];

    private static readonly string[] Paths =
    [
        "/Users", "/Groups", "/Users/user-1", "/Groups/group-1", "/Users/.search", "/.search", "/Schemas", "/ResourceTypes",
        "/ServiceProviderConfig", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "/ResourceTypes/Group", "/Me",
        "/Bulk", "", "/", "//Users//", "/Users/%zz", "/Users/a/b/c", "/users", "/Users/..",
    ];

    private static readonly string[] Fragments =
    [
        "userName", "emails", "[", "]", "type eq \"work\"", ".", "value", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
        "manager", " ", ",", "\"", "members", "(", ")", "not", " and ", " or ", "pr", "eq", "1", "-1", "true", "\\", "meta.version",
        "name.givenName", "$ref", "{", "}", ":", "null", "password", "id",
    ];

    private static readonly string[] Bodies =
    [
        "{\"userName\":\"u\"}", "{\"displayName\":\"g\",\"members\":[{\"value\":\"user-1\"}]}", "{}", "[]", "null", "\"x\"", "{",
        "{\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"x\"}]}]}",
        "{\"Operations\":[{\"op\":\"replace\",\"value\":{\"active\":\"False\",\"name.givenName\":\"y\"}}]}",
        "{\"Operations\":[{\"op\":\"remove\"}]}", "{\"Operations\":\"x\"}", "{\"Operations\":[null]}",
        "{\"filter\":\"userName eq \\\"u\\\"\",\"count\":\"2\",\"attributes\":[\"userName\",null]}",
        "{\"userName\":\"u\",\"emails\":{\"value\":[[[]]]}}", "{\"userName\":\"u\",\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":\"x\"}",
        "{\"userName\":\"u\",\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{\"manager\":[1,2]}}",
    ];

    private static readonly string[] QueryNames = ["filter", "attributes", "excludedAttributes", "sortBy", "sortOrder", "startIndex", "count", "FILTER"];

    [Fact]
    public async Task Random_requests_get_an_answer_never_an_exception()
    {
        var random = new Random(20261123);
        var users = new ProtocolHandlerTestStore(ScimResourceTypes.User);
        var groups = new ProtocolHandlerTestStore(ScimResourceTypes.Group);
        await users.CreateAsync(new System.Text.Json.Nodes.JsonObject { ["userName"] = "u" }, TestContext.Current.CancellationToken);
        await groups.CreateAsync(new System.Text.Json.Nodes.JsonObject { ["displayName"] = "g" }, TestContext.Current.CancellationToken);
        var handler = new ScimRequestHandler(new ScimServiceOptions { MaxCount = 10 });

        for (var i = 0; i < 3000; i++)
        {
            var query = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            for (var q = random.Next(3); q > 0; q--)
            {
                query[Pick(random, QueryNames)] = Text(random);
            }

            var body = random.Next(4) == 0 ? Text(random) : Pick(random, Bodies);
            var request = new ScimRequest(Pick(random, Methods), Pick(random, Paths), query, body,
                random.Next(5) == 0 ? Text(random) : null, random.Next(5) == 0 ? Text(random) : null, new Uri("https://idp.example/scim/v2/"));

            var response = await handler.HandleAsync(request, users, groups, TestContext.Current.CancellationToken);

            Assert.InRange(response.Status, 200, 599);
            if (response.Status >= 400)
            {
                Assert.Equal(response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Body!["status"]!.GetValue<string>());
            }
        }
    }

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];

    private static string Text(Random random)
    {
        var text = new StringBuilder();
        for (var n = random.Next(1, 8); n > 0; n--)
        {
            text.Append(Pick(random, Fragments));
        }

        return text.ToString();
    }
}
