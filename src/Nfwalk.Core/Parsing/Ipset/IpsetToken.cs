using Nfwalk.Diagnostics;

namespace Nfwalk.Parsing.Ipset;

/// <summary>One word of an ipset line; a double-quoted word has its quotes removed. Column is 1-based.</summary>
internal readonly record struct IpsetToken(string Text, int Column, bool Quoted)
{
    /// <summary>
    /// Splits a line at blanks, as ipset's restore parser does; "…" keeps blanks inside (ipset refuses '"' in
    /// comments, so there is no escaping). An unterminated quote is reported and the rest of the line taken as the word.
    /// </summary>
    public static List<IpsetToken> Split(string line, string file, int lineNo, DiagnosticBag diags)
    {
        var list = new List<IpsetToken>();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) break;
            int start = i;
            if (line[i] == '"')
            {
                int close = line.IndexOf('"', i + 1);
                if (close < 0)
                {
                    diags.Error(new SourceLocation(file, lineNo, start + 1), "unterminated quoted string: the closing \" is missing");
                    list.Add(new IpsetToken(line[(i + 1)..], start + 1, true));
                    break;
                }
                list.Add(new IpsetToken(line[(i + 1)..close], start + 1, true));
                i = close + 1;
                continue;
            }
            while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            list.Add(new IpsetToken(line[start..i], start + 1, false));
        }
        return list;
    }
}
