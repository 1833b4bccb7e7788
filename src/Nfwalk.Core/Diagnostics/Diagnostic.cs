namespace Nfwalk.Diagnostics;

public enum Severity { Info, Warning, Error }

/// <summary>One problem (or remark) found in user input, always tied to a place in a file.</summary>
public sealed record Diagnostic(Severity Severity, SourceLocation Location, string Message)
{
    public override string ToString()
        => $"{Location}: {Severity.ToString().ToLowerInvariant()}: {Message}";
}

/// <summary>Collects diagnostics while parsing or validating; never throws for user errors.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = new();
    public IReadOnlyList<Diagnostic> Items => _items;
    public bool HasErrors { get; private set; }
    public void Add(Diagnostic d) { _items.Add(d); if (d.Severity == Severity.Error) HasErrors = true; }
    public void Error(SourceLocation at, string message) => Add(new Diagnostic(Severity.Error, at, message));
    public void Warning(SourceLocation at, string message) => Add(new Diagnostic(Severity.Warning, at, message));
    public void Info(SourceLocation at, string message) => Add(new Diagnostic(Severity.Info, at, message));
    public void AddRange(IEnumerable<Diagnostic> ds) { foreach (var d in ds) Add(d); }
}
