using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// Reads POST and PUT bodies into canonical resource documents: lenient on what directories send (SCIM-INTEROP §1.4,
/// §1.5), strict on what it returns. The canonical document has <c>schemas</c> (the core URN and the URNs of the
/// extensions present), <c>externalId</c> when given, the core attributes in schema order and spelling, then each
/// extension's attributes under its URN key. Values are kept as sent (no normalisation of e-mail or phone text).
/// </summary>
/// <remarks>
/// Leniencies and rules, in the order they apply to each attribute:
/// <list type="bullet">
/// <item>Attribute and sub-attribute names match case-insensitively and are rewritten to the schema's spelling
/// (RFC 7643 §2.1). Extension attributes are read under their URN key, as URN-qualified top-level keys
/// (<c>urn:…:enterprise:2.0:User:employeeNumber</c>) or, when no core attribute has the name, as bare top-level
/// keys. Core-URN-qualified keys (<c>urn:…:core:2.0:User:userName</c>) and dotted keys (<c>name.givenName</c>)
/// are read too.</item>
/// <item>Unknown attributes, unknown sub-attributes and unknown schema URNs are ignored (INTEROP §1.4: Entra's
/// <c>…enterprise:2.0User</c> typo and its ADSCIM Group URN; §1.5: a misspelled attribute is not an error).
/// The <c>schemas</c> of the body is not trusted: the output's is computed.</item>
/// <item>Read-only attributes and sub-attributes (<c>id</c>, <c>meta</c>, <c>groups</c>,
/// <c>manager.displayName</c>, <c>members.display</c>) are dropped (RFC 7644 §3.5.1: ignored on replace; Okta
/// PUTs what it GOT). Write-only attributes (<c>password</c>) are dropped too: this library never stores nor
/// returns them, and a host that wants to set passwords must read them from the raw body itself.</item>
/// <item>An explicit <c>null</c>, an empty string and an empty array mean "unassigned" and are dropped
/// (RFC 7643 §2.5; Entra sends <c>"title":null</c>, Okta <c>"groups":[]</c>); so is a complex value whose
/// sub-attributes are all unassigned.</item>
/// <item>Booleans are also read from the strings <c>"true"</c> and <c>"false"</c> in any case (the MS test suite
/// posts <c>"active":"True"</c>), sub-attributes such as <c>primary</c> included.</item>
/// <item>Numbers given for string attributes are kept as their JSON text (<c>"employeeNumber":12345</c> becomes
/// <c>"12345"</c>): directories map numeric source fields and nothing is lost. Strings for integer and decimal
/// attributes are parsed when they hold a number.</item>
/// <item>A single value given for a multi-valued attribute becomes a one-element array.</item>
/// <item>A single-valued complex attribute with a <c>value</c> sub-attribute (<c>manager</c>) also takes a bare
/// string or a one-element array (INTEROP P8): it becomes <c>{"value": …}</c>.</item>
/// <item>Any other type mismatch (a string where a complex value is expected, an object for a string, a number
/// for a boolean) is a 400 <c>invalidValue</c> naming the attribute; so is one attribute given twice with
/// values (for example <c>userName</c> and <c>UserName</c>).</item>
/// <item>Required attributes (<c>userName</c>, <c>displayName</c> of a Group) and required extensions must be
/// present after all of the above: otherwise 400 <c>invalidValue</c> naming them (INTEROP §1.4, §1.5).</item>
/// </list>
/// </remarks>
public static class ScimResourceReader
{
    /// <summary>The deepest nesting of objects and arrays <see cref="ParseJson"/> accepts.</summary>
    public const int MaxDepth = 64;

