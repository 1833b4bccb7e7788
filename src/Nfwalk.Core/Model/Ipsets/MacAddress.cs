using System.Globalization;

namespace Nfwalk.Model.Ipsets;

/// <summary>A 48-bit Ethernet address. Printed as ipset prints it: upper-case hex pairs separated by colons.</summary>
public readonly record struct MacAddress(ulong Value)
{
    public bool IsZero => Value == 0;

    /// <summary>Six hex pairs separated by ':' (one-digit parts are accepted and zero-padded).</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out MacAddress mac)
    {
        mac = default;
        ulong v = 0; int parts = 0; int i = 0;
        while (true)
        {
            int start = i;
            while (i < s.Length && char.IsAsciiHexDigit(s[i])) i++;
            if (i - start is < 1 or > 2) return false;
            v = (v << 8) | byte.Parse(s[start..i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            parts++;
            if (i == s.Length) break;
            if (s[i] != ':' || parts == 6) return false;
            i++;
        }
        if (parts != 6) return false;
        mac = new MacAddress(v);
        return true;
    }

    public static MacAddress Parse(string s) => TryParse(s, out var m) ? m : throw new FormatException($"not a MAC address: {s}");

    public override string ToString()
    {
        Span<char> b = stackalloc char[17];
        for (int i = 0; i < 6; i++)
        {
            var octet = (byte)(Value >> (8 * (5 - i)));
            octet.TryFormat(b.Slice(i * 3, 2), out _, "X2", CultureInfo.InvariantCulture);
            if (i < 5) b[i * 3 + 2] = ':';
        }
        return new string(b);
    }
}
