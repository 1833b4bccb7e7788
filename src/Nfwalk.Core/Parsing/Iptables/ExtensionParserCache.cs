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
        => _matches.Reuse(name, out int slot) ?? _matches.Keep(slot, name, Extensions.CreateMatch(name, family));

    /// <summary>The implicit module of "-p PROTO" (as <see cref="Extensions.CreateProtocolMatch"/>).</summary>
    public MatchParser? ProtocolMatch(byte protocol)
    {
        var name = Extensions.ProtocolModuleName(protocol, family);
        return _matches.Reuse(name, out int slot) ?? _matches.Keep(slot, name, Extensions.CreateProtocolMatch(protocol, family));
    }

    /// <summary>The parser of "-j <paramref name="name"/>" (as <see cref="Extensions.CreateTarget"/>).</summary>
    public TargetParser? Target(string name)
        => _targets.Reuse(name, out int slot) ?? _targets.Keep(slot, name, Extensions.CreateTarget(name, family));

    /// <summary>The rule is built: its matches and targets no longer need the parsers taken for it.</summary>
    public void EndRule() { _matches.NextRule(); _targets.NextRule(); }

    /// <summary>One parser per name, and the rule each was last taken for.</summary>
    private sealed class Shelf<T> where T : class, IReusableParser
    {
        private (string Name, T Parser, int Rule)[] _slots = new (string, T, int)[8];
        private int _names;
        private int _rule = 1; // the rule being parsed: a parser taken for it is in use

        public void NextRule() => _rule++;

        // only names that have a parser get a slot, so there are at most as many as nfwalk models
        private int Find(string name)
        {
            for (int i = 0; i < _names; i++)
                if (ReferenceEquals(_slots[i].Name, name)) return i;
            for (int i = 0; i < _names; i++)
                if (_slots[i].Name.Length == name.Length && _slots[i].Name == name) return i;
            return -1;
        }

        /// <summary>
        /// The name's parser, reset and now in use for this rule; null when there is none, when a module of this rule
        /// is using it, or when it cannot be reset. <paramref name="slot"/>: the name's slot, or -1.
        /// </summary>
        public T? Reuse(string name, out int slot)
        {
            slot = Find(name);
            if (slot < 0 || _slots[slot].Rule == _rule || !_slots[slot].Parser.Reset()) return null;
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
