using System.CommandLine;
using Nfwalk.Cli.Presentation;
using Nfwalk.Semantics.Analysis;
using Nfwalk.Semantics.Explain;
using Spectre.Console;

namespace Nfwalk.Cli.Commands;

/// <summary>nfwalk explain FILE: every table, chain and rule in plain English.</summary>
public static class ExplainCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "iptables-save output, a grep'ed fragment of it, a node snapshot directory, or - for standard input" };
        var format = new Option<string>("--format", "-f") { Description = "text (terminal), md (Markdown) or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "md", "json");
        var family = new Option<string?>("--family") { Description = "4 or 6 (default: from the file's header)" };
        var width = new Option<int?>("--width") { Description = "terminal width for text output" };
        var ipsets = new Option<string?>("--ipsets") { Description = "\"ipset save\" output: rules naming a set are explained with its type and members" };
        var cmd = new Command("explain", "Explain every table, chain and rule of an iptables-save dump (or a headerless fragment) in plain English.")
        { file, format, family, width, ipsets };
        cmd.SetAction(pr =>
        {
            var result = RulesInput.Load(pr.GetValue(file)!, pr.GetValue(family));
            var (sets, setDiags) = RulesInput.LoadSets(pr.GetValue(file)!, pr.GetValue(ipsets));
            var diags = result.Diagnostics.Concat(setDiags).Concat(RulesetValidator.Validate(result.Ruleset, sets?.Names.ToHashSet())).ToList();
            var explanation = Explainer.Explain(result.Ruleset, diags, sets is null ? null : name => Semantics.Ipsets.IpSetSummary.Describe(sets, name));
            Render(explanation, pr.GetValue(format)!, Console.Out, pr.GetValue(width));
            return diags.Any(d => d.Severity == Diagnostics.Severity.Error) ? 1 : 0;
        });
        return cmd;
    }

    public static void Render(RulesetExplanation e, string format, TextWriter output, int? width = null, bool color = true)
    {
        switch (format)
        {
            case "json": output.Write(Json.Serialize(e)); break;
            case "md": output.Write(ExplainMarkdown.Render(e)); break;
            default:
                var console = AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Out = new AnsiConsoleOutput(output),
                    Ansi = color && output == Console.Out ? AnsiSupport.Detect : AnsiSupport.No,
                    ColorSystem = color && output == Console.Out ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
                });
                if (width is { } w) console.Profile.Width = w;
                else if (output != Console.Out) console.Profile.Width = 120;
                ExplainText.Render(e, console);
                break;
        }
    }
}
