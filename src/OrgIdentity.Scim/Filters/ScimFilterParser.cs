using System.Globalization;
using System.Text;

namespace OrgIdentity.Scim;

// A hand-written recursive descent parser rather than a combinator library (Superpower, Pidgin): the grammar of
// RFC 7644 §3.4.2.2 is a dozen rules, the library takes no package, and what real clients need beyond the ABNF
// (unquoted words, case-insensitive keywords, Entra's `emails[type eq "work"].value eq "x"`; SCIM-INTEROP §1.3)
// and exact zero-based positions in the error details are simpler to write and read by hand.
//
//   filter    = and *("or" and)                      ; "and" binds tighter than "or" (RFC 7644 §3.4.2.2)
//   and       = unary *("and" unary)
//   unary     = "not" "(" filter ")" / "(" filter ")" / attrExp / valuePath
//   attrExp   = path "pr" / path compareOp value     ; path may be valuePath "." subAttr (Entra)
//   path      = ["urn:..." ":"] name ["[" filter "]"] ["." name]
//   value     = JSON string / true / false / null / JSON number / an unquoted word (Q2)

/// <summary>
/// Parses SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2), leniently as SCIM-INTEROP §1.3
/// asks: attribute names, operators and keywords in any case, unquoted values (<c>externalId eq jyoung</c>),
/// URN-qualified attributes and a value path followed by a sub-attribute in a filter
/// (<c>emails[type eq "work"].value eq "x"</c>).
/// </summary>
public static class ScimFilterParser
{
    /// <summary>The longest filter or path accepted, in characters.</summary>
    public const int MaxLength = 8192;

    /// <summary>How deeply parentheses, <c>not</c> and value filters may nest.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Parses a filter. Throws a 400 <see cref="ScimException"/> with <c>scimType</c> <c>invalidFilter</c> whose
    /// detail names the zero-based position and what was expected there.
    /// </summary>
    public static ScimFilter Parse(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return new Reader(filter, ScimErrorType.InvalidFilter, "filter").ReadFilter();
    }

