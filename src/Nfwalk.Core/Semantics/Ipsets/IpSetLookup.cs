using System.Globalization;
using System.Runtime.CompilerServices;
using Nfwalk.Model.Evaluation;
using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Ipsets;

/// <summary>
/// Answers "-m set --match-set NAME flags" for a packet exactly as the kernel does:
/// xt_set.c set_match_v4 → match_set → ip_set_test (ip_set_core.c) → the set type's *_kadt function → mtype_test
/// (ip_set_hash_gen.h / ip_set_bitmap_gen.h) or list_set_ktest (ip_set_list_set.c).
/// <list type="bullet">
/// <item>fewer flags than the type's dimensions: never matches; extra flags are ignored; a family mismatch never matches;</item>
/// <item>flag i picks the packet field of dimension i (the mark dimension ignores it; ICMP ports are type/code);</item>
/// <item>hash types with networks try the prefix lengths present in the set, longest first (mtype_test_cidrs); the
/// first element equal in every dimension decides, and a nomatch element answers "not in the set";</item>
/// <item>--return-nomatch inverts that element result for types with IPSET_TYPE_NOMATCH;</item>
/// <item>list:set asks its members in order; the first that matches decides.</item>
/// </list>
/// The collection is a snapshot: element counters are read as dumped (plus this packet when counters are updated),
/// and elements with a timeout are taken as still alive.
/// </summary>
public sealed class IpSetLookup(IpSetCollection sets)
{
    // kernel return codes that matter (ip_set_test turns every negative one into "no match")
    private const int Enotempty = -39, Einval = -22, Eagain = -11, ErrBitmapRange = -4353;

    public IpSetCollection Sets { get; } = sets;

    private readonly ConditionalWeakTable<IpSet, SetIndex> _indexes = new();

    /// <summary>The -m set answer for <paramref name="packet"/>; <see cref="SetLookupStatus.SetNotFound"/> for an unknown name.</summary>
    public SetLookupResult Test(string setName, in SetPacket packet, SetLookupOptions options)
    {
        if (!Sets.TryGet(setName, out var set))
            return new SetLookupResult
            {
                Status = SetLookupStatus.SetNotFound,
                Explanation = $"there is no ipset named \"{setName}\" (the kernel refuses to load a rule that names it)",
            };
        var opt = new Opt(options);
        var r = IpSetTest(set, packet, opt, 0);
        bool inSet = r.Code > 0;
        var why = r.Why;
        if (options.Negated) why += inSet ? "; \"!\" turns this into no match" : "; \"!\" turns this into a match";
        return new SetLookupResult
        {
            Status = inSet ^ options.Negated ? SetLookupStatus.Match : SetLookupStatus.NoMatch,
            InSet = inSet, Explanation = why, Set = set, Element = r.Entry, ElementSet = r.EntrySet, LearnedMac = r.Learned,
        };
    }

    /// <summary>ip_set_test's answer for a parsed -m set match ("!" not applied), or null when the set is unknown.</summary>
    public bool? Test(SetMatch match, IPacketContext ctx)
    {
        if (!Sets.Contains(match.SetName)) return null;
        var o = SetLookupOptions.From(match) with { Negated = false };
        return Test(match.SetName, SetPacket.FromContext(ctx), o).InSet;
    }

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The options as the kernel carries them (struct ip_set_adt_opt: dim, flags, cmdflags, counter values).</summary>
    private readonly record struct Opt(IReadOnlyList<bool> Flags, bool ReturnNomatch, CounterCondition? Packets,
        CounterCondition? Bytes, bool MatchCounters, bool UpdateCounters, bool UpdateSubcounters)
    {
        public Opt(SetLookupOptions o) : this(o.Flags, o.ReturnNomatch, o.Packets, o.Bytes,
            o.Packets is not null || o.Bytes is not null, o.UpdateCounters, o.UpdateSubcounters) { }
        public string FlagText => string.Join(',', Flags.Select(f => f ? "src" : "dst"));
    }

