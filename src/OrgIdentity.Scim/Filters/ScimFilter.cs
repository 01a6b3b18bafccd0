namespace OrgIdentity.Scim;

/// <summary>
/// An attribute path (RFC 7644 §3.4.2.2 <c>attrPath</c> and §3.5.2 <c>path</c>):
/// <c>[schemaUrn:]attribute[\[valueFilter\]][.subAttribute]</c>, for example <c>userName</c>, <c>name.givenName</c>,
/// <c>emails[type eq "work"].value</c> or
/// <c>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value</c>.
/// Names keep the spelling of the request; they compare case-insensitively.
/// </summary>
/// <param name="SchemaUrn">The schema URN prefix, or null when the path has none.</param>
/// <param name="AttributeName">The top-level attribute.</param>
/// <param name="ValueFilter">The filter in brackets that selects elements of a multi-valued attribute, or null.</param>
/// <param name="SubAttributeName">The sub-attribute after the dot, or null.</param>
public sealed record ScimPath(string? SchemaUrn, string AttributeName, ScimFilter? ValueFilter, string? SubAttributeName)
{
    /// <summary>The path as SCIM text (the URN, the filter and the sub-attribute included).</summary>
    public override string ToString()
    {
        var text = SchemaUrn is null ? AttributeName : $"{SchemaUrn}:{AttributeName}";
        if (ValueFilter is not null)
        {
            text += $"[{ValueFilter}]";
        }

        return SubAttributeName is null ? text : $"{text}.{SubAttributeName}";
    }
}

/// <summary>A comparison operator of a filter (RFC 7644 §3.4.2.2, table 3).</summary>
public enum ScimComparisonOperator
{
    /// <summary><c>eq</c>: equal.</summary>
    Equal,

    /// <summary><c>ne</c>: not equal.</summary>
    NotEqual,

    /// <summary><c>co</c>: contains.</summary>
    Contains,

    /// <summary><c>sw</c>: starts with.</summary>
    StartsWith,

    /// <summary><c>ew</c>: ends with.</summary>
    EndsWith,

    /// <summary><c>gt</c>: greater than.</summary>
    GreaterThan,

    /// <summary><c>ge</c>: greater than or equal.</summary>
    GreaterThanOrEqual,

    /// <summary><c>lt</c>: less than.</summary>
    LessThan,

    /// <summary><c>le</c>: less than or equal.</summary>
    LessThanOrEqual,
}

/// <summary>The kind of a comparison value.</summary>
public enum ScimLiteralKind
{
    /// <summary>A string: quoted JSON, or an unquoted word (a leniency for what Entra's tutorials send).</summary>
    String,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A JSON number.</summary>
    Number,

    /// <summary><c>null</c>.</summary>
    Null,
}

/// <summary>
/// A comparison value. Date literals are strings: they compare as instants against <c>dateTime</c> attributes.
/// </summary>
/// <param name="Kind">The kind.</param>
/// <param name="Text">The value as text: the unescaped string, <c>true</c>/<c>false</c>, the number as written, or <c>null</c>.</param>
/// <param name="Quoted">Whether the value was a quoted JSON string (an unquoted word is a string too).</param>
/// <remarks>
/// Two literals are equal when their kind and text are: <see cref="Quoted"/> records how the value was written,
/// not what it means, so <c>externalId eq jyoung</c> and <c>externalId eq "jyoung"</c> parse to equal trees.
/// </remarks>
public sealed record ScimLiteral(ScimLiteralKind Kind, string Text, bool Quoted)
{
    /// <summary>The value as SCIM filter text (strings quoted and escaped as JSON).</summary>
    public override string ToString() => Kind == ScimLiteralKind.String ? ScimFilterText.Quote(Text) : Text;

    /// <summary>Whether <paramref name="other"/> has the same kind and text (<see cref="Quoted"/> is ignored).</summary>
    public bool Equals(ScimLiteral? other) =>
        other is not null && Kind == other.Kind && string.Equals(Text, other.Text, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, StringComparer.Ordinal.GetHashCode(Text));
}

