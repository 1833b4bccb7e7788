using BenchmarkDotNet.Attributes;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Analysis;

namespace Nfwalk.Bench;

/// <summary>Parsing (and parse + validate, what "nfwalk check" does) of the 10k-service kube-proxy dump.</summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private string _text = "";

    [GlobalSetup]
    public void Setup() => _text = KubeProxyDumpGenerator.Generate(10_000, 3);

    [Benchmark]
    public int Parse() => SaveParser.Parse(_text, "kube-proxy.rules").Ruleset.Tables.Count;

    [Benchmark]
    public int ParseAndValidate()
    {
        var r = SaveParser.Parse(_text, "kube-proxy.rules");
        return RulesetValidator.Validate(r.Ruleset).Count;
    }
}
