using Nfwalk.Model;

namespace Nfwalk.Semantics.Explain;

public enum Backend : byte { Unknown, Legacy, Nftables }

/// <summary>Kernel facts about hooks and table priorities, in words (netfilter-semantics reference §1, verified on the kernel).</summary>
public static class HookText
{
    public static string What(Hook h) => h switch
    {
        Hook.Prerouting => "PREROUTING sees every packet that arrives on an interface of this host (including packets that come out of a tunnel device after decapsulation), before the routing decision. Packets generated on this host never pass it",
        Hook.Input => "INPUT sees packets that the routing decision delivers to this host itself",
        Hook.Forward => "FORWARD sees packets that this host routes on to another host; they never pass INPUT or OUTPUT",
        Hook.Output => "OUTPUT sees packets generated on this host (by processes, and by the kernel itself: tunnel encapsulation, TCP RSTs, ICMP errors), after their first routing decision; forwarded packets never pass it",
        _ => "POSTROUTING sees every packet about to leave through an interface, forwarded or generated here, after routing",
    };

    /// <summary>Tables in the order the kernel runs them at a hook (lower priority first).</summary>
    public static IReadOnlyList<(TableName Table, string Priority)> Order(Hook h, Backend b) => h switch
    {
        Hook.Prerouting => [(TableName.Raw, "-300"), (TableName.Mangle, "-150"), (TableName.Nat, "-100, DNAT")],
        Hook.Input => b == Backend.Legacy
            ? [(TableName.Mangle, "-150"), (TableName.Filter, "0"), (TableName.Security, "50"), (TableName.Nat, "100, SNAT")]
            : [(TableName.Mangle, "-150"), (TableName.Filter, "0"), (TableName.Nat, "100, SNAT"), (TableName.Security, "150 with iptables-nft")],
        Hook.Forward => [(TableName.Mangle, "-150"), (TableName.Filter, "0"), (TableName.Security, b == Backend.Legacy ? "50" : "150 with iptables-nft")],
        Hook.Output => [(TableName.Raw, "-300"), (TableName.Mangle, "-150"), (TableName.Nat, "-100, DNAT"), (TableName.Filter, "0"), (TableName.Security, b == Backend.Legacy ? "50" : "150 with iptables-nft")],
        _ => [(TableName.Mangle, "-150"), (TableName.Nat, "100, SNAT")],
    };

    public static string Position(TableName t, Hook h, Backend b)
    {
        var order = Order(h, b);
        var parts = new List<string>();
        foreach (var (tab, prio) in order)
        {
            var s = $"{tab.Name()} ({prio})";
            if (tab == TableName.Raw && h is Hook.Prerouting or Hook.Output) s += " → conntrack lookup (-200)";
            parts.Add(tab == t ? $"[{s}]" : s);
        }
        var text = $"In {h.ChainName()} the tables run in this order: {string.Join(" → ", parts)}";
        if (h == Hook.Input && b == Backend.Unknown) text += " (legacy iptables runs security before nat instead)";
        if (h == Hook.Output && t == TableName.Mangle) text += ". If a mangle OUTPUT rule changes the mark, source, destination or TOS, the packet is routed again";
        return text + ".";
    }

    public static string NatNote =>
        "The nat table is consulted only for the first packet of a connection (the one that creates its conntrack entry); " +
        "whatever it decides (including 'no translation' when the packet is ACCEPTed or reaches the policy) is stored and applied to every later packet and reply, which never see the nat chains";
}
