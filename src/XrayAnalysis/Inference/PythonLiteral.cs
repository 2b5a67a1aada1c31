using System.Globalization;
using System.Text;

namespace XrayAnalysis.Inference;

/// <summary>
/// Parses the Python <c>str()</c> renderings Ultralytics writes into ONNX metadata: <c>{0: 'gun', 1: "it's"}</c>
/// and <c>[640, 640]</c>. These are not JSON (single quotes, integer keys), and names may contain quotes and commas.
/// </summary>
internal static class PythonLiteral
{
    /// <summary>Parses an int-keyed dict of strings. Throws <see cref="FormatException"/> naming the position on bad input.</summary>
    public static IReadOnlyDictionary<int, string> ParseIntStringDict(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<int, string>();
        int i = 0;
        SkipWs(text, ref i);
        Expect(text, ref i, '{');
        SkipWs(text, ref i);
        if (Peek(text, i) == '}')
        {
            return result;
        }

        while (true)
        {
            SkipWs(text, ref i);
            int start = i;
            if (Peek(text, i) is '-' or '+')
            {
                i++;
            }

            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (!int.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int key))
            {
                throw new FormatException($"expected an integer key at position {start} of '{text}'");
            }

            SkipWs(text, ref i);
            Expect(text, ref i, ':');
            SkipWs(text, ref i);
            result[key] = ParseString(text, ref i);
            SkipWs(text, ref i);
            char c = Peek(text, i);
            if (c == ',')
            {
                i++;
                SkipWs(text, ref i);
                if (Peek(text, i) == '}')
                {
                    break;
                }

                continue;
            }

            if (c == '}')
            {
                break;
            }

            throw new FormatException($"expected ',' or '}}' at position {i} of '{text}'");
        }

        return result;
    }

    /// <summary>Parses <c>[a, b]</c>, <c>(a, b)</c> or a bare integer into a list of integers.</summary>
    public static IReadOnlyList<int> ParseIntList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().TrimStart('[', '(').TrimEnd(']', ')');
        var list = new List<int>();
        foreach (string part in t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(int.Parse(part, NumberStyles.Integer, CultureInfo.InvariantCulture));
        }

        return list;
    }

    private static string ParseString(string s, ref int i)
    {
        char quote = Peek(s, i);
        if (quote is not ('\'' or '"'))
        {
            throw new FormatException($"expected a quoted string at position {i} of '{s}'");
        }

        i++;
        var sb = new StringBuilder();
        while (i < s.Length && s[i] != quote)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
                sb.Append(s[i] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    _ => s[i],
                });
            }
            else
            {
                sb.Append(s[i]);
            }

            i++;
        }

        if (i >= s.Length)
        {
            throw new FormatException($"unterminated string in '{s}'");
        }

        i++;
        return sb.ToString();
    }

    private static char Peek(string s, int i) => i < s.Length ? s[i] : '\0';

    private static void SkipWs(string s, ref int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }
    }

    private static void Expect(string s, ref int i, char c)
    {
        if (Peek(s, i) != c)
        {
            throw new FormatException($"expected '{c}' at position {i} of '{s}'");
        }

        i++;
    }
}