    private readonly record struct Outcome(int Code, string Why, IpSetEntry? Entry = null, IpSet? EntrySet = null, MacAddress? Learned = null);

    /// <summary>ip_set_core.c ip_set_test.</summary>
    private Outcome IpSetTest(IpSet set, in SetPacket p, Opt opt, int depth)
    {
        var type = set.Type;
        if (opt.Flags.Count < type.Dimension)
            return new Outcome(0, $"{set.Name} is {type.Name} with {type.Dimension} dimensions but the rule gives {opt.Flags.Count} flag{(opt.Flags.Count == 1 ? "" : "s")} ({opt.FlagText}): ip_set_test never matches with too few flags");
        if (set.Family is { } f && f != p.Family)
            return new Outcome(0, $"{set.Name} is an {Fam(f)} set and the packet is {(p.Family == IpFamily.V6 ? "IPv6" : "IPv4")}: ip_set_test answers no for a family mismatch");

        var k = type.Method switch
        {
            IpSetMethod.List => depth == 0 ? ListTest(set, p, opt) : new Outcome(0, $"{set.Name} is a list:set inside a list, which the kernel does not allow"),
            IpSetMethod.Bitmap => type == IpSetType.BitmapPort ? BitmapPort(set, p, opt)
                : type == IpSetType.BitmapIpMac ? BitmapIpMac(set, p, opt) : BitmapIp(set, p, opt),
            _ => HashTest(set, p, opt),
        };

        if (k.Code == Eagain)
            return k with { Code = 1 };
        if (opt.ReturnNomatch && type.SupportsNomatch && (k.Code > 0 || k.Code == Enotempty))
            return k.Code > 0
                ? k with { Code = 0, Why = k.Why + "; --return-nomatch turns a normal element into no match" }
                : k with { Code = 1, Why = k.Why + "; --return-nomatch turns the nomatch element into a match" };
        if (opt.ReturnNomatch && !type.SupportsNomatch && type.Method != IpSetMethod.List && k.Code > 0)
            k = k with { Why = k.Why + $" (--return-nomatch has no effect on {type.Name}, which has no nomatch elements)" };
        return k.Code < 0 ? k with { Code = 0 } : k;
    }

    // ---------------------------------------------------------------------------------------------------- list:set

    /// <summary>ip_set_list_set.c list_set_ktest: members in order, each through ip_set_test with the same flags.</summary>
    private Outcome ListTest(IpSet list, in SetPacket p, Opt opt)
    {
        // members never compare counters; "! --update-subcounters" stops their counter updates
        var memberOpt = opt with { MatchCounters = false, UpdateCounters = opt.UpdateCounters && opt.UpdateSubcounters };
        var misses = new List<string>();
        foreach (var e in list.Entries)
        {
            var name = ((IpSetNameValue)e.Values[0]).Name;
            if (!Sets.TryGet(name, out var member)) { misses.Add($"{name}: no such set"); continue; }
            var r = IpSetTest(member, p, memberOpt, 1);
            if (r.Code <= 0) { misses.Add($"{name}: {r.Why}"); continue; }
            if (!ExtensionsMatch(list, e, p, opt, out var extWhy)) { misses.Add($"{name} matched, but the list element's {extWhy}"); continue; }
            return r with { Code = 1, Why = $"member {name} of list:set {list.Name} matches: {r.Why}", EntrySet = r.EntrySet ?? member };
        }
        return new Outcome(0, list.Entries.Count == 0
            ? $"list:set {list.Name} has no members"
            : $"no member of list:set {list.Name} matches ({string.Join("; ", misses)})");
    }

    // ---------------------------------------------------------------------------------------------------- bitmaps

