using Nfwalk.Diagnostics;

namespace Nfwalk.Model;

/// <summary>The text of one input file; elements point into it instead of copying lines.</summary>
public sealed class SourceFile(string name, string text)
{
    public string Name { get; } = name;
    public string Text { get; } = text;
}

/// <summary>One physical line of an input file, kept so every element can show and locate its original text.</summary>
public readonly record struct SourceLine(SourceFile? File, int Offset, int Length, int Number)
{
    public string Text => File is null ? "" : File.Text.Substring(Offset, Length);
    public SourceLocation At(int column) => new(File?.Name ?? "", Number, column);
    public SourceLocation Start => At(1);
}
