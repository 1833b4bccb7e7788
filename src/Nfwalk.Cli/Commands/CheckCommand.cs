using System.CommandLine;
using Nfwalk.Diagnostics;
using Nfwalk.Semantics.Analysis;

namespace Nfwalk.Cli.Commands;

/// <summary>nfwalk check FILE: parse and validate like iptables-restore --test. Silent with exit 0 when good.</summary>
public static class CheckCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "iptables-save output (or a node snapshot directory, or - for standard input)" };
        var family = new Option<string?>("--family") { Description = "4 or 6 (default: from the file's header)" };
        var strict = new Option<bool>("--strict") { Description = "also fail on warnings" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "also print warnings and remarks (unknown extensions)" };
        var ipsets = new Option<string?>("--ipsets") { Description = "\"ipset save\" output: a rule naming a set that is not there is an error, as in iptables-restore" };
        var cmd = new Command("check", "Parse and validate a ruleset the way iptables-restore --test would: silent and exit 0 when it is good, every problem with file:line:column and exit 1 otherwise.")
        { file, family, strict, verbose, ipsets };
        cmd.SetAction(pr =>
        {
            var timing = Environment.GetEnvironmentVariable("NFWALK_TIMING") == "1" ? System.Diagnostics.Stopwatch.StartNew() : null;
            if (timing is not null) Nfwalk.Hosting.PhaseClock.Start();
            if (pr.GetValue(file) is { } path && path != "-") ParseHeap.ReserveFor(path);
            var result = RulesInput.Load(pr.GetValue(file)!, pr.GetValue(family));
            var parsed = timing?.Elapsed;
            var (sets, setDiags) = RulesInput.LoadSets(pr.GetValue(file)!, pr.GetValue(ipsets));
            var diags = result.Diagnostics.Concat(setDiags).Concat(RulesetValidator.Validate(result.Ruleset, sets?.Names.ToHashSet())).ToList();
            if (timing is not null)
                Console.Error.WriteLine($"nfwalk: parse {parsed!.Value.TotalMilliseconds:F0} ms, validate {(timing.Elapsed - parsed.Value).TotalMilliseconds:F0} ms; "
                    + $"{GC.GetTotalAllocatedBytes() / 1e6:F0} MB allocated, {GC.CollectionCount(0)} collections, GC pauses {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms"
                    + string.Concat(Nfwalk.Hosting.PhaseClock.Phases.Select((p, i) => $"{(i == 0 ? "; phases: " : ", ")}{p.Phase} {p.Took.TotalMilliseconds:F1} ms")));
            bool fail = diags.Any(d => d.Severity == Severity.Error) || (pr.GetValue(strict) && diags.Any(d => d.Severity == Severity.Warning));
            if (fail || pr.GetValue(verbose))
                RulesInput.WriteDiagnostics(diags, Console.Error, pr.GetValue(verbose));
            return fail ? 1 : 0;
        });
        return cmd;
    }
}