    /// <summary>ip_set_bitmap_ip.c bitmap_ip_kadt: the address must lie in the bitmap's range; netmask selects the block.</summary>
    private static Outcome BitmapIp(IpSet set, in SetPacket p, Opt opt)
    {
        var addr = Pick(p, opt.Flags[0]);
        var dir = Dir(opt.Flags[0]);
        if (set.Options.AddressRange is not { } r || addr.CompareTo(r.First) < 0 || addr.CompareTo(r.Last) > 0)
            return new Outcome(ErrBitmapRange, $"{dir} {addr} is outside the range of bitmap:ip {set.Name}{RangeText(set)}");
        var key = set.Options.Netmask is { } n ? new IpAddress(addr.Value & IpPrefix.MaskOf(n, 32), addr.Family) : addr;
        foreach (var e in set.Entries)
        {
            if (e.Values[0] is not IpSetAddressValue a || !a.Contains(key)) continue;
            return Decide(set, e, p, opt, $"{dir} {addr} is element {e.ElementText} of bitmap:ip {set.Name}{At(e)}");
        }
        return new Outcome(0, $"{dir} {addr} is not in bitmap:ip {set.Name}");
    }

    /// <summary>ip_set_bitmap_port.c bitmap_port_kadt: TCP and UDP ports only (ip_set_get_ip_port), inside the range.</summary>
    private static Outcome BitmapPort(IpSet set, in SetPacket p, Opt opt)
    {
        var dir = Dir(opt.Flags[0]);
        if (!GetPort(p, opt.Flags[0], out var proto, out var port, out var why))
            return new Outcome(Einval, why);
        if (proto is not (Protocols.Tcp or Protocols.Udp))
            return new Outcome(Einval, $"bitmap:port {set.Name} looks at TCP and UDP packets only, this one is {Protocols.Name(proto)}");
        if (set.Options.PortRange is not { } r || port < r.First || port > r.Last)
            return new Outcome(ErrBitmapRange, $"{dir} port {port} is outside the range of bitmap:port {set.Name}{(set.Options.PortRange is { } x ? $" ({x.First}-{x.Last})" : "")}");
        foreach (var e in set.Entries)
        {
            if (e.Values[0] is not IpSetPortValue v || !v.Contains(port)) continue;
            return Decide(set, e, p, opt, $"{dir} port {port} is element {e.ElementText} of bitmap:port {set.Name}{At(e)}");
        }
        return new Outcome(0, $"{dir} port {port} is not in bitmap:port {set.Name}");
    }

    /// <summary>
    /// ip_set_bitmap_ipmac.c bitmap_ipmac_kadt/do_test: the address picks the slot; a slot with a MAC compares it with
    /// the packet's source (second flag src) or destination MAC; a slot without one matches and learns the MAC (-EAGAIN).
    /// </summary>
    private static Outcome BitmapIpMac(IpSet set, in SetPacket p, Opt opt)
    {
        var addr = Pick(p, opt.Flags[0]);
        var dir = Dir(opt.Flags[0]);
        if (set.Options.AddressRange is not { } r || addr.CompareTo(r.First) < 0 || addr.CompareTo(r.Last) > 0)
            return new Outcome(ErrBitmapRange, $"{dir} {addr} is outside the range of bitmap:ip,mac {set.Name}{RangeText(set)}");
        var mac = opt.Flags[1] ? p.SourceMac : p.DestinationMac;
        var macDir = opt.Flags[1] ? "source" : "destination";
        if (mac is not { } m) return new Outcome(Einval, $"the packet has no Ethernet header here (no {macDir} MAC), so bitmap:ip,mac {set.Name} cannot match");
        if (m.IsZero) return new Outcome(Einval, $"the {macDir} MAC is 00:00:00:00:00:00, which bitmap:ip,mac refuses");
        foreach (var e in set.Entries)
        {
            if (e.Values[0] is not IpSetAddressValue a || !a.Contains(addr)) continue;
            var stored = ((IpSetMacValue)e.Values[1]).Mac;
            if (stored is null)
                return new Outcome(Eagain, $"{dir} {addr} is element {e.ElementText} of bitmap:ip,mac {set.Name}{At(e)}, which has no MAC yet: it matches, and the kernel stores {macDir} MAC {m} in it", e, set, m);
            if (stored != m)
                return new Outcome(0, $"{dir} {addr} is element {e.ElementText} of bitmap:ip,mac {set.Name}{At(e)}, but the {macDir} MAC is {m}");
            return Decide(set, e, p, opt, $"{dir} {addr} with {macDir} MAC {m} is element {e.ElementText} of bitmap:ip,mac {set.Name}{At(e)}");
        }
        return new Outcome(0, $"{dir} {addr} is not in bitmap:ip,mac {set.Name}");
    }

