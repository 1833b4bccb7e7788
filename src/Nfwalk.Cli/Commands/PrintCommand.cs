using System.CommandLine;
using Nfwalk.Printing;

namespace Nfwalk.Cli.Commands;

/// <summary>nfwalk print FILE: the ruleset back in canonical iptables-save form (normalises spelling, keeps comments).</summary>
public static class PrintCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "iptables-save output or restore input" };
        var family = new Option<string?>("--family") { Description = "4 or 6" };
        var cmd = new Command("print", "Print a ruleset back in canonical iptables-save form.") { file, family };
        cmd.SetAction(pr =>
        {
            var result = RulesInput.Load(pr.GetValue(file)!, pr.GetValue(family));
            RulesInput.WriteDiagnostics(result.Diagnostics, Console.Error);
            Console.Out.Write(SavePrinter.Print(result.Ruleset));
            return result.HasErrors ? 1 : 0;
        });
        return cmd;
    }
}
