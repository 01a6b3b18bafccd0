using System.Text.Json.Nodes;

namespace OrgIdentity.Scim;

/// <summary>
/// An operation whose path selects values with a filter: <c>emails[type eq "work"]</c>,
/// <c>emails[type eq "work"].value</c>, <c>members[value eq "x"]</c> (RFC 7644 §3.5.2).
/// </summary>
internal sealed class FilteredTarget(PatchEngine engine, ScimResolvedPath resolved, ScimFilter filter)
{
    private ScimAttribute Attribute => resolved.Attribute;

    private string Name => PatchEngine.Name(resolved);

    public void Apply(ScimPatchOperationType operationType, JsonNode? value)
    {
        // INTEROP P9: writing null or "" at a filtered path clears what it selects.
        var clear = operationType == ScimPatchOperationType.Remove || PatchJson.IsUnassigned(value);
        var container = engine.Container(resolved, create: !clear);
        var list = container is null ? null : PatchJson.GetForUpdate(container, Attribute.Name) as JsonArray;
        var matches = list is null ? [] : list.Where(element => element is not null && Matches(element)).Select(element => element!).ToList();
        if (clear)
        {
            Clear(list, matches);
        }
        else if (resolved.SubAttribute is null)
        {
            WriteValues(operationType, container!, list, matches, value);
        }
        else
        {
            WriteSubAttribute(container!, list, matches, value);
        }
    }

    /// <summary>
    /// RFC 7644 §3.5.2.2: removes the selected values (or their sub-attribute). INTEROP P12: selecting nothing is
    /// success, not <c>noTarget</c>: directories retry failed operations forever.
    /// </summary>
    private void Clear(JsonArray? list, List<JsonNode> matches)
    {
        if (list is null || matches.Count == 0)
        {
            return;
        }

        if (resolved.SubAttribute is { } subAttribute)
        {
            if (subAttribute.Required)
            {
                throw ScimException.Mutability($"'{Name}' is required: it cannot be removed.");
            }

            foreach (var match in matches.OfType<JsonObject>())
            {
                PatchEngine.MergeInto(Attribute, match, new JsonObject { [subAttribute.Name] = null }, Attribute.Name);
            }

            MultiValues.RemoveEmptyObjects(list);
        }
        else
        {
            if (Attribute.Mutability == ScimMutability.Immutable)
            {
                throw ScimException.Mutability($"'{Attribute.Name}' is immutable: its values cannot be removed.");
            }

            MultiValues.RemoveAll(list, matches);
        }

        if (list.Count == 0)
        {
            engine.Remove(new ScimResolvedPath(resolved.Schema, Attribute, null), null);
        }
    }

    /// <summary>
    /// <c>add</c> merges the value into each selected value; <c>replace</c> replaces each (RFC 7644 §3.5.2.3),
    /// keeping what the filter's <c>eq</c> tests say so the value still matches. When nothing matches, the value
    /// is added with those sub-attributes (INTEROP P6) instead of failing with <c>noTarget</c>.
    /// </summary>
    private void WriteValues(ScimPatchOperationType operationType, JsonObject container, JsonArray? list, List<JsonNode> matches, JsonNode? value)
    {
        if (Attribute.Type != ScimAttributeType.Complex)
        {
            WriteSimpleValues(container, list, matches, value);
            return;
        }

        var changes = PatchValues.Complex(Attribute, value, Name);
        JsonNode? preferred = null;
        var written = matches;
        if (matches.Count == 0)
        {
            var element = Template();
            foreach (var (key, change) in PatchValues.WithoutNulls(changes))
            {
                PatchJson.Set(element, key, change?.DeepClone());
            }

            list = Append(container, list, element);
            preferred = element;
            written = [element];
        }
        else
        {
            if (Attribute.Mutability == ScimMutability.Immutable)
            {
                throw ScimException.Mutability($"'{Attribute.Name}' is immutable: its values cannot be changed.");
            }

            foreach (var match in matches.OfType<JsonObject>())
            {
                if (operationType == ScimPatchOperationType.Replace)
                {
                    Replace(match, changes);
                }
                else
                {
                    PatchEngine.MergeInto(Attribute, match, changes, Attribute.Name);
                }

                preferred = PatchEngine.IsPrimary(match) ? match : preferred;
            }
        }

        MultiValues.RemoveDuplicatesOf(Attribute, list!, written);
        MultiValues.KeepOnePrimary(Attribute, list!, preferred);
    }

    private void Replace(JsonObject match, JsonObject changes)
    {
        var replacement = TryTemplate() ?? [];
        foreach (var (key, change) in changes)
        {
            PatchJson.Set(replacement, key, change?.DeepClone());
        }

        // Every sub-attribute of the old value is set to the new one (or cleared): immutables must not change.
        var update = new JsonObject();
        foreach (var (key, _) in match)
        {
            if (Attribute.FindSubAttribute(key) is { } subAttribute)
            {
                update[subAttribute.Name] = null;
            }
        }

        foreach (var (key, change) in replacement)
        {
            update[key] = change?.DeepClone();
        }

        PatchEngine.MergeInto(Attribute, match, update, Attribute.Name);
    }

