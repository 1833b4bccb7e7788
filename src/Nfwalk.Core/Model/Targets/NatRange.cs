using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

/// <summary>An address range and/or port range of a NAT target, as in "10.0.0.1-10.0.0.3:8000-8010".</summary>
public sealed record NatRange
{
    public NatRange(IpAddress? FirstAddress, IpAddress? LastAddress, PortRange? Ports)
    {
        if (FirstAddress is { } f) { (_firstLow, _firstHigh) = Halves(f.Value); _firstFamily = f.Family; _has |= HasFirst; }
        if (LastAddress is { } l) { (_lastLow, _lastHigh) = Halves(l.Value); _lastFamily = l.Family; _has |= HasLast; }
        if (Ports is { } p) { _portFirst = p.First; _portLast = p.Last; _has |= HasPorts; }
    }

    // kept as plain numbers and a byte of which are there: as three nullable fields (an IpAddress? is 32 bytes) the range
    // was 88 bytes, and a 10,000-service kube-proxy dump has 30,000 of them (one per DNAT); equal ranges have equal fields
    // (halves, not UInt128s: those are aligned to 16 bytes, which made the object 64 bytes)
    private readonly ulong _firstLow, _firstHigh, _lastLow, _lastHigh;
    private readonly ushort _portFirst, _portLast;
    private readonly IpFamily _firstFamily, _lastFamily;
    private readonly byte _has;
    private const byte HasFirst = 1, HasLast = 2, HasPorts = 4;

    public IpAddress? FirstAddress => (_has & HasFirst) != 0 ? new IpAddress(new UInt128(_firstHigh, _firstLow), _firstFamily) : null;
    public IpAddress? LastAddress => (_has & HasLast) != 0 ? new IpAddress(new UInt128(_lastHigh, _lastLow), _lastFamily) : null;

    private static (ulong Low, ulong High) Halves(UInt128 v) => ((ulong)v, (ulong)(v >> 64));
    public PortRange? Ports => (_has & HasPorts) != 0 ? new PortRange(_portFirst, _portLast) : null;

    public override string ToString()
    {
        var sb = new StringBuilder();
        bool v6 = FirstAddress is { IsV4: false };
        if (FirstAddress is { } a)
        {
            if (v6 && Ports is not null) sb.Append('[');
            sb.Append(a);
            if (LastAddress is { } b && b != a) sb.Append('-').Append(b);
            if (v6 && Ports is not null) sb.Append(']');
        }
        if (Ports is { } p)
        {
            sb.Append(':').Append(p.First);
            if (p.Last != p.First) sb.Append('-').Append(p.Last);
        }
        return sb.ToString();
    }

    public string Describe()
    {
        var parts = new List<string>();
        if (FirstAddress is { } a) parts.Add(LastAddress is { } b && b != a ? $"an address from {a} to {b}" : $"{a}");
        if (Ports is { } p) parts.Add(p.IsSingle ? $"port {p.First}" : $"a port from {p.First} to {p.Last}");
        return string.Join(", ", parts);
    }

    /// <summary>Parses "[addr[-addr]][:port[-port]]" (IPv6 addresses in brackets when a port follows).</summary>
    public static NatRange? Parse(ReadOnlySpan<char> s, OptionContext ctx, Diagnostics.SourceLocation at)
    {
        ReadOnlySpan<char> addrPart, portPart = default;
        bool hasPort = false;
        if (ctx.Family == IpFamily.V6)
        {
            if (s.StartsWith("["))
            {
                int close = s.IndexOf(']');
                if (close < 0) { ctx.Error(at, $"{ctx.OptionName}: missing ']' in \"{Values.Trunc(s)}\""); return null; }
                addrPart = s[1..close];
                var rest = s[(close + 1)..];
                if (rest.StartsWith(":")) { portPart = rest[1..]; hasPort = true; }
                else if (!rest.IsEmpty) { ctx.Error(at, $"{ctx.OptionName}: bad range \"{Values.Trunc(s)}\""); return null; }
            }
            else addrPart = s;
        }
        else
        {
            int colon = s.IndexOf(':');
            addrPart = colon < 0 ? s : s[..colon];
            if (colon >= 0) { portPart = s[(colon + 1)..]; hasPort = true; }
        }
        IpAddress? first = null, last = null;
        if (!addrPart.IsEmpty)
        {
            int dash = addrPart.IndexOf('-');
            var a = dash < 0 ? addrPart : addrPart[..dash];
            if (!IpAddress.TryParse(a, out var fa) || fa.Family != ctx.Family) { ctx.Error(at, $"{ctx.OptionName}: bad address \"{Values.Trunc(a)}\""); return null; }
            first = fa; last = fa;
            if (dash >= 0)
            {
                if (!IpAddress.TryParse(addrPart[(dash + 1)..], out var la) || la.Family != ctx.Family) { ctx.Error(at, $"{ctx.OptionName}: bad address \"{Values.Trunc(addrPart[(dash + 1)..])}\""); return null; }
                if (la.CompareTo(fa) < 0) { ctx.Error(at, $"{ctx.OptionName}: address range {fa}-{la} is reversed"); return null; }
                last = la;
            }
        }
        PortRange? ports = null;
        if (hasPort)
        {
            var ps = portPart;
            int slash = ps.IndexOf('/');
            if (slash >= 0) ps = ps[..slash]; // DNAT rev2 base port: kept out of the model
            int dash = ps.IndexOf('-');
            if (!Values.TryPort(dash < 0 ? ps : ps[..dash], out var lo) || lo == 0) { ctx.Error(at, $"{ctx.OptionName}: bad port in \"{Values.Trunc(s)}\""); return null; }
            ushort hi = lo;
            if (dash >= 0 && (!Values.TryPort(ps[(dash + 1)..], out hi) || hi < lo)) { ctx.Error(at, $"{ctx.OptionName}: bad port range in \"{Values.Trunc(s)}\""); return null; }
            ports = new PortRange(lo, hi);
        }
        if (first is null && ports is null) { ctx.Error(at, $"{ctx.OptionName}: empty range"); return null; }
        return new NatRange(first, last, ports);
    }
}