    // Duplicate property names are refused while parsing: JsonObject would otherwise throw ArgumentException on
    // first access, far from here.
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    /// <summary>
    /// Parses a request body that must be a JSON object. Empty, malformed or too deeply nested JSON, an object
    /// with one property name twice, or JSON that is not an object, is a 400 <c>invalidSyntax</c> whose detail
    /// says where (1-based line and byte column) when System.Text.Json knows.
    /// </summary>
    /// <param name="body">The request body as text.</param>
    /// <returns>The parsed object.</returns>
    /// <exception cref="ScimException">400 <c>invalidSyntax</c>.</exception>
    public static JsonNode ParseJson(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            throw ScimException.InvalidSyntax("The request body is empty; a JSON object was expected.");
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body, documentOptions: DocumentOptions);
        }
        catch (JsonException exception)
        {
            throw ScimException.InvalidSyntax(DescribeJsonError(exception));
        }

        return node as JsonObject
            ?? throw ScimException.InvalidSyntax(
                $"The request body must be a JSON object, not {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}.");
    }

    /// <summary>
    /// Reads a POST or PUT body for <paramref name="type"/> into a new canonical document (see the remarks of
    /// <see cref="ScimResourceReader"/>). The body is not changed.
    /// </summary>
    /// <param name="body">The request body, as returned by <see cref="ParseJson"/>.</param>
    /// <param name="type">The resource type posted to.</param>
    /// <returns>The canonical document, without <c>id</c> and <c>meta</c> (the store assigns those).</returns>
    /// <exception cref="ScimException">400 <c>invalidSyntax</c> when the body is not an object; 400
    /// <c>invalidValue</c> for a value of the wrong type or a missing required attribute.</exception>
    public static JsonObject Read(JsonNode body, ScimResourceType type)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(type);
        if (body is not JsonObject input)
        {
            throw ScimException.InvalidSyntax("The request body must be a JSON object.");
        }

        var values = new ResourceValues(type);
        foreach (var (key, value) in input)
        {
            ReadTopLevel(values, key, value);
        }

        return values.ToDocument();
    }

    private static void ReadTopLevel(ResourceValues values, string key, JsonNode? value)
    {
        if (string.Equals(key, "schemas", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (key.StartsWith("urn:", StringComparison.OrdinalIgnoreCase))
        {
            ReadUrnKey(values, key, value);
            return;
        }

        // Without a URN: the common attributes, the core schema, then the extensions (as ScimPathResolution does).
        foreach (var schema in values.Type.AllSchemas)
        {
            if (ReadAttributePath(values, schema, key, value))
            {
                return;
            }
        }
    }

    /// <summary>An extension object under its URN, or a URN-qualified attribute path; unknown URNs are ignored.</summary>
    private static void ReadUrnKey(ResourceValues values, string key, JsonNode? value)
    {
        var type = values.Type;
        if (type.FindSchema(key) is { } whole)
        {
            if (value is null)
            {
                return;
            }

            if (value is not JsonObject members)
            {
                throw ScimException.InvalidValue($"'{whole.Id}' must be an object of the schema's attributes.");
            }

            foreach (var (name, memberValue) in members)
            {
                ReadAttributePath(values, whole, name, memberValue);
            }

            return;
        }

        // The longest schema URN that prefixes the key wins; what follows its colon is the attribute path.
        var schema = type.AllSchemas
            .Where(s => key.Length > s.Id.Length + 1 && key.StartsWith(s.Id + ":", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.Id.Length)
            .FirstOrDefault();
        if (schema is not null)
        {
            ReadAttributePath(values, schema, key[(schema.Id.Length + 1)..], value);
        }
    }

    /// <summary>
    /// Reads <c>attribute</c> or <c>attribute.subAttribute</c> of <paramref name="schema"/> (the common attributes
    /// belong to the core schema). False when the schema has no such attribute.
    /// </summary>
    private static bool ReadAttributePath(ResourceValues values, ScimSchema schema, string path, JsonNode? value)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        var head = dot < 0 ? path : path[..dot];
        var attribute = schema.FindAttribute(head);
        if (attribute is null && ReferenceEquals(schema, values.Type.Schema))
        {
            attribute = ScimPathResolution.CommonAttributes.FirstOrDefault(a => SameName(a.Name, head));
        }

        if (attribute is null)
        {
            return false;
        }

        var label = ReferenceEquals(schema, values.Type.Schema) ? attribute.Name : $"{schema.Id}:{attribute.Name}";
        if (dot < 0)
        {
            values.Set(attribute, ReadAttribute(attribute, value, label), label);
            return true;
        }

        // A dotted key such as "name.givenName": one sub-attribute of a single-valued complex attribute.
        var subAttribute = attribute.FindSubAttribute(path[(dot + 1)..]);
        if (subAttribute is not null && attribute.Type == ScimAttributeType.Complex && !attribute.MultiValued
            && attribute.Mutability is not (ScimMutability.ReadOnly or ScimMutability.WriteOnly))
        {
            label = $"{label}.{subAttribute.Name}";
            values.SetSubAttribute(attribute, subAttribute, ReadSubAttribute(subAttribute, value, label), label);
        }

        return true;
    }

    /// <summary>The canonical value of <paramref name="attribute"/>, or null when it is unassigned or must be dropped.</summary>
    private static JsonNode? ReadAttribute(ScimAttribute attribute, JsonNode? value, string label)
    {
        if (attribute.Mutability is ScimMutability.ReadOnly or ScimMutability.WriteOnly || IsUnassigned(value))
        {
            return null;
        }

        if (attribute.MultiValued)
        {
            // RFC 7643 §2.4 wants an array; a single value is read as a one-element array.
            var elements = value is JsonArray array ? array : [value!.DeepClone()];
            var result = new JsonArray();
            foreach (var element in elements)
            {
                if (ReadSingle(attribute, element, label) is { } read)
                {
                    result.Add(read);
                }
            }

            return result.Count == 0 ? null : result;
        }

        if (attribute.Type == ScimAttributeType.Complex && attribute.FindSubAttribute("value") is not null)
        {
            // INTEROP P8: manager as "<id>", {"value":"<id>"} or [{"value":"<id>"}].
            if (value is JsonArray { Count: 1 } single)
            {
                value = single[0];
            }

            if (value is JsonValue && !IsUnassigned(value))
            {
                value = new JsonObject { ["value"] = value.DeepClone() };
            }
        }

        return ReadSingle(attribute, value, label);
    }

    /// <summary>One value (or one element of a multi-valued attribute).</summary>
    private static JsonNode? ReadSingle(ScimAttribute attribute, JsonNode? value, string label)
    {
        if (IsUnassigned(value))
        {
            return null;
        }

        if (attribute.Type != ScimAttributeType.Complex)
        {
            return ReadSimple(attribute, value!, label);
        }

        if (value is not JsonObject members)
        {
            throw WrongType(label, "an object", value!);
        }

        var result = new JsonObject();
        foreach (var subAttribute in attribute.SubAttributes)
        {
            var given = members.Where(m => SameName(m.Key, subAttribute.Name) && !IsUnassigned(m.Value)).ToList();
            if (given.Count > 1)
            {
                throw ScimException.InvalidValue($"'{label}.{subAttribute.Name}' is given more than once.");
            }

            if (given.Count == 1 && ReadSubAttribute(subAttribute, given[0].Value, $"{label}.{subAttribute.Name}") is { } read)
            {
                result[subAttribute.Name] = read;
            }
        }

        return result.Count == 0 ? null : result;
    }

    private static JsonValue? ReadSubAttribute(ScimAttribute subAttribute, JsonNode? value, string label)
    {
        if (subAttribute.Mutability is ScimMutability.ReadOnly or ScimMutability.WriteOnly || IsUnassigned(value))
        {
            return null;
        }

        // RFC 7643 §2.3.8: sub-attributes are never complex, so anything but a scalar is the wrong type.
        return ReadSimple(subAttribute, value!, label);
    }

    private static JsonValue ReadSimple(ScimAttribute attribute, JsonNode value, string label)
    {
        if (value is not JsonValue scalar)
        {
            throw WrongType(label, Expected(attribute.Type), value);
        }

        var kind = scalar.GetValueKind();
        switch (attribute.Type)
        {
            case ScimAttributeType.Boolean:
                if (kind is JsonValueKind.True or JsonValueKind.False)
                {
                    return JsonValue.Create(kind == JsonValueKind.True);
                }

                // SCIM-INTEROP §1.4 and P2: "True"/"False" strings from Entra and the MS test suite.
                if (kind == JsonValueKind.String && bool.TryParse(StringOf(scalar).Trim(), out var flag))
                {
                    return JsonValue.Create(flag);
                }

                break;

            case ScimAttributeType.Integer:
                // The JSON text, not TryGetValue<long>: a value built in code from an int is not a long.
                if (kind == JsonValueKind.Number
                    && long.TryParse(scalar.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                {
                    return JsonValue.Create(whole);
                }

                if (kind == JsonValueKind.String
                    && long.TryParse(StringOf(scalar).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out whole))
                {
                    return JsonValue.Create(whole);
                }

                break;

            case ScimAttributeType.Decimal:
                if (kind == JsonValueKind.Number)
                {
                    return (JsonValue)scalar.DeepClone();
                }

                if (kind == JsonValueKind.String
                    && decimal.TryParse(StringOf(scalar).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
                {
                    return JsonValue.Create(real);
                }

                break;

            case ScimAttributeType.DateTime:
                if (kind == JsonValueKind.String
                    && DateTimeOffset.TryParse(StringOf(scalar), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
                {
                    return Text(StringOf(scalar));
                }

                break;

            default:
                // String, reference and binary: kept as sent; a number is kept as its JSON text (see the remarks).
                if (kind == JsonValueKind.String)
                {
                    return Text(StringOf(scalar));
                }

                if (kind == JsonValueKind.Number)
                {
                    return Text(scalar.ToJsonString());
                }

                break;
        }

        throw WrongType(label, Expected(attribute.Type), value);
    }

    /// <summary>The text of a string value, also for values built in code from a Guid, a char or a DateTime.</summary>
    private static string StringOf(JsonValue value)
    {
        if (value.TryGetValue<string>(out var text))
        {
            return text;
        }

        using var document = JsonDocument.Parse(value.ToJsonString());
        return document.RootElement.GetString() ?? "";
    }

    private static JsonValue Text(string text) => JsonValue.Create(text)!; // null only for a null string

    private static bool IsUnassigned(JsonNode? value) => value switch
    {
        null => true,
        JsonArray array => array.Count == 0,
        JsonValue scalar => scalar.GetValueKind() == JsonValueKind.String && StringOf(scalar).Length == 0,
        _ => false,
    };

    private static bool SameName(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string Expected(ScimAttributeType type) => type switch
    {
        ScimAttributeType.Boolean => "a boolean",
        ScimAttributeType.Integer => "an integer",
        ScimAttributeType.Decimal => "a number",
        ScimAttributeType.DateTime => "a date and time (xsd:dateTime)",
        ScimAttributeType.Complex => "an object",
        _ => "a string",
    };

    private static ScimException WrongType(string label, string expected, JsonNode given)
    {
        var kind = given.GetValueKind() switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "another value",
        };
        return ScimException.InvalidValue($"'{label}' must be {expected}, not {kind}.");
    }

    private static string DescribeJsonError(JsonException exception)
    {
        var where = exception.LineNumber is { } line
            ? $" at line {line + 1}, column {(exception.BytePositionInLine ?? 0) + 1}"
            : "";

        // System.Text.Json reports the depth limit and duplicate names as JsonExceptions like any syntax error; say
        // which one it is (its messages are English unless a satellite assembly is installed: then the generic text).
        var why = exception.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
            ? $"objects and arrays nest deeper than {MaxDepth} levels"
            : exception.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase)
                ? "an object has the same property name twice"
                : "it is not valid JSON";
        return $"The request body cannot be read{where}: {why}.";
    }

    /// <summary>The values read so far, per schema and attribute, written out in schema order.</summary>
    private sealed class ResourceValues(ScimResourceType type)
    {
        private readonly Dictionary<ScimAttribute, JsonNode> _values = new(ReferenceEqualityComparer.Instance);

        public ScimResourceType Type { get; } = type;

        public void Set(ScimAttribute attribute, JsonNode? value, string label)
        {
            if (value is null)
            {
                return;
            }

            if (_values.ContainsKey(attribute))
            {
                throw ScimException.InvalidValue($"'{label}' is given more than once.");
            }

            _values[attribute] = value;
        }

        public void SetSubAttribute(ScimAttribute attribute, ScimAttribute subAttribute, JsonNode? value, string label)
        {
            if (value is null)
            {
                return;
            }

            if (!_values.TryGetValue(attribute, out var existing))
            {
                existing = new JsonObject();
                _values[attribute] = existing;
            }

            var target = (JsonObject)existing; // single-valued complex attributes are always read as objects
            if (target.ContainsKey(subAttribute.Name))
            {
                throw ScimException.InvalidValue($"'{label}' is given more than once.");
            }

            target[subAttribute.Name] = value;
        }

        public JsonObject ToDocument()
        {
            var schemas = new JsonArray(Type.Schema.Id);
            var document = new JsonObject { ["schemas"] = schemas };
            foreach (var attribute in ScimPathResolution.CommonAttributes.Concat(Type.Schema.Attributes))
            {
                if (_values.TryGetValue(attribute, out var value))
                {
                    document[attribute.Name] = value;
                }
            }

            foreach (var extension in Type.Extensions)
            {
                var members = new JsonObject();
                foreach (var attribute in extension.Schema.Attributes)
                {
                    if (_values.TryGetValue(attribute, out var value))
                    {
                        members[attribute.Name] = value;
                    }
                }

                if (members.Count > 0)
                {
                    schemas.Add(extension.Schema.Id);
                    document[extension.Schema.Id] = members;
                }
                else if (extension.Required)
                {
                    throw ScimException.InvalidValue($"The extension '{extension.Schema.Id}' is required.");
                }
            }

            // Required attributes of the core schema, and of each extension the resource carries.
            foreach (var schema in Type.AllSchemas.Where(s => ReferenceEquals(s, Type.Schema) || document.ContainsKey(s.Id)))
            {
                foreach (var attribute in schema.Attributes.Where(a => a.Required && !_values.ContainsKey(a)))
                {
                    var label = ReferenceEquals(schema, Type.Schema) ? attribute.Name : $"{schema.Id}:{attribute.Name}";
                    throw ScimException.InvalidValue($"'{label}' is required.");
                }
            }

            return document;
        }
    }
}
