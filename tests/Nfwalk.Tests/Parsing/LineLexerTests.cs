using Nfwalk.Parsing.Iptables;
using Xunit;

namespace Nfwalk.Tests.Parsing;

/// <summary>
/// The lexer reads a word's ordinary characters four at a time; these tests hold it to the plain character-by-character
/// reading of iptables-restore's rules (xshared.c add_param_to_argv: blanks separate words, a double-quoted part may hold
/// blanks and backslash escapes and ends the word), written out here as the reference: same words, same quoted flags,
/// same column for an unterminated quote — on lines iptables-save writes, at every length around the four-character
/// steps, and on random lines of the characters that matter (blanks, quotes, backslashes, '!', control characters,
/// characters above U+8000).
/// </summary>
public class LineLexerTests
{
    private static bool Reference(string line, List<Token> tokens, out int badColumn)
    {
        tokens.Clear();
        badColumn = 0;
        int i = 0;
        while (i < line.Length)
        {
            char c = line[i];
            if (c == ' ' || c == '\t' || c == '\r') { i++; continue; }
            int start = i;
            bool quoted = false;
            while (i < line.Length)
            {
                c = line[i];
                if (c == ' ' || c == '\t' || c == '\r') break;
                if (c != '"') { i++; continue; }
                quoted = true;
                int q = i++;
                while (true)
                {
                    if (i >= line.Length) { badColumn = q + 1; return false; }
                    if (line[i] == '"') break;
                    if (line[i] == '\\') { i += 2; if (i > line.Length) { badColumn = q + 1; return false; } continue; }
                    i++;
                }
                i++;
                break;
            }
            tokens.Add(new Token(start, i - start, quoted));
        }
        return true;
    }

    private static void Same(string line)
    {
        var expected = new List<Token>();
        var actual = new List<Token>();
        bool ok1 = Reference(line, expected, out int bad1);
        bool ok2 = LineLexer.Split(line, actual, out int bad2);
        Assert.True(ok1 == ok2 && bad1 == bad2 && (!ok1 || expected.SequenceEqual(actual)),
            $"line {System.Text.Json.JsonSerializer.Serialize(line)}: expected {ok1}/{bad1}/[{string.Join(" ", expected)}], got {ok2}/{bad2}/[{string.Join(" ", actual)}]");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"kube-system/kube-dns:dns-tcp cluster IP\" -m tcp --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4")]
    [InlineData("-A X -m comment --comment \"a \\\"quoted\\\" word\" -j ACCEPT")]
    [InlineData("-A X --log-prefix \"unterminated")]
    [InlineData("-A X --log-prefix \"ends in a backslash\\")]
    [InlineData("word\"quoted part\"after")]
    [InlineData("\t-A\tX\r")]
    [InlineData("! -s 10.0.0.0/8 !-d")]
    [InlineData("abc!def ghi\u0001jkl \uFFFD\uFFFD\uFFFD\uFFFD\uFFFD x")]
    public void Lines_split_as_iptables_restore_splits_them(string line) => Same(line);

    [Fact]
    public void Words_of_every_length_split_alike()
    {
        // the end of a word, a quote or the end of the line at each place within and after a four-character step
        for (int n = 0; n < 40; n++)
        {
            var w = new string('a', n);
            Same(w);
            Same(w + " b");
            Same(" " + w + "\tb\r");
            Same(w + "\"x y\" z");
            Same("w " + w + "\"open");
            Same(w + "!" + w + "\u0002" + w);
            Same(w + "\u8000" + w + " " + w);
        }
    }

    [Fact]
    public void Random_lines_split_alike()
    {
        var rng = new Random(20261202);
        const string alphabet = "   \t\r\"\\!#-aZ09'\u0001\u001f\u00e9\u8000\uFFFD";
        var chars = new char[200];
        for (int k = 0; k < 20_000; k++)
        {
            int n = rng.Next(0, chars.Length);
            for (int i = 0; i < n; i++) chars[i] = alphabet[rng.Next(alphabet.Length)];
            Same(new string(chars, 0, n));
        }
    }
}
