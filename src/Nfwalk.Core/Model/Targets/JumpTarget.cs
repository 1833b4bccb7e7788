using System.Text;
using Nfwalk.Model.Evaluation;

namespace Nfwalk.Model.Targets;

/// <summary>-j CHAIN (jump: RETURN comes back here) or -g CHAIN (goto: RETURN skips back to the last -j).</summary>
public sealed class JumpTarget : Target
{
    // The chain's name: a string, or — for a jump parsed from an ASCII line — the SourceFile whose bytes
    // [_offset, _offset + _length) are the name, made a string when first asked for. Checking a ruleset never asks: the chain
    // graph looks the name up by its bytes (ChainNameIndex), so the 40,000 names the jumps of a 10,000-service kube-proxy
    // dump spell out one by one (KUBE-SVC-..., KUBE-SEP-...) are not copied into 3 MB of strings
    private object _chain;
    private readonly int _offset, _length;

    public JumpTarget(string chain, bool isGoto) { _chain = chain; IsGoto = isGoto; }

    /// <summary>A jump whose chain name is the ASCII bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of <paramref name="file"/>.</summary>
    internal JumpTarget(SourceFile file, int offset, int length, bool isGoto)
    {
        _chain = file; _offset = offset; _length = length; IsGoto = isGoto;
    }

    public string Chain
    {
        get
        {
            // read once: another thread may replace the file by the string meanwhile
            var c = _chain;
            if (c is string s) return s;
            var name = ((SourceFile)c).Decode(_offset, _length);
            _chain = name;
            return name;
        }
    }

    /// <summary>The name as the ASCII bytes of its line, when it was not made a string yet.</summary>
    internal bool TryGetAsciiName(out ReadOnlySpan<byte> name)
    {
        if (_chain is SourceFile f) { name = f.Bytes.Slice(_offset, _length); return true; }
        name = default;
        return false;
    }

    /// <summary>Whether the chain's name is <paramref name="name"/> (compared without making it a string).</summary>
    internal bool NameIs(ReadOnlySpan<char> name)
    {
        var c = _chain;
        return c is string s ? name.SequenceEqual(s) : name.Length == _length && Ascii.Equals(((SourceFile)c).Bytes.Slice(_offset, _length), name);
    }

    public bool IsGoto { get; }
    public override string Name => Chain;
    public override bool IsTerminating => IsGoto;
    public override void Print(StringBuilder sb) => sb.Append(IsGoto ? " -g " : " -j ").Append(Chain);
    public override string Explain() => IsGoto
        ? $"goes to chain {Chain} (goto: no return point is kept; a RETURN there resumes after the most recent -j, or applies the builtin chain's policy)"
        : $"jumps to chain {Chain}; if that chain RETURNs or runs off its end, processing continues with the next rule here";
    public override TargetOutcome Apply(ITargetContext ctx) => new(IsGoto ? Outcome.Goto : Outcome.Jump, Chain);
}