/// <summary>
/// A parsed filter: an immutable tree. <see cref="Position"/> is the zero-based offset in the filter text where
/// the node starts, for error messages. <see cref="object.ToString"/> gives the canonical filter text (keywords and
/// operators in lower case, strings quoted, parentheses only where the tree needs them), which
/// <see cref="ScimFilterParser.Parse"/> reads back to an equal tree.
/// </summary>
/// <remarks>
/// Equality is by meaning: positions are ignored (the canonical text of a filter puts its nodes elsewhere than
/// the text it was parsed from), everything else compares by value.
/// </remarks>
public abstract record ScimFilter(int Position)
{
    /// <summary>Whether <paramref name="other"/> is a filter of the same kind (derived records compare their own members).</summary>
    public virtual bool Equals(ScimFilter? other) => other is not null && EqualityContract == other.EqualityContract;

    /// <inheritdoc />
    public override int GetHashCode() => EqualityContract.GetHashCode();
}

/// <summary><c>path op value</c>, for example <c>userName eq "bjensen"</c>.</summary>
/// <param name="Path">The attribute compared (it may carry a value filter: <c>emails[type eq "work"].value eq "x"</c>).</param>
/// <param name="Operator">The operator.</param>
/// <param name="Value">The value.</param>
/// <param name="Position">Where the node starts.</param>
public sealed record ScimComparisonFilter(ScimPath Path, ScimComparisonOperator Operator, ScimLiteral Value, int Position)
    : ScimFilter(Position)
{
    /// <summary>The canonical text, for example <c>userName eq "bjensen"</c>.</summary>
    public override string ToString() => $"{Path} {ScimFilterText.Operator(Operator)} {Value}";
}

/// <summary><c>path pr</c>: the attribute has a non-empty value.</summary>
/// <param name="Path">The attribute.</param>
/// <param name="Position">Where the node starts.</param>
public sealed record ScimPresentFilter(ScimPath Path, int Position) : ScimFilter(Position)
{
    /// <summary>The canonical text, for example <c>title pr</c>.</summary>
    public override string ToString() => $"{Path} pr";
}

/// <summary>The logical operators.</summary>
public enum ScimLogicalOperator
{
    /// <summary><c>and</c> (binds tighter than <c>or</c>).</summary>
    And,

    /// <summary><c>or</c>.</summary>
    Or,
}

/// <summary><c>left and right</c> or <c>left or right</c>.</summary>
/// <param name="Operator">The operator.</param>
/// <param name="Left">The left operand.</param>
/// <param name="Right">The right operand.</param>
/// <param name="Position">Where the node starts.</param>
public sealed record ScimLogicalFilter(ScimLogicalOperator Operator, ScimFilter Left, ScimFilter Right, int Position)
    : ScimFilter(Position)
{
    /// <summary>
    /// The canonical text. The parser groups left to right and binds <c>and</c> tighter than <c>or</c>, so an
    /// operand is parenthesised when it binds looser than this node, or as tight on the right.
    /// </summary>
    public override string ToString()
    {
        var keyword = Operator == ScimLogicalOperator.And ? "and" : "or";
        var left = NeedsParentheses(Left, isRight: false) ? $"({Left})" : Left.ToString();
        var right = NeedsParentheses(Right, isRight: true) ? $"({Right})" : Right.ToString();
        return $"{left} {keyword} {right}";
    }

    private bool NeedsParentheses(ScimFilter operand, bool isRight) => operand is ScimLogicalFilter logical
        && (logical.Operator == Operator ? isRight : Operator == ScimLogicalOperator.And);
}

/// <summary><c>not (filter)</c>.</summary>
/// <param name="Operand">The negated filter.</param>
/// <param name="Position">Where the node starts.</param>
public sealed record ScimNotFilter(ScimFilter Operand, int Position) : ScimFilter(Position)
{
    /// <summary>The canonical text, <c>not (operand)</c>.</summary>
    public override string ToString() => $"not ({Operand})";
}

/// <summary>
/// <c>attribute[filter]</c> as a filter of its own: some element of the multi-valued attribute matches, for
/// example <c>emails[type eq "work" and value co "@example.com"]</c>. <see cref="ScimPath.ValueFilter"/> is set and
/// <see cref="ScimPath.SubAttributeName"/> is null.
/// </summary>
/// <param name="Path">The multi-valued attribute and its value filter.</param>
/// <param name="Position">Where the node starts.</param>
public sealed record ScimValuePathFilter(ScimPath Path, int Position) : ScimFilter(Position)
{
    /// <summary>The canonical text, for example <c>emails[type eq "work"]</c>.</summary>
    public override string ToString() => Path.ToString();
}
