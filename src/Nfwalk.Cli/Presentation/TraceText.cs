using Nfwalk.Semantics.Walk;
using Spectre.Console;

namespace Nfwalk.Cli.Presentation;

/// <summary>A walk for the terminal: one line per step, verdicts and changed packet state highlighted.</summary>
public static class TraceText
{
    /// <summary>Plain text (no colour) at a fixed width, for files and golden tests.</summary>
    public static string ToPlainText(IReadOnlyList<WalkTrace> walks, int width = 120)
    {
        var w = new StringWriter();
        var con = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(w), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        con.Profile.Width = width;
        Render(walks, con);
        return w.ToString();
    }

    public static void Render(IReadOnlyList<WalkTrace> walks, IAnsiConsole con)
    {
        foreach (var w in walks)
        {
            con.Write(new Rule($"[bold]{Markup.Escape(w.Title)}[/]").LeftJustified());
            con.MarkupLine($"[dim]packet:[/] {Markup.Escape(w.Packet.Summary)} [dim]in[/] {Markup.Escape(w.Packet.InInterface ?? "(generated here)")} [dim]mark[/] {w.Packet.Mark}");
            string? lastMark = w.Packet.Mark, lastCt = null;
            foreach (var s in w.Steps)
            {
                if (s.Kind == StepKind.Outcome) continue;
                var (tag, color) = StepStyle.Of(s);
                var line = $"[{color}]{tag,-10}[/] {Markup.Escape(s.Text)}";
                if (s.Kind == StepKind.Rule && s.RuleText is not null) line += $"\n{new string(' ', 11)}[dim]{Markup.Escape(s.RuleText)}  ({Markup.Escape(s.Location ?? "")})[/]";
                if (s.Mark != lastMark) { line += $"  [bold yellow]mark {lastMark} → {s.Mark}[/]"; lastMark = s.Mark; }
                if (s.ConnMark is not null && s.ConnMark != lastCt) { if (lastCt is not null) line += $"  [bold yellow]connmark {lastCt} → {s.ConnMark}[/]"; lastCt = s.ConnMark; }
                if (s.Packet is not null && s.Kind != StepKind.Outcome) line += $"\n{new string(' ', 11)}[dim]now:[/] {Markup.Escape(s.Packet)}";
                con.MarkupLine(line);
            }
            con.MarkupLine($"[bold]result:[/] {Markup.Escape(w.Outcome.Text)}");
            if (w.Assumptions.Count > 0)
            {
                con.MarkupLine("[yellow bold]assumptions:[/]");
                foreach (var a in w.Assumptions) con.MarkupLine($"  [yellow]-[/] {Markup.Escape(a)}");
            }
            con.WriteLine();
        }
    }
}