    // ---------------------------------------------------------------------------------------------------- hashes

    /// <summary>One dimension of the element built from the packet (struct *_elem filled by *_kadt).</summary>
    private struct Probe
    {
        public IpAddress Address;
        public byte Protocol;
        public ushort Port;
        public string? Iface;
        public uint Mark;
        public MacAddress Mac;
        public string Text;
    }

    /// <summary>The hash types' *_kadt functions followed by mtype_test / mtype_test_cidrs.</summary>
    private Outcome HashTest(IpSet set, in SetPacket p, Opt opt)
    {
        var type = set.Type;
        var probes = new Probe[type.Dimension];
        for (int d = 0; d < type.Dimension; d++)
        {
            bool src = opt.Flags[d];
            ref var pr = ref probes[d];
            switch (type.Dimensions[d])
            {
                case IpSetDimension.Ip or IpSetDimension.Net:
                {
                    var a = Pick(p, src);
                    pr.Text = $"{Dir(src)} {a}";
                    if (type == IpSetType.HashIp || type == IpSetType.HashNetNet)
                    {
                        // hash_ip4_kadt: ip &= bitmask (netmask); a zero result is -EINVAL
                        var mask = Parsing.Ipset.IpsetElementParser.AddressMask(type, set.Family ?? IpFamily.V4, set.Options);
                        if (mask is { } m)
                        {
                            a = new IpAddress(a.Value & m, a.Family);
                            pr.Text += $" (masked: {a})";
                        }
                        if (type == IpSetType.HashIp && a.Value == 0)
                            return new Outcome(Einval, $"{pr.Text} is the zero address, which hash:ip never matches (hash_ip{(a.IsV4 ? 4 : 6)}_kadt returns -EINVAL)");
                    }
                    pr.Address = a;
                    break;
                }
                case IpSetDimension.Port:
                    if (!GetPort(p, src, out pr.Protocol, out pr.Port, out var why)) return new Outcome(Einval, why);
                    pr.Text = PortText(src, pr.Protocol, pr.Port);
                    break;
                case IpSetDimension.Iface:
                    pr.Iface = src ? p.InInterface : p.OutInterface;
                    if (string.IsNullOrEmpty(pr.Iface))
                        return new Outcome(Einval, $"the packet has no {(src ? "input" : "output")} interface here, so {set.Name} cannot match (hash_netiface_kadt returns -EINVAL)");
                    pr.Text = $"{(src ? "input" : "output")} interface {pr.Iface}";
                    break;
                case IpSetDimension.Mark:
                    pr.Mark = p.Mark & (set.Options.MarkMask ?? uint.MaxValue);
                    pr.Text = set.Options.MarkMask is { } mm ? $"mark 0x{p.Mark:x} & 0x{mm:x} = 0x{pr.Mark:x}" : $"mark 0x{pr.Mark:x}";
                    break;
                case IpSetDimension.Mac:
                {
                    var mac = src ? p.SourceMac : p.DestinationMac;
                    if (mac is not { } m)
                        return new Outcome(Einval, $"the packet has no Ethernet header here (no {Dir(src)} MAC), so {set.Name} cannot match");
                    if (m.IsZero) return new Outcome(Einval, $"the {Dir(src)} MAC is 00:00:00:00:00:00, which {type.Name} refuses");
                    pr.Mac = m;
                    pr.Text = $"{Dir(src)} MAC {m}";
                    break;
                }
            }
        }
        var key = string.Join(", ", probes.Select(x => x.Text));
        var index = _indexes.GetValue(set, s => new SetIndex(s));
        return type.NetDimensionCount == 0 ? HashExact(set, index, probes, p, opt, key) : HashNets(set, index, probes, p, opt, key);
    }

