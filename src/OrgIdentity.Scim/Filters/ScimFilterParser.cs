using System.Globalization;
using System.Text;

namespace OrgIdentity.Scim;

/// <summary>
/// Parses SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2) into the immutable <see cref="ScimFilter"/> /
/// <see cref="ScimPath"/> trees. Precedence: <c>not</c>, then <c>and</c>, then <c>or</c>; parentheses group.
/// Attribute names, operators and keywords are case-insensitive. Lenient where directories are (SCIM-INTEROP
/// §1.3): unquoted values (<c>externalId eq jyoung</c>), and a comparison after a value path
/// (<c>emails[type eq "work"].value eq "x"</c>, Entra's matching filter).
/// </summary>
/// <remarks>
/// Hand-written recursive descent rather than Superpower or Pidgin: the grammar is a dozen rules, and the parts that
/// are not textbook (unquoted words that end at <c>)</c> or <c>]</c>, URNs whose dots are not sub-attribute
/// separators, positions in every error) read more plainly as code than as combinators, with no dependency.
/// </remarks>
public static class ScimFilterParser
{
    /// <summary>The longest filter accepted, in characters.</summary>
    public const int MaxLength = 8192;

    /// <summary>The deepest nesting of parentheses, <c>not</c> and value filters accepted.</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses a filter; 400 <c>invalidFilter</c> with the position of the first error.</summary>
    public static ScimFilter Parse(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var reader = new Reader(filter, ScimErrorType.InvalidFilter);
        var parsed = reader.Filter(0);
        reader.SkipSpace();
        if (!reader.AtEnd)
        {
            throw reader.Error("expected 'and', 'or' or the end of the filter");
        }

        return parsed;
    }

    /// <summary>Parses a PATCH path (<c>attrPath</c> or <c>valuePath[.subAttr]</c>); 400 <c>invalidPath</c> on error.</summary>
    public static ScimPath ParsePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var reader = new Reader(path, ScimErrorType.InvalidPath);
        reader.SkipSpace();
        var parsed = reader.Path(0);
        reader.SkipSpace();
        if (!reader.AtEnd)
        {
            throw reader.Error("expected the end of the path");
        }

