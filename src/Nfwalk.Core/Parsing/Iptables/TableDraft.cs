using System.Runtime.InteropServices;
using Nfwalk.Diagnostics;
using Nfwalk.Model;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// Accumulates one table (or one headerless block) while lines are read: its chains, declared or only named by rules,
/// and their rules.
/// </summary>
/// <remarks>
/// Built for dumps of tens of thousands of chains (a 10,000-service kube-proxy nat table has 40,000): each chain is one
/// <see cref="ChainDraft"/> found through one dictionary, and the rules of a chain that come together (as iptables-save
/// writes them) are a run in one table-wide array rather than a list of their own. Before, every chain had a declaration
/// tuple, entries in two sets and a dictionary, and a list of rules, and every rule was kept twice: 30 of the 89 MB a
/// parse of that dump allocated.
/// </remarks>
internal sealed class TableDraft
{
    public TableName? Name;
    public bool Headerless;
    public SourceLine? Header, Commit;
    public bool RulesStarted;
    public bool Skip; // unknown table: lines ignored until COMMIT

    /// <summary>The declared chains (":NAME POLICY", "-N", "-P"), in the order of their declarations.</summary>
    public readonly List<ChainDraft> Declarations = new();
    /// <summary>
    /// The chains that had rules before any declaration of them (in a dump, only builtin chains iptables-save does not
    /// declare, if any), in the order of their first rule: the assembler adds those not declared since after the declared
    /// ones. A declared chain is not kept here (in a 10,000-service dump this was a list of all its 40,000 chains, each
    /// looked at again when the table was made, a cache miss apiece, to be skipped).
    /// </summary>
    public readonly List<ChainDraft> RuledBeforeDeclared = new();
    private readonly Dictionary<string, ChainDraft> _chains;
    private readonly Dictionary<string, ChainDraft>.AlternateLookup<ReadOnlySpan<char>> _byText;
    private ChainDraft? _lastNamed;

    public TableDraft(bool lazyIndex = true)
    {
        _chains = new(StringComparer.Ordinal);
        _byText = _chains.GetAlternateLookup<ReadOnlySpan<char>>();
        _indexed = !lazyIndex;
    }

    // Declarations of user chains in sorted runs are not put in the chain dictionary as they come (see Declared): these
    // are they, in order, and where each sorted run of them starts. Once anything looks a chain up by name, or a run
    // cannot be told apart from the ones before cheaply, they all go in and every chain after them as it comes.
    private readonly List<ChainDraft> _pending = new();
    private readonly List<int> _runStarts = new();
    private bool _indexed;
    private const int MaxRuns = 4, MaxClosedRunLength = 64;

    // the rules of the chains whose rules came together, chain after chain; RuleStart/RuleCount of a chain point in here
    private Rule[] _runs = [];
    private int _runsLength;
    private ChainDraft? _last;

    private List<Rule>? _fileOrder;
    /// <summary>
    /// Headerless blocks only (the table inferrer reads them): every rule in file order, an "-I" rule placed before the
    /// first rule of its chain so far. Empty for a "*table" block.
    /// </summary>
    public IReadOnlyList<Rule> Rules => _fileOrder ?? (IReadOnlyList<Rule>)Array.Empty<Rule>();

    /// <summary>Makes room for <paramref name="chains"/> chains at once (the declarations ahead were counted).</summary>
    public void Reserve(int chains)
    {
        _reserve = chains;
        // and for the rules: a dump's chains have a few each (kube-proxy's 40,000 chains, 110,000 rules): the run array
        // made at three per chain is not copied through every size on the way
        if (_runs.Length < chains * 3) Array.Resize(ref _runs, chains * 3);
        if (_indexed) _chains.EnsureCapacity(chains);
        else _pending.Capacity = Math.Max(_pending.Capacity, chains);
        Declarations.EnsureCapacity(chains);
    }

    private int _reserve;

    /// <summary>A builtin chain's draft (never left out of the dictionary), without indexing what is pending.</summary>
    public ChainDraft? Find(Hook hook) => _chains.GetValueOrDefault(hook.ChainName());

    public ChainDraft? Find(string name) { Index(); return _chains.GetValueOrDefault(name); }

    public ChainDraft? Find(ReadOnlySpan<char> name) { Index(); return _byText.TryGetValue(name, out var c) ? c : null; }

