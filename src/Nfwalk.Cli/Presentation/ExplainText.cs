using Nfwalk.Semantics.Explain;
using Spectre.Console;

namespace Nfwalk.Cli.Presentation;

/// <summary>Renders an explanation for the terminal with Spectre.Console (colour when the terminal supports it).</summary>
public static class ExplainText
{
    public static void Render(RulesetExplanation e, IAnsiConsole con)
    {
        con.Write(new Rule($"[bold]nfwalk explain[/] {Markup.Escape(Path.GetFileName(e.File))}").LeftJustified());
        foreach (var o in e.Overview) con.MarkupLine($"  {Markup.Escape(o)}");
        foreach (var n in e.Notes) con.Write(new Panel(new Text(n)).Header("note").BorderColor(Color.Yellow));
        con.WriteLine();
        con.MarkupLine("[bold]Where the chains sit in the packet path[/]");
        foreach (var p in e.Paths)
        {
            var tree = new Tree($"[bold]{Markup.Escape(p.Name)}[/]: {Markup.Escape(p.Description)}");
            foreach (var s in p.Steps) tree.AddNode(Markup.Escape(s));
            con.Write(tree);
        }
        foreach (var t in e.Tables)
        {
            con.WriteLine();
            var certainty = t.Certainty switch { "declared" => "[green]declared[/]", "certain" => "[green]certain[/]", "likely" => "[yellow]likely[/]", _ => "[red]assumed[/]" };
            con.Write(new Rule($"[bold]table {t.Name}[/] ({certainty}{(t.Certainty == "declared" ? "" : ", inferred")}, line {t.Line})").LeftJustified().RuleStyle("blue"));
            con.MarkupLine($"[dim]{Markup.Escape(t.Summary)}.[/]");
            if (t.Certainty != "declared")
            {
                foreach (var r in t.Reasons) con.MarkupLine($"  [blue]why:[/] {Markup.Escape(r)}");
                if (t.Doubt is not null) con.MarkupLine($"  [yellow]not certain:[/] {Markup.Escape(t.Doubt)}");
            }
            foreach (var c in t.Chains)
            {
                con.WriteLine();
                con.MarkupLine($"[bold cyan]{Markup.Escape(t.Name)} / {Markup.Escape(c.Name)}[/]{(c.Builtin ? $" [dim](builtin, policy {c.Policy})[/]" : "")}");
                con.MarkupLine($"  {Markup.Escape(c.When)}");
                foreach (var f in c.EnteredFrom) con.MarkupLine($"  [dim]entered from[/] {Markup.Escape(f)}");
                if (c.Rules.Count > 0)
                {
                    var table = new Table().Border(TableBorder.Rounded).Expand();
                    table.AddColumn(new TableColumn("#").RightAligned());
                    table.AddColumn("rule / meaning");
                    foreach (var r in c.Rules)
                    {
                        var body = $"[bold]{Markup.Escape(r.Text)}[/] [dim](line {r.Line})[/]\n[green]if[/] {Markup.Escape(r.Condition)}\n[green]then[/] {Markup.Escape(r.Action)}";
                        foreach (var n in r.Notes) body += $"\n[yellow]note:[/] {Markup.Escape(n)}";
                        table.AddRow(new Markup(r.Number.ToString()), new Markup(body));
                    }
                    con.Write(table);
                }
                con.MarkupLine($"  [dim]{Markup.Escape(c.AtEnd)}[/]");
            }
        }
        if (e.Diagnostics.Count > 0)
        {
            con.WriteLine();
            con.MarkupLine("[bold]Problems found[/]");
            foreach (var d in e.Diagnostics)
                con.MarkupLine($"  {Markup.Escape(d.Location)}: {(d.Severity == "error" ? "[red]error[/]" : d.Severity == "warning" ? "[yellow]warning[/]" : "[blue]info[/]")}: {Markup.Escape(d.Message)}");
        }
    }
}
