using System.Globalization;
using Nfwalk.Diagnostics;

namespace Nfwalk.Parsing.Iproute2;

/// <summary>A word of a line: where it starts (0-based) and how long it is.</summary>
internal readonly record struct Word(int Start, int Length)
{
    public int Column => Start + 1;
    public ReadOnlySpan<char> Of(ReadOnlySpan<char> line) => line.Slice(Start, Length);
}

/// <summary>Line and word splitting without regular expressions or per-line arrays; columns stay exact.</summary>
internal static class TextLines
{
    /// <summary>Calls <paramref name="onLine"/> with (1-based number, line without its end-of-line).</summary>
    public static void ForEach(string text, LineAction onLine)
    {
        int lineNo = 0, pos = 0;
        var span = text.AsSpan();
        while (pos <= span.Length)
        {
            lineNo++;
            int nl = span[pos..].IndexOf('\n');
            int end = nl < 0 ? span.Length : pos + nl;
            var line = span[pos..end];
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (!(nl < 0 && line.Length == 0)) onLine(lineNo, line);
            if (nl < 0) break;
            pos = end + 1;
        }
    }

    public delegate void LineAction(int lineNumber, ReadOnlySpan<char> line);

    /// <summary>Splits on spaces and tabs.</summary>
    public static void Words(ReadOnlySpan<char> line, List<Word> into)
    {
        into.Clear();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
            if (i >= line.Length) break;
            int s = i;
            while (i < line.Length && line[i] != ' ' && line[i] != '\t') i++;
            into.Add(new Word(s, i - s));
        }
    }

    public static bool IsBlankOrComment(ReadOnlySpan<char> line)
    {
        var t = line.TrimStart();
        return t.IsEmpty || t[0] == '#';
    }
}

/// <summary>Numbers the way iproute2 reads them (get_u32 and friends: strtoul with base 0 unless said otherwise).</summary>
internal static class Num
{
    public static bool TryU32(ReadOnlySpan<char> s, out uint value)
    {
        var ok = TryU64(s, out var v, uint.MaxValue);
        value = (uint)v;
        return ok;
    }

    public static bool TryU64(ReadOnlySpan<char> s, out ulong value, ulong max = ulong.MaxValue)
    {
        value = 0;
        if (s.IsEmpty) return false;
        int b = 10, i = 0;
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { b = 16; i = 2; }
        else if (s.Length > 1 && s[0] == '0') { b = 8; i = 1; }
        for (; i < s.Length; i++)
        {
            int d = s[i] switch { >= '0' and <= '9' => s[i] - '0', >= 'a' and <= 'f' => s[i] - 'a' + 10, >= 'A' and <= 'F' => s[i] - 'A' + 10, _ => 99 };
            if (d >= b) return false;
            if (value > (max - (ulong)d) / (ulong)b) return false;
            value = value * (ulong)b + (ulong)d;
        }
        return true;
    }

    public static bool TryDec(ReadOnlySpan<char> s, out int value) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>Hexadecimal with or without "0x" (rtnl_dsfield_a2n reads TOS values in base 16).</summary>
    public static bool TryHexByte(ReadOnlySpan<char> s, out byte value)
    {
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s = s[2..];
        return byte.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>"N" or "N-M" (ip rule sport/dport/uidrange).</summary>
    public static bool TryRange(ReadOnlySpan<char> s, uint max, out uint start, out uint end)
    {
        start = end = 0;
        int dash = s.IndexOf('-');
        if (dash < 0) { if (!TryU64(s, out var v, max)) return false; start = end = (uint)v; return true; }
        if (!TryU64(s[..dash], out var a, max) || !TryU64(s[(dash + 1)..], out var b, max) || b < a) return false;
        start = (uint)a; end = (uint)b;
        return true;
    }
}

/// <summary>Diagnostics tied to one file.</summary>
internal readonly struct Reporter(string file, DiagnosticBag bag)
{
    public string File => file;
    public DiagnosticBag Bag => bag;
    public SourceLocation At(int line, int column) => new(file, line, column);
    public void Warning(int line, int column, string message) => bag.Warning(At(line, column), message);
    public void Error(int line, int column, string message) => bag.Error(At(line, column), message);
    public void Info(int line, int column, string message) => bag.Info(At(line, column), message);
}

/// <summary>Interns the few distinct strings (device names, tables, protocols) a large dump repeats.</summary>
internal sealed class StringCache
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringCache() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<char> s)
    {
        if (_lookup.TryGetValue(s, out var v)) return v;
        var str = s.ToString();
        _strings[str] = str;
        return str;
    }
}