    /// <summary>
    /// The chain a declaration (":NAME", "-N", "-P") names: the table's, or a new one (<paramref name="made"/>, made ahead
    /// with that name, when given). iptables-save lists a table's user chains in sorted order (libiptc keeps them sorted;
    /// every dump of the fixture corpus does), a restore file nearly so (kube-proxy: its few fixed chains, then the sorted
    /// service chains). A name greater than the one before cannot be one of its run, and is looked for in the earlier runs
    /// (short, binary searched) instead of hashed into the dictionary: the 40,000 declarations of a 10,000-service dump
    /// are then not hashed at all, on the builder's sequential path, unless a lookup needs them (rules in declaration
    /// order need none). Builtin names always go to the dictionary (no user chain has one).
    /// </summary>
    public ChainDraft Declared(ReadOnlySpan<char> name, ChainDraft? made = null)
    {
        if (!_indexed)
        {
            // while nothing is indexed, the dictionary holds builtin chains only (a lookup by name indexes everything)
            bool builtin = Hooks.TryParseChain(name, out _);
            if (!builtin && TryPending(name, made) is { } c) return c;
            if (builtin) return InDictionary(name, made); // straight to the dictionary, leaving what is pending
        }
        return Named(name, made);
    }

    /// <summary>The new chain of a user declaration that is not one already pending, or null (duplicate, or runs too many to search).</summary>
    private ChainDraft? TryPending(ReadOnlySpan<char> name, ChainDraft? made)
    {
        int n = _pending.Count;
        bool newRun = n == 0 || name.SequenceCompareTo(_pending[n - 1].Name) <= 0;
        if (newRun && n > 0)
        {
            // the run before has ended: later names are looked for in it, so it must be short, and so must their number
            int runs = _runStarts.Count;
            if (runs >= MaxRuns || n - _runStarts[^1] > MaxClosedRunLength) { Index(); return null; }
        }
        // in a closed run (all but the current one, which this name is greater than the end of, or which it starts)?
        int closedEnd = newRun ? n : _runStarts[^1];
        for (int r = 0; r < _runStarts.Count; r++)
        {
            int lo = _runStarts[r], hi = (r + 1 < _runStarts.Count ? _runStarts[r + 1] : n) - 1;
            if (lo >= closedEnd) break;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1, cmp = name.SequenceCompareTo(_pending[mid].Name);
                if (cmp == 0) { Index(); return null; }
                if (cmp < 0) hi = mid - 1; else lo = mid + 1;
            }
        }
        if (newRun) _runStarts.Add(n);
        var c = made ?? new ChainDraft(name.ToString());
        _pending.Add(c);
        return c;
    }

    /// <summary>Puts the pending declarations in the chain dictionary; every chain goes in as it comes from now on.</summary>
    private void Index()
    {
        if (_indexed) return;
        _indexed = true;
        _chains.EnsureCapacity(Math.Max(_reserve, _chains.Count + _pending.Count));
        foreach (var c in _pending) _chains.Add(c.Name, c); // distinct, and no user chain was in the dictionary
        _pending.Clear();
        _runStarts.Clear();
    }

    /// <summary>
    /// The chain named by that text, made (neither declared nor with rules) when it is new. Chain names are not pooled: the
    /// chain's own <see cref="ChainDraft.Name"/> is the one string of the name in this table (a pool as well cost a
    /// second lookup, in a second large table, per declaration). A rule line names the chain of the line before it
    /// nearly always, so that one is compared first.
    /// </summary>
    /// <remarks><paramref name="made"/>: a chain of that name made ahead (by a declaration read on another thread), taken when the table has none.</remarks>
    public ChainDraft Named(ReadOnlySpan<char> name, ChainDraft? made = null)
    {
        if (_lastNamed is { } last && name.SequenceEqual(last.Name)) return last;
        Index();
        return _lastNamed = InDictionary(name, made);
    }

    /// <summary>The dictionary's chain of that name, added (<paramref name="made"/>, or a new one) when it has none.</summary>
    private ChainDraft InDictionary(ReadOnlySpan<char> name, ChainDraft? made)
    {
        if (made is not null)
        {
            // one lookup adds the chain made ahead or finds the table's (a declaration's name is nearly always new)
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_chains, made.Name, out _);
            return slot ??= made;
        }
        if (_byText.TryGetValue(name, out var c)) return c;
        c = new ChainDraft(name.ToString());
        _chains.Add(c.Name, c);
        return c;
    }

    /// <summary>The chain of that name, made (neither declared nor with rules) when it is new: one hash lookup either way.</summary>
    public ChainDraft Named(string name)
    {
        Index();
        ref var c = ref CollectionsMarshal.GetValueRefOrAddDefault(_chains, name, out _);
        return c ??= new ChainDraft(name);
    }

    /// <summary>Records the declaration of <paramref name="c"/>, a chain of this table (the caller has checked that it is not declared yet).</summary>
    public void Declare(ChainDraft c, SourceLine line, int column, Policy policy, Counters? counters)
    {
        c.Declaration = line; c.DeclarationColumn = column; c.DeclaredPolicy = policy; c.DeclaredCounters = CountersBox.Of(counters);
        c.DeclarationIndex = Declarations.Count;
        Declarations.Add(c);
    }

    /// <summary>"-A CHAIN": after the chain's rules so far, numbered as it comes (while the rule is still in cache).</summary>
    public void Append(Rule r)
    {
        var c = RunChain(r.ChainName);
        // every rule names its chain with the chain's own string (a rule parsed here has it already: no store, no write barrier)
        if (!ReferenceEquals(r.ChainName, c.Name)) r.NameChain(c.Name);
        Append(r, c);
    }

    /// <summary>As <see cref="RunChain(ReadOnlySpan{char})"/> for a name that is ASCII, as the bytes of its line (a rule read ahead without its name).</summary>
    public ChainDraft RunChain(ReadOnlySpan<byte> ascii)
    {
        Span<char> name = ascii.Length <= 256 ? stackalloc char[ascii.Length] : new char[ascii.Length];
        System.Text.Ascii.ToUtf16(ascii, name, out _);
        return RunChain(name);
    }

    /// <summary>
    /// The chain of the rule to append next, which names <paramref name="name"/>: made when the table has none. A dump lists
    /// each chain's rules together, so the chain of the rule before is compared first; iptables-save lists a table's rules
    /// chain by chain in the order of the chains' declarations, so the declaration after the one of the last run is the
    /// likely chain of the next run (one comparison); the dictionary is the sure one.
    /// </summary>
    public ChainDraft RunChain(ReadOnlySpan<char> name)
    {
        if (_last is { } last && name.SequenceEqual(last.Name)) return last;
        for (int k = _nextDeclaration, end = Math.Min(Declarations.Count, _nextDeclaration + DeclarationsTried); k < end; k++)
            if (name.SequenceEqual(Declarations[k].Name)) return Declarations[k];
        return Named(name);
    }

    /// <summary>"-A CHAIN" for <paramref name="c"/>, the chain the rule names.</summary>
    public void Append(Rule r, ChainDraft c)
    {
        if (Headerless) (_fileOrder ??= new()).Add(r);
        if (!ReferenceEquals(c, _last)) Ran(c);
        _last = c;
        if (c.RuleCount == 0 && !c.IsDeclared) RuledBeforeDeclared.Add(c);
        if (c.OwnRules is null && (c.RuleCount == 0 || c.RuleStart + c.RuleCount == _runsLength))
        {
            if (c.RuleCount == 0) c.RuleStart = _runsLength;
            if (_runsLength == _runs.Length) Array.Resize(ref _runs, Math.Max(256, _runs.Length * 2));
            _runs[_runsLength++] = r;
        }
        else OwnList(c).Add(r);
        r.Number = ++c.RuleCount;
    }

    // the declaration after the one of the last run of rules (see RunChain)
    private int _nextDeclaration;
    private const int DeclarationsTried = 2;

    /// <summary>A run of rules of chain <paramref name="c"/> starts: the next run is looked for after its declaration.</summary>
    private void Ran(ChainDraft c)
    {
        if (c.IsDeclared) _nextDeclaration = c.DeclarationIndex + 1;
    }

    /// <summary>"-I CHAIN [N]": at position <paramref name="position"/> of the chain's rules so far (1, the top, without a
    /// number; the caller has checked that it is at most one past the last).</summary>
    public void Insert(Rule r, int position = 1)
    {
        var c = Named(r.ChainName);
        if (Headerless)
        {
            // in file order, before the rule now at that position of the chain (after its last one when it goes last)
            var all = _fileOrder ??= new();
            int seen = 0, at = all.Count;
            for (int i = 0; i < all.Count; i++)
                if (all[i].ChainName == r.ChainName && ++seen == position) { at = i; break; }
            if (seen < position && position > 1)
                for (int i = all.Count - 1; i >= 0; i--)
                    if (all[i].ChainName == r.ChainName) { at = i + 1; break; }
            all.Insert(at, r);
        }
        if (c.RuleCount == 0 && !c.IsDeclared) RuledBeforeDeclared.Add(c);
        var own = OwnList(c);
        own.Insert(Math.Clamp(position - 1, 0, own.Count), r);
        c.RuleCount++;
        for (int k = 0; k < own.Count; k++) own[k].Number = k + 1;
        _last = null; // the chain's rules no longer end the runs
    }

    /// <summary>The rules of a chain, in chain order.</summary>
    public IReadOnlyList<Rule> RulesOf(ChainDraft c)
        => c.OwnRules is { } own ? own : c.RuleCount == 0 ? Array.Empty<Rule>() : new ArraySegment<Rule>(_runs, c.RuleStart, c.RuleCount);

    /// <summary>The rules of a chain without a list of its own (<see cref="ChainDraft.OwnRules"/> null): a run of the table's array.</summary>
    public (Rule[] Array, int Start, int Count) RunOf(ChainDraft c)
        => c.OwnRules is null ? (_runs, c.RuleCount == 0 ? 0 : c.RuleStart, c.RuleCount) : throw new InvalidOperationException("the chain has a list of its own");

    /// <summary>A chain whose rules do not come together (or that had an "-I") keeps its own list from then on.</summary>
    private List<Rule> OwnList(ChainDraft c)
    {
        if (c.OwnRules is null)
        {
            var own = new List<Rule>(Math.Max(4, c.RuleCount + 1));
            for (int i = 0; i < c.RuleCount; i++) own.Add(_runs[c.RuleStart + i]);
            c.OwnRules = own;
        }
        return c.OwnRules;
    }
}

