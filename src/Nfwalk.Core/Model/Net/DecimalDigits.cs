using System.Globalization;

namespace Nfwalk.Model.Net;

/// <summary>
/// A number written as decimal digits only (no sign, no blanks, leading zeros allowed: what uint.TryParse reads with
/// NumberStyles.None), read without the general number parser for the short ones a dump is full of (prefix lengths,
/// ports): that parser's culture and style handling was about 150 instructions a number.
/// </summary>
internal static class DecimalDigits
{
    public static bool TryParse(ReadOnlySpan<char> s, out uint value)
    {
        // up to nine digits cannot overflow; longer ones (leading zeros, or too large) go to the general parser
        if (s.IsEmpty || s.Length > 9) return uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        uint v = 0;
        foreach (char c in s)
        {
            uint d = (uint)(c - '0');
            if (d > 9) { value = 0; return false; }
            v = v * 10 + d;
        }
        value = v;
        return true;
    }
}
