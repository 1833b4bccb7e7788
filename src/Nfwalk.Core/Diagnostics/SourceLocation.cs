namespace Nfwalk.Diagnostics;

/// <summary>Where an element came from: file name, 1-based line and 1-based column.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public static readonly SourceLocation None = new("", 0, 0);
    public bool IsKnown => Line > 0;
    public SourceLocation WithColumn(int column) => this with { Column = column };
    public override string ToString() => IsKnown ? $"{File}:{Line}:{Column}" : File;
}
