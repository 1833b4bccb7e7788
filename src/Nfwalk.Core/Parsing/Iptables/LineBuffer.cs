using System.Text;
using Nfwalk.Model;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// The characters of the line being parsed, decoded from the file's UTF-8 bytes into an array that is reused from line
/// to line (one per parsing thread): the lexer and the option parsers read it, and a word that must outlive the line is
/// copied out of it. What iptables-save writes is ASCII, which is widened directly; any other line is decoded as
/// File.ReadAllText would decode it (invalid bytes as U+FFFD: '\n' never occurs inside a UTF-8 sequence, so a line
/// decodes alike on its own and within the file).
/// </summary>
internal sealed class LineBuffer
{
    private char[] _chars = new char[512];

    /// <summary>The characters of the current line: [0, <see cref="Length"/>) of the array (longer than the line).</summary>
    public char[] Chars => _chars;
    public int Length { get; private set; }
    public ReadOnlySpan<char> Span => _chars.AsSpan(0, Length);
    /// <summary>Whether the line is ASCII: then a character's index in it is its byte's offset in the line as well.</summary>
    public bool IsAscii { get; private set; }

    public void Load(SourceLine line)
    {
        var bytes = line.File!.Bytes.Slice(line.Offset, line.Length);
        // a line decodes to at most one character per byte
        if (_chars.Length < bytes.Length) _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        if (Ascii.ToUtf16(bytes, _chars, out int written) == System.Buffers.OperationStatus.Done) { Length = written; IsAscii = true; return; }
        Length = Encoding.UTF8.GetChars(bytes, _chars);
        IsAscii = false;
    }
}