/// <summary>One chain of a <see cref="TableDraft"/>: its declaration, if any, and where its rules are.</summary>
/// <remarks>80 bytes (ObjectSizeTests): a 10,000-service kube-proxy dump has 40,000 of them.</remarks>
internal sealed class ChainDraft(string name)
{
    public readonly string Name = name;

    /// <summary>The declaration's line, or null (kept as fields: a SourceLine? field is 32 bytes with its flag and padding).</summary>
    public SourceLine? Declaration
    {
        get => _declared ? new SourceLine(_declFile, _declOffset, _declLength, _declLine) : null;
        set
        {
            _declared = value.HasValue;
            if (value is { } v) { _declFile = v.File; _declOffset = v.Offset; _declLength = v.Length; _declLine = v.Number; }
        }
    }
    private SourceFile? _declFile;
    private int _declOffset, _declLength, _declLine;
    private bool _declared;

    /// <summary>The column of the name in the declaration (for a chain made ahead, in the line it was made from).</summary>
    public int DeclarationColumn;
    /// <summary>Its position in the table's <see cref="TableDraft.Declarations"/> (when declared).</summary>
    public int DeclarationIndex;
    public Policy DeclaredPolicy;
    /// <summary>Its declaration's counters (boxed, see <see cref="CountersBox"/>); for a chain made ahead from a declaration line, already those of that line.</summary>
    public System.Runtime.CompilerServices.StrongBox<Counters>? DeclaredCounters;

