using System.Text;
using Nfwalk.Diagnostics;
using Nfwalk.Hosting;

namespace Nfwalk.Model;

/// <summary>
/// One input file, kept as the UTF-8 bytes it was read as (half the memory of the decoded text for what iptables-save
/// writes, which is ASCII), or as a mapping of a large file's pages (<see cref="MappedFile"/>); elements point into it
/// instead of copying lines, and a line is decoded when it is shown.
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
        Name = name; _array = utf8; Start = start;
    }

    /// <summary>A file mapped into memory (<see cref="MappedFile"/>), from <paramref name="start"/> on; kept mapped as long as this is.</summary>
    internal SourceFile(string name, MappedFile mapped, int start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, mapped.Length);
        Name = name; _mapped = mapped; Start = start;
    }

    private readonly byte[]? _array;
    private readonly MappedFile? _mapped;

    /// <summary>Whether the bytes are a mapping of the file rather than a copy read from it.</summary>
    internal bool IsMapped => _mapped is not null;

    public string Name { get; }

    /// <summary>The file's bytes; its text starts at <see cref="Start"/>. <see cref="SourceLine"/> offsets count these bytes.</summary>
    internal ReadOnlySpan<byte> Bytes => _mapped is null ? _array : _mapped.Span;
    internal int Start { get; }
    public int ByteLength => Bytes.Length - Start;

    /// <summary>The whole text, decoded once when first asked for (invalid bytes as U+FFFD, as File.ReadAllText does).</summary>
    public string Text => _text ??= Decode(Start, Bytes.Length - Start);

    /// <summary>Bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) decoded.</summary>
    public string Decode(int offset, int length)
    {
        var s = Encoding.UTF8.GetString(Bytes.Slice(offset, length));
        GC.KeepAlive(this); // a mapping is released by its finalizer: not while its bytes are being read
        return s;
    }
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
