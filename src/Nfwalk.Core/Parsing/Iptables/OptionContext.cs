using System.Runtime.CompilerServices;
using Nfwalk.Diagnostics;
using Nfwalk.Model;
using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Iptables;

/// <summary>
/// A cursor over the words of one rule line, handed to match and target parsers so they can take
/// their option values. Errors go to the diagnostics with the exact line:column.
/// </summary>
public sealed class OptionContext
{
    private char[] _text = [];
    private List<Token> _tokens = [];
    private readonly DiagnosticBag _diags;
    private readonly StringPool _pool;
    internal int Pos;

    internal OptionContext(DiagnosticBag diags, StringPool pool, IpFamily family)
    {
        _diags = diags; _pool = pool; Family = family;
    }

    /// <summary>Points the cursor at the next rule line (the context is reused to keep parsing allocation-free).</summary>
    internal void Reset(char[] text, List<Token> tokens, SourceLine line, int start, bool ascii)
    {
        _text = text; _tokens = tokens; Line = line; Pos = start; LineIsAscii = ascii;
        Protocol = 0; ProtocolNegated = false; Failed = false; _optionToken = -1; _optionName = null;
    }

    public SourceLine Line { get; private set; }
    /// <summary>Whether the line is ASCII: a word's character positions are then its bytes' in the line (see <see cref="LineBuffer.IsAscii"/>).</summary>
    internal bool LineIsAscii { get; private set; }
    /// <summary>The characters of the line (the tokens' positions are in it; the array may be longer than the line).</summary>
    internal ReadOnlySpan<char> Text => _text;
    public IpFamily Family { get; }
    /// <summary>The -p protocol of the rule (0 when none or "all"), known once base options were read.</summary>
    public byte Protocol { get; internal set; }
    public bool ProtocolNegated { get; internal set; }
    /// <summary>Where the option being read starts (its column is kept; the location is made when a message needs it).</summary>
    public SourceLocation OptionAt => Line.At(_optionColumn);
    private int _optionColumn;
    /// <summary>The column of the option being parsed, or of the module or target being built (see <see cref="SetOptionText"/>).</summary>
    internal int OptionColumn => _optionColumn;
    private int _optionToken = -1;
    private string? _optionName;
    /// <summary>The option being parsed, as written (made into a string only when a message needs it).</summary>
    public string OptionName
    {
        get => _optionName ??= _optionToken >= 0 ? Word(_tokens[_optionToken]) : _prefix is not null ? _prefix + _suffix : "";
        internal set { _optionName = value; _optionToken = -1; _prefix = null; }
    }
    internal void SetOption(int tokenIndex, int column) { _optionToken = tokenIndex; _optionName = null; _prefix = null; _optionColumn = column; }
    private string? _prefix, _suffix;
    internal void SetOptionText(string prefix, string name, int column) { _prefix = prefix; _suffix = name; _optionName = null; _optionToken = -1; _optionColumn = column; }
    public bool Failed { get; internal set; }

    // the accessors the option parsers call per word, inlined into them: ParseRule and the larger Accept methods had used
    // up the inliner's budget, and they were calls of their own (4% of a parse of a 10,000-service kube-proxy dump, NativeAOT)
    public bool AtEnd { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Pos >= _tokens.Count; }
    internal Token Current { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _tokens[Pos]; }
    internal ReadOnlySpan<char> CurrentSpan { [MethodImpl(MethodImplOptions.AggressiveInlining)] get { var t = _tokens[Pos]; return _text.AsSpan(t.Start, t.Length); } }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public SourceLocation At(Token t) => Line.At(t.Column);
    internal SourceLocation CurrentAt => AtEnd ? Line.At(Line.Length + 1) : At(_tokens[Pos]);

    public int ErrorCount { get; private set; }
    public void Error(SourceLocation at, string message) { _diags.Error(at, message); Failed = true; ErrorCount++; }
    public void Error(string message) => Error(OptionAt, message);
    public void Warning(SourceLocation at, string message) => _diags.Warning(at, message);

