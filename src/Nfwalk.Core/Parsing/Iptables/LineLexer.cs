using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// Splits one line into words the way iptables-restore does (xshared.c add_param_to_argv):
/// blanks separate words, a double-quoted part may contain blanks, and inside quotes a backslash
/// escapes the next character. Single quotes are ordinary characters.
/// </summary>
public static class LineLexer
{
    /// <summary>
    /// The words of <paramref name="line"/> (positions in it); false (with the column of the opening quote) for an
    /// unterminated quoted string.
    /// </summary>
    public static bool Split(ReadOnlySpan<char> line, List<Token> tokens, out int badColumn)
    {
        tokens.Clear();
        badColumn = 0;
        int i = 0;
        while (i < line.Length)
        {
            // every character above '"' is an ordinary one: one comparison per character on the common path
            char c = line[i];
            if (c <= '"' && (c == ' ' || c == '\t' || c == '\r')) { i++; continue; }
            int start = i;
            bool quoted = false;
            while (i < line.Length)
            {
                // the characters above '"' four at a time: a word is mostly those, and one at a time they were 6
                // instructions each (the lexer was a sixth of the instructions "nfwalk check" ran on a kube-proxy dump)
                while (i + 4 <= line.Length)
                {
                    ulong below = BelowQuote(ref Unsafe.Add(ref MemoryMarshal.GetReference(line), i));
                    if (below == 0) { i += 4; continue; }
                    i += BitOperations.TrailingZeroCount(below) >> 4;
                    break;
                }
                if (i >= line.Length) break;
                c = line[i];
                if (c > '"' || c == '!' || (c < ' ' && c != '\t' && c != '\r')) { i++; continue; }
                if (c != '"') break; // a blank ends the word
                // a quoted part: runs to the next unescaped quote and ends the word there
                quoted = true;
                int q = i;
                i++;
                while (true)
                {
                    int k = line[i..].IndexOfAny('"', '\\');
                    if (k < 0) { badColumn = q + 1; return false; }
                    i += k;
                    if (line[i] == '"') break;
                    i += i + 1 < line.Length ? 2 : 1; // a backslash takes the next character with it
                    if (i >= line.Length) { badColumn = q + 1; return false; }
                }
                i++;
                break;
            }
            tokens.Add(new Token(start, i - start, quoted));
        }
        return true;
    }

    /// <summary>
    /// Of the four characters at <paramref name="at"/>, read as one 64-bit word: the high bit of each 16-bit lane whose
    /// character is below '#' set — the lowest set bit exactly (subtracting 0x23 from a lower lane can borrow from the
    /// lanes above it, so a higher bit may be set for a character that is not), none when all four are above '"'. A
    /// character of U+8000 or more has its high bit cleared by the "&amp; ~x" and counts as above.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BelowQuote(ref char at)
    {
        ulong x = Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<char, byte>(ref at));
        if (!BitConverter.IsLittleEndian) x = (x >> 48) | ((x >> 16) & 0xFFFF_0000UL) | ((x << 16) & 0xFFFF_0000_0000UL) | (x << 48);
        return (x - 0x0023_0023_0023_0023UL) & ~x & 0x8000_8000_8000_8000UL;
    }

    /// <summary>The length of <see cref="Value"/>, without making the string when the word has no escapes.</summary>
    public static int ValueLength(ReadOnlySpan<char> text, in Token t)
    {
        if (!t.Quoted) return t.Length;
        var raw = text.Slice(t.Start, t.Length);
        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' && raw[1..^1].IndexOfAny('"', '\\') < 0) return raw.Length - 2;
        return Value(text, t).Length;
    }

    /// <summary>The value of a word with quotes removed and escapes resolved.</summary>
    public static string Value(ReadOnlySpan<char> text, in Token t)
    {
        var raw = text.Slice(t.Start, t.Length);
        if (!t.Quoted) return raw.ToString();
        // the common case: "..." with no escapes inside
        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' && raw[1..^1].IndexOfAny('"', '\\') < 0) return raw[1..^1].ToString();
        var sb = new StringBuilder(t.Length);
        bool inQuote = false;
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '"') { inQuote = !inQuote; continue; }
            if (inQuote && c == '\\' && i + 1 < raw.Length) { sb.Append(raw[++i]); continue; }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