        return parsed;
    }

    private sealed class Reader
    {
        private readonly string text;
        private readonly ScimErrorType errorType;
        private int position;

        public Reader(string text, ScimErrorType errorType)
        {
            this.text = text;
            this.errorType = errorType;
            if (text.Length > MaxLength)
            {
                throw new ScimException(400, errorType, $"The {Kind} is longer than {MaxLength} characters.");
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                throw new ScimException(400, errorType, $"The {Kind} is empty.");
            }
        }

        public bool AtEnd => position >= text.Length;

        private string Kind => errorType == ScimErrorType.InvalidPath ? "path" : "filter";

        public ScimException Error(string expected) => new(400, errorType,
            $"Invalid {Kind} at position {position}: {expected}" + (AtEnd ? " (found the end)." : $" (found '{Snippet()}')."));

        private string Snippet() => text.Substring(position, Math.Min(12, text.Length - position));

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[position]))
            {
                position++;
            }
        }

        /// <summary>orExpr := andExpr ("or" andExpr)*</summary>
        public ScimFilter Filter(int depth)
        {
            var start = SkipSpaceAndMark();
            var left = And(depth);
            while (Keyword("or"))
            {
                left = new ScimLogicalFilter(ScimLogicalOperator.Or, left, And(depth), start);
            }

            return left;
        }

        /// <summary>andExpr := unary ("and" unary)*</summary>
        private ScimFilter And(int depth)
        {
            var start = SkipSpaceAndMark();
            var left = Unary(depth);
            while (Keyword("and"))
            {
                left = new ScimLogicalFilter(ScimLogicalOperator.And, left, Unary(depth), start);
            }

            return left;
        }

        /// <summary>unary := "not" unary | "(" filter ")" | attrExp</summary>
        private ScimFilter Unary(int depth)
        {
            if (depth >= MaxDepth)
            {
                throw new ScimException(400, errorType, $"The {Kind} is nested more than {MaxDepth} levels deep.");
            }

            var start = SkipSpaceAndMark();
            if (Keyword("not"))
            {
                return new ScimNotFilter(Unary(depth + 1), start);
            }

            if (Take('('))
            {
                var inner = Filter(depth + 1);
                SkipSpace();
                if (!Take(')'))
                {
                    throw Error("expected ')'");
                }

                return inner;
            }

            return Attribute(depth);
        }

        /// <summary>attrExp := path "pr" | path compareOp value | valuePath</summary>
        private ScimFilter Attribute(int depth)
        {
            var start = SkipSpaceAndMark();
            var path = Path(depth);
            if (Keyword("pr"))
            {
                return new ScimPresentFilter(path, start);
            }

            SkipSpace();
            var operatorStart = position;
            var word = Word();
            if (word is not null && Operator(word) is { } op)
            {
                SkipSpace();
                return new ScimComparisonFilter(path, op, Value(), start);
            }

            position = operatorStart;
            if (path.ValueFilter is not null && path.SubAttributeName is null)
            {
                return new ScimValuePathFilter(path, start);
            }

            throw Error("expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le) or 'pr'");
        }

        /// <summary>path := [urn ":"] name ["[" filter "]"] ["." name]</summary>
        public ScimPath Path(int depth)
        {
            var start = position;
            while (!AtEnd && (char.IsAsciiLetterOrDigit(text[position]) || text[position] is ':' or '.' or '_' or '-' or '$'))
            {
                position++;
            }

            var token = text[start..position];
            if (token.Length == 0 || !(char.IsAsciiLetter(token[0]) || token[0] == '$'))
            {
                position = start;
                throw Error("expected an attribute name");
            }

            string? urn = null;
            if (token.StartsWith("urn:", StringComparison.OrdinalIgnoreCase))
            {
                var colon = token.LastIndexOf(':');
                urn = token[..colon];
                token = token[(colon + 1)..];
            }
            else if (token.Contains(':', StringComparison.Ordinal))
            {
                position = start;
                throw Error("expected an attribute name or a schema URN (urn:...)");
            }

            var dot = token.IndexOf('.', StringComparison.Ordinal);
            var name = dot < 0 ? token : token[..dot];
            var sub = dot < 0 ? null : token[(dot + 1)..];
            if (!IsName(name) || (sub is not null && !IsName(sub)))
            {
                position = start;
                throw Error("expected an attribute name (letters, digits, '-', '_') with at most one sub-attribute");
            }

            ScimFilter? valueFilter = null;
            if (sub is null && Take('['))
            {
                if (depth >= MaxDepth)
                {
                    throw new ScimException(400, errorType, $"The {Kind} is nested more than {MaxDepth} levels deep.");
                }

                valueFilter = Filter(depth + 1);
                SkipSpace();
                if (!Take(']'))
                {
                    throw Error("expected ']'");
                }

                if (Take('.'))
                {
                    var subStart = position;
                    while (!AtEnd && (char.IsAsciiLetterOrDigit(text[position]) || text[position] is '_' or '-' or '$'))
                    {
                        position++;
                    }

                    sub = text[subStart..position];
                    if (!IsName(sub))
                    {
                        position = subStart;
                        throw Error("expected a sub-attribute name after '.'");
                    }
                }
            }

            return new ScimPath(urn, name, valueFilter, sub);
        }

        private static bool IsName(string name) =>
            name.Length > 0 && (char.IsAsciiLetter(name[0]) || name == "$ref") && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$');

        /// <summary>A JSON string, true, false, null, a number, or (leniently) an unquoted word.</summary>
        private ScimLiteral Value()
        {
            if (AtEnd)
            {
                throw Error("expected a value");
            }

            if (text[position] == '"')
            {
                return new ScimLiteral(ScimLiteralKind.String, QuotedString(), true);
            }

            var start = position;
            while (!AtEnd && !char.IsWhiteSpace(text[position]) && text[position] is not (')' or ']' or '('))
            {
                position++;
            }

            var word = text[start..position];
            if (word.Length == 0)
            {
                throw Error("expected a value");
            }

            return word.ToLowerInvariant() switch
            {
                "true" or "false" => new ScimLiteral(ScimLiteralKind.Boolean, word.ToLowerInvariant(), false),
                "null" => new ScimLiteral(ScimLiteralKind.Null, "null", false),
                _ when decimal.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && (char.IsAsciiDigit(word[0]) || word[0] == '-')
                    => new ScimLiteral(ScimLiteralKind.Number, word, false),
                _ => new ScimLiteral(ScimLiteralKind.String, word, false),
            };
        }

        private string QuotedString()
        {
            var start = position;
            position++;
            var value = new StringBuilder();
            while (!AtEnd)
            {
                var c = text[position++];
                if (c == '"')
                {
                    return value.ToString();
                }

                if (c != '\\')
                {
                    value.Append(c);
                    continue;
                }

                if (AtEnd)
                {
                    break;
                }

                var escaped = text[position++];
                switch (escaped)
                {
                    case '"' or '\\' or '/': value.Append(escaped); break;
                    case 'b': value.Append('\b'); break;
                    case 'f': value.Append('\f'); break;
                    case 'n': value.Append('\n'); break;
                    case 'r': value.Append('\r'); break;
                    case 't': value.Append('\t'); break;
                    case 'u' when position + 4 <= text.Length && ushort.TryParse(text.AsSpan(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code):
                        value.Append((char)code);
                        position += 4;
                        break;
                    default:
                        position--;
                        throw Error("expected a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
                }
            }

            position = start;
            throw Error("the string is not closed with '\"'");
        }

        private static ScimComparisonOperator? Operator(string word) => word.ToLowerInvariant() switch
        {
            "eq" => ScimComparisonOperator.Equal,
            "ne" => ScimComparisonOperator.NotEqual,
            "co" => ScimComparisonOperator.Contains,
            "sw" => ScimComparisonOperator.StartsWith,
            "ew" => ScimComparisonOperator.EndsWith,
            "gt" => ScimComparisonOperator.GreaterThan,
            "ge" => ScimComparisonOperator.GreaterThanOrEqual,
            "lt" => ScimComparisonOperator.LessThan,
            "le" => ScimComparisonOperator.LessThanOrEqual,
            _ => null,
        };

        /// <summary>A run of letters, or null.</summary>
        private string? Word()
        {
            var start = position;
            while (!AtEnd && char.IsAsciiLetter(text[position]))
            {
                position++;
            }

            return position > start ? text[start..position] : null;
        }

        /// <summary>Consumes <paramref name="keyword"/> (any case) when it stands alone: followed by a space, a parenthesis or the end.</summary>
        private bool Keyword(string keyword)
        {
            var start = position;
            SkipSpace();
            if (position + keyword.Length <= text.Length
                && string.Compare(text, position, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) == 0
                && (position + keyword.Length == text.Length || char.IsWhiteSpace(text[position + keyword.Length]) || text[position + keyword.Length] is '(' or ')' or ']'))
            {
                position += keyword.Length;
                return true;
            }

            position = start;
            return false;
        }

        private bool Take(char c)
        {
            if (!AtEnd && text[position] == c)
            {
                position++;
                return true;
            }

            return false;
        }

        private int SkipSpaceAndMark()
        {
            SkipSpace();
            return position;
        }
    }
}
