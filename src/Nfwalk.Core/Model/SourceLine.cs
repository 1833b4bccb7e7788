using System.Text;
using Nfwalk.Diagnostics;

namespace Nfwalk.Model;

/// <summary>
/// One input file, kept as the UTF-8 bytes it was read as (half the memory of the decoded text for what iptables-save
/// writes, which is ASCII); elements point into it instead of copying lines, and a line is decoded when it is shown.
/// </summary>
public sealed class SourceFile
{
    private string? _text;

    /// <summary>A file given as text (it is kept as its UTF-8 encoding).</summary>
    public SourceFile(string name, string text) : this(name, Encoding.UTF8.GetBytes(text), 0) { _text = text; }

    /// <summary>A file as read: <paramref name="utf8"/> from <paramref name="start"/> on (after a byte order mark).</summary>
    public SourceFile(string name, byte[] utf8, int start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, utf8.Length);
        Name = name; Bytes = utf8; Start = start;
    }

    public string Name { get; }

    /// <summary>The file's bytes; its text starts at <see cref="Start"/>. <see cref="SourceLine"/> offsets count these bytes.</summary>
    internal byte[] Bytes { get; }
    internal int Start { get; }
    public int ByteLength => Bytes.Length - Start;

    /// <summary>The whole text, decoded once when first asked for (invalid bytes as U+FFFD, as File.ReadAllText does).</summary>
    public string Text => _text ??= Encoding.UTF8.GetString(Bytes, Start, Bytes.Length - Start);

    /// <summary>Bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) decoded.</summary>
    public string Decode(int offset, int length) => Encoding.UTF8.GetString(Bytes, offset, length);
}

/// <summary>
/// One physical line of an input file, kept so every element can show and locate its original text. Offset and
/// Length count the file's bytes; columns (<see cref="At"/>) count the characters of the decoded line.
/// </summary>
public readonly record struct SourceLine(SourceFile? File, int Offset, int Length, int Number)
{
    public string Text => File is null ? "" : File.Decode(Offset, Length);
    public SourceLocation At(int column) => new(File?.Name ?? "", Number, column);
    public SourceLocation Start => At(1);
}