    /// <summary>True when the next word is an option value, not the next option.</summary>
    public bool HasValue { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => !AtEnd && !IsOptionWord(CurrentSpan, _tokens[Pos].Quoted); }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] internal static bool IsOptionWord(ReadOnlySpan<char> s, bool quoted)
        => !quoted && s.Length >= 2 && s[0] == '-' && !char.IsAsciiDigit(s[1]);

    /// <summary>Takes the value of the current option; reports "option requires an argument" when absent.</summary>
    public bool TryValue(out ReadOnlySpan<char> value, out SourceLocation at)
    {
        if (AtEnd || (IsOptionWord(CurrentSpan, _tokens[Pos].Quoted) && !CurrentSpan.SequenceEqual("!")))
        {
            value = default; at = CurrentAt;
            Error(OptionAt, $"option \"{OptionName}\" requires an argument");
            return false;
        }
        var t = _tokens[Pos++];
        at = At(t);
        value = t.Quoted ? LineLexer.Value(_text, t).AsSpan() : _text.AsSpan(t.Start, t.Length);
        return true;
    }

    public bool TryValue(out ReadOnlySpan<char> value) => TryValue(out value, out _);

    /// <summary>A value as a pooled string (for names that repeat: chains, sets, interfaces).</summary>
    public bool TryString(out string value, out SourceLocation at)
    {
        if (AtEnd || (IsOptionWord(CurrentSpan, _tokens[Pos].Quoted) && !_tokens[Pos].Quoted))
        {
            value = ""; at = CurrentAt;
            Error(OptionAt, $"option \"{OptionName}\" requires an argument");
            return false;
        }
        var t = _tokens[Pos++];
        at = At(t);
        value = t.Quoted ? LineLexer.Value(_text, t) : _pool.Get(_text.AsSpan(t.Start, t.Length));
        return true;
    }

    public bool TryString(out string value) => TryString(out value, out _);

    /// <summary>
    /// A value as <see cref="TryString(out string, out SourceLocation)"/> takes it, but left in the line: the word (quotes
    /// included; <see cref="LineLexer.Value"/> of the line's text makes the string) for a value that is seldom read.
    /// </summary>
    internal bool TryWord(out Token word, out SourceLocation at)
    {
        if (AtEnd || IsOptionWord(CurrentSpan, _tokens[Pos].Quoted))
        {
            word = default; at = CurrentAt;
            Error(OptionAt, $"option \"{OptionName}\" requires an argument");
            return false;
        }
        word = _tokens[Pos++];
        at = At(word);
        return true;
    }

    /// <summary>
    /// A "-m" module or "-j" target name, taken as <see cref="TryString(out string, out SourceLocation)"/> takes it; the names
    /// nfwalk knows come back as literals without a pool lookup (nearly every rule names two or three of them), others as copies.
    /// </summary>
    internal bool TryName(out string value, out SourceLocation at)
    {
        if (!AtEnd && !_tokens[Pos].Quoted && Extensions.KnownName(CurrentSpan) is { } known)
        {
            at = At(_tokens[Pos++]);
            value = known;
            return true;
        }
        // any other name (a user chain, nearly always) is copied, not pooled: a jump names a chain declared far away, so a
        // pool lookup of it seldom finds the pool's memory in the cache: it was 10% of the time of a parse of a
        // 10,000-service kube-proxy dump, against 4% more allocation for the copies. The few names met last are reused,
        // compared while in the cache: a name that comes back often (kube-proxy's KUBE-MARK-MASQ, 40,000 jumps of 110,000)
        // is then one string, not one per rule
        if (!AtEnd && !_tokens[Pos].Quoted && !IsOptionWord(CurrentSpan, false))
        {
            var t = _tokens[Pos++];
            at = At(t);
            value = RecentName(_text.AsSpan(t.Start, t.Length));
            return true;
        }
        return TryString(out value, out at);
    }

    /// <summary>Old-style negation, "--dport ! 22": a "!" where the value should be.</summary>
    internal bool TakeOldStyleBang()
    {
        if (!AtEnd && !_tokens[Pos].Quoted && CurrentSpan.SequenceEqual("!")) { Pos++; return true; }
        return false;
    }

    public bool TryUInt(out uint v, uint max = uint.MaxValue, string what = "value")
    {
        v = 0;
        if (!TryValue(out var s, out var at)) return false;
        if (!Values.TryUInt(s, out v, max)) { Error(at, $"{OptionName}: invalid {what} \"{Values.Trunc(s)}\"" + (max != uint.MaxValue ? $" (0-{max})" : "")); return false; }
        return true;
    }

    public bool TryMarkMask(out uint value, out uint mask, out bool hasMask)
    {
        value = 0; mask = uint.MaxValue; hasMask = false;
        if (!TryValue(out var s, out var at)) return false;
        if (!Values.TryMarkMask(s, out value, out mask, out hasMask))
        {
            Error(at, $"{OptionName}: bad value/mask \"{Values.Trunc(s)}\": expected a number such as 0x200 or 0x200/0x200");
            return false;
        }
        return true;
    }

    public bool TryPortRange(out PortRange range)
    {
        range = default;
        if (!TryValue(out var s, out var at)) return false;
        if (!Values.TryPortRange(s, out range, out var err)) { Error(at, $"{OptionName}: {err}"); return false; }
        return true;
    }

    public bool TryPrefix(out IpPrefix prefix)
    {
        prefix = default;
        if (!TryValue(out var s, out var at)) return false;
        if (!IpPrefix.TryParse(s, out prefix)) { Error(at, $"{OptionName}: bad address \"{Values.Trunc(s)}\": expected an address or address/prefix-length"); return false; }
        if (prefix.Family != Family) { Error(at, $"{OptionName}: {prefix.Address} is an {(prefix.Family == IpFamily.V4 ? "IPv4" : "IPv6")} address in an {(Family == IpFamily.V4 ? "IPv4 (iptables)" : "IPv6 (ip6tables)")} ruleset"); return false; }
        return true;
    }

    /// <summary>
    /// After -j/-g, a word that can only be a user chain's name (not a target nfwalk or iptables knows, not an option), on
    /// an ASCII line: taken as its token's index, with no string made (the jump keeps the name as its place in the file).
    /// False, and nothing taken, for any other word: <see cref="TryName"/> takes it then.
    /// </summary>
    internal bool TryChainWord(out int token)
    {
        token = Pos;
        if (!LineIsAscii || Line.File is null || AtEnd) return false;
        var t = _tokens[Pos];
        if (t.Quoted) return false;
        var s = _text.AsSpan(t.Start, t.Length);
        if (IsOptionWord(s, false) || Extensions.KnownName(s) is not null || Extensions.IsTargetName(s)) return false;
        Pos++;
        return true;
    }

    public bool TryAddress(out IpAddress address)
    {
        address = default;
        if (!TryValue(out var s, out var at)) return false;
        if (!IpAddress.TryParse(s, out address)) { Error(at, $"{OptionName}: bad address \"{Values.Trunc(s)}\""); return false; }
        return true;
    }

    internal string Pool(ReadOnlySpan<char> s) => _pool.Get(s);

    /// <summary>A word of the current line as written (quotes included), copied out of the line.</summary>
    internal string Word(Token t) => new(_text, t.Start, t.Length);

    // the names TryName made last, replaced in turn
    private readonly string[] _recent = ["", "", "", ""];
    private int _nextRecent;

    /// <summary>The name as a string: one of the last few made, when it is one of them (compared, not hashed), else a new one.</summary>
    private string RecentName(ReadOnlySpan<char> name)
    {
        var recent = _recent;
        for (int i = 0; i < recent.Length; i++)
            if (name.SequenceEqual(recent[i])) return recent[i];
        var made = name.ToString();
        recent[_nextRecent++ & (recent.Length - 1)] = made;
        return made;
    }

    /// <summary>The length of a word's value (quotes removed, escapes resolved).</summary>
    internal int ValueLength(Token t) => LineLexer.ValueLength(_text, t);

    /// <summary>Rejects a "!" on an option that cannot be inverted.</summary>
    public bool NoInvert(bool negated)
    {
        if (negated) Error(OptionAt, $"{OptionName} cannot be inverted");
        return !negated;
    }
}
