using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// Applies operations to one document (already a private copy) of one resource type. With a
/// <see cref="MemberDeltaCollector"/>, operations on a group's <c>members</c> go to it instead of the document.
/// </summary>
internal sealed class PatchEngine(JsonObject document, ScimResourceType type, MemberDeltaCollector? members)
{
    /// <summary>Applies the operations in order (RFC 7644 §3.5.2); the first failure names its operation (P17).</summary>
    public void ApplyAll(ScimPatchRequest request)
    {
        for (var index = 0; index < request.Operations.Count; index++)
        {
            try
            {
                Apply(request.Operations[index]);
            }
            catch (ScimException exception)
            {
                throw new ScimException(exception.Status, exception.ScimType, $"Operations[{index}]: {exception.Detail}");
            }
        }
    }

    private void Apply(ScimPatchOperation operation)
    {
        if (operation.PathText is not null && type.FindSchema(operation.PathText) is { } schema)
        {
            // A path that is a schema URN targets all of that schema's attributes at once.
            ApplyToSchema(operation.Type, schema, operation.Value);
        }
        else if (operation.Path is not null)
        {
            ApplyAt(operation.Type, operation.Path, operation.Value);
        }
        else if (operation.PathText is not null)
        {
            throw ScimException.InvalidPath(
                $"\"{operation.PathText}\" is neither an attribute path nor a schema URN of {type.Name}.");
        }
        else if (operation.Type == ScimPatchOperationType.Remove)
        {
            throw ScimException.NoTarget("'remove' needs a 'path' (RFC 7644 §3.5.2.2).");
        }
        else if (operation.Value is JsonObject attributes)
        {
            // RFC 7644 §3.5.2.1/§3.5.2.3 and INTEROP P3: without a path the value holds attributes to add or replace.
            ApplyPathless(operation.Type, attributes, schemaUrn: null);
        }
        else
        {
            throw ScimException.InvalidValue("without a 'path', 'value' must be an object of attributes.");
        }

        RemoveEmptyExtensions();
    }

    private void ApplyToSchema(ScimPatchOperationType operationType, ScimSchema schema, JsonNode? value)
    {
        if (operationType == ScimPatchOperationType.Remove)
        {
            foreach (var attribute in schema.Attributes)
            {
                if (Container(schema, create: false) is { } container && PatchJson.FindKey(container, attribute.Name) is not null)
                {
                    ApplyAt(operationType, new ScimPath(schema.Id, attribute.Name, null, null), null);
                }
            }

            return;
        }

        if (value is not JsonObject attributes)
        {
            throw ScimException.InvalidValue($"'value' for \"{schema.Id}\" must be an object of its attributes.");
        }

        ApplyPathless(operationType, attributes, schema.Id);
    }

    private void ApplyPathless(ScimPatchOperationType operationType, JsonObject attributes, string? schemaUrn)
    {
        foreach (var (key, value) in attributes)
        {
            if (schemaUrn is null && string.Equals(key, "schemas", StringComparison.OrdinalIgnoreCase))
            {
                // The document's schemas follow its attributes; a client's list is not an instruction.
                continue;
            }

            if (schemaUrn is null && type.FindSchema(key) is { } schema)
            {
                // {"urn:...:enterprise:2.0:User": {"employeeNumber": "1"}}; a null extension changes nothing.
                if (value is not null)
                {
                    ApplyToSchema(operationType, schema, value);
                }

                continue;
            }

            // INTEROP P4: keys may be attribute paths ("name.givenName", URN-qualified names).
            ScimPath path;
            try
            {
                path = ScimFilterParser.ParsePath(schemaUrn is null ? key : $"{schemaUrn}:{key}");
            }
            catch (ScimException exception)
            {
                throw ScimException.InvalidPath($"the 'value' key \"{key}\" is not an attribute path: {exception.Detail}");
            }

            ApplyAt(operationType, path, value);
        }
    }

    private void ApplyAt(ScimPatchOperationType operationType, ScimPath path, JsonNode? value)
    {
        var resolved = type.Resolve(path)
            ?? throw ScimException.InvalidPath($"'{path}' is not an attribute of {type.Name}.");
        var attribute = resolved.Attribute;
        if (ReferenceEquals(attribute, IdAttribute))
        {
            CheckId(operationType, value);
            return;
        }

        if (attribute.Mutability == ScimMutability.ReadOnly || resolved.SubAttribute?.Mutability == ScimMutability.ReadOnly)
        {
            throw ScimException.Mutability($"'{Name(resolved)}' is read-only.");
        }

        if (members is not null && IsGroupMembers(resolved))
        {
            members.Apply(operationType, path, resolved, value);
            return;
        }

        if (path.ValueFilter is not null)
        {
            if (!attribute.MultiValued)
            {
                throw ScimException.InvalidPath($"'{attribute.Name}' is single-valued: it takes no value filter.");
            }

            var filtered = new FilteredTarget(this, resolved, path.ValueFilter);
            filtered.Apply(operationType, value);
        }
        else if (resolved.SubAttribute is not null)
        {
            ApplyToSubAttribute(operationType, resolved, value);
        }
        else if (operationType == ScimPatchOperationType.Remove)
        {
            Remove(resolved, value);
        }
        else if (attribute.MultiValued)
        {
            SetMultiValued(operationType, resolved, value);
        }
        else if (attribute.Type == ScimAttributeType.Complex)
        {
            MergeComplex(resolved, value);
        }
        else
        {
            SetSimple(resolved, value);
        }
    }

