using Nfwalk.Model.Evaluation;
using System.Text;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

/// <summary>-j REJECT: drops and answers with an ICMP error or TCP RST (ipt_REJECT.c / ip6t_REJECT.c, filter table only).</summary>
public sealed class RejectTarget(string with, bool v6) : Target
{
    private static readonly (string Canon, string Alias)[] V4 =
    [
        ("icmp-net-unreachable", "net-unreach"), ("icmp-host-unreachable", "host-unreach"), ("icmp-proto-unreachable", "proto-unreach"),
        ("icmp-port-unreachable", "port-unreach"), ("icmp-net-prohibited", "net-prohib"), ("icmp-host-prohibited", "host-prohib"),
        ("tcp-reset", "tcp-rst"), ("icmp-admin-prohibited", "admin-prohib"),
    ];
    private static readonly (string Canon, string Alias)[] V6 =
    [
        ("icmp6-no-route", "no-route"), ("icmp6-adm-prohibited", "adm-prohibited"), ("icmp6-addr-unreachable", "addr-unreach"),
        ("icmp6-port-unreachable", "port-unreach"), ("tcp-reset", "tcp-rst"), ("icmp6-policy-fail", "policy-fail"), ("icmp6-reject-route", "reject-route"),
    ];

    public string RejectWith { get; } = with;
    public bool IsV6 { get; } = v6;
    public override string Name => "REJECT";
    public override bool IsTerminating => true;
    public override TableSet AllowedTables => TableSet.Filter;
    public override HookSet AllowedHooks => HookSet.Input | HookSet.Forward | HookSet.Output;
    public override void Print(StringBuilder sb) => sb.Append(" -j REJECT --reject-with ").Append(RejectWith);
    public override string Explain() => RejectWith == "tcp-reset"
        ? "REJECT: drops the packet and answers with a TCP RST (the RST is a new local packet, conntrack state RELATED)"
        : $"REJECT: drops the packet and answers with ICMP{(IsV6 ? "v6" : "")} {RejectWith.Replace("icmp6-", "").Replace("icmp-", "")} (the error is a new local packet, conntrack state RELATED)";

    /// <summary>ipt_REJECT.c reject_tg: sends the error (a new local packet) and returns NF_DROP.</summary>
    public override TargetOutcome Apply(ITargetContext ctx) { ctx.Reject(this); return TargetOutcome.Drop; }

    internal sealed class Parser(bool v6) : TargetParser
    {
        private string _with = v6 ? "icmp6-port-unreachable" : "icmp-port-unreachable";
        internal override bool Reset() { _with = v6 ? "icmp6-port-unreachable" : "icmp-port-unreachable"; return true; }
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--reject-with") return false;
            if (!ctx.TryValue(out var s, out var at)) return true;
            foreach (var (c, a) in v6 ? V6 : V4)
                if (s.Equals(c, StringComparison.OrdinalIgnoreCase) || s.Equals(a, StringComparison.OrdinalIgnoreCase)) { _with = c; return true; }
            ctx.Error(at, $"--reject-with: unknown reject type \"{Values.Trunc(s)}\"");
            return true;
        }
        public override Target? Build(OptionContext ctx)
        {
            if (_with == "tcp-reset" && (ctx.Protocol != Protocols.Tcp || ctx.ProtocolNegated))
                ctx.Error("REJECT --reject-with tcp-reset needs \"-p tcp\"");
            return new RejectTarget(_with, v6);
        }
    }
}
