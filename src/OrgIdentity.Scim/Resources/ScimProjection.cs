using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// Applies <c>attributes</c> and <c>excludedAttributes</c> to a resource document (RFC 7644 §3.4.2.5, §3.9),
/// honouring each attribute's <c>returned</c> characteristic (RFC 7643 §2.2).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>schemas</c> and <c>returned: always</c> attributes (<c>id</c>) are always in the result; <c>never</c>
/// attributes (<c>password</c>) never are; <c>request</c> attributes only when <c>attributes</c> names them;
/// <c>default</c> attributes (<c>meta</c> among them) unless <c>attributes</c> names others only or
/// <c>excludedAttributes</c> names them. The same rules apply to sub-attributes.</item>
/// <item>Names are case-insensitive and may be sub-attribute paths (<c>name.givenName</c>, <c>emails.value</c>),
/// URN-qualified (<c>urn:…:enterprise:2.0:User:department</c>) or a bare schema URN (the whole extension).
/// A value filter is read as its attribute (<c>emails[type eq "work"]</c> is <c>emails</c>, SCIM-INTEROP Q6):
/// projection selects attributes, not values.</item>
/// <item>Names that resolve to nothing are ignored. When both lists are given (RFC 7644 §3.9 calls them
/// mutually exclusive; refusing that is the caller's choice) <c>attributes</c> selects, then
/// <c>excludedAttributes</c> removes.</item>
/// <item>Complex values or elements left with no sub-attributes are dropped, and so is the URN of an extension
/// left out entirely from <c>schemas</c>. Attributes the schema does not define are kept only when
/// <c>attributes</c> is not given.</item>
/// </list>
/// </remarks>
public static class ScimProjection
{
    /// <summary>
    /// The projection of <paramref name="resource"/> for <paramref name="selection"/>: a new document; the input is
    /// never changed.
    /// </summary>
    /// <param name="resource">A canonical resource document (core attributes at the top, extensions under their URN).</param>
    /// <param name="type">The resource's type.</param>
    /// <param name="selection">The request's <c>attributes</c> and <c>excludedAttributes</c>.</param>
    /// <returns>The projected document.</returns>
    public static JsonObject Apply(JsonObject resource, ScimResourceType type, ScimAttributeSelection selection)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(selection);

        var rules = new Rules(Resolve(selection.Attributes, type), Resolve(selection.ExcludedAttributes, type));
        var result = new JsonObject();
        foreach (var (key, value) in resource)
        {
            if (value is null)
            {
                continue;
            }

            if (string.Equals(key, "schemas", StringComparison.OrdinalIgnoreCase))
            {
                result[key] = value.DeepClone();
            }
            else if (type.FindSchema(key) is { } extension && !ReferenceEquals(extension, type.Schema))
            {
                if (ProjectExtension(extension, value, rules) is { } members)
                {
                    result[key] = members;
                }
            }
            else if (ProjectAttribute(type.Schema, FindCoreOrCommon(type, key), value, rules) is { } projected)
            {
                result[key] = projected;
            }
        }