    /// <summary>
    /// Parses a PATCH path (RFC 7644 §3.5.2: <c>attrPath</c> or <c>valuePath [subAttr]</c>, optionally
    /// URN-qualified), for example <c>members[value eq "2819c223"]</c> or <c>emails[type eq "work"].value</c>.
    /// Throws a 400 <see cref="ScimException"/> with <c>scimType</c> <c>invalidPath</c>.
    /// </summary>
    public static ScimPath ParsePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new Reader(path, ScimErrorType.InvalidPath, "path").ReadPath();
    }

    /// <summary>One parse: the text, the current position and the nesting depth.</summary>
    private sealed class Reader(string text, ScimErrorType errorType, string what)
    {
        private int _position;
        private int _depth;

        public ScimFilter ReadFilter()
        {
            CheckLength();
            var filter = ReadOr(insideValueFilter: false);
            SkipWhitespace();
            if (!AtEnd)
            {
                throw Error("Expected 'and', 'or' or the end of the filter", _position);
            }

            return filter;
        }

        public ScimPath ReadPath()
        {
            CheckLength();
            SkipWhitespace();
            var path = ReadAttributePath(insideValueFilter: false);
            SkipWhitespace();
            if (!AtEnd)
            {
                throw Error("Expected the end of the path", _position);
            }

            return path;
        }

        private bool AtEnd => _position >= text.Length;

        private char Current => text[_position];

        private void CheckLength()
        {
            if (text.Length > MaxLength)
            {
                throw ScimException.BadRequest(errorType, $"The {what} is longer than {MaxLength} characters.");
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                throw ScimException.BadRequest(errorType, $"The {what} is empty.");
            }
        }

        private ScimFilter ReadOr(bool insideValueFilter)
        {
            var left = ReadAnd(insideValueFilter);
            while (TryKeyword("or"))
            {
                var right = ReadAnd(insideValueFilter);
                left = new ScimLogicalFilter(ScimLogicalOperator.Or, left, right, left.Position);
            }

            return left;
        }

        private ScimFilter ReadAnd(bool insideValueFilter)
        {
            var left = ReadUnary(insideValueFilter);
            while (TryKeyword("and"))
            {
                var right = ReadUnary(insideValueFilter);
                left = new ScimLogicalFilter(ScimLogicalOperator.And, left, right, left.Position);
            }

            return left;
        }

        private ScimFilter ReadUnary(bool insideValueFilter)
        {
            SkipWhitespace();
            var start = _position;
            if (AtEnd)
            {
                throw Error("Expected an attribute path, 'not' or '('", start);
            }

            if (Current == '(')
            {
                return ReadGroup(insideValueFilter);
            }

            if (TryKeyword("not"))
            {
                SkipWhitespace();
                if (AtEnd || Current != '(')
                {
                    throw Error("Expected '(' after 'not'", _position);
                }

                return new ScimNotFilter(ReadGroup(insideValueFilter), start);
            }

            return ReadAttributeExpression(start, insideValueFilter);
        }

        private ScimFilter ReadGroup(bool insideValueFilter)
        {
            var open = _position;
            Enter(open);
            _position++;
            var inner = ReadOr(insideValueFilter);
            SkipWhitespace();
            if (AtEnd || Current != ')')
            {
                throw Error($"Expected ')' (opened at position {open})", _position);
            }

            _position++;
            _depth--;
            return inner;
        }

        private ScimFilter ReadAttributeExpression(int start, bool insideValueFilter)
        {
            var path = ReadAttributePath(insideValueFilter);
            if (path.ValueFilter is not null && path.SubAttributeName is null)
            {
                return new ScimValuePathFilter(path, start);
            }

            SkipWhitespace();
            var operatorStart = _position;
            var word = ReadWhile(char.IsAsciiLetter);
            if (string.Equals(word, "pr", StringComparison.OrdinalIgnoreCase))
            {
                return new ScimPresentFilter(path, start);
            }

            var index = Array.FindIndex(ScimFilterText.OperatorNames, n => string.Equals(n, word, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                throw Error($"Expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after '{path}'", operatorStart);
            }

            var value = ReadValue();
            return new ScimComparisonFilter(path, (ScimComparisonOperator)index, value, start);
        }

        /// <summary>
        /// <c>[urn:...:]name[[filter]][.name]</c>. A URN ends at the last ':' of the word, before the attribute
        /// name (RFC 7644 §3.10): <c>urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value</c>.
        /// </summary>
        private ScimPath ReadAttributePath(bool insideValueFilter)
        {
            string? urn = null;
            if (string.Compare(text, _position, "urn:", 0, 4, StringComparison.OrdinalIgnoreCase) == 0)
            {
                var wordStart = _position;
                var word = ReadWhile(c => !char.IsWhiteSpace(c) && c is not ('[' or ']' or '(' or ')' or '"'));
                var lastColon = word.LastIndexOf(':');
                urn = word[..lastColon];
                _position = wordStart + lastColon + 1;
            }

            var name = ReadName("an attribute name");
            ScimFilter? valueFilter = null;
            if (!AtEnd && Current == '[')
            {
                if (insideValueFilter)
                {
                    throw Error("Expected no '[' (value filters cannot be nested)", _position);
                }

                var open = _position;
                Enter(open);
                _position++;
                valueFilter = ReadOr(insideValueFilter: true);
                SkipWhitespace();
                if (AtEnd || Current != ']')
                {
                    throw Error($"Expected ']' (opened at position {open})", _position);
                }

                _position++;
                _depth--;
            }

            string? subAttribute = null;
            if (!AtEnd && Current == '.')
            {
                _position++;
                subAttribute = ReadName("a sub-attribute name");
            }

            return new ScimPath(urn, name, valueFilter, subAttribute);
        }

        /// <summary>RFC 7643 §2.1: ALPHA *(ALPHA / DIGIT / "-" / "_"); also <c>$ref</c>.</summary>
        private string ReadName(string expected)
        {
            var start = _position;
            if (AtEnd || !(char.IsAsciiLetter(Current) || Current == '$'))
            {
                throw Error($"Expected {expected}", start);
            }

            _position++;
            ReadWhile(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
            return text[start.._position];
        }

        private ScimLiteral ReadValue()
        {
            SkipWhitespace();
            var start = _position;
            if (!AtEnd && Current == '"')
            {
                return new ScimLiteral(ScimLiteralKind.String, ReadString(), Quoted: true);
            }

            // Q2: an unquoted word runs to the next space or closing bracket.
            var word = ReadWhile(c => !char.IsWhiteSpace(c) && c is not (')' or ']'));
            if (word.Length == 0)
            {
                throw Error("Expected a value (a quoted string, true, false, null or a number)", start);
            }

            foreach (var keyword in (ReadOnlySpan<string>)["true", "false", "null"])
            {
                if (string.Equals(word, keyword, StringComparison.OrdinalIgnoreCase))
                {
                    return new ScimLiteral(keyword == "null" ? ScimLiteralKind.Null : ScimLiteralKind.Boolean, keyword, Quoted: false);
                }
            }

            return IsJsonNumber(word)
                ? new ScimLiteral(ScimLiteralKind.Number, word, Quoted: false)
                : new ScimLiteral(ScimLiteralKind.String, word, Quoted: false);
        }

        /// <summary>A JSON string (RFC 8259 §7) with its escapes, \" \\ \/ \b \f \n \r \t \uXXXX (Q7).</summary>
        private string ReadString()
        {
            var start = _position;
            _position++;
            var builder = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw Error("Expected a closing '\"' for the string", start);
                }

                var c = text[_position++];
                if (c == '"')
                {
                    return builder.ToString();
                }

                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                var escape = _position - 1;
                if (AtEnd)
                {
                    throw Error("Expected an escape sequence after '\\'", escape);
                }

                switch (text[_position++])
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u' when _position + 4 <= text.Length
                        && ushort.TryParse(text.AsSpan(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                        builder.Append((char)code);
                        _position += 4;
                        break;
                    default:
                        throw Error("Expected a valid escape sequence (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)", escape);
                }
            }
        }

        /// <summary>RFC 8259 §6: [minus] int [frac] [exp].</summary>
        private static bool IsJsonNumber(string word)
        {
            var i = 0;
            if (i < word.Length && word[i] == '-')
            {
                i++;
            }

            var digits = CountDigits(word, i);
            if (digits == 0 || (digits > 1 && word[i] == '0'))
            {
                return false;
            }

            i += digits;
            if (i < word.Length && word[i] == '.')
            {
                digits = CountDigits(word, ++i);
                if (digits == 0)
                {
                    return false;
                }

                i += digits;
            }

            if (i < word.Length && word[i] is 'e' or 'E')
            {
                i++;
                if (i < word.Length && word[i] is '+' or '-')
                {
                    i++;
                }

                digits = CountDigits(word, i);
                if (digits == 0)
                {
                    return false;
                }

                i += digits;
            }

            return i == word.Length;
        }

        private static int CountDigits(string word, int start)
        {
            var end = start;
            while (end < word.Length && char.IsAsciiDigit(word[end]))
            {
                end++;
            }

            return end - start;
        }

        /// <summary>A keyword (case-insensitive, Q3) standing alone: not the start of a longer name.</summary>
        private bool TryKeyword(string keyword)
        {
            SkipWhitespace();
            var end = _position + keyword.Length;
            if (end > text.Length
                || string.Compare(text, _position, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) != 0
                || (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '-' or '_' or '.' or ':' or '[' or '$')))
            {
                return false;
            }

            _position = end;
            return true;
        }

        private string ReadWhile(Func<char, bool> accept)
        {
            var start = _position;
            while (!AtEnd && accept(Current))
            {
                _position++;
            }

            return text[start.._position];
        }

        private void SkipWhitespace() => ReadWhile(char.IsWhiteSpace);

        private void Enter(int at)
        {
            if (++_depth > MaxDepth)
            {
                throw ScimException.BadRequest(errorType, $"The {what} nests parentheses, 'not' and value filters deeper than {MaxDepth} levels at position {at}.");
            }
        }

        private ScimException Error(string expected, int at) =>
            ScimException.BadRequest(errorType, $"Invalid {what}: {expected} at position {at}.");
    }
}
