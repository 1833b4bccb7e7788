using BenchmarkDotNet.Attributes;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Analysis;

namespace Nfwalk.Bench;

/// <summary>Parsing (and parse + validate, what "nfwalk check" does) of the 10k-service kube-proxy dump.</summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    // the dump's bytes, as the parser keeps a file it reads (the string form would time its encoding as well)
    private Nfwalk.Model.SourceFile _text = null!;

    [GlobalSetup]
    public void Setup() => _text = new Nfwalk.Model.SourceFile("kube-proxy.rules", System.Text.Encoding.UTF8.GetBytes(KubeProxyDumpGenerator.Generate(10_000, 3)), 0);

    [Benchmark]
    public int Parse() => SaveParser.Parse(_text).Ruleset.Tables.Count;

    [Benchmark]
    public int ParseAndValidate()
    {
        var r = SaveParser.Parse(_text);
        return RulesetValidator.Validate(r.Ruleset).Count;
    }
}
