using System.CommandLine;
using Nfwalk.Kernel;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Semantics.Walk;
using Spectre.Console;

namespace Nfwalk.Cli.Commands;

/// <summary>
/// nfwalk verify RULES --packet SPEC...: loads the rules into a throw-away network namespace node between two peers,
/// sends each packet for real, and compares the kernel's per-rule counters with nfwalk's walk. Exit 1 on any difference.
/// </summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var rules = new Argument<string>("RULES") { Description = "an iptables-save file (IPv4), replayed in a two-peer lab; a node snapshot directory, built for real; or a scenario (scenario.yaml or its directory) with --from/--to" };
        var packets = new Option<string[]>("--packet") { Description = "IFACE|local PROTO SRC[:PORT] DST[:PORT] [FLAGS], e.g. \"eth0 tcp 10.99.0.2:40000 198.51.100.7:80 S\"; repeat for a sequence", AllowMultipleArgumentsPerToken = false };
        var from = new Option<string?>("--from") { Description = "with a scenario: the client (as for nfwalk walk); every host's part of the walk is replayed" };
        var to = new Option<string?>("--to") { Description = "with a scenario: the destination (as for nfwalk walk)" };
        var cmd = new Command("verify", "Replay packets through the real kernel in network namespaces (peer 10.99.0.2 —eth0— node 10.99.0.1/10.99.1.1 —eth1— peer 10.99.1.2, default via 10.99.1.2) and compare its rule counters with nfwalk's walk. Needs root; touches only namespaces it creates.")
        { rules, packets, from, to };
        cmd.SetAction(pr =>
        {
            if (Lab.Unavailable() is { } why) { Console.Error.WriteLine($"nfwalk verify: {why}"); return 2; }
            var path = pr.GetValue(rules)!;
            if (!File.Exists(path) && !Directory.Exists(path)) { Console.Error.WriteLine($"nfwalk verify: {path}: no such file or directory"); return 2; }
            if (path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal) || File.Exists(Path.Combine(path, "scenario.yaml")))
                return VerifyScenario(path, pr.GetValue(from), pr.GetValue(to));
            if ((pr.GetValue(packets) ?? []).Length == 0) { Console.Error.WriteLine("nfwalk verify: give at least one --packet (or a scenario with --from and --to)"); return 2; }
            var specs = new List<PacketSpec>();
            foreach (var s in pr.GetValue(packets) ?? [])
            {
                if (TryPacket(s, out var p, out var err)) specs.Add(p!);
                else { Console.Error.WriteLine($"nfwalk verify: --packet \"{s}\": {err}"); return 2; }
            }
            CaseResult result;
            SnapshotResult? snap = null;
            try
            {
                if (Directory.Exists(path)) { snap = SnapshotVerifier.Run(path, specs); result = snap.Rules; }
                else result = Differential.Run(new KernelCase(Path.GetFileName(path), File.ReadAllText(path), specs) { RulesFile = path });
            }
            catch (LabException e) { Console.Error.WriteLine($"nfwalk verify: {e.Message}"); return 2; }
            var table = new Table().Border(TableBorder.Simple);
            foreach (var h in new[] { "", "table", "chain", "rule", "kernel", "nfwalk", "text" }) table.AddColumn(h);
            foreach (var c in result.Counts)
                table.AddRow(c.Agrees ? "" : "[red]!=[/]", c.Table, Markup.Escape(c.Chain), c.Rule == 0 ? "policy" : c.Rule.ToString(), c.Kernel.ToString(), c.Nfwalk.ToString(), Markup.Escape(c.Text));
            AnsiConsole.Write(table);
            foreach (var w in result.Walks) AnsiConsole.MarkupLine($"nfwalk: {Markup.Escape(w.Title)} → {Markup.Escape(w.Outcome.Text)}");
            AnsiConsole.MarkupLine("[bold]the kernel's trace (nft monitor trace) next to nfwalk's walk, packet by packet:[/]");
            Console.WriteLine(result.TraceReport());
            if (snap is not null)
            {
                foreach (var e in snap.Egress) AnsiConsole.MarkupLine($"{(e.Kernel == e.Nfwalk ? "" : "[red]!=[/] ")}left by {Markup.Escape(e.Interface)}: kernel {e.Kernel}, nfwalk {e.Nfwalk}");
                foreach (var n in snap.Notes) AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(n)}");
            }
            bool ok = snap?.Passed ?? result.Passed;
            if (result.TraceDifferences.Any()) AnsiConsole.MarkupLine($"[red]the traces differ for: {Markup.Escape(string.Join("; ", result.TraceDifferences))}[/]");
            AnsiConsole.MarkupLine(ok ? "[green]the kernel and nfwalk agree on every rule" + (snap is null ? "" : " and every egress interface") + "[/]" : $"[red]{result.Differences.Count()} rule difference(s){(snap is null ? "" : ", egress " + (snap.Egress.All(e => e.Kernel == e.Nfwalk) ? "agrees" : "differs"))}[/]");
            return ok ? 0 : 1;
        });
        return cmd;
    }

    /// <summary>A scenario walk, every host's part replayed through the kernel (ScenarioVerifier).</summary>
    private static int VerifyScenario(string path, string? from, string? to)
    {
        if (from is null || to is null) { Console.Error.WriteLine("nfwalk verify: a scenario needs --from and --to (as nfwalk walk)"); return 2; }
        var diags = new Diagnostics.DiagnosticBag();
        var sc = Parsing.Scenario.ScenarioParser.ParseFile(path, diags);
        Semantics.Fabric.Fabric? fabric = sc is null || diags.HasErrors ? null : Semantics.Fabric.Fabric.Load(sc, diags);
        foreach (var d in diags.Items.Where(d => d.Severity != Diagnostics.Severity.Info)) Console.Error.WriteLine(d);
        if (fabric is null || diags.HasErrors) return 2;
        if (fabric.ResolveClient(from, out var why) is not { } client) { Console.Error.WriteLine($"nfwalk verify: --from {from}: {why}"); return 2; }
        if (!fabric.ResolveDestination(to, out var dst, out var port, out why)) { Console.Error.WriteLine($"nfwalk verify: --to {to}: {why}"); return 2; }
        var walk = Semantics.Fabric.RequestWalker.Walk(fabric, client.Host, client.Address, dst, port, from, to);
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(Presentation.WalkText.Summary(walk))}[/]");
        IReadOnlyList<HostVerification> results;
        try { results = ScenarioVerifier.Run(fabric, walk); }
        catch (LabException e) { Console.Error.WriteLine($"nfwalk verify: {e.Message}"); return 2; }
        bool ok = true;
        foreach (var h in results)
        {
            ok &= h.Result.Passed;
            AnsiConsole.MarkupLine($"{(h.Result.Passed ? "[green]agrees[/] " : "[red]DIFFERS[/]")} {Markup.Escape(h.Host)}: {h.Packets} packets");
            if (h.Result.Passed) continue;
            Console.WriteLine(h.Result.Rules.Report());
            foreach (var e in h.Result.Egress) AnsiConsole.MarkupLine($"{(e.Kernel == e.Nfwalk ? "" : "[red]!=[/] ")}left by {Markup.Escape(e.Interface)}: kernel {e.Kernel}, nfwalk {e.Nfwalk}");
        }
        AnsiConsole.MarkupLine(ok ? "[green]the kernel and nfwalk agree on every host's rules and egress interfaces[/]" : "[red]the kernel and nfwalk differ (above)[/]");
        return ok ? 0 : 1;
    }

    public static bool TryPacket(string s, out PacketSpec? p, out string? error)
    {
        p = null; error = null;
        var w = s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (w.Length < 4) { error = "expected IFACE|local PROTO SRC[:PORT] DST[:PORT] [FLAGS]"; return false; }
        if (!Protocols.TryParse(w[1], out var proto, out _)) { error = $"unknown protocol {w[1]}"; return false; }
        if (!Endpoint(w[2], out var sa, out var sp) || !Endpoint(w[3], out var da, out var dp)) { error = "bad address or port"; return false; }
        TcpFlags f = TcpFlags.Syn;
        if (w.Length > 4 && !TraceCommand.TryFlags(w[4], out f)) { error = $"bad TCP flags {w[4]}"; return false; }
        p = new PacketSpec
        {
            Source = sa, Destination = da, Protocol = proto, SourcePort = sp, DestinationPort = dp,
            TcpFlags = proto == Protocols.Tcp ? f : 0, IcmpType = 8, InInterface = w[0] == "local" ? null : w[0],
        };
        return true;
    }

    private static bool Endpoint(string s, out IpAddress a, out ushort port)
    {
        port = 0;
        int c = s.LastIndexOf(':');
        if (c > 0 && !s[..c].Contains(':') && ushort.TryParse(s[(c + 1)..], out port)) s = s[..c];
        return IpAddress.TryParse(s, out a);
    }
}
