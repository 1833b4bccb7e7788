using System.CommandLine;
using System.Globalization;
using Nfwalk.Cli.Presentation;
using Nfwalk.Model.Matches;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Walk;
using Nfwalk.Snapshot;
using Spectre.Console;

namespace Nfwalk.Cli.Commands;

/// <summary>nfwalk trace SNAPSHOT --in IFACE --src A --dst B ...: what the kernel does with one packet (and its connection), step by step.</summary>
public static class TraceCommand
{
    public static Command Create()
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "a node snapshot directory (see scripts/collect) or an iptables-save file" };
        var iif = new Option<string?>("--in", "-i") { Description = "interface the packet arrives on (omit with --local)" };
        var local = new Option<bool>("--local") { Description = "the packet is generated on the node itself" };
        var src = new Option<string?>("--src", "-s") { Description = "source address (with --local, may be omitted: the route chooses it)" };
        var dst = new Option<string>("--dst", "-d") { Description = "destination address", Required = true };
        var proto = new Option<string>("--proto", "-p") { Description = "tcp, udp, icmp, icmpv6 or a number", DefaultValueFactory = _ => "tcp" };
        var sport = new Option<int>("--sport") { Description = "source port", DefaultValueFactory = _ => 40000 };
        var dport = new Option<int>("--dport") { Description = "destination port", DefaultValueFactory = _ => 80 };
        var flags = new Option<string>("--flags") { Description = "TCP flags: S, SA, A, PA, F, R (or names like SYN,ACK)", DefaultValueFactory = _ => "S" };
        var icmpType = new Option<int>("--icmp-type") { Description = "ICMP type (default 8, echo request)", DefaultValueFactory = _ => 8 };
        var mark = new Option<string>("--mark") { Description = "mark the packet arrives with (for --local: the socket's SO_MARK)", DefaultValueFactory = _ => "0" };
        var uid = new Option<int?>("--uid") { Description = "for --local: uid of the sending socket (for -m owner)" };
        var then = new Option<string[]>("--then") { Description = "later packets of the same connection, original direction, by TCP flags (e.g. --then A --then PA)", AllowMultipleArgumentsPerToken = true };
        var reply = new Option<bool>("--reply") { Description = "also walk the answer (SYN-ACK for a SYN, else the same flags) back through the node" };
        var flip = new Option<string[]>("--flip") { Description = "take the other branch of an assumption at FILE:LINE (a -m statistic choice, an unmodelled match)", AllowMultipleArgumentsPerToken = true };
        var listener = new Option<string[]>("--listener") { Description = "a local socket: ADDR:PORT[/tcp|udp][,transparent] (used by TPROXY and -m socket)", AllowMultipleArgumentsPerToken = true };
        var legacy = new Option<bool>("--legacy") { Description = "the node runs legacy iptables (security INPUT before nat INPUT)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "show every rule evaluated, also those that did not match" };
        var format = new Option<string>("--format", "-f") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("trace", "Walk a packet (and optionally later packets and replies of its connection) through a node exactly as the kernel would.")
        { snapshot, iif, local, src, dst, proto, sport, dport, flags, icmpType, mark, uid, then, reply, flip, listener, legacy, verbose, format };
        cmd.SetAction(pr =>
        {
            var errors = new List<string>();
            var path = pr.GetValue(snapshot)!;
            if (!File.Exists(path) && !Directory.Exists(path)) { Console.Error.WriteLine($"nfwalk trace: {path}: no such file or directory"); return 2; }
            var snap = NodeSnapshot.Load(path);
            foreach (var d in snap.Diagnostics.Where(d => d.Severity != Diagnostics.Severity.Info)) Console.Error.WriteLine(d);
            if (!IpAddress.TryParse(pr.GetValue(dst)!, out var dAddr)) errors.Add($"--dst: \"{pr.GetValue(dst)}\" is not an IP address");
            IpAddress sAddr = dAddr.IsV4 ? IpAddress.AnyV4 : IpAddress.AnyV6;
            if (pr.GetValue(src) is { } s && !IpAddress.TryParse(s, out sAddr)) errors.Add($"--src: \"{s}\" is not an IP address");
            bool isLocal = pr.GetValue(local);
            if (!isLocal && pr.GetValue(iif) is null) errors.Add("give --in IFACE for a received packet, or --local for one generated on the node");
            if (!isLocal && pr.GetValue(src) is null) errors.Add("--src is required for a received packet");
            if (!Protocols.TryParse(pr.GetValue(proto)!, out var p, out _)) errors.Add($"--proto: unknown protocol \"{pr.GetValue(proto)}\"");
            if (!Values.TryUInt(pr.GetValue(mark)!, out var m)) errors.Add($"--mark: \"{pr.GetValue(mark)}\" is not a number");
            if (!TryFlags(pr.GetValue(flags)!, out var f)) errors.Add($"--flags: \"{pr.GetValue(flags)}\" is not a set of TCP flags");
            var options = new WalkOptions { Verbose = pr.GetValue(verbose), LegacyBackend = pr.GetValue(legacy), IpForward = snap.IpForward };
            foreach (var fl in pr.GetValue(flip) ?? []) options.FlipAt.Add(fl);
            foreach (var l in pr.GetValue(listener) ?? [])
                if (TryListener(l, out var li)) options.Listeners.Add(li); else errors.Add($"--listener: \"{l}\" is not ADDR:PORT[/tcp|udp][,transparent]");
            if (errors.Count > 0) { foreach (var e in errors) Console.Error.WriteLine($"nfwalk trace: {e}"); return 2; }

            var node = snap.CreateNode();
            var spec = new PacketSpec
            {
                Source = sAddr, Destination = dAddr, Protocol = p, SourcePort = (ushort)pr.GetValue(sport), DestinationPort = (ushort)pr.GetValue(dport),
                TcpFlags = p == Protocols.Tcp ? f : 0, IcmpType = (byte)pr.GetValue(icmpType), InInterface = isLocal ? null : pr.GetValue(iif), Mark = m,
                Owner = isLocal && pr.GetValue(uid) is { } u ? new Model.Evaluation.SocketOwner((uint)u, (uint)u) : null,
            };
            var walks = new List<WalkTrace> { NodeWalker.Walk(node, spec, options, $"packet 1: {Describe(spec)}") };
            int n = 1;
            foreach (var t in pr.GetValue(then) ?? [])
            {
                if (!TryFlags(t, out var tf)) { Console.Error.WriteLine($"nfwalk trace: --then: \"{t}\" is not a set of TCP flags"); return 2; }
                var next = spec with { TcpFlags = p == Protocols.Tcp ? tf : 0 };
                walks.Add(NodeWalker.Walk(node, next, options, $"packet {++n}: {Describe(next)} (same connection)"));
            }
            if (pr.GetValue(reply)) walks.Add(ReplyWalk(node, walks[0], spec, options, ++n));

            if (pr.GetValue(format) == "json") Console.Out.Write(Json.Serialize(new TraceDocument(snap.Name, snap.Notes, walks)));
            else TraceText.Render(walks, AnsiConsole.Console);
            return 0;
        });
        return cmd;
    }

    /// <summary>The JSON document of a trace (schema: docs/trace-json.md).</summary>
    public sealed record TraceDocument(string Node, IReadOnlyList<string> Notes, IReadOnlyList<WalkTrace> Walks)
    {
        public int SchemaVersion => 1;
    }

    private static WalkTrace ReplyWalk(Node node, WalkTrace first, PacketSpec spec, WalkOptions options, int n)
    {
        var f = first.Final;
        var replyFlags = spec.TcpFlags == TcpFlags.Syn ? TcpFlags.Syn | TcpFlags.Ack : spec.TcpFlags;
        var r = new PacketSpec
        {
            Source = IpAddress.Parse(f.Destination), Destination = IpAddress.Parse(f.Source), Protocol = spec.Protocol,
            SourcePort = (ushort)(f.DestinationPort ?? 0), DestinationPort = (ushort)(f.SourcePort ?? 0),
            TcpFlags = spec.Protocol == Protocols.Tcp ? replyFlags : 0,
            IcmpType = (byte)(spec.IcmpType == 8 ? 0 : spec.IcmpType),
            InInterface = first.Outcome.Kind == "sent" ? first.Outcome.Interface : null,
        };
        return NodeWalker.Walk(node, r, options, $"packet {n}: {Describe(r)} (the reply)");
    }

    private static string Describe(PacketSpec s)
        => $"{Protocols.Name(s.Protocol)} {s.Source}{(Protocols.HasPorts(s.Protocol) ? ":" + s.SourcePort : "")} -> {s.Destination}{(Protocols.HasPorts(s.Protocol) ? ":" + s.DestinationPort : "")}"
         + (s.Protocol == Protocols.Tcp ? $" [{TcpFlagNames.Format(s.TcpFlags)}]" : "") + (s.InInterface is { } i ? $" in {i}" : " generated here");

    public static bool TryFlags(string s, out TcpFlags flags)
    {
        if (TcpFlagNames.TryParse(s, out flags) && (s.Contains(',') || s.Length > 2 || s.Equals("NONE", StringComparison.OrdinalIgnoreCase))) return true;
        flags = 0;
        foreach (var c in s.ToUpperInvariant())
        {
            flags |= c switch { 'S' => TcpFlags.Syn, 'A' => TcpFlags.Ack, 'F' => TcpFlags.Fin, 'R' => TcpFlags.Rst, 'P' => TcpFlags.Psh, 'U' => TcpFlags.Urg, _ => (TcpFlags)0xff };
            if (flags == (TcpFlags)0xff || (byte)flags > 63) return false;
        }
        return true;
    }

    public static bool TryListener(string s, out Listener l)
    {
        l = null!;
        bool transparent = s.EndsWith(",transparent", StringComparison.Ordinal);
        if (transparent) s = s[..^",transparent".Length];
        byte proto = Protocols.Tcp;
        int slash = s.LastIndexOf('/');
        if (slash > 0) { if (!Protocols.TryParse(s[(slash + 1)..], out proto, out _)) return false; s = s[..slash]; }
        int colon = s.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)) return false;
        var a = s[..colon].Trim('[', ']');
        if (!IpAddress.TryParse(a, out var addr)) return false;
        l = new Listener(addr, port, proto, transparent);
        return true;
    }
}