    /// <summary>mtype_test for types without networks: the element equal in every dimension.</summary>
    private static Outcome HashExact(IpSet set, SetIndex index, Probe[] probes, in SetPacket p, Opt opt, string key)
    {
        Outcome? refused = null;
        foreach (var e in index.Candidates(set, probes[0].Address))
        {
            if (!Equal(set.Type, e, probes, -1)) continue;
            var o = Decide(set, e, p, opt, $"({key}) is element {e.ElementText} of {set.Type.Name} {set.Name}{At(e)}");
            if (o.Code != 0) return o;
            refused ??= o;
        }
        return refused ?? new Outcome(0, $"no element of {set.Type.Name} {set.Name} equals ({key})");
    }

    /// <summary>
    /// mtype_test_cidrs: for each prefix length stored in the set, longest first (for two networks: the first
    /// network's length, then the second's), the element equal to the packet masked to it. The first element whose
    /// extensions pass decides: nomatch → -ENOTEMPTY, otherwise a match. hash:net,iface stops after the first length
    /// at which some element has the packet's network, whatever its interface (the "multi" rule of IP_SET_HASH_WITH_MULTI).
    /// </summary>
    private static Outcome HashNets(IpSet set, SetIndex index, Probe[] probes, in SetPacket p, Opt opt, string key)
    {
        var type = set.Type;
        int n0 = index.NetDims[0], n1 = index.NetDims.Length > 1 ? index.NetDims[1] : -1;
        int ifaceDim = type == IpSetType.HashNetIface ? 1 : -1;
        Outcome? refused = null;
        foreach (var l0 in index.Lengths[0])
        {
            var a0 = Mask(probes[n0].Address, l0);
            int[] lengths1 = n1 < 0 ? [0] : index.Lengths[1];
            foreach (var l1 in lengths1)
            {
                var a1 = n1 < 0 ? default : Mask(probes[n1].Address, l1);
                if (!index.ByNets!.TryGetValue(new NetKey(a0.Value, l0, a1.Value, l1), out var list)) continue;
                int multi = 0;
                string? otherIfaces = null;
                foreach (var e in list)
                {
                    if (ifaceDim >= 0)
                    {
                        var iv = (IpSetIfaceValue)e.Values[ifaceDim];
                        if (iv.Physdev) continue; // hashed apart from physdev=0 lookups: never compared
                        multi++;
                        if (!iv.Matches(probes[ifaceDim].Iface!)) { otherIfaces = otherIfaces is null ? iv.ToString() : $"{otherIfaces}, {iv}"; continue; }
                    }
                    if (!Equal(type, e, probes, ifaceDim)) continue;
                    var what = $"({key}) falls in element {e.ElementText} of {type.Name} {set.Name}{At(e)}, the most specific one that matches";
                    var o = Decide(set, e, p, opt, what);
                    if (o.Code != 0) return o;
                    refused ??= o;
                    multi = 0;
                }
                if (multi > 0)
                    return refused ?? new Outcome(0, $"({key}): the longest prefix of {set.Name} holding {probes[n0].Address} is /{l0}, whose element{(otherIfaces!.Contains(',') ? "s are" : " is")} for interface {otherIfaces}; the kernel stops at that prefix length (hash:net,iface compares interfaces only there)");
            }
        }
        return refused ?? new Outcome(0, $"no element of {type.Name} {set.Name} matches ({key})");
    }

    /// <summary>Every dimension but the networks (compared through the key) and <paramref name="skip"/>.</summary>
    private static bool Equal(IpSetType type, IpSetEntry e, Probe[] probes, int skip)
    {
        for (int d = 0; d < type.Dimension; d++)
        {
            if (d == skip) continue;
            var pr = probes[d];
            bool eq = e.Values[d] switch
            {
                IpSetAddressValue a => a.Contains(pr.Address),
                IpSetNetValue => true,
                IpSetPortValue v => v.Protocol == pr.Protocol && v.Contains(pr.Port),
                IpSetIfaceValue i => !i.Physdev && i.Matches(pr.Iface ?? ""),
                IpSetMarkValue m => m.Mark == pr.Mark,
                IpSetMacValue m => m.Mac == pr.Mac,
                _ => false,
            };
            if (!eq) return false;
        }
        return true;
    }

