using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// The match and target parsers of one <see cref="RuleParser"/>, reused from rule to rule. Nearly every rule names two or
/// three modules and a target, and a new parser object for each was 8 MB of the 98 MB a parse of a 10,000-service
/// kube-proxy dump allocated. One parser is kept per name; taken for a later rule, it is reused when its <c>Reset</c>
/// says it cleared itself (else a new one is made and kept instead). A rule naming a module twice gets a second, new parser.
/// </summary>
/// <remarks>
/// The parsers are a short list searched by name, not a dictionary: a dump names a dozen extensions or so, nearly always
/// as the same string object (<see cref="Extensions.KnownName"/>), and a take-and-give-back through a dictionary was three
/// hash lookups per extension per rule (6% of a parse). A parser is reset when it is taken again, not given back at the
/// end of each rule: the end of a rule is one counter step (a list of lent parsers, given back one by one through a
/// delegate, was 4% of the instructions of "nfwalk check" on that dump).
/// </remarks>
internal sealed class ExtensionParserCache(IpFamily family)
{
    private readonly Shelf<MatchParser> _matches = new();
    private readonly Shelf<TargetParser> _targets = new();

    /// <summary>The parser of "-m <paramref name="name"/>" (as <see cref="Extensions.CreateMatch"/>), or null for a module nfwalk does not model.</summary>
    public MatchParser? Match(string name)
    {
        int s = _matches.Find(name);
        if (s >= 0 && _matches.Idle(s) is { } p && p.Reset()) return _matches.Use(s);
        return _matches.Keep(s, name, Extensions.CreateMatch(name, family));
    }

    /// <summary>The implicit module of "-p PROTO" (as <see cref="Extensions.CreateProtocolMatch"/>).</summary>
    public MatchParser? ProtocolMatch(byte protocol)
    {
        var name = Extensions.ProtocolModuleName(protocol, family);
        int s = _matches.Find(name);
        if (s >= 0 && _matches.Idle(s) is { } p && p.Reset()) return _matches.Use(s);
        return _matches.Keep(s, name, Extensions.CreateProtocolMatch(protocol, family));
    }

    /// <summary>The parser of "-j <paramref name="name"/>" (as <see cref="Extensions.CreateTarget"/>).</summary>
    public TargetParser? Target(string name)
    {
        int s = _targets.Find(name);
        if (s >= 0 && _targets.Idle(s) is { } p && p.Reset()) return _targets.Use(s);
        return _targets.Keep(s, name, Extensions.CreateTarget(name, family));
    }

    /// <summary>The rule is built: its matches and targets no longer need the parsers taken for it.</summary>
    public void ReturnAll() { _matches.NextRule(); _targets.NextRule(); }

    /// <summary>One parser per name, and the rule each was last taken for.</summary>
    private sealed class Shelf<T> where T : class
    {
        private (string Name, T Parser, int Rule)[] _slots = new (string, T, int)[8];
        private int _names;
        private int _rule = 1; // the rule being parsed: a parser taken for it is in use

        public void NextRule() => _rule++;

        // only names that have a parser get a slot, so there are at most as many as nfwalk models
        public int Find(string name)
        {
            for (int i = 0; i < _names; i++)
                if (ReferenceEquals(_slots[i].Name, name)) return i;
            for (int i = 0; i < _names; i++)
                if (_slots[i].Name.Length == name.Length && _slots[i].Name == name) return i;
            return -1;
        }

        /// <summary>The parser of slot <paramref name="slot"/> when no module of this rule is using it.</summary>
        public T? Idle(int slot) => _slots[slot].Rule == _rule ? null : _slots[slot].Parser;

        /// <summary>Slot <paramref name="slot"/>'s parser, now in use for this rule.</summary>
        public T Use(int slot)
        {
            _slots[slot].Rule = _rule;
            return _slots[slot].Parser;
        }

        /// <summary>A new parser (null: the name is not modelled), kept in the name's slot (<paramref name="slot"/>, or a new one for -1) for later rules.</summary>
        public T? Keep(int slot, string name, T? created)
        {
            if (created is null) return null;
            if (slot < 0)
            {
                if (_names == _slots.Length) Array.Resize(ref _slots, _names * 2);
                slot = _names++;
            }
            _slots[slot] = (name, created, _rule);
            return created;
        }
    }
}
