using Nfwalk.Model;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// The lines of a file as iptables-restore reads them: '\n' ends a line, a '\r' before it is not part of the line, and
/// the empty remainder after a final newline is no line. Starts at a byte offset that begins a line (by default the
/// file's start), numbered after <paramref name="lineNumber"/> lines (so the sequential parser and the second parsing
/// thread count alike).
/// </summary>
internal struct LineCursor(SourceFile file, int offset = -1, int lineNumber = 0)
{
    private int _pos = offset < 0 ? file.Start : offset;

    /// <summary>The number of the last line returned (the count of lines read so far, from the start of the file).</summary>
    public int LineNumber { get; private set; } = lineNumber;

    public bool Next(out SourceLine line)
    {
        var bytes = file.Bytes;
        line = default;
        if (_pos > bytes.Length) return false;
        int nl = bytes.Slice(_pos).IndexOf((byte)'\n');
        int end = nl < 0 ? bytes.Length : _pos + nl;
        int len = end - _pos;
        if (len > 0 && bytes[end - 1] == '\r') len--;
        if (nl < 0 && len == 0) { _pos = bytes.Length + 1; return false; }
        line = new SourceLine(file, _pos, len, ++LineNumber);
        _pos = nl < 0 ? bytes.Length + 1 : end + 1;
        return true;
    }
}