    /// <summary>mtype_data_match: extensions first (ip_set_match_extensions), then nomatch → -ENOTEMPTY.</summary>
    private static Outcome Decide(IpSet set, IpSetEntry e, in SetPacket p, Opt opt, string what)
    {
        if (!ExtensionsMatch(set, e, p, opt, out var why))
            return new Outcome(0, $"{what}, but its {why}", e, set);
        if (e.NoMatch)
            return new Outcome(Enotempty, $"{what}; it is flagged nomatch, so the packet is not in the set", e, set);
        var note = opt.MatchCounters && !set.HasCounters ? $" (the set has no counters, so the --packets/--bytes conditions are not checked)" : "";
        var timeout = e.Timeout is > 0 ? $" (expires {e.Timeout} s after the dump)" : "";
        return new Outcome(1, what + timeout + note, e, set);
    }

    /// <summary>
    /// ip_set_match_extensions: a set with counters first adds this packet (unless ! --update-counters), then compares
    /// --packets/--bytes if the rule has them. Without the counters extension the conditions are not looked at.
    /// Elements of a dump are alive (the timeout is checked when the dump is taken).
    /// </summary>
    private static bool ExtensionsMatch(IpSet set, IpSetEntry e, in SetPacket p, Opt opt, out string why)
    {
        why = "";
        if (!set.HasCounters || !opt.MatchCounters) return true;
        ulong packets = (e.Packets ?? 0) + (opt.UpdateCounters ? 1UL : 0);
        ulong bytes = (e.Bytes ?? 0) + (opt.UpdateCounters ? (ulong)Math.Max(0, p.Length) : 0);
        bool ok = (opt.Packets?.Holds(packets) ?? true) && (opt.Bytes?.Holds(bytes) ?? true);
        if (!ok)
            why = $"counters (packets {packets}, bytes {bytes}{(opt.UpdateCounters ? ", this packet included" : "")}) fail the rule's condition ({(opt.Packets is { } pc ? $"packets {pc}" : "")}{(opt.Packets is not null && opt.Bytes is not null ? ", " : "")}{(opt.Bytes is { } bc ? $"bytes {bc}" : "")})";
        return ok;
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private static IpAddress Pick(in SetPacket p, bool src) => src ? p.Source : p.Destination;
    private static string Dir(bool src) => src ? "source" : "destination";
    private static string Fam(IpFamily f) => f == IpFamily.V6 ? "inet6" : "inet";
    private static string At(IpSetEntry e) => e.Location.IsKnown ? $" ({e.Location})" : "";
    private static string RangeText(IpSet s) => s.Options.AddressRange is { } r ? $" ({r.First}-{r.Last})" : " (it has no range)";

    private static IpAddress Mask(IpAddress a, int len) => new(a.Value & IpPrefix.MaskOf(len, a.Bits), a.Family);

    private static string PortText(bool src, byte proto, ushort port)
    {
        if (proto is Protocols.Icmp or Protocols.Icmpv6)
        {
            byte t = (byte)(port >> 8), c = (byte)port;
            var name = IcmpNames.NameOf(proto == Protocols.Icmpv6, t, c);
            return $"{Protocols.Name(proto)} {(name is null ? "" : name + " ")}{t}/{c}";
        }
        return HasPorts(proto) ? $"{Dir(src)} port {Protocols.Name(proto)}:{port}" : $"protocol {Protocols.Name(proto)} (port 0)";
    }

    private static bool HasPorts(byte proto) => proto is Protocols.Tcp or Protocols.Udp or Protocols.Sctp or Protocols.Udplite;

    /// <summary>
    /// ip_set_getport.c ip_set_get_ip4_port / ip_set_get_ip6_port: TCP, UDP, UDP-Lite and SCTP give the chosen port;
    /// ICMP and ICMPv6 give type&lt;&lt;8|code whatever the flag; other protocols give port 0. Non-first fragments give
    /// nothing (IPv4: except for protocols without ports), and IPv4 protocol 0 gives nothing.
    /// </summary>
    private static bool GetPort(in SetPacket p, bool src, out byte proto, out ushort port, out string why)
    {
        proto = p.Protocol; port = 0; why = "";
        if (p.Family == IpFamily.V4)
        {
            if (proto == 0) { why = "the packet's IP protocol is 0, which has no port (ip_set_get_ip4_port fails)"; return false; }
            if (p.IsFragment)
            {
                if (HasPorts(proto) || proto == Protocols.Icmp)
                {
                    why = $"the packet is a non-first fragment: its {Protocols.Name(proto)} header is not there (ip_set_get_ip4_port fails)";
                    return false;
                }
                return true;
            }
        }
        else if (p.IsFragment)
        {
            why = "the packet is a non-first IPv6 fragment (ip_set_get_ip6_port fails)";
            return false;
        }
        if (HasPorts(proto)) port = src ? p.SourcePort : p.DestinationPort;
        else if (proto is Protocols.Icmp or Protocols.Icmpv6) port = (ushort)(p.IcmpType << 8 | p.IcmpCode);
        return true;
    }

    private readonly record struct NetKey(UInt128 A0, int L0, UInt128 A1, int L1);

    /// <summary>Per-set lookup structures, built on first use: elements by address (exact types) or by masked networks.</summary>
    private sealed class SetIndex
    {
        public readonly Dictionary<UInt128, List<IpSetEntry>>? ByAddress;
        public readonly List<IpSetEntry> Ranged = new();
        public readonly Dictionary<NetKey, List<IpSetEntry>>? ByNets;
        /// <summary>The distinct prefix lengths of each network dimension, longest first (the kernel's h->nets).</summary>
        public readonly int[][] Lengths = [];
        public readonly int[] NetDims = [];

        public SetIndex(IpSet set)
        {
            var type = set.Type;
            if (type.NetDimensionCount > 0)
            {
                NetDims = Enumerable.Range(0, type.Dimension).Where(d => type.Dimensions[d] == IpSetDimension.Net).ToArray();
                Lengths = NetDims.Select(d => set.Entries.Select(e => ((IpSetNetValue)e.Values[d]).Length).Distinct().OrderByDescending(x => x).ToArray()).ToArray();
                ByNets = new Dictionary<NetKey, List<IpSetEntry>>();
                foreach (var e in set.Entries)
                {
                    var v0 = (IpSetNetValue)e.Values[NetDims[0]];
                    var v1 = NetDims.Length > 1 ? (IpSetNetValue)e.Values[NetDims[1]] : null;
                    var k = new NetKey(v0.Network.Value, v0.Length, v1?.Network.Value ?? UInt128.Zero, v1?.Length ?? 0);
                    if (!ByNets.TryGetValue(k, out var l)) ByNets[k] = l = new List<IpSetEntry>();
                    l.Add(e);
                }
            }
            else if (type.Dimensions[0] == IpSetDimension.Ip)
            {
                ByAddress = new Dictionary<UInt128, List<IpSetEntry>>();
                foreach (var e in set.Entries)
                {
                    var a = (IpSetAddressValue)e.Values[0];
                    if (!a.IsSingle) { Ranged.Add(e); continue; }
                    if (!ByAddress.TryGetValue(a.First.Value, out var l)) ByAddress[a.First.Value] = l = new List<IpSetEntry>();
                    l.Add(e);
                }
            }
        }

        public IEnumerable<IpSetEntry> Candidates(IpSet set, IpAddress first)
        {
            if (ByAddress is null) return set.Entries;
            var exact = ByAddress.TryGetValue(first.Value, out var l) ? l : (IEnumerable<IpSetEntry>)[];
            return Ranged.Count == 0 ? exact : exact.Concat(Ranged);
        }
    }
}
