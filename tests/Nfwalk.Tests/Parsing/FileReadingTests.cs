using System.Text;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// SaveParser.ParseFile keeps a file as its bytes and decodes it line by line; the text, every rule's line and every
/// column are those of File.ReadAllText's text.
/// </summary>
public class FileReadingTests
{
    /// <summary>The file read both ways (mapped when large enough, and read), each checked against File.ReadAllText.</summary>
    private static void SameAsReadAllText(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nfwalk-read-{Guid.NewGuid():N}.rules");
        try
        {
            File.WriteAllBytes(path, bytes);
            var text = File.ReadAllText(path);
            foreach (var map in new[] { true, false })
            {
                var parsed = SaveParser.ParseFile(path, null, map);
                Assert.Equal(text, parsed.Ruleset.Source!.Text);
                // files of a megabyte or more are mapped, unless they are UTF-16 or UTF-32 (decoded as a whole)
                bool wide = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]);
                Assert.Equal(map && bytes.Length >= 1 << 20 && !wide, parsed.Ruleset.Source.IsMapped);
                // each rule's own line, decoded by itself, is the same line of the whole text
                var lines = text.Split('\n');
                foreach (var rule in parsed.Ruleset.Tables.SelectMany(t => t.Chains).SelectMany(c => c.Rules))
                    Assert.Equal(lines[rule.Source.Number - 1].TrimEnd('\r'), rule.OriginalText);
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Columns_count_characters_after_non_ascii_text()
    {
        // "café" and "→" are 5 and 3 bytes in UTF-8 but 4 and 1 characters: the error after them is at the character's column
        var line = "-A INPUT -m comment --comment \"caf\u00e9 \u2192\" --bogus 1 -j ACCEPT";
        var bytes = Encoding.UTF8.GetBytes($"*filter\n:INPUT ACCEPT [0:0]\n{line}\nCOMMIT\n");
        var path = Path.Combine(Path.GetTempPath(), $"nfwalk-read-{Guid.NewGuid():N}.rules");
        try
        {
            File.WriteAllBytes(path, bytes);
            var parsed = SaveParser.ParseFile(path);
            var error = Assert.Single(parsed.Diagnostics, d => d.Severity == Nfwalk.Diagnostics.Severity.Error);
            Assert.Equal((3, line.IndexOf("--bogus") + 1), (error.Location.Line, error.Location.Column));
            // the comment, read from its line only when asked for, decodes alike
            var rule = parsed.Ruleset.Tables.Single().Chains.Single().Rules.Single();
            Assert.Equal("caf\u00e9 \u2192", rule.Matches.OfType<Nfwalk.Model.Matches.CommentMatch>().Single().Comment);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Comments_read_from_the_file_decode_as_the_line_says()
    {
        // each comment is kept as its word's place in the file and decoded when read: quoted or not, with escapes, after a
        // counter prefix or blanks, on a line with non-ASCII text before it (decoded at once), in a small file and a mapped one
        string[] words = ["plain", "\"two words\"", "\"say \\\"hi\\\" \\\\ ok\"", "\"caf\u00e9\"", "\"\""];
        string[] values = ["plain", "two words", "say \"hi\" \\ ok", "caf\u00e9", ""];
        var sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n");
        foreach (var w in words) sb.Append($"-A INPUT -m comment --comment {w} -j ACCEPT\n");
        sb.Append("[3:180]   -A INPUT -m comment --comment \"counted\" -j ACCEPT\n");
        sb.Append("-A INPUT -i \u00e9th0 -m comment --comment \"after \\\"\u00e9\\\"\" -j ACCEPT\n");
        var body = sb.ToString();
        string[] expected = [.. values, "counted", "after \"\u00e9\""];
        // padded with comment lines past a megabyte, so that the file is mapped as well
        foreach (var pad in new[] { 0, 30_000 })
        {
            var text = body + string.Concat(Enumerable.Repeat("# padding line to make the file large\n", pad)) + "COMMIT\n";
            var path = Path.Combine(Path.GetTempPath(), $"nfwalk-read-{Guid.NewGuid():N}.rules");
            try
            {
                File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
                Assert.Equal(pad > 0, SaveParser.ParseFile(path).Ruleset.Source!.IsMapped);
                foreach (var map in new[] { true, false })
                foreach (var parsed in new[] { SaveParser.ParseFile(path, null, map), SaveParser.Parse(text, path, parallel: true), SaveParser.Parse(text, path, parallel: false) })
                {
                    Assert.DoesNotContain(parsed.Diagnostics, d => d.Severity == Nfwalk.Diagnostics.Severity.Error);
                    var comments = parsed.Ruleset.Tables.Single().Chains.Single().Rules
                        .Select(r => r.Matches.OfType<Nfwalk.Model.Matches.CommentMatch>().Single().Comment).ToArray();
                    Assert.Equal(expected, comments);
                }
            }
            finally { File.Delete(path); }
        }
    }

    private static byte[] Dump(int rules, string comment)
    {
        var sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n");
        for (int i = 0; i < rules; i++) sb.Append($"-A INPUT -s 10.0.{i / 256 % 256}.{i % 256}/32 -m comment --comment \"{comment} {i}\" -j ACCEPT\n");
        return Encoding.UTF8.GetBytes(sb.Append("COMMIT\n").ToString());
    }

    [Fact] public void Ascii_dump_larger_than_one_read() => SameAsReadAllText(Dump(3000, "plain"));

    [Fact] public void Utf8_comment_after_the_first_64_KB() => SameAsReadAllText([.. Dump(2000, "plain"), .. Encoding.UTF8.GetBytes("# caf\u00e9 \u2192 \U0001F600\n")]);

    [Fact] public void Utf8_byte_order_mark_is_dropped() => SameAsReadAllText([0xEF, 0xBB, 0xBF, .. Dump(10, "x")]);

    [Fact] public void Utf16_byte_order_mark_is_decoded() => SameAsReadAllText([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("*filter\nCOMMIT\n")]);

    [Fact] public void Invalid_utf8_becomes_replacement_characters()
    {
        var rnd = new Random(11);
        for (int k = 0; k < 20; k++)
        {
            var bytes = Dump(200 * k + 1, "x");
            for (int i = 0; i < 30; i++) bytes[rnd.Next(bytes.Length)] = (byte)rnd.Next(0x80, 0x100);
            SameAsReadAllText(bytes);
        }
    }

    [Fact] public void Empty_file() => SameAsReadAllText([]);

    // files of 4 MB or more, when not mapped, are read in parts on two threads
    [Fact] public void Ascii_dump_read_in_two_halves() => SameAsReadAllText(Dump(70_000, "two halves"));

    // from a megabyte on, a file is mapped: its byte order marks are handled as in a file that is read
    [Fact] public void Mapped_file_with_a_utf8_byte_order_mark() => SameAsReadAllText([0xEF, 0xBB, 0xBF, .. Dump(20_000, "bom")]);

    [Fact]
    public void Large_utf16_file_is_decoded_not_mapped()
    {
        var sb = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n");
        for (int i = 0; i < 20_000; i++) sb.Append($"-A INPUT -s 10.0.{i / 256 % 256}.{i % 256}/32 -j ACCEPT\n");
        byte[] bytes = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(sb.Append("COMMIT\n").ToString())];
        Assert.True(bytes.Length >= 1 << 20);
        SameAsReadAllText(bytes);
    }

    [Fact] public void Mapped_file_of_exactly_a_megabyte_without_a_final_newline()
    {
        var dump = Dump(20_000, "edge");
        var bytes = dump.AsSpan(0, 1 << 20).ToArray();
        SameAsReadAllText(bytes);
    }

    [Fact]
    public void Non_ascii_in_either_half_of_a_big_file()
    {
        var bytes = Dump(70_000, "x");
        Assert.True(bytes.Length >= 4 << 20);
        foreach (var at in new[] { bytes.Length / 4, bytes.Length / 2 - 1, bytes.Length / 2, bytes.Length / 2 + 1, bytes.Length - 3 })
        {
            var copy = (byte[])bytes.Clone();
            copy[at] = 0xE9; // an invalid UTF-8 byte: the reader falls back to the decoder
            SameAsReadAllText(copy);
        }
    }
}
