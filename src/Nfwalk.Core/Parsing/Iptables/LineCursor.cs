using Nfwalk.Model;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// The lines of a file as iptables-restore reads them: '\n' ends a line, a '\r' before it is not part of the line, and
/// the empty remainder after a final newline is no line. Starts at an offset that begins a line, numbered after
/// <paramref name="lineNumber"/> lines (so the sequential parser and the second parsing thread count alike).
/// </summary>
internal struct LineCursor(SourceFile file, int offset = 0, int lineNumber = 0)
{
    private int _pos = offset;

    /// <summary>The number of the last line returned (the count of lines read so far, from the start of the file).</summary>
    public int LineNumber { get; private set; } = lineNumber;

    public bool Next(out SourceLine line)
    {
        string text = file.Text;
        line = default;
        if (_pos > text.Length) return false;
        int nl = text.IndexOf('\n', _pos);
        int end = nl < 0 ? text.Length : nl;
        int len = end - _pos;
        if (len > 0 && text[end - 1] == '\r') len--;
        if (nl < 0 && len == 0) { _pos = text.Length + 1; return false; }
        line = new SourceLine(file, _pos, len, ++LineNumber);
        _pos = nl < 0 ? text.Length + 1 : nl + 1;
        return true;
    }
}
