using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using OrgIdentity.Scim;

namespace OrgIdentity.Server.Scim;

/// <summary>
/// What OrgIdentity reads out of a canonical SCIM User document: the matching keys, the e-mail that is the account's
/// login, the active flag, and the profile fields a managing organization writes to the account (DESIGN.md §2).
/// </summary>
internal sealed record ScimUserFields(
    string UserName,
    string? ExternalId,
    string Email,
    bool Active,
    string? Name,
    string? GivenName,
    string? FamilyName,
    string? Company)
{
    public string UserNameNormalized => Normalize(UserName);
    public string EmailNormalized => Normalize(Email);

    /// <summary>userName, emails.value and displayName compare case-insensitively (RFC 7643 §4.1): stored upper-case.</summary>
    public static string Normalize(string value) => value.ToUpperInvariant();

    public static ScimUserFields From(JsonObject document)
    {
        var userName = Text(document, "userName")?.Trim();
        if (string.IsNullOrEmpty(userName))
        {
            throw ScimException.InvalidValue("userName is required.");
        }

        if (userName.Length > 256)
        {
            throw ScimException.InvalidValue("userName is longer than 256 characters.");
        }

        var externalId = Text(document, "externalId");
        if (externalId is { Length: > 256 })
        {
            throw ScimException.InvalidValue("externalId is longer than 256 characters.");
        }

        var email = PrimaryEmail(document) ?? (userName.Contains('@', StringComparison.Ordinal) ? userName : null);
        if (email is null || email.Length > 256 || !new EmailAddressAttribute().IsValid(email))
        {
            throw ScimException.InvalidValue(email is null
                ? "A user needs an e-mail address: send emails, or a userName that is an e-mail address."
                : $"'{email}' is not a valid e-mail address.");
        }

        var name = Child(document, "name");
        var enterprise = Child(document, ScimConstants.EnterpriseUserSchema);
        return new ScimUserFields(
            userName,
            string.IsNullOrEmpty(externalId) ? null : externalId,
            email.Trim(),
            Active: document.TryGetPropertyValue("active", out var active) && active is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : true,
            Name: Text(document, "displayName") ?? (name is null ? null : Text(name, "formatted")),
            GivenName: name is null ? null : Text(name, "givenName"),
            FamilyName: name is null ? null : Text(name, "familyName"),
            Company: enterprise is null ? null : Text(enterprise, "organization"));
    }

    /// <summary>The primary e-mail, else the first one.</summary>
    private static string? PrimaryEmail(JsonObject document)
    {
        if (Property(document, "emails") is not JsonArray emails)
        {
            return null;
        }

        var all = emails.OfType<JsonObject>().ToList();
        var primary = all.FirstOrDefault(e => Property(e, "primary") is JsonValue p && p.TryGetValue<bool>(out var isPrimary) && isPrimary) ?? all.FirstOrDefault();
        return primary is null ? null : Text(primary, "value")?.Trim();
    }

    private static JsonObject? Child(JsonObject parent, string name) => Property(parent, name) as JsonObject;

    private static string? Text(JsonObject parent, string name) =>
        Property(parent, name) is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;

    /// <summary>Canonical documents spell names as the schema does; the look-up is case-insensitive anyway (RFC 7643 §2.1).</summary>
    private static JsonNode? Property(JsonObject parent, string name)
    {
        if (parent.TryGetPropertyValue(name, out var exact))
        {
            return exact;
        }

        return parent.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
    }
}
