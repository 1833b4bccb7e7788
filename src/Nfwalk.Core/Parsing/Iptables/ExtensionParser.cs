using Nfwalk.Model;

namespace Nfwalk.Parsing.Iptables;

/// <summary>Reads the options of one match module while a rule line is parsed, then builds the immutable match.</summary>
public abstract class MatchParser : IReusableParser
{
    /// <summary>Consumes the option (and its values) if it belongs to this module; false if not its option.</summary>
    public abstract bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx);
    /// <summary>Checks completeness ("--mark" given?) and builds the match; null after an error.</summary>
    public abstract Match? Build(OptionContext ctx);
    /// <summary>Forgets the last rule's options so the parser can read the next rule's; false when it cannot (then a new one is made per rule).</summary>
    internal virtual bool Reset() => false;
    bool IReusableParser.Reset() => Reset();
}

/// <summary>Reads the options of one target, then builds it.</summary>
public abstract class TargetParser : IReusableParser
{
    public abstract bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx);
    public abstract Target? Build(OptionContext ctx);
    /// <summary>Forgets the last rule's options so the parser can read the next rule's; false when it cannot (then a new one is made per rule).</summary>
    internal virtual bool Reset() => false;
    bool IReusableParser.Reset() => Reset();
}

/// <summary>What <see cref="ExtensionParserCache"/> needs of a match or target parser to reuse it for a later rule.</summary>
internal interface IReusableParser
{
    /// <summary>Forgets the last rule's options; false when the parser cannot be reused.</summary>
    bool Reset();
}
