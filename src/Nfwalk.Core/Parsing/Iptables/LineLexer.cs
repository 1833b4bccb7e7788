using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
        int n = line.Length, i = 0;
        while (i < n)
        {
            char c = line[i];
            if (c == ' ' || c == '\t' || c == '\r') { i++; continue; }
            int start = i;
            bool quoted = false;
            // the word: its characters above '"' eight or four at a time (a word is mostly those; one at a time, each was 6
            // instructions, and the lexer a sixth of the instructions "nfwalk check" ran on a kube-proxy dump), then what
            // stopped them: a blank ends the word, '!' and control characters other than tab and CR are part of it, and a
            // double quote starts a quoted part that ends it
            while (true)
            {
                while (Vector128.IsHardwareAccelerated && i + 8 <= n)
                {
                    var eight = Vector128.LoadUnsafe(ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(line)), (nuint)i);
                    // two bits per character, read off the bytes (the 16-bit form is a call, not an instruction, in NativeAOT)
                    uint stops = Vector128.LessThanOrEqual(eight, Vector128.Create((ushort)'"')).AsByte().ExtractMostSignificantBits();
                    if (stops == 0) { i += 8; continue; }
                    i += BitOperations.TrailingZeroCount(stops) >> 1;
                    goto Stopped;
                }
                while (i + 4 <= n)
                {
                    ulong below = BelowQuote(ref Unsafe.Add(ref MemoryMarshal.GetReference(line), i));
                    if (below == 0) { i += 4; continue; }
                    i += BitOperations.TrailingZeroCount(below) >> 4;
                    goto Stopped;
                }
                while (i < n && line[i] > '"') i++;
                Stopped:
                if (i >= n) break;
                c = line[i];
                if (c == ' ' || c == '\t' || c == '\r') break;
                if (c != '"') { i++; continue; }
                quoted = true;
                int q = i;
                i++;
                while (true)
                {
                    int k = line[i..].IndexOfAny('"', '\\');
                    if (k < 0) { badColumn = q + 1; return false; }
                    i += k;
                    if (line[i] == '"') break;
                    i += i + 1 < n ? 2 : 1; // a backslash takes the next character with it
                    if (i >= n) { badColumn = q + 1; return false; }
                }
                i++;
                break;
            }
            tokens.Add(new Token(start, i - start, quoted));
            if (i < n && line[i] == ' ') i++; // the one blank after a word, mostly
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
