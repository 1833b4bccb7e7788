using Nfwalk.Diagnostics;
using Nfwalk.Model;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Walk;

namespace Nfwalk.Snapshot;

/// <summary>
/// A node snapshot: a directory of what "scripts/collect" gathers from a live node (iptables-save.txt, ip6tables-save.txt,
/// ipset-save.txt, ip-rule.txt/.json, ip-route.txt/.json, ip-addr.txt/.json, ip-link.txt/.json, sysctl.txt).
/// Any file may be missing; what had to be assumed is listed.
/// </summary>
public sealed class NodeSnapshot
{
    public required string Name { get; init; }
    public Ruleset? Rules4 { get; init; }
    public Ruleset? Rules6 { get; init; }
    public required INodeNetwork Network { get; init; }
    public Func<Model.Matches.SetMatch, Model.Evaluation.IPacketContext, bool?>? SetTester { get; init; }
    public bool? IpForward { get; init; }
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];

    public Node CreateNode() => new() { Name = Name, Rules4 = Rules4, Rules6 = Rules6, Network = Network, SetTester = SetTester };

    public IpsetText? Ipsets { get; init; }

    /// <param name="baseDir">When given, file names in messages and traces are shown relative to it.</param>
    public static NodeSnapshot Load(string path, string? baseDir = null)
    {
        string Show(string physical) => baseDir is null ? physical : Path.GetRelativePath(baseDir, Path.GetFullPath(physical));
        var diags = new DiagnosticBag();
        var notes = new List<string>();
        string dir = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        Ruleset? r4 = null, r6 = null;
        if (File.Exists(path))
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
        INodeNetwork? net = Directory.Exists(path) ? SnapshotNetwork.Load(dir, diags, notes, Show) : null;
        IpsetText? ipsets = null;
        var ipsetPath = Path.Combine(dir, "ipset-save.txt");
        if (Directory.Exists(path) && File.Exists(ipsetPath)) ipsets = IpsetText.Parse(File.ReadAllText(ipsetPath), Show(ipsetPath), diags);
        bool? forward = null;
        var sysctl = Path.Combine(dir, "sysctl.txt");
        if (Directory.Exists(path) && File.Exists(sysctl))
            foreach (var line in File.ReadLines(sysctl))
            {
                var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && parts[0] is "net.ipv4.ip_forward" or "net.ipv4.conf.all.forwarding") forward = parts[1] == "1";
            }
        return new NodeSnapshot
        {
            Name = Path.GetFileName(Path.GetFullPath(path).TrimEnd('/')),
            Rules4 = r4, Rules6 = r6,
            Network = net ?? new AssumedNetwork(new Dictionary<string, IReadOnlyList<IpAddress>>()),
            SetTester = ipsets is null ? null : (m, c) => ipsets.Test(m, c), Ipsets = ipsets, IpForward = forward, Diagnostics = diags.Items, Notes = notes,
        };
    }
}