    /// <summary>
    /// INTEROP P14: Okta's group rename repeats the group's own <c>id</c>; that is no change. Any other
    /// write to <c>id</c> is refused (RFC 7643 §3.1: readOnly).
    /// </summary>
    private void CheckId(ScimPatchOperationType operationType, JsonNode? value)
    {
        var ownId = PatchJson.Get(document, "id");
        if (operationType != ScimPatchOperationType.Remove
            && PatchJson.IsString(value, out var sent) && PatchJson.IsString(ownId, out var own)
            && string.Equals(sent, own, StringComparison.Ordinal))
        {
            return;
        }

        throw ScimException.Mutability("'id' is read-only; a value may only repeat the resource's own id.");
    }

    private static ScimAttribute IdAttribute { get; } =
        ScimPathResolution.CommonAttributes.First(attribute => attribute.Name == "id");

    private bool IsGroupMembers(ScimResolvedPath resolved) =>
        resolved.Schema?.Id == type.Schema.Id && resolved.Attribute.MultiValued
        && string.Equals(resolved.Attribute.Name, "members", StringComparison.OrdinalIgnoreCase);

    /// <summary>Replace/add of a single-valued simple attribute (RFC 7644 §3.5.2.1: add on single-valued = set, P5).</summary>
    private void SetSimple(ScimResolvedPath resolved, JsonNode? value)
    {
        var attribute = resolved.Attribute;
        if (PatchJson.IsUnassigned(value))
        {
            // INTEROP P9: "" and null clear the attribute.
            Remove(resolved, null);
            return;
        }

        var newValue = PatchValues.Simple(attribute, value, attribute.Name);
        var container = Container(resolved, create: true)!;
        CheckImmutable(attribute, attribute.Name, PatchJson.Get(container, attribute.Name), newValue);
        PatchJson.Set(container, attribute.Name, newValue);
    }

    /// <summary>
    /// Add or replace of a single-valued complex attribute: the given sub-attributes replace or add, the others are
    /// left as they are (RFC 7644 §3.5.2.3); a null sub-attribute is cleared. INTEROP P8: a bare manager id, an
    /// object or a one-element array all work, and "" or null remove the manager.
    /// </summary>
    private void MergeComplex(ScimResolvedPath resolved, JsonNode? value)
    {
        var attribute = resolved.Attribute;
        if (PatchJson.IsUnassigned(value) && value is not JsonObject)
        {
            Remove(resolved, null);
            return;
        }

        var changes = PatchValues.Complex(attribute, value, attribute.Name);
        if (changes.Count == 0)
        {
            return;
        }

        var container = Container(resolved, create: true)!;
        if (PatchJson.GetForUpdate(container, attribute.Name) is not JsonObject target)
        {
            target = [];
            PatchJson.Set(container, attribute.Name, target);
        }

        MergeInto(attribute, target, changes, attribute.Name);
        if (target.Count == 0)
        {
            Remove(resolved, null);
        }
    }

    /// <summary>Sets (or, for nulls, removes) sub-attributes of <paramref name="target"/>, honouring immutability.</summary>
    internal static void MergeInto(ScimAttribute attribute, JsonObject target, JsonObject changes, string name)
    {
        foreach (var (key, change) in changes)
        {
            var subAttribute = attribute.FindSubAttribute(key)!;
            var existing = PatchJson.Get(target, key);
            if (change is null)
            {
                if (existing is not null)
                {
                    CheckImmutable(subAttribute, $"{name}.{key}", existing, null);
                    CheckImmutable(attribute, name, existing, null);
                    PatchJson.Remove(target, key);
                }

                continue;
            }

            CheckImmutable(subAttribute, $"{name}.{key}", existing, change);
            CheckImmutable(attribute, name, existing, change);
            PatchJson.Set(target, key, change.DeepClone());
        }
    }

