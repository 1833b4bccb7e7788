using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// The match and target parsers of one <see cref="RuleParser"/>, reused from rule to rule. Nearly every rule names two or
/// three modules and a target, and a new parser object for each was 8 MB of the 98 MB a parse of a 10,000-service
/// kube-proxy dump allocated. A parser lent for a rule comes back when the rule is built and is kept (one per name)
/// only when its <c>Reset</c> says it cleared itself; a rule naming a module twice gets a second, new parser.
/// </summary>
internal sealed class ExtensionParserCache(IpFamily family)
{
    private readonly Dictionary<string, MatchParser> _matches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TargetParser> _targets = new(StringComparer.Ordinal);
    private readonly List<(string Name, MatchParser Parser)> _lentMatches = new(6);
    private readonly List<(string Name, TargetParser Parser)> _lentTargets = new(2);

    /// <summary>The parser of "-m <paramref name="name"/>" (as <see cref="Extensions.CreateMatch"/>), or null for a module nfwalk does not model.</summary>
    public MatchParser? Match(string name)
    {
        if (!_matches.Remove(name, out var p) && (p = Extensions.CreateMatch(name, family)) is null) return null;
        _lentMatches.Add((name, p));
        return p;
    }

    /// <summary>The implicit module of "-p PROTO" (as <see cref="Extensions.CreateProtocolMatch"/>).</summary>
    public MatchParser? ProtocolMatch(byte protocol)
    {
        var name = Extensions.ProtocolModuleName(protocol, family);
        if (!_matches.Remove(name, out var p) && (p = Extensions.CreateProtocolMatch(protocol, family)) is null) return null;
        _lentMatches.Add((name, p));
        return p;
    }

    /// <summary>The parser of "-j <paramref name="name"/>" (as <see cref="Extensions.CreateTarget"/>).</summary>
    public TargetParser? Target(string name)
    {
        if (!_targets.Remove(name, out var p) && (p = Extensions.CreateTarget(name, family)) is null) return null;
        _lentTargets.Add((name, p));
        return p;
    }

    /// <summary>Takes back every parser lent since the last call (the rule is built: its matches and targets no longer need them).</summary>
    public void ReturnAll()
    {
        foreach (var (name, p) in _lentMatches) if (p.Reset()) _matches.TryAdd(name, p);
        foreach (var (name, p) in _lentTargets) if (p.Reset()) _targets.TryAdd(name, p);
        _lentMatches.Clear();
        _lentTargets.Clear();
    }
}