        DropAbsentExtensions(result, type);
        return result;
    }

    private static JsonObject? ProjectExtension(ScimSchema extension, JsonNode value, Rules rules)
    {
        if (value is not JsonObject members)
        {
            return null; // an extension is always an object; anything else is not shown
        }

        var result = new JsonObject();
        foreach (var (name, memberValue) in members)
        {
            if (memberValue is not null
                && ProjectAttribute(extension, extension.FindAttribute(name), memberValue, rules) is { } projected)
            {
                result[name] = projected;
            }
        }

        return result.Count == 0 ? null : result;
    }

    /// <summary>The projected value of one top-level attribute, or null when it is left out.</summary>
    private static JsonNode? ProjectAttribute(ScimSchema schema, ScimAttribute? attribute, JsonNode value, Rules rules)
    {
        if (attribute is null)
        {
            // Not in the schema: shown with the defaults, but it cannot be named, so not when attributes are chosen.
            return rules.Requested.Count == 0 && !rules.Excluded.Any(s => s.Names(schema)) ? value.DeepClone() : null;
        }

        if (attribute.Returned == ScimReturned.Never)
        {
            return null;
        }

        SubAttributeChoice choice;
        if (attribute.Returned == ScimReturned.Always)
        {
            choice = SubAttributeChoice.Defaults;
        }
        else if (rules.Requested.Count > 0)
        {
            if (rules.Requested.Any(s => s.NamesWhole(schema, attribute)))
            {
                choice = SubAttributeChoice.Defaults;
            }
            else if (rules.Requested.Any(s => s.NamesPartOf(attribute)))
            {
                choice = SubAttributeChoice.NamedOnly;
            }
            else
            {
                return null;
            }
        }
        else if (attribute.Returned == ScimReturned.Request)
        {
            return null;
        }
        else
        {
            choice = SubAttributeChoice.Defaults;
        }

        // RFC 7644 §3.9: excludedAttributes has no effect on "always" attributes.
        var excludable = attribute.Returned != ScimReturned.Always;
        if (excludable && rules.Excluded.Any(s => s.NamesWhole(schema, attribute)))
        {
            return null;
        }

        if (attribute.Type != ScimAttributeType.Complex)
        {
            return value.DeepClone();
        }

        var requestedSubs = rules.Requested.Where(s => s.NamesPartOf(attribute)).Select(s => s.SubAttribute!).ToList();
        var excludedSubs = excludable
            ? rules.Excluded.Where(s => s.NamesPartOf(attribute)).Select(s => s.SubAttribute!).ToList()
            : [];
        var shape = new ComplexShape(attribute, choice, requestedSubs, excludedSubs);
        if (value is JsonArray elements)
        {
            var result = new JsonArray();
            foreach (var element in elements)
            {
                if (shape.Project(element) is { } projected)
                {
                    result.Add(projected);
                }
            }

            return result.Count == 0 ? null : result;
        }

        return shape.Project(value);
    }

    private static ScimAttribute? FindCoreOrCommon(ScimResourceType type, string name) =>
        type.Schema.FindAttribute(name)
        ?? ScimPathResolution.CommonAttributes.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>RFC 7643 §3: <c>schemas</c> lists the schemas whose attributes are present.</summary>
    private static void DropAbsentExtensions(JsonObject result, ScimResourceType type)
    {
        if (result["schemas"] is not JsonArray schemas)
        {
            return;
        }

        for (var i = schemas.Count - 1; i >= 0; i--)
        {
            var urn = schemas[i] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
            if (urn is not null && type.FindSchema(urn) is { } extension && !ReferenceEquals(extension, type.Schema)
                && !result.Any(p => string.Equals(p.Key, extension.Id, StringComparison.OrdinalIgnoreCase)))
            {
                schemas.RemoveAt(i);
            }
        }
    }

    /// <summary>Resolves the names of a list; names that resolve to nothing are ignored.</summary>
    private static List<Selected> Resolve(IReadOnlyList<string> names, ScimResourceType type)
    {
        var resolved = new List<Selected>();
        foreach (var name in names)
        {
            if (ResolveOne(name, type) is { } selected)
            {
                resolved.Add(selected);
            }
        }

        return resolved;
    }

    private static Selected? ResolveOne(string name, ScimResourceType type)
    {
        var text = WithoutValueFilter(name.Trim());
        if (text is null || text.Length == 0)
        {
            return null;
        }

        string? urn = null;
        if (text.StartsWith("urn:", StringComparison.OrdinalIgnoreCase))
        {
            if (type.FindSchema(text) is { } whole)
            {
                return new Selected(whole, null, null);
            }

            // The URN's own dots ("2.0") are not separators: the attribute path follows the longest known schema URN.
            var schema = type.AllSchemas
                .Where(s => text.Length > s.Id.Length + 1 && text.StartsWith(s.Id + ":", StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(s => s.Id.Length)
                .FirstOrDefault();
            if (schema is null)
            {
                return null;
            }

            urn = schema.Id;
            text = text[(schema.Id.Length + 1)..];
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var path = dot < 0
            ? new ScimPath(urn, text, null, null)
            : new ScimPath(urn, text[..dot], null, text[(dot + 1)..]);
        return type.Resolve(path) is { } resolved
            ? new Selected(resolved.Schema ?? type.Schema, resolved.Attribute, resolved.SubAttribute)
            : null;
    }

    /// <summary><c>emails[type eq "work"].value</c> → <c>emails.value</c>; null when the brackets do not close.</summary>
    private static string? WithoutValueFilter(string text)
    {
        var open = text.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return text;
        }

        var close = text.LastIndexOf(']');
        return close < open ? null : string.Concat(text.AsSpan(0, open), text.AsSpan(close + 1));
    }

    /// <summary>A resolved name: a whole schema (no attribute), an attribute, or a sub-attribute.</summary>
    private sealed record Selected(ScimSchema Schema, ScimAttribute? Attribute, ScimAttribute? SubAttribute)
    {
        /// <summary>Names the whole schema.</summary>
        public bool Names(ScimSchema schema) => Attribute is null && ReferenceEquals(Schema, schema);

        /// <summary>Names the attribute itself, or its whole schema.</summary>
        public bool NamesWhole(ScimSchema schema, ScimAttribute attribute) =>
            Names(schema) || (ReferenceEquals(Attribute, attribute) && SubAttribute is null);

        /// <summary>Names one sub-attribute of the attribute.</summary>
        public bool NamesPartOf(ScimAttribute attribute) => ReferenceEquals(Attribute, attribute) && SubAttribute is not null;
    }

    private sealed record Rules(List<Selected> Requested, List<Selected> Excluded);

    private enum SubAttributeChoice
    {
        /// <summary>Sub-attributes returned by default, plus <c>request</c> ones that are named.</summary>
        Defaults,

        /// <summary>Only the named sub-attributes (and <c>always</c> ones).</summary>
        NamedOnly,
    }

    /// <summary>Which sub-attributes of one complex attribute a projected value keeps.</summary>
    private sealed class ComplexShape(
        ScimAttribute attribute, SubAttributeChoice choice, List<ScimAttribute> requested, List<ScimAttribute> excluded)
    {
        public JsonNode? Project(JsonNode? value)
        {
            if (value is not JsonObject members)
            {
                return choice == SubAttributeChoice.Defaults ? value?.DeepClone() : null;
            }

            var result = new JsonObject();
            foreach (var (name, memberValue) in members)
            {
                if (memberValue is not null && Keeps(attribute.FindSubAttribute(name)))
                {
                    result[name] = memberValue.DeepClone();
                }
            }

            return result.Count == 0 ? null : result;
        }

        private bool Keeps(ScimAttribute? subAttribute)
        {
            if (subAttribute is null)
            {
                return choice == SubAttributeChoice.Defaults;
            }

            var named = requested.Any(r => ReferenceEquals(r, subAttribute));
            var keep = subAttribute.Returned switch
            {
                ScimReturned.Never => false,
                ScimReturned.Always => true,
                ScimReturned.Request => named,
                _ => choice == SubAttributeChoice.Defaults || named,
            };
            return keep && (subAttribute.Returned == ScimReturned.Always || !excluded.Any(e => ReferenceEquals(e, subAttribute)));
        }
    }
}
