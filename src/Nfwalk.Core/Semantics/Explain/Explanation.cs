namespace Nfwalk.Semantics.Explain;

/// <summary>The explanation of a whole ruleset, ready for any presenter (terminal, Markdown, JSON).</summary>
public sealed record RulesetExplanation(
    string File,
    string Family,
    string Backend,
    IReadOnlyList<string> Overview,
    IReadOnlyList<PathExplanation> Paths,
    IReadOnlyList<TableExplanation> Tables,
    IReadOnlyList<string> Notes,
    IReadOnlyList<DiagnosticView> Diagnostics);

/// <summary>The order in which this ruleset's chains see one kind of packet.</summary>
public sealed record PathExplanation(string Name, string Description, IReadOnlyList<string> Steps);

public sealed record TableExplanation(
    string Name,
    string Certainty,
    int Line,
    IReadOnlyList<string> Reasons,
    string? Doubt,
    string Summary,
    IReadOnlyList<ChainExplanation> Chains);

public sealed record ChainExplanation(
    string Name,
    bool Builtin,
    string? Policy,
    int Line,
    string When,
    IReadOnlyList<string> EnteredFrom,
    IReadOnlyList<RuleExplanation> Rules,
    string AtEnd);

public sealed record RuleExplanation(
    int Number,
    int Line,
    string Text,
    string Condition,
    string Action,
    IReadOnlyList<string> Notes,
    bool HasUnknownParts);

public sealed record DiagnosticView(string Severity, string Location, string Message);
