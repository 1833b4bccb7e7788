namespace Nfwalk.Ambient;

/// <summary>
/// The iptables tables of a generated namespace, as iptables-save lists them: per table its builtin chains (policy
/// ACCEPT), its user chains and each chain's rules in order (rule text after "-A CHAIN", in iptables-save's own
/// spelling). Built with <see cref="Builder"/>, which keeps "-I CHAIN 1" and "-A CHAIN" semantics.
/// </summary>
public sealed class IptablesTables
{
    public sealed record Table(string Name, IReadOnlyList<string> Builtins, IReadOnlyList<string> UserChains, IReadOnlyDictionary<string, IReadOnlyList<string>> Rules);

    public IReadOnlyList<Table> Tables { get; }

    private IptablesTables(IReadOnlyList<Table> tables) => Tables = tables;

    /// <summary>The builtin chains of each table, in hook order (what iptables-save prints first).</summary>
    public static IReadOnlyList<string> BuiltinsOf(string table) => table switch
    {
        "filter" => ["INPUT", "FORWARD", "OUTPUT"],
        "nat" => ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        "mangle" => ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        "raw" => ["PREROUTING", "OUTPUT"],
        _ => throw new ArgumentException($"unknown table {table}"),
    };

    public sealed class Builder
    {
        private readonly List<string> _order = new();
        private readonly Dictionary<string, HashSet<string>> _chains = new();
        private readonly Dictionary<(string, string), List<string>> _rules = new();

        /// <summary>Makes the table exist (as "iptables -t TABLE -F ..." does) even with no rules.</summary>
        public Builder Touch(string table)
        {
            if (!_chains.ContainsKey(table)) { _order.Add(table); _chains[table] = new HashSet<string>(); }
            return this;
        }

        /// <summary>iptables -t TABLE -N CHAIN (declaring an existing chain again is a no-op here).</summary>
        public Builder Chain(string table, string chain)
        {
            Touch(table);
            if (!BuiltinsOf(table).Contains(chain)) _chains[table].Add(chain);
            return this;
        }

        private List<string> RulesOf(string table, string chain)
        {
            Touch(table);
            if (!BuiltinsOf(table).Contains(chain) && !_chains[table].Contains(chain))
                throw new InvalidOperationException($"chain {chain} of table {table} is used before it is declared");
            if (!_rules.TryGetValue((table, chain), out var list)) _rules[(table, chain)] = list = new List<string>();
            return list;
        }

        /// <summary>iptables -t TABLE -A CHAIN RULE.</summary>
        public Builder Append(string table, string chain, string rule) { RulesOf(table, chain).Add(rule); return this; }

        /// <summary>iptables -t TABLE -I CHAIN 1 RULE.</summary>
        public Builder InsertFirst(string table, string chain, string rule) { RulesOf(table, chain).Insert(0, rule); return this; }

        public IptablesTables Build() => new(_order.Select(t =>
        {
            var builtins = BuiltinsOf(t);
            var user = _chains[t].OrderBy(c => c, StringComparer.Ordinal).ToList();
            var rules = builtins.Concat(user).ToDictionary(c => c, c => (IReadOnlyList<string>)(_rules.TryGetValue((t, c), out var l) ? l.ToList() : []));
            return new Table(t, builtins, user, rules);
        }).ToList());
    }
}
