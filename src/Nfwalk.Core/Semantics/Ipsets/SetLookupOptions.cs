using Nfwalk.Model.Matches;

namespace Nfwalk.Semantics.Ipsets;

/// <summary>The counter comparisons of -m set (IPSET_COUNTER_EQ/NE/LT/GT; "! --packets-eq" is NE).</summary>
public enum CounterOp : byte { Eq, Ne, Lt, Gt }

/// <summary>One of --packets-eq/lt/gt or --bytes-eq/lt/gt (ip_set_match_counter).</summary>
public readonly record struct CounterCondition(CounterOp Op, ulong Value)
{
    public bool Holds(ulong counter) => Op switch
    {
        CounterOp.Eq => counter == Value,
        CounterOp.Ne => counter != Value,
        CounterOp.Lt => counter < Value,
        _ => counter > Value,
    };

    public override string ToString() => $"{Op switch { CounterOp.Eq => "==", CounterOp.Ne => "!=", CounterOp.Lt => "<", _ => ">" }} {Value}";
}

/// <summary>
/// What the rule's -m set asks: the src/dst flags in order (as written in "--match-set NAME src,dst"),
/// --return-nomatch, "!" and the counter options of xt_set revision 4.
/// </summary>
public sealed record SetLookupOptions
{
    /// <summary>One entry per flag, true = src. The kernel gets their number as opt->dim and their bits as opt->flags.</summary>
    public required IReadOnlyList<bool> Flags { get; init; }
    public bool ReturnNomatch { get; init; }
    /// <summary>"! --match-set": xt_set's match_set inverts ip_set_test's answer.</summary>
    public bool Negated { get; init; }
    public CounterCondition? Packets { get; init; }
    public CounterCondition? Bytes { get; init; }
    /// <summary>False for "! --update-counters" (IPSET_FLAG_SKIP_COUNTER_UPDATE).</summary>
    public bool UpdateCounters { get; init; } = true;
    /// <summary>False for "! --update-subcounters" (IPSET_FLAG_SKIP_SUBCOUNTER_UPDATE, list:set members).</summary>
    public bool UpdateSubcounters { get; init; } = true;

    public string FlagText => string.Join(',', Flags.Select(f => f ? "src" : "dst"));

    /// <summary>"src,dst,…" as in --match-set; null if a word is not src or dst (or there are more than 6).</summary>
    public static SetLookupOptions? Parse(string flags, bool returnNomatch = false, bool negated = false)
    {
        var list = new List<bool>();
        foreach (var w in flags.Split(','))
        {
            if (w == "src") list.Add(true);
            else if (w == "dst") list.Add(false);
            else return null;
        }
        if (list.Count is 0 or > 6) return null;
        return new SetLookupOptions { Flags = list, ReturnNomatch = returnNomatch, Negated = negated };
    }

    /// <summary>The options of a parsed -m set match.</summary>
    public static SetLookupOptions From(SetMatch m) => new()
    {
        Flags = m.SourceFlags, ReturnNomatch = m.ReturnNomatch, Negated = m.Negated,
        Packets = Condition(m.Packets), Bytes = Condition(m.Bytes),
        UpdateCounters = !m.NoUpdateCounters, UpdateSubcounters = !m.NoUpdateSubcounters,
    };

    private static CounterCondition? Condition((string Op, bool Negated, ulong Value)? c) => c switch
    {
        null => null,
        { } v when v.Op == "eq" => new CounterCondition(v.Negated ? CounterOp.Ne : CounterOp.Eq, v.Value),
        { } v when v.Op == "lt" => new CounterCondition(CounterOp.Lt, v.Value),
        { } v => new CounterCondition(CounterOp.Gt, v.Value),
    };

    public override string ToString()
        => $"{(Negated ? "! " : "")}{FlagText}{(ReturnNomatch ? " --return-nomatch" : "")}{(Packets is { } p ? $" packets {p}" : "")}{(Bytes is { } b ? $" bytes {b}" : "")}{(UpdateCounters ? "" : " ! --update-counters")}{(UpdateSubcounters ? "" : " ! --update-subcounters")}";
}
