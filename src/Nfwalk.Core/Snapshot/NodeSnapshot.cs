using Nfwalk.Diagnostics;
using Nfwalk.Model;
using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Net;
using Nfwalk.Model.Routing;
using Nfwalk.Parsing.Ipset;
using Nfwalk.Parsing.Iproute2;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Ipsets;
using Nfwalk.Semantics.Routing;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Snapshot;

/// <summary>
/// A node snapshot: a directory of what "scripts/collect" gathers from a live node (iptables-save.txt, ip6tables-save.txt,
/// ipset-save.txt, ip-rule.txt/.json, ip-route.txt/.json, ip-addr.txt/.json, ip-link.txt/.json, sysctl.txt).
/// Any file may be missing: the routing state derives what it can (<see cref="RoutingStateBuilder"/>) and lists what it
/// had to assume; with no routing file at all every destination is assumed to leave through eth0.
/// </summary>
public sealed class NodeSnapshot
{
    /// <summary>The files that say anything about routing; when none is there, the uplink is assumed.</summary>
    private static readonly string[] RoutingFiles =
    [
        "ip-rule.txt", "ip-rule.json", "ip-route.txt", "ip-route.json", "ip-addr.txt", "ip-addr.json", "ip-link.txt", "ip-link.json",
        "ip-rule6.txt", "ip-rule6.json", "ip-route6.txt", "ip-route6.json",
    ];

    public required string Name { get; init; }
    public Ruleset? Rules4 { get; init; }
    public Ruleset? Rules6 { get; init; }
    /// <summary>Interfaces (kinds, veth peers, tunnel parameters), rules, tables and sysctls of the node.</summary>
    public required RoutingState Routing { get; init; }
    /// <summary>The walk's view of <see cref="Routing"/>, answered by the kernel's route decision (<see cref="Fib"/>).</summary>
    public required FibNetwork Network { get; init; }
    /// <summary>The node's ipsets; null when the snapshot has no ipset-save.txt.</summary>
    public IpSetCollection? Ipsets { get; init; }
    public IpSetLookup? IpsetLookup { get; init; }
    public bool? IpForward { get; init; }
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];

    public Node CreateNode() => new()
    {
        Name = Name, Rules4 = Rules4, Rules6 = Rules6, Network = Network,
        SetTester = IpsetLookup is { } l ? l.Test : null,
    };

    /// <param name="baseDir">When given, file names in messages and traces are shown relative to it.</param>
    public static NodeSnapshot Load(string path, string? baseDir = null)
    {
        string Show(string physical) => baseDir is null ? physical : Path.GetRelativePath(baseDir, Path.GetFullPath(physical));
        var diags = new DiagnosticBag();
        var notes = new List<string>();
        bool isDir = Directory.Exists(path);
        string dir = isDir ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        Ruleset? r4 = null, r6 = null;
        if (!isDir)
        {
            var r = SaveParser.Parse(File.ReadAllText(path), Show(path));
            diags.AddRange(r.Diagnostics);
            if (r.Ruleset.Family == IpFamily.V4) r4 = r.Ruleset; else r6 = r.Ruleset;
            notes.Add($"rules from {path}; no other node files: routing and addresses assumed");
        }
        else
        {
            var p4 = Path.Combine(dir, "iptables-save.txt");
            var p6 = Path.Combine(dir, "ip6tables-save.txt");
            if (File.Exists(p4)) { var r = SaveParser.Parse(File.ReadAllText(p4), Show(p4), IpFamily.V4); diags.AddRange(r.Diagnostics); r4 = r.Ruleset; }
            else notes.Add("no iptables-save.txt: the IPv4 tables are assumed empty");
            if (File.Exists(p6)) { var r = SaveParser.Parse(File.ReadAllText(p6), Show(p6), IpFamily.V6); diags.AddRange(r.Diagnostics); r6 = r.Ruleset; }
        }

        var routing = isDir && RoutingFiles.Any(f => File.Exists(Path.Combine(dir, f)))
            ? RoutingStateBuilder.FromDirectory(dir, diags, Show)
            : Uplink(isDir ? dir : null, diags, Show);

        IpSetCollection? sets = null;
        var ipsetPath = Path.Combine(dir, "ipset-save.txt");
        if (isDir && File.Exists(ipsetPath)) sets = IpsetSaveParser.Parse(File.ReadAllText(ipsetPath), Show(ipsetPath), diags);

        var sysctls = routing.Sysctls;
        bool? forward = sysctls.IpForward is { } f ? f != 0 : sysctls.AllConf(IpFamily.V4, "forwarding") is { } af ? af != 0 : null;
        return new NodeSnapshot
        {
            Name = Path.GetFileName(Path.GetFullPath(path).TrimEnd('/')),
            Rules4 = r4, Rules6 = r6,
            Routing = routing, Network = new FibNetwork(routing),
            Ipsets = sets, IpsetLookup = sets is null ? null : new IpSetLookup(sets),
            IpForward = forward, Diagnostics = diags.Items, Notes = notes,
        };
    }

    /// <summary>No routing files: one assumed uplink, and the sysctls when the directory has them.</summary>
    private static RoutingState Uplink(string? dir, DiagnosticBag diags, Func<string, string> show)
    {
        var b = new RoutingStateBuilder(diags).AssumeUplink("eth0");
        var sysctl = dir is null ? null : Path.Combine(dir, "sysctl.txt");
        if (sysctl is not null && File.Exists(sysctl)) b.AddSysctlsText(File.ReadAllText(sysctl), show(sysctl));
        return b.Build();
    }
}
