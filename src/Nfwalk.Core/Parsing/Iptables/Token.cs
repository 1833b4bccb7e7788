namespace Nfwalk.Parsing.Iptables;

/// <summary>One word of an iptables-save line: a slice of the line's characters (quotes included).</summary>
public readonly record struct Token(int Start, int Length, bool Quoted)
{
    /// <summary>The word's 1-based column in its line.</summary>
    public int Column => Start + 1;
}
