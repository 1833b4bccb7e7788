using System.CommandLine;
using Nfwalk.Cli.Presentation;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Scenario;
using Nfwalk.Semantics.Fabric;
using Spectre.Console;

namespace Nfwalk.Cli.Commands;

/// <summary>nfwalk walk SCENARIO --from A --to B:PORT: a whole TCP connection (and the proxies' own connections) hop by hop across hosts.</summary>
public static class WalkCommand
{
    public static Command Create()
    {
        var scenario = new Argument<string>("SCENARIO") { Description = "a scenario file (docs/scenario.md) or a directory holding scenario.yaml" };
        var from = new Option<string>("--from") { Description = "the client: an endpoint or host name of the scenario", Required = true };
        var to = new Option<string>("--to") { Description = "the destination: SERVICE[:PORT], ENDPOINT[:PORT], HOST:PORT or ADDRESS:PORT", Required = true };
        var src = new Option<string?>("--src") { Description = "the client's source address (default: the endpoint's address; for a host, the one its route chooses)" };
        var sport = new Option<int>("--sport") { Description = "the client's source port", DefaultValueFactory = _ => 40000 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "every step of every host's walk, also rules that did not match" };
        var brief = new Option<bool>("--brief") { Description = "per host only what changed the packet or decided its way: marks, verdicts, routing, NAT" };
        var format = new Option<string>("--format", "-f") { Description = "text, json, mermaid or svg", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "mermaid", "svg");
        var cmd = new Command("walk", "Walk a TCP connection from one endpoint to another across the hosts of a scenario: pods, nodes, tunnels, proxies.")
        { scenario, from, to, src, sport, verbose, brief, format };
        cmd.SetAction(pr =>
        {
            var diags = new DiagnosticBag();
            var sc = ScenarioParser.ParseFile(pr.GetValue(scenario)!, diags);
            if (sc is null || diags.HasErrors) return Fail(diags);
            var fabric = Fabric.Load(sc, diags, verbose: pr.GetValue(verbose));
            foreach (var d in diags.Items.Where(d => d.Severity == Severity.Warning)) Console.Error.WriteLine(d);
            if (diags.HasErrors) return Fail(diags);

            var fromName = pr.GetValue(from)!;
            if (fabric.ResolveClient(fromName, out var why) is not { } client) { Console.Error.WriteLine($"nfwalk walk: --from {fromName}: {why}"); return 2; }
            if (!fabric.ResolveDestination(pr.GetValue(to)!, out var dst, out var dport, out why)) { Console.Error.WriteLine($"nfwalk walk: --to {pr.GetValue(to)}: {why}"); return 2; }
            var clientAddress = client.Address;
            if (pr.GetValue(src) is { } st && !IpAddress.TryParse(st, out clientAddress)) { Console.Error.WriteLine($"nfwalk walk: --src: \"{st}\" is not an IP address"); return 2; }
            var sp = pr.GetValue(sport);
            if (sp is < 1 or > 65535) { Console.Error.WriteLine("nfwalk walk: --sport must be 1-65535"); return 2; }

            var walk = RequestWalker.Walk(fabric, client.Host, clientAddress, dst, dport, fromName, pr.GetValue(to)!, (ushort)sp);
            switch (pr.GetValue(format))
            {
                case "json": Console.Out.Write(WalkJson.Serialize(walk)); break;
                case "mermaid": Console.Out.Write(WalkDiagram.Mermaid(walk)); break;
                case "svg": Console.Out.Write(WalkDiagram.Svg(walk)); break;
                default:
                    var detail = pr.GetValue(verbose) ? WalkDetail.Verbose : pr.GetValue(brief) ? WalkDetail.Brief : WalkDetail.Normal;
                    if (Console.IsOutputRedirected) Console.Out.Write(WalkText.ToPlainText(walk, detail));
                    else WalkText.Render(walk, AnsiConsole.Console, detail);
                    break;
            }
            return walk.Succeeded ? 0 : 1;
        });
        return cmd;
    }

    private static int Fail(DiagnosticBag diags)
    {
        foreach (var d in diags.Items.Where(d => d.Severity != Severity.Info)) Console.Error.WriteLine(d);
        return 2;
    }

}