    /// <summary>
    /// A chain made ahead from a ":NAME POLICY [p:b]" line (<see cref="SaveParser"/>'s read-ahead): the policy word, one of
    /// "ACCEPT", "DROP" and "-" (a line with another is left to the builder), and the column of the name
    /// (<see cref="DeclarationColumn"/>), what the builder needs to declare it without decoding the line again.
    /// </summary>
    public string? ReadAheadPolicy => _readAheadPolicy switch { 1 => "ACCEPT", 2 => "DROP", 3 => "-", _ => null };
    private byte _readAheadPolicy;

    /// <summary>The policy words a chain is made ahead with (<see cref="ReadAheadPolicy"/>).</summary>
    public static bool IsReadAheadPolicy(ReadOnlySpan<char> word) => word is "ACCEPT" or "DROP" or "-";

    /// <summary>A chain made ahead from a declaration line: its name, policy word (<see cref="IsReadAheadPolicy"/>), the name's column and the line's counters.</summary>
    public static ChainDraft MadeAhead(string name, ReadOnlySpan<char> policy, int column, Counters? counters) => new(name)
    {
        _readAheadPolicy = policy switch { "ACCEPT" => 1, "DROP" => 2, "-" => 3, _ => throw new ArgumentException($"not a policy read ahead: {policy}", nameof(policy)) },
        DeclarationColumn = column,
        DeclaredCounters = CountersBox.Of(counters),
    };

    public bool IsDeclared => _declared;
    /// <summary>Where the name was declared (for messages about the declaration).</summary>
    public SourceLocation DeclarationAt => Declaration!.Value.At(DeclarationColumn);

    public int RuleCount, RuleStart;
    public List<Rule>? OwnRules;
    /// <summary>Set by the assembler once the chain is in the table.</summary>
    public bool Assembled;
}