    private void WriteSimpleValues(JsonObject container, JsonArray? list, List<JsonNode> matches, JsonNode? value)
    {
        var newValue = PatchValues.Simple(Attribute, value, Name);
        var written = new List<JsonNode>();
        if (matches.Count == 0)
        {
            list = Append(container, list, newValue);
            written.Add(newValue);
        }
        else
        {
            if (Attribute.Mutability == ScimMutability.Immutable)
            {
                throw ScimException.Mutability($"'{Attribute.Name}' is immutable: its values cannot be changed.");
            }

            foreach (var match in matches)
            {
                var replacement = newValue.DeepClone();
                list![list.IndexOf(match)] = replacement;
                written.Add(replacement);
            }
        }

        MultiValues.RemoveDuplicatesOf(Attribute, list!, written);
    }

    /// <summary>
    /// <c>emails[type eq "work"].value</c>: sets the sub-attribute of each selected value, or adds
    /// <c>{type: "work", value: …}</c> when none is selected (INTEROP P6).
    /// </summary>
    private void WriteSubAttribute(JsonObject container, JsonArray? list, List<JsonNode> matches, JsonNode? value)
    {
        var subAttribute = resolved.SubAttribute!;
        var newValue = PatchValues.Simple(subAttribute, value, Name);
        var changes = new JsonObject { [subAttribute.Name] = newValue };
        var written = new List<JsonObject>();
        if (matches.Count == 0)
        {
            var element = Template();
            PatchJson.Set(element, subAttribute.Name, newValue.DeepClone());
            list = Append(container, list, element);
            written.Add(element);
        }
        else
        {
            foreach (var match in matches.OfType<JsonObject>())
            {
                PatchEngine.MergeInto(Attribute, match, changes, Attribute.Name);
                written.Add(match);
            }
        }

        MultiValues.RemoveDuplicatesOf(Attribute, list!, written);
        MultiValues.KeepOnePrimary(Attribute, list!, written.LastOrDefault(PatchEngine.IsPrimary));
    }

    private JsonArray Append(JsonObject container, JsonArray? list, JsonNode element)
    {
        if (list is null)
        {
            list = [];
            PatchJson.Set(container, Attribute.Name, list);
        }

        list.Add(element);
        return list;
    }

    private bool Matches(JsonNode element)
    {
        try
        {
            return ScimFilterEvaluator.MatchesElement(element, filter, Attribute);
        }
        catch (ScimException exception) when (exception.ScimType == ScimErrorType.InvalidFilter)
        {
            // The filter is part of a PATCH path: report it as one.
            throw ScimException.InvalidPath(exception.Detail);
        }
    }

    private JsonObject Template() => TryTemplate()
        ?? throw ScimException.NoTarget(
            $"no value of '{Attribute.Name}' matches [{filter}], and the filter does not describe a new one "
            + "(only 'eq' tests joined by 'and' do).");

    /// <summary>
    /// The value a filter of <c>eq</c> tests joined by <c>and</c> describes: <c>type eq "work"</c> gives
    /// <c>{type: "work"}</c>. Null for any other filter (INTEROP P6 then falls back to RFC 7644's noTarget).
    /// </summary>
    private JsonObject? TryTemplate() => Describe(filter) is { } pairs ? PatchValues.WithoutNulls(pairs) : null;

    private JsonObject? Describe(ScimFilter node)
    {
        switch (node)
        {
            case ScimComparisonFilter { Operator: ScimComparisonOperator.Equal } comparison
                when comparison.Path.ValueFilter is null && comparison.Value.Kind != ScimLiteralKind.Null:
                var subAttribute = SubAttributeOf(comparison.Path);
                if (subAttribute is null || subAttribute.Mutability == ScimMutability.ReadOnly)
                {
                    return null;
                }

                try
                {
                    return new JsonObject { [subAttribute.Name] = PatchValues.Simple(subAttribute, Literal(comparison.Value), Name) };
                }
                catch (Exception exception) when (exception is ScimException or System.Text.Json.JsonException)
                {
                    return null;
                }

            case ScimLogicalFilter { Operator: ScimLogicalOperator.And } and:
                if (Describe(and.Left) is not { } left || Describe(and.Right) is not { } right)
                {
                    return null;
                }

                foreach (var (key, value) in right)
                {
                    if (left[key] is { } known && !JsonNode.DeepEquals(known, value))
                    {
                        return null;
                    }

                    left[key] = value?.DeepClone();
                }

                return left;

            default:
                return null;
        }
    }

    /// <summary>Inside a value filter, <c>type</c> (or <c>emails.type</c>) names a sub-attribute.</summary>
    private ScimAttribute? SubAttributeOf(ScimPath path)
    {
        if (path.SubAttributeName is null)
        {
            return Attribute.FindSubAttribute(path.AttributeName);
        }

        return string.Equals(path.AttributeName, Attribute.Name, StringComparison.OrdinalIgnoreCase)
            ? Attribute.FindSubAttribute(path.SubAttributeName)
            : null;
    }

    private static JsonNode? Literal(ScimLiteral literal) => literal.Kind switch
    {
        ScimLiteralKind.Boolean => JsonValue.Create(string.Equals(literal.Text, "true", StringComparison.OrdinalIgnoreCase)),
        ScimLiteralKind.Number => JsonNode.Parse(literal.Text),
        _ => JsonValue.Create(literal.Text),
    };
}
