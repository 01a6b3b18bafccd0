using System.Globalization;
using System.Text;

namespace OrgIdentity.Scim;

/// <summary>Canonical spellings shared by the filter tree's <c>ToString</c> and the parser.</summary>
internal static class ScimFilterText
{
    /// <summary>The wire names of the comparison operators, in <see cref="ScimComparisonOperator"/> order.</summary>
    public static readonly string[] OperatorNames = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

    public static string Operator(ScimComparisonOperator op) => OperatorNames[(int)op];

    /// <summary>
    /// A JSON string literal. Only what JSON requires is escaped (quote, backslash, control characters, lone
    /// surrogates), so <c>O'Malley</c> stays readable (System.Text.Json's default encoder would write \u0027).
    /// </summary>
    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[++i]);
                    }
                    else if (c < ' ' || char.IsSurrogate(c))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
