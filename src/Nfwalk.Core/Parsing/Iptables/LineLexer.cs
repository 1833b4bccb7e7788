using System.Text;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// Splits one line into words the way iptables-restore does (xshared.c add_param_to_argv):
/// blanks separate words, a double-quoted part may contain blanks, and inside quotes a backslash
/// escapes the next character. Single quotes are ordinary characters.
/// </summary>
public static class LineLexer
{
    /// <summary>Returns false (with the column of the opening quote) for an unterminated quoted string.</summary>
    public static bool Split(string text, int lineStart, int lineLength, List<Token> tokens, out int badColumn)
    {
        tokens.Clear();
        badColumn = 0;
        int end = lineStart + lineLength;
        int i = lineStart;
        while (i < end)
        {
            char c = text[i];
            if (c == ' ' || c == '\t' || c == '\r') { i++; continue; }
            int start = i;
            bool quoted = false;
            while (i < end)
            {
                c = text[i];
                if (c == '"')
                {
                    // a quoted part: runs to the next unescaped quote and ends the word there
                    quoted = true;
                    int q = i;
                    i++;
                    while (i < end && text[i] != '"')
                    {
                        if (text[i] == '\\' && i + 1 < end) i++;
                        i++;
                    }
                    if (i >= end) { badColumn = q - lineStart + 1; return false; }
                    i++;
                    break;
                }
                if (c == ' ' || c == '\t' || c == '\r') break;
                i++;
            }
            tokens.Add(new Token(start, i - start, start - lineStart + 1, quoted));
        }
        return true;
    }

    /// <summary>The value of a word with quotes removed and escapes resolved.</summary>
    public static string Value(string text, in Token t)
    {
        if (!t.Quoted) return text.Substring(t.Start, t.Length);
        var raw = text.AsSpan(t.Start, t.Length);
        // the common case: "..." with no escapes inside
        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' && raw[1..^1].IndexOfAny('"', '\\') < 0) return raw[1..^1].ToString();
        var sb = new StringBuilder(t.Length);
        bool inQuote = false;
        for (int i = t.Start; i < t.Start + t.Length; i++)
        {
            char c = text[i];
            if (c == '"') { inQuote = !inQuote; continue; }
            if (inQuote && c == '\\' && i + 1 < t.Start + t.Length) { sb.Append(text[++i]); continue; }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
