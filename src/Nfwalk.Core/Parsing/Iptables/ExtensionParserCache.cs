using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// The match and target parsers of one <see cref="RuleParser"/>, reused from rule to rule. Nearly every rule names two or
/// three modules and a target, and a new parser object for each was 8 MB of the 98 MB a parse of a 10,000-service
/// kube-proxy dump allocated. A parser lent for a rule comes back when the rule is built and is kept (one per name)
/// only when its <c>Reset</c> says it cleared itself; a rule naming a module twice gets a second, new parser.
/// </summary>
/// <remarks>
/// The idle parsers are a short list searched by name, not a dictionary: a dump names a dozen extensions or so, nearly
/// always as the same string object (<see cref="Extensions.KnownName"/>), and a take-and-give-back through a dictionary
/// was three hash lookups per extension per rule (6% of a parse).
/// </remarks>
internal sealed class ExtensionParserCache(IpFamily family)
{
    private readonly Shelf<MatchParser> _matches = new();
    private readonly Shelf<TargetParser> _targets = new();

    /// <summary>The parser of "-m <paramref name="name"/>" (as <see cref="Extensions.CreateMatch"/>), or null for a module nfwalk does not model.</summary>
    public MatchParser? Match(string name) => _matches.Take(name) ?? _matches.Lend(name, Extensions.CreateMatch(name, family));

    /// <summary>The implicit module of "-p PROTO" (as <see cref="Extensions.CreateProtocolMatch"/>).</summary>
    public MatchParser? ProtocolMatch(byte protocol)
    {
        var name = Extensions.ProtocolModuleName(protocol, family);
        return _matches.Take(name) ?? _matches.Lend(name, Extensions.CreateProtocolMatch(protocol, family));
    }

    /// <summary>The parser of "-j <paramref name="name"/>" (as <see cref="Extensions.CreateTarget"/>).</summary>
    public TargetParser? Target(string name) => _targets.Take(name) ?? _targets.Lend(name, Extensions.CreateTarget(name, family));

    /// <summary>Takes back every parser lent since the last call (the rule is built: its matches and targets no longer need them).</summary>
    public void ReturnAll()
    {
        _matches.ReturnAll(static p => p.Reset());
        _targets.ReturnAll(static p => p.Reset());
    }

    /// <summary>Idle parsers by name, and the ones lent out for the current rule.</summary>
    private sealed class Shelf<T> where T : class
    {
        private (string Name, T? Idle)[] _idle = new (string, T?)[8];
        private int _names;
        private (int Slot, T Parser)[] _lent = new (int, T)[4];
        private int _lentCount;

        // only names that have a parser get a slot, so there are at most as many as nfwalk models
        private int Find(string name)
        {
            for (int i = 0; i < _names; i++)
                if (ReferenceEquals(_idle[i].Name, name)) return i;
            for (int i = 0; i < _names; i++)
                if (_idle[i].Name == name) return i;
            return -1;
        }

        private int Slot(string name)
        {
            int i = Find(name);
            if (i >= 0) return i;
            if (_names == _idle.Length) Array.Resize(ref _idle, _names * 2);
            _idle[_names] = (name, null);
            return _names++;
        }

        /// <summary>An idle parser of that name, now lent; null when there is none.</summary>
        public T? Take(string name)
        {
            int s = Find(name);
            if (s < 0) return null;
            var p = _idle[s].Idle;
            if (p is null) return null;
            _idle[s].Idle = null;
            Record(s, p);
            return p;
        }

        /// <summary>A new parser (null: the name is not modelled), lent from now on.</summary>
        public T? Lend(string name, T? created)
        {
            if (created is not null) Record(Slot(name), created);
            return created;
        }

        private void Record(int slot, T p)
        {
            if (_lentCount == _lent.Length) Array.Resize(ref _lent, _lentCount * 2);
            _lent[_lentCount++] = (slot, p);
        }

        public void ReturnAll(Func<T, bool> reset)
        {
            for (int i = 0; i < _lentCount; i++)
            {
                var (slot, p) = _lent[i];
                if (reset(p) && _idle[slot].Idle is null) _idle[slot].Idle = p;
                _lent[i] = default;
            }
            _lentCount = 0;
        }
    }
}
