using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Nfwalk.Ambient;

/// <summary>
/// Reads CLUSTER.yaml (schema: docs/ambient-generate.md) into a <see cref="ClusterSpec"/>. Every problem — bad YAML, an
/// unknown key, a bad address or CIDR, a pod outside its node's pod CIDR, a service naming an unknown pod — is a
/// diagnostic with file:line:column; the spec is returned only when there is no error.
/// </summary>
public static partial class ClusterYaml
{
    public sealed record Result(ClusterSpec? Spec, IReadOnlyList<Diagnostic> Diagnostics)
    {
        public bool HasErrors => Spec is null;
    }

    public static Result Parse(string text, string file)
    {
        var diags = new DiagnosticBag();
        YamlMappingNode? root;
        int docs;
        YamlNode? second;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            docs = stream.Documents.Count;
            second = docs > 1 ? stream.Documents[1].RootNode : null;
            root = docs == 0 ? null : stream.Documents[0].RootNode as YamlMappingNode;
            if (root is null)
            {
                var at = stream.Documents.Count == 0 ? new SourceLocation(file, 1, 1) : At(file, stream.Documents[0].RootNode);
                diags.Error(at, "a cluster file is a YAML mapping with 'nodes' (and optionally 'services', 'istio', ...)");
                return new Result(null, diags.Items);
            }
        }
        catch (YamlException e)
        {
            diags.Error(new SourceLocation(file, (int)Math.Max(1, e.Start.Line), (int)Math.Max(1, e.Start.Column)), "bad YAML: " + YamlMessage(e));
            return new Result(null, diags.Items);
        }
        var spec = new Reader(file, diags).Cluster(root);
        if (docs > 1) diags.Error(At(file, second!), "a cluster file holds one YAML document; this second one would be ignored");
        return new Result(diags.HasErrors ? null : spec, diags.Items);
    }

    private static string YamlMessage(YamlException e)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: 3, Col: 6, Idx: 21): "; the location is ours to print
        var m = e.Message;
        var i = m.IndexOf("): ", StringComparison.Ordinal);
        return m.StartsWith("(Line:", StringComparison.Ordinal) && i >= 0 ? m[(i + 3)..] : m;
    }

    private static SourceLocation At(string file, YamlNode n) => new(file, (int)n.Start.Line, (int)n.Start.Column);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex DnsName();

    /// <summary>Linux interface names: at most 15 bytes (IFNAMSIZ 16 with the NUL), no '/', ':' or whitespace.</summary>
    [GeneratedRegex("^[A-Za-z0-9_.-]{1,15}$")]
    private static partial Regex InterfaceName();

    private sealed class Reader(string file, DiagnosticBag diags)
    {
        /// <summary>Nodes and pods already reported as broken: later checks do not pile errors on them.</summary>
        private int _brokenNodes;
        private readonly HashSet<string> _brokenPods = new();

        private SourceLocation At(YamlNode n) => ClusterYaml.At(file, n);
        private void Error(YamlNode n, string message) => diags.Error(At(n), message);

        /// <summary>The keys of a mapping, with an error for every key it does not know.</summary>
        private Dictionary<string, YamlNode> Keys(YamlMappingNode map, string what, params string[] known)
        {
            var result = new Dictionary<string, YamlNode>();
            foreach (var (k, v) in map.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (!known.Contains(key)) { Error(k, $"unknown key '{key}' in {what} (known: {string.Join(", ", known)})"); continue; }
                if (!result.TryAdd(key, v)) Error(k, $"'{key}' is given twice in {what}");
            }
            return result;
        }

        private string? Scalar(Dictionary<string, YamlNode> keys, string key, YamlNode owner, string what, bool required)
        {
            if (!keys.TryGetValue(key, out var n))
            {
                if (required) Error(owner, $"{what} needs '{key}'");
                return null;
            }
            if (n is YamlScalarNode s && s.Value is { Length: > 0 } v) return v;
            Error(n, $"'{key}' of {what} must be a plain value");
            return null;
        }

        private bool Bool(Dictionary<string, YamlNode> keys, string key, string what)
        {
            if (!keys.TryGetValue(key, out var n)) return false;
            if (n is YamlScalarNode { Value: "true" or "True" or "yes" }) return true;
            if (n is YamlScalarNode { Value: "false" or "False" or "no" }) return false;
            Error(n, $"'{key}' of {what} must be true or false");
            return false;
        }

        private IpAddress? Address(Dictionary<string, YamlNode> keys, string key, YamlNode owner, string what, bool required = true)
        {
            var v = Scalar(keys, key, owner, what, required);
            if (v is null) return null;
            if (IpAddress.TryParse(v, out var a) && a.IsV4) return a;
            Error(keys[key], $"'{v}' is not an IPv4 address ({what}, '{key}'); ambient node redirection is IPv4 only (istio-cni: \"TODO IPv6\")");
            return null;
        }

        private IpPrefix? Prefix(Dictionary<string, YamlNode> keys, string key, YamlNode owner, string what, bool network, bool required = true)
        {
            var v = Scalar(keys, key, owner, what, required);
            if (v is null) return null;
            if (!v.Contains('/') && IpAddress.TryParse(v, out var bare) && bare.IsV4)
            {
                Error(keys[key], $"'{v}' needs a prefix length, e.g. {v}/{(network ? 24 : 16)} ({what}, '{key}')");
                return null;
            }
            if (!v.Contains('/') || !IpPrefix.TryParse(v, out var p) || !p.Address.IsV4)
            {
                Error(keys[key], $"'{v}' is not an IPv4 CIDR such as 10.244.1.0/24 ({what}, '{key}')");
                return null;
            }
            if (network && p.Network != p.Address)
            {
                Error(keys[key], $"'{v}' has host bits set: the network is {p.Network}/{p.Length} ({what}, '{key}')");
                return null;
            }
            return p;
        }

        private int? Port(Dictionary<string, YamlNode> keys, string key, YamlNode owner, string what)
        {
            var v = Scalar(keys, key, owner, what, true);
            if (v is null) return null;
            if (int.TryParse(v, out var port) && port is >= 1 and <= 65535) return port;
            Error(keys[key], $"'{v}' is not a port (1-65535) ({what}, '{key}')");
            return null;
        }

        private string? Name(Dictionary<string, YamlNode> keys, string key, YamlNode owner, string what)
        {
            var v = Scalar(keys, key, owner, what, true);
            if (v is null) return null;
            if (DnsName().IsMatch(v) && v.Length <= 63) return v;
            Error(keys[key], $"'{v}' is not a Kubernetes name (lower-case letters, digits, '-' and '.'; at most 63) ({what})");
            return null;
        }

        private IEnumerable<YamlNode> Sequence(Dictionary<string, YamlNode> keys, string key, YamlNode owner, string what, bool required)
        {
            if (!keys.TryGetValue(key, out var n))
            {
                if (required) Error(owner, $"{what} needs '{key}'");
                return [];
            }
            if (n is YamlSequenceNode seq) return seq.Children;
            Error(n, $"'{key}' of {what} must be a list");
            return [];
        }

        public ClusterSpec Cluster(YamlMappingNode root)
        {
            var keys = Keys(root, "the cluster", "name", "istio", "clusterCidr", "network", "dnsCapture", "nodes", "services");
            var name = Scalar(keys, "name", root, "the cluster", false) ?? "cluster";
            var release = IstioRelease.Default;
            if (Scalar(keys, "istio", root, "the cluster", false) is { } rel)
            {
                if (IstioRelease.TryParse(rel, out var why) is { } r) release = r;
                else Error(keys["istio"], why!);
            }
            // kind's default podSubnet (kind: pkg/apis/config/v1alpha4 defaults, 10.244.0.0/16)
            var clusterCidr = Prefix(keys, "clusterCidr", root, "the cluster", network: true, required: false) ?? IpPrefix.Parse("10.244.0.0/16");
            var network = Scalar(keys, "network", root, "the cluster", false) ?? "kind";
            var dns = Bool(keys, "dnsCapture", "the cluster");
            if (dns && release.Minor == 18 && keys.TryGetValue("dnsCapture", out var dn))
                diags.Warning(At(dn), "dnsCapture with Istio 1.18: istio-cni adds the DNS DNAT to ztunnel:15053, but ztunnel 1.18 has no DNS proxy listening there (src/config.rs gains 15053 at 1.19.0)");

            var nodes = new List<ClusterNode>();
            foreach (var n in Sequence(keys, "nodes", root, "the cluster", true))
                if (Node(n) is { } node) nodes.Add(node);
                else _brokenNodes++;
            var services = new List<ClusterService>();
            foreach (var s in Sequence(keys, "services", root, "the cluster", false))
                if (Service(s) is { } svc) services.Add(svc);

            var spec = new ClusterSpec
            {
                Name = name, Release = release, ClusterCidr = clusterCidr, NetworkName = network, DnsCapture = dns,
                Nodes = nodes, Services = services, Location = At(root),
            };
            Validate(spec);
            return spec;
        }

        private ClusterNode? Node(YamlNode n)
        {
            if (n is not YamlMappingNode map) { Error(n, "a node is a mapping with name, address, gateway, podCidr, podGateway and pods"); return null; }
            var keys = Keys(map, "a node", "name", "address", "gateway", "podCidr", "podGateway", "pods");
            var name = Name(keys, "name", map, "a node");
            var what = name is null ? "a node" : $"node {name}";
            var address = Prefix(keys, "address", map, what, network: false);
            var gateway = Address(keys, "gateway", map, what);
            var podCidr = Prefix(keys, "podCidr", map, what, network: true);
            var podGateway = Address(keys, "podGateway", map, what);
            if (address is { } a && a.IsHost) Error(keys["address"], $"node address '{a}' needs the shared network's prefix length, e.g. 172.18.0.3/16 ({what})");
            if (address is { } a2 && gateway is { } g && !a2.Contains(g)) Error(keys["gateway"], $"gateway {g} is not on the node's network {a2.Network}/{a2.Length} ({what})");
            if (podCidr is { } pc && podGateway is { } pg && !pc.Contains(pg))
                Error(keys["podGateway"], $"podGateway {pg} is not inside podCidr {pc} ({what}): istio-cni's host IP is the node's address inside its pod CIDR (cni/pkg/ambient/net.go GetHostIP)");
            var pods = new List<ClusterPod>();
            foreach (var p in Sequence(keys, "pods", map, what, false))
                if (Pod(p, what) is { } pod) pods.Add(pod);
            if (name is null || address is null || gateway is null || podCidr is null || podGateway is null) return null;
            return new ClusterNode { Name = name, Address = address.Value, Gateway = gateway.Value, PodCidr = podCidr.Value, PodGateway = podGateway.Value, Pods = pods, Location = At(map) };
        }

        private ClusterPod? Pod(YamlNode n, string node)
        {
            if (n is not YamlMappingNode map) { Error(n, $"a pod is a mapping with name, ip and veth ({node})"); return null; }
            var keys = Keys(map, "a pod", "name", "namespace", "ip", "veth", "mesh", "ztunnel", "uid");
            var name = Name(keys, "name", map, $"a pod of {node}");
            var what = name is null ? $"a pod of {node}" : $"pod {name}";
            var ns = Scalar(keys, "namespace", map, what, false);
            var ip = Address(keys, "ip", map, what);
            var veth = Scalar(keys, "veth", map, what, true);
            if (veth is not null && !InterfaceName().IsMatch(veth))
            {
                Error(keys["veth"], $"'{veth}' is not a Linux interface name (at most 15 characters: letters, digits, '_', '.', '-') ({what})");
                veth = null;
            }
            var ztunnel = Bool(keys, "ztunnel", what);
            var mesh = Bool(keys, "mesh", what);
            if (ztunnel && mesh) Error(keys["mesh"], $"the ztunnel pod is not itself in the mesh: istio-cni never puts it in ztunnel-pods-ips ({what})");
            var uid = Scalar(keys, "uid", map, what, false);
            if (name is null || ip is null || veth is null)
            {
                if (name is not null) _brokenPods.Add(name);
                return null;
            }
            var namespace_ = ns ?? (ztunnel ? "istio-system" : "default");
            return new ClusterPod
            {
                Name = name, Namespace = namespace_, Ip = ip.Value, Veth = veth, Mesh = mesh, IsZtunnel = ztunnel,
                Uid = uid ?? DerivedUid($"{namespace_}/{name}"), Location = At(map),
            };
        }

        private ClusterService? Service(YamlNode n)
        {
            if (n is not YamlMappingNode map) { Error(n, "a service is a mapping with name, vip, port, targetPort and pods"); return null; }
            var keys = Keys(map, "a service", "name", "namespace", "portName", "vip", "port", "targetPort", "pods");
            var name = Name(keys, "name", map, "a service");
            var what = name is null ? "a service" : $"service {name}";
            var ns = Scalar(keys, "namespace", map, what, false) ?? "default";
            var portName = Scalar(keys, "portName", map, what, false) ?? "";
            var vip = Address(keys, "vip", map, what);
            var port = Port(keys, "port", map, what);
            var target = Port(keys, "targetPort", map, what);
            var pods = new List<string>();
            foreach (var p in Sequence(keys, "pods", map, what, false))
                if (p is YamlScalarNode { Value: { Length: > 0 } v }) pods.Add(v);
                else Error(p, $"the pods of {what} are pod names");
            if (name is null || vip is null || port is null || target is null) return null;
            return new ClusterService { Name = name, Namespace = ns, PortName = portName, Vip = vip.Value, Port = port.Value, TargetPort = target.Value, Pods = pods, Location = At(map) };
        }

        /// <summary>What holds across the file: unique names and addresses, pods inside their node's pod CIDR, at most one
        /// ztunnel per node, services naming pods that exist.</summary>
        private void Validate(ClusterSpec spec)
        {
            if (spec.Nodes.Count == 0)
            {
                if (_brokenNodes == 0 && !diags.HasErrors) diags.Error(spec.Location, "the cluster has no nodes");
                return;
            }
            var hostNames = new Dictionary<string, SourceLocation>();
            void Unique(string name, SourceLocation at, string what)
            {
                if (hostNames.TryGetValue(name, out var first)) diags.Error(at, $"{what} '{name}' is already used at {first} (node and pod names become host names in the scenario and must be unique)");
                else hostNames[name] = at;
            }
            var ips = new Dictionary<IpAddress, SourceLocation>();
            void UniqueIp(IpAddress ip, SourceLocation at, string what)
            {
                if (ips.TryGetValue(ip, out var first)) diags.Error(at, $"{what} {ip} is already used at {first}");
                else ips[ip] = at;
            }
            foreach (var node in spec.Nodes)
            {
                Unique(node.Name, node.Location, "node name");
                UniqueIp(node.Address.Address, node.Location, $"node {node.Name}'s address");
                if (spec.Nodes[0].Address.Network != node.Address.Network || spec.Nodes[0].Address.Length != node.Address.Length)
                    diags.Error(node.Location, $"node {node.Name} ({node.Address}) is not on the same network as node {spec.Nodes[0].Name} ({spec.Nodes[0].Address}): the nodes share one network ({spec.NetworkName})");
                if (!spec.ClusterCidr.Contains(node.PodCidr.Address) || node.PodCidr.Length < spec.ClusterCidr.Length)
                    diags.Error(node.Location, $"node {node.Name}'s podCidr {node.PodCidr} is not inside clusterCidr {spec.ClusterCidr}");
                foreach (var other in spec.Nodes.TakeWhile(o => o != node))
                    if (other.PodCidr.Contains(node.PodCidr.Address) || node.PodCidr.Contains(other.PodCidr.Address))
                        diags.Error(node.Location, $"node {node.Name}'s podCidr {node.PodCidr} overlaps node {other.Name}'s {other.PodCidr}");
                var veths = new HashSet<string>();
                foreach (var pod in node.Pods)
                {
                    Unique(pod.Name, pod.Location, "pod name");
                    UniqueIp(pod.Ip, pod.Location, $"pod {pod.Name}'s IP");
                    if (!node.PodCidr.Contains(pod.Ip)) diags.Error(pod.Location, $"pod {pod.Name}'s IP {pod.Ip} is not inside node {node.Name}'s podCidr {node.PodCidr}");
                    if (pod.Ip == node.PodGateway) diags.Error(pod.Location, $"pod {pod.Name}'s IP {pod.Ip} is the node's podGateway");
                    if (pod.Veth is "eth0" or "lo" or "istioin" or "istioout") diags.Error(pod.Location, $"pod {pod.Name}'s veth name '{pod.Veth}' is taken by the node's own {pod.Veth}");
                    else if (!veths.Add(pod.Veth)) diags.Error(pod.Location, $"veth '{pod.Veth}' of pod {pod.Name} is already used by another pod of node {node.Name}");
                }
                var ztunnels = node.Pods.Where(p => p.IsZtunnel).ToList();
                if (ztunnels.Count > 1)
                    diags.Error(ztunnels[1].Location, $"node {node.Name} has more than one ztunnel pod ({string.Join(", ", ztunnels.Select(z => z.Name))}); istio-cni redirects to one active ztunnel per node");
                if (ztunnels.Count == 0 && node.Pods.FirstOrDefault(p => p.Mesh) is { } orphan)
                    diags.Warning(orphan.Location, $"node {node.Name} has mesh pods but no ztunnel pod: istio-cni removes all redirection when no ztunnel runs on the node (cni/pkg/ambient/server.go ReconcileZtunnel → cleanupNode), so {orphan.Name} is not captured");
            }
            var vips = new Dictionary<(IpAddress, int), SourceLocation>();
            var serviceNames = new HashSet<string>();
            foreach (var svc in spec.Services)
            {
                if (!serviceNames.Add($"{svc.Namespace}/{svc.Name}")) diags.Error(svc.Location, $"service {svc.Namespace}/{svc.Name} is given twice");
                if (vips.TryGetValue((svc.Vip, svc.Port), out var first)) diags.Error(svc.Location, $"service {svc.Name}: {svc.Vip}:{svc.Port} is already used at {first}");
                else vips[(svc.Vip, svc.Port)] = svc.Location;
                if (spec.ClusterCidr.Contains(svc.Vip)) diags.Error(svc.Location, $"service {svc.Name}'s VIP {svc.Vip} is inside the pod network {spec.ClusterCidr}");
                foreach (var p in svc.Pods)
                    if (_brokenPods.Contains(p)) continue;
                    else if (spec.FindPod(p) is null) diags.Error(svc.Location, $"service {svc.Name} names pod '{p}', which no node has");
                    else if (spec.FindPod(p)!.IsZtunnel) diags.Error(svc.Location, $"service {svc.Name} is backed by the ztunnel pod '{p}'");
            }
        }
    }

    /// <summary>A stable, UUID-shaped pod UID for pods the file gives none (the ipset comment needs one).</summary>
    internal static string DerivedUid(string key)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        h[6] = (byte)((h[6] & 0x0f) | 0x40); h[8] = (byte)((h[8] & 0x3f) | 0x80);
        return new Guid(h[..16], bigEndian: true).ToString();
    }
}
