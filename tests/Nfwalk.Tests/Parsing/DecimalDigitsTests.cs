using System.Globalization;
using Nfwalk.Model.Net;

namespace Nfwalk.Tests.Parsing;

/// <summary>The short-number reader of prefix lengths and ports reads exactly what uint.TryParse reads with NumberStyles.None.</summary>
public class DecimalDigitsTests
{
    [Fact]
    public void Reads_what_the_general_parser_reads()
    {
        var cases = new List<string> { "", "0", "00", "7", "32", "128", "65535", "65536", "000000080", "0000000080", "999999999", "1000000000",
            "4294967295", "4294967296", "99999999999", "-1", "+1", " 1", "1 ", "1a", "0x10", "\u0661", "1.5", "12\u00003" };
        var rng = new Random(3);
        const string alphabet = "0123456789 +-x.\u0660";
        for (int k = 0; k < 5000; k++)
        {
            var chars = new char[rng.Next(0, 13)];
            for (int i = 0; i < chars.Length; i++) chars[i] = rng.Next(4) == 0 ? alphabet[rng.Next(alphabet.Length)] : (char)('0' + rng.Next(10));
            cases.Add(new string(chars));
        }
        foreach (var s in cases)
        {
            bool expected = uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out uint e);
            Assert.Equal(expected, DecimalDigits.TryParse(s, out uint v));
            if (expected) Assert.Equal(e, v);
        }
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("256.0.0.1", false)]
    [InlineData("1.2.3", false)]
    [InlineData("1.2.3.4.", false)]
    [InlineData("1.2.3.4.5", false)]
    [InlineData("01.2.3.4", true)]
    [InlineData("0001.2.3.4", false)]
    [InlineData("1..3.4", false)]
    [InlineData("1.2.3.4:80", false)]
    [InlineData("::ffff:1.2.3.4", true)]
    [InlineData("fd00::1", true)]
    [InlineData("fd00::1/64", false)]
    [InlineData("a.b.c.d", false)]
    public void Addresses_are_read_strictly(string text, bool ok)
    {
        Assert.Equal(ok, IpAddress.TryParse(text, out _));
    }

    [Theory]
    [InlineData("10.0.0.0/8", 8)]
    [InlineData("10.0.0.1", 32)]
    [InlineData("10.0.0.0/032", 32)]
    [InlineData("10.0.0.0/33", -1)]
    [InlineData("10.0.0.0/", -1)]
    [InlineData("10.0.0.0/+8", -1)]
    [InlineData("10.0.0.0/255.255.0.0", 16)]
    [InlineData("10.0.0.0/255.0.255.0", -1)]
    [InlineData("fd00::/64", 64)]
    [InlineData("fd00::/129", -1)]
    [InlineData("10.0.0.0/00000000008", 8)]
    public void Prefix_lengths_are_read_as_before(string text, int length)
    {
        Assert.Equal(length >= 0, IpPrefix.TryParse(text, out var p));
        if (length >= 0) Assert.Equal(length, p.Length);
    }

    [Fact]
    public void Probabilities_are_read_to_the_bit_as_the_general_parser_reads_them()
    {
        var cases = new List<string> { "0.33333333333", "0.50000000000", "1.00000000000", "0", "1", ".5", "5.", ".", "", "0.1", "0.3",
            "0.999999999999999", "0.9999999999999999", "1e-3", "-0", "+0.5", " 0.5", "0.5 ", "0..5", "1,5", "NaN", "Infinity", "000000000000000.5" };
        var rng = new Random(5);
        for (int k = 0; k < 20000; k++)
        {
            int digits = rng.Next(1, 18), point = rng.Next(-1, digits + 1);
            var chars = new List<char>();
            for (int i = 0; i < digits; i++) { if (i == point) chars.Add('.'); chars.Add((char)('0' + rng.Next(10))); }
            if (point == digits) chars.Add('.');
            cases.Add(new string([.. chars]));
        }
        // kube-proxy's probabilities: 1/n with eleven decimals
        for (int n = 1; n <= 1000; n++) cases.Add((1.0 / n).ToString("F11", CultureInfo.InvariantCulture));
        foreach (var s in cases)
        {
            bool expected = double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double e);
            Assert.Equal(expected, Nfwalk.Parsing.Iptables.Values.TryDouble(s, out double v));
            if (expected) Assert.Equal(BitConverter.DoubleToInt64Bits(e), BitConverter.DoubleToInt64Bits(v));
        }
    }

    // the dotted-quad reader as it was written before it was made faster: the reference for the one now in IpAddress
    private static bool ReferenceV4(string s, out uint v)
    {
        v = 0; int parts = 0; int i = 0;
        if (s.Length == 0 || s.Contains(':')) return false;
        while (i <= s.Length)
        {
            int start = i; uint octet = 0;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9') { octet = octet * 10 + (uint)(s[i] - '0'); if (octet > 255) return false; i++; }
            if (i == start || i - start > 3) return false;
            v = (v << 8) | octet; parts++;
            if (i == s.Length) break;
            if (s[i] != '.') return false;
            i++;
        }
        return parts == 4;
    }

    [Fact]
    public void Dotted_quads_are_read_as_the_reference_reads_them()
    {
        var rng = new Random(9);
        const string alphabet = "0123456789.......x /";
        for (int k = 0; k < 100_000; k++)
        {
            var chars = new char[rng.Next(0, 19)];
            for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[rng.Next(alphabet.Length)];
            var s = new string(chars);
            bool expected = ReferenceV4(s, out uint e);
            Assert.Equal(expected, IpAddress.TryParse(s, out var a) && a.IsV4);
            if (expected) Assert.Equal(e, a.V4);
        }
        foreach (var s in new[] { "0.0.0.0", "255.255.255.255", "1.2.3.4", "001.002.003.004", "10.244.231.216" })
        {
            Assert.True(ReferenceV4(s, out uint e));
            Assert.True(IpAddress.TryParse(s, out var a));
            Assert.Equal(e, a.V4);
        }
    }
}
