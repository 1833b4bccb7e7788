using Nfwalk.Model.Evaluation;
using System.Text;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

/// <summary>
/// -j TPROXY (mangle PREROUTING, -p tcp/udp; kernel xt_TPROXY.c tproxy_tg4): finds an established socket or a
/// transparent listener at OnIp:OnPort without rewriting the packet; on success sets mark = (mark &amp; ~M) ^ V and ACCEPTs,
/// otherwise DROPs.
/// </summary>
public sealed class TproxyTarget : Target
{
    public ushort OnPort { get; init; }
    public IpAddress OnIp { get; init; }
    public uint MarkValue { get; init; }
    public uint MarkMask { get; init; }
    public override string Name => "TPROXY";
    public override bool IsTerminating => true;
    public override TableSet AllowedTables => TableSet.Mangle;
    public override HookSet AllowedHooks => HookSet.Prerouting;

    public override void Print(StringBuilder sb)
        => sb.Append(" -j TPROXY --on-port ").Append(OnPort).Append(" --on-ip ").Append(OnIp)
             .Append(" --tproxy-mark ").Append(Values.Hex(MarkValue)).Append('/').Append(Values.Hex(MarkMask));

    public override string Explain()
    {
        var ip = OnIp.Value == 0 ? "the first address of the incoming interface" : OnIp.ToString();
        var port = OnPort == 0 ? "the packet's own destination port" : OnPort.ToString();
        return $"TPROXY: hands the packet, unchanged (destination kept), to a transparent socket listening on {ip}:{port} (an existing connection's socket first); "
             + $"if one exists it {MarkText.DescribeXmark("packet mark", MarkValue, MarkMask)} and ACCEPTs (later mangle PREROUTING rules are skipped), otherwise the packet is DROPPED. "
             + "A policy route for that mark to a 'local' route is still needed for delivery";
    }

    /// <summary>xt_TPROXY.c tproxy_tg4: with a transparent socket: assign it, mark = (mark &amp; ~M) ^ V, NF_ACCEPT; otherwise NF_DROP.</summary>
    public override TargetOutcome Apply(ITargetContext ctx)
    {
        if (!ctx.TproxySocket(this)) return TargetOutcome.Drop;
        ctx.Mark = (ctx.Mark & ~MarkMask) ^ MarkValue;
        return TargetOutcome.Accept;
    }

    internal sealed class Parser : TargetParser
    {
        private ushort? _port; private IpAddress? _ip; private uint _v, _m;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--on-port":
                {
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    if (Values.TryPort(s, out var p)) _port = p; else ctx.Error(at, $"--on-port: bad port \"{Values.Trunc(s)}\"");
                    return true;
                }
                case "--on-ip": if (ctx.TryAddress(out var a)) _ip = a; return true;
                case "--tproxy-mark": if (ctx.TryMarkMask(out var v, out var m, out _)) { _v = v; _m = m; } return true;
            }
            return false;
        }
        public override Target? Build(OptionContext ctx)
        {
            if (_port is null) { if (!ctx.Failed) ctx.Error("TPROXY needs --on-port"); return null; }
            if (ctx.Protocol is not (Protocols.Tcp or Protocols.Udp) || ctx.ProtocolNegated)
                ctx.Error("TPROXY can only be used with \"-p tcp\" or \"-p udp\" (the kernel refuses it otherwise)");
            return new TproxyTarget { OnPort = _port.Value, OnIp = _ip ?? (ctx.Family == IpFamily.V4 ? IpAddress.AnyV4 : IpAddress.AnyV6), MarkValue = _v, MarkMask = _m };
        }
    }
}