    /// <summary>
    /// Add appends new values, merging a value equal to an existing one into it instead of repeating it (RFC 7644
    /// §3.5.2.1, INTEROP P10); replace swaps the whole list (P13). Null, "" or [] clear the list on replace and
    /// change nothing on add.
    /// </summary>
    private void SetMultiValued(ScimPatchOperationType operationType, ScimResolvedPath resolved, JsonNode? value)
    {
        var attribute = resolved.Attribute;
        var elements = PatchValues.Elements(attribute, value, attribute.Name);
        if (elements.Count == 0)
        {
            if (operationType == ScimPatchOperationType.Replace)
            {
                Remove(resolved, null);
            }

            return;
        }

        var container = Container(resolved, create: true)!;
        var existing = PatchJson.GetForUpdate(container, attribute.Name) as JsonArray;
        if (attribute.Mutability == ScimMutability.Immutable && existing is { Count: > 0 })
        {
            throw ScimException.Mutability($"'{attribute.Name}' is immutable: values may be added only while it has none.");
        }

        var list = operationType == ScimPatchOperationType.Add && existing is not null ? existing : [];
        var index = new ValueIndex(attribute, list);
        JsonNode? preferred = null;
        foreach (var element in elements)
        {
            var stored = MultiValues.AddOrMerge(attribute, list, index, element);
            if (IsPrimary(element))
            {
                preferred = stored;
            }
        }

        if (!ReferenceEquals(list, existing))
        {
            PatchJson.Set(container, attribute.Name, list);
        }

        MultiValues.KeepOnePrimary(attribute, list, preferred);
    }

    /// <summary>
    /// <c>name.givenName</c> on a single-valued complex attribute; <c>emails.type</c> without a filter on a
    /// multi-valued one applies to every value (and creates the first value when there is none).
    /// </summary>
    private void ApplyToSubAttribute(ScimPatchOperationType operationType, ScimResolvedPath resolved, JsonNode? value)
    {
        var attribute = resolved.Attribute;
        var subAttribute = resolved.SubAttribute!;
        var name = Name(resolved);
        var clear = operationType == ScimPatchOperationType.Remove || PatchJson.IsUnassigned(value);
        var newValue = clear ? null : PatchValues.Simple(subAttribute, value, name);
        if (clear && subAttribute.Required)
        {
            throw ScimException.Mutability($"'{name}' is required: it cannot be removed.");
        }

        var container = Container(resolved, create: !clear);
        if (container is null)
        {
            return;
        }

        var changes = new JsonObject { [subAttribute.Name] = newValue };
        if (!attribute.MultiValued)
        {
            var target = PatchJson.GetForUpdate(container, attribute.Name) as JsonObject;
            if (target is null)
            {
                if (clear)
                {
                    return;
                }

                target = [];
                PatchJson.Set(container, attribute.Name, target);
            }

            MergeInto(attribute, target, changes, attribute.Name);
            if (target.Count == 0)
            {
                Remove(new ScimResolvedPath(resolved.Schema, attribute, null), null);
            }

            return;
        }

        var list = PatchJson.GetForUpdate(container, attribute.Name) as JsonArray;
        if (list is not { Count: > 0 })
        {
            if (!clear)
            {
                PatchJson.Set(container, attribute.Name, new JsonArray(PatchValues.WithoutNulls(changes)));
            }

            return;
        }

        foreach (var element in list.OfType<JsonObject>())
        {
            MergeInto(attribute, element, changes, attribute.Name);
        }

        MultiValues.RemoveEmptyObjects(list);
        MultiValues.RemoveDuplicatesOf(attribute, list, list.OfType<JsonObject>().ToList());
        if (list.Count == 0)
        {
            Remove(new ScimResolvedPath(resolved.Schema, attribute, null), null);
        }
        else
        {
            MultiValues.KeepOnePrimary(attribute, list, list.OfType<JsonObject>().LastOrDefault(IsPrimary));
        }
    }

    /// <summary>
    /// Removes the attribute (RFC 7644 §3.5.2.2), or, when a value list is given for a multi-valued attribute,
    /// only the listed values (INTEROP P11). Removing a required attribute is a <c>mutability</c> error (§3.5.2.2).
    /// </summary>
    internal void Remove(ScimResolvedPath resolved, JsonNode? listed)
    {
        var attribute = resolved.Attribute;
        var container = Container(resolved, create: false);
        var existing = container is null ? null : PatchJson.GetForUpdate(container, attribute.Name);
        if (attribute.MultiValued && !PatchJson.IsUnassigned(listed))
        {
            RemoveListed(resolved, container, existing as JsonArray, listed);
            return;
        }

        if (attribute.Required)
        {
            throw ScimException.Mutability($"'{attribute.Name}' is required: it cannot be removed.");
        }

        if (container is null)
        {
            return;
        }

        if (!PatchJson.IsUnassigned(existing))
        {
            CheckImmutable(attribute, attribute.Name, existing, null);
        }

        PatchJson.Remove(container, attribute.Name);
    }

