namespace Nfwalk.Parsing.Iptables;

/// <summary>One word of an iptables-save line: a slice of the file text (quotes included) and its 1-based column.</summary>
public readonly record struct Token(int Start, int Length, int Column, bool Quoted);
