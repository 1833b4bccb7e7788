namespace Nfwalk.Model;

/// <summary>Packet and byte counters as iptables-save -c prints them: [packets:bytes].</summary>
public readonly record struct Counters(ulong Packets, ulong Bytes)
{
    public override string ToString() => $"[{Packets}:{Bytes}]";
}