    private void RemoveListed(ScimResolvedPath resolved, JsonObject? container, JsonArray? existing, JsonNode? listed)
    {
        var attribute = resolved.Attribute;
        var elements = PatchValues.Elements(attribute, listed, attribute.Name);
        if (container is null || existing is null)
        {
            return;
        }

        var index = new ValueIndex(attribute, existing);
        var removals = new List<JsonNode>();
        foreach (var element in elements)
        {
            // A listed value with a 'value' can only match values with that 'value'; others need a full scan.
            var candidates = element is JsonObject listedObject && PatchJson.Get(listedObject, "value") is null
                ? existing.OfType<JsonNode>()
                : index.Candidates(element);
            foreach (var candidate in candidates.Where(candidate => MultiValues.IsListed(attribute, candidate, element)).ToList())
            {
                removals.Add(candidate);
                index.Remove(candidate);
            }
        }

        if (removals.Count > 0 && attribute.Mutability == ScimMutability.Immutable)
        {
            throw ScimException.Mutability($"'{attribute.Name}' is immutable: its values cannot be removed.");
        }

        if (MultiValues.RemoveAll(existing, removals.Distinct(ReferenceEqualityComparer.Instance).Cast<JsonNode>().ToList())
            && existing.Count == 0)
        {
            Remove(new ScimResolvedPath(resolved.Schema, attribute, null), null);
        }
    }

    /// <summary>
    /// The object holding the attribute: the document for core and common attributes, the extension's object
    /// (under its URN) for extension attributes, created on demand and listed in <c>schemas</c>.
    /// </summary>
    internal JsonObject? Container(ScimResolvedPath resolved, bool create) =>
        resolved.IsExtension(type) ? Container(resolved.Schema!, create) : document;

    private JsonObject? Container(ScimSchema schema, bool create)
    {
        if (ReferenceEquals(schema, type.Schema) || schema.Id == type.Schema.Id)
        {
            return document;
        }

        if (PatchJson.Get(document, schema.Id) is JsonObject extension)
        {
            if (!document.ContainsKey(schema.Id))
            {
                PatchJson.Remove(document, schema.Id);
                document[schema.Id] = extension;
            }

            return extension;
        }

        if (!create)
        {
            return null;
        }

        var created = new JsonObject();
        PatchJson.Set(document, schema.Id, created);
        ListSchema(schema.Id);
        return created;
    }

    private void ListSchema(string urn)
    {
        if (PatchJson.Get(document, "schemas") is not JsonArray schemas)
        {
            schemas = [type.Schema.Id];
            PatchJson.Set(document, "schemas", schemas);
        }

        if (!schemas.Any(s => PatchJson.IsString(s, out var listed) && string.Equals(listed, urn, StringComparison.OrdinalIgnoreCase)))
        {
            schemas.Add(urn);
        }
    }

    /// <summary>An extension left without attributes is dropped, with its URN in <c>schemas</c> (RFC 7643 §3).</summary>
    private void RemoveEmptyExtensions()
    {
        foreach (var extension in type.Extensions)
        {
            var urn = extension.Schema.Id;
            if (PatchJson.Get(document, urn) is JsonObject { Count: 0 })
            {
                PatchJson.Remove(document, urn);
                if (PatchJson.Get(document, "schemas") is JsonArray schemas)
                {
                    for (var position = schemas.Count - 1; position >= 0; position--)
                    {
                        if (PatchJson.IsString(schemas[position], out var listed) && string.Equals(listed, urn, StringComparison.OrdinalIgnoreCase))
                        {
                            schemas.RemoveAt(position);
                        }
                    }
                }
            }
        }
    }

    /// <summary>RFC 7644 §3.5.2: an immutable attribute may be given a value while it has none, never changed.</summary>
    internal static void CheckImmutable(ScimAttribute attribute, string name, JsonNode? existing, JsonNode? newValue)
    {
        if (attribute.Mutability == ScimMutability.Immutable && !PatchJson.IsUnassigned(existing)
            && !JsonNode.DeepEquals(existing, newValue))
        {
            throw ScimException.Mutability($"'{name}' is immutable: it may be set while it has no value, not changed.");
        }
    }

    internal static bool IsPrimary(JsonNode? element) =>
        element is JsonObject obj && PatchJson.IsTrue(PatchJson.Get(obj, "primary"));

    internal static string Name(ScimResolvedPath resolved) =>
        resolved.SubAttribute is null ? resolved.Attribute.Name : $"{resolved.Attribute.Name}.{resolved.SubAttribute.Name}";
}
