using System.Globalization;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
using Nfwalk.Model.Scenario;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using ScenarioModel = Nfwalk.Model.Scenario.Scenario;

namespace Nfwalk.Parsing.Scenario;

/// <summary>
/// Reads a scenario file (docs/scenario.md) into the immutable <see cref="ScenarioModel"/>. Every mistake — bad YAML, a
/// missing key, an unknown host in a link, a bad address — is a diagnostic at file:line:column; the rest is still read.
/// Snapshot paths are resolved against the file's directory.
/// </summary>
public static class ScenarioParser
{
    public static ScenarioModel? ParseFile(string path, DiagnosticBag diags)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "scenario.yaml") : path;
        if (!File.Exists(file)) { diags.Error(new SourceLocation(file, 0, 0), Directory.Exists(path) ? "the directory has no scenario.yaml" : "no such file"); return null; }
        return Parse(File.ReadAllText(file), file, Path.GetDirectoryName(Path.GetFullPath(file))!, diags);
    }

    public static ScenarioModel? Parse(string text, string file, string baseDir, DiagnosticBag diags)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            diags.Error(new SourceLocation(file, (int)e.Start.Line, (int)e.Start.Column), "not valid YAML: " + (e.InnerException?.Message ?? e.Message));
            return null;
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            diags.Error(new SourceLocation(file, 1, 1), "a scenario is a YAML mapping with hosts, links, networks, endpoints and services");
            return null;
        }
        var r = new Reader(file, baseDir, diags);
        return r.Scenario(root);
    }

    private sealed class Reader(string file, string baseDir, DiagnosticBag diags)
    {
        private SourceLocation At(YamlNode n) => new(file, (int)n.Start.Line, (int)n.Start.Column);

        public ScenarioModel Scenario(YamlMappingNode root)
        {
            Known(root, "name", "hosts", "links", "networks", "endpoints", "services");
            var name = Scalar(root, "name") ?? Path.GetFileNameWithoutExtension(file);
            var hosts = new List<ScenarioHost>();
            foreach (var h in Sequence(root, "hosts", required: true))
                if (Host(h) is { } host)
                {
                    if (hosts.Any(x => x.Name == host.Name)) diags.Error(host.Location, $"host \"{host.Name}\" is declared twice");
                    else hosts.Add(host);
                }
            var names = hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
            var links = new List<VethLink>();
            foreach (var l in Sequence(root, "links"))
            {
                if (l is YamlSequenceNode { Children.Count: 2 } pair && Ref(pair.Children[0], names) is { } a && Ref(pair.Children[1], names) is { } b)
                    links.Add(new VethLink(a, b, At(l)));
                else if (l is not YamlSequenceNode { Children.Count: 2 })
                    diags.Error(At(l), "a link is a pair of interfaces: [hostA:ifaceA, hostB:ifaceB]");
            }
            var seen = new Dictionary<string, InterfaceRef>();
            foreach (var link in links)
                foreach (var end in new[] { link.A, link.B })
                    if (!seen.TryAdd(end.ToString(), end)) diags.Error(end.Location, $"{end} is already the end of another link ({seen[end.ToString()].Location})");
            var networks = new List<SharedNetwork>();
            foreach (var n in Sequence(root, "networks"))
            {
                if (n is not YamlMappingNode m) { diags.Error(At(n), "a network is a mapping: { name: NAME, members: [host:iface, ...] }"); continue; }
                Known(m, "name", "members");
                var members = new List<InterfaceRef>();
                foreach (var x in Sequence(m, "members", required: true)) if (Ref(x, names) is { } r) members.Add(r);
                networks.Add(new SharedNetwork(Scalar(m, "name") ?? $"network{networks.Count + 1}", members, At(n)));
            }
            var endpoints = new List<NamedEndpoint>();
            if (Mapping(root, "endpoints") is { } eps)
                foreach (var (k, v) in eps.Children)
                {
                    var en = ((YamlScalarNode)k).Value ?? "";
                    if (v is not YamlMappingNode em) { diags.Error(At(v), $"endpoint \"{en}\": expected {{ host: HOST, address: ADDRESS, port: PORT }}"); continue; }
                    Known(em, "host", "address", "port");
                    var host = Scalar(em, "host");
                    if (host is null) { diags.Error(At(em), $"endpoint \"{en}\" needs a host"); continue; }
                    if (!names.Contains(host)) { diags.Error(At(em.Children[new YamlScalarNode("host")]), $"endpoint \"{en}\": no host named \"{host}\""); continue; }
                    endpoints.Add(new NamedEndpoint(en, host, Address(em, "address"), Port(em, "port"), At(k)));
                }
            var services = new List<ServiceSpec>();
            if (Mapping(root, "services") is { } svcs)
                foreach (var (k, v) in svcs.Children)
                {
                    var sn = ((YamlScalarNode)k).Value ?? "";
                    if (v is not YamlMappingNode sm) { diags.Error(At(v), $"service \"{sn}\": expected {{ vip: ADDRESS, port: PORT, endpoints: [NAME, ...], targetPort: PORT }}"); continue; }
                    Known(sm, "vip", "port", "endpoints", "targetPort");
                    var vip = Address(sm, "vip");
                    var port = Port(sm, "port");
                    if (vip is null || port is null) { diags.Error(At(sm), $"service \"{sn}\" needs vip and port"); continue; }
                    var backs = new List<string>();
                    foreach (var x in Sequence(sm, "endpoints"))
                    {
                        var e = (x as YamlScalarNode)?.Value;
                        if (e is null || !endpoints.Any(p => p.Name == e)) diags.Error(At(x), $"service \"{sn}\": no endpoint named \"{e}\"");
                        else backs.Add(e);
                    }
                    services.Add(new ServiceSpec(sn, vip.Value, port.Value, backs, Port(sm, "targetPort"), At(k)));
                }
            return new ScenarioModel(name, file, hosts, links, networks, endpoints, services);
        }

        private ScenarioHost? Host(YamlNode n)
        {
            if (n is not YamlMappingNode m) { diags.Error(At(n), "a host is a mapping: { name: NAME, role: node|pod|ztunnel|router, snapshot: DIR }"); return null; }
            Known(m, "name", "role", "snapshot", "node", "mesh", "proxies");
            var name = Scalar(m, "name");
            if (string.IsNullOrEmpty(name)) { diags.Error(At(m), "a host needs a name"); return null; }
            var roleText = Scalar(m, "role") ?? "node";
            if (!Enum.TryParse<HostRole>(roleText, ignoreCase: true, out var role))
            {
                diags.Error(At(m.Children[new YamlScalarNode("role")]), $"host \"{name}\": role \"{roleText}\" is not one of node, pod, ztunnel, router");
                role = HostRole.Node;
            }
            var snap = Scalar(m, "snapshot");
            string path = "";
            if (snap is null) diags.Error(At(m), $"host \"{name}\" needs a snapshot directory");
            else
            {
                path = Path.GetFullPath(Path.Combine(baseDir, snap));
                if (!Directory.Exists(path)) diags.Error(At(m.Children[new YamlScalarNode("snapshot")]), $"host \"{name}\": snapshot directory \"{snap}\" does not exist");
            }
            var mesh = Scalar(m, "mesh") is { } ms && (ms is "true" or "yes" or "True");
            var proxies = new List<ProxySpec>();
            foreach (var p in Sequence(m, "proxies"))
            {
                if (p is not YamlMappingNode pm) { diags.Error(At(p), "a proxy is { port: PORT, kind: ztunnel-outbound|ztunnel-inbound|ztunnel-hbone|plain }"); continue; }
                Known(pm, "port", "kind");
                var port = Port(pm, "port");
                var kindText = Scalar(pm, "kind") ?? "plain";
                ProxyKind? kind = kindText switch
                {
                    "ztunnel-outbound" => ProxyKind.ZtunnelOutbound, "ztunnel-inbound" => ProxyKind.ZtunnelInbound,
                    "ztunnel-hbone" => ProxyKind.ZtunnelHbone, "plain" => ProxyKind.Plain, _ => null,
                };
                if (kind is null) { diags.Error(At(pm), $"proxy kind \"{kindText}\" is not one of ztunnel-outbound, ztunnel-inbound, ztunnel-hbone, plain"); continue; }
                if (port is null) { diags.Error(At(pm), "a proxy needs a port"); continue; }
                proxies.Add(new ProxySpec(port.Value, kind.Value, At(pm)));
            }
            return new ScenarioHost(name, role, path, Scalar(m, "node"), mesh, proxies, At(m));
        }

        private InterfaceRef? Ref(YamlNode n, HashSet<string> hosts)
        {
            var s = (n as YamlScalarNode)?.Value;
            var i = s?.LastIndexOf(':') ?? -1;
            if (s is null || i <= 0 || i == s.Length - 1) { diags.Error(At(n), $"\"{s}\" is not host:interface"); return null; }
            var r = new InterfaceRef(s[..i], s[(i + 1)..], At(n));
            if (!hosts.Contains(r.Host)) { diags.Error(At(n), $"no host named \"{r.Host}\""); return null; }
            return r;
        }

        private void Known(YamlMappingNode m, params string[] keys)
        {
            foreach (var k in m.Children.Keys)
                if (k is YamlScalarNode { Value: { } v } && !keys.Contains(v))
                    diags.Error(At(k), $"unknown key \"{v}\" (expected {string.Join(", ", keys)})");
        }

        private string? Scalar(YamlMappingNode m, string key)
        {
            if (!m.Children.TryGetValue(new YamlScalarNode(key), out var v)) return null;
            if (v is YamlScalarNode s) return s.Value;
            diags.Error(At(v), $"\"{key}\" must be a single value");
            return null;
        }

        private YamlMappingNode? Mapping(YamlMappingNode m, string key)
        {
            if (!m.Children.TryGetValue(new YamlScalarNode(key), out var v)) return null;
            if (v is YamlMappingNode mm) return mm;
            if (v is YamlScalarNode { Value: null or "" }) return null;
            diags.Error(At(v), $"\"{key}\" must be a mapping of names");
            return null;
        }

        private IEnumerable<YamlNode> Sequence(YamlMappingNode m, string key, bool required = false)
        {
            if (!m.Children.TryGetValue(new YamlScalarNode(key), out var v))
            {
                if (required) diags.Error(At(m), $"\"{key}\" is missing");
                return [];
            }
            if (v is YamlSequenceNode s) return s.Children;
            if (v is YamlScalarNode { Value: null or "" }) return [];
            diags.Error(At(v), $"\"{key}\" must be a list");
            return [];
        }

        private IpAddress? Address(YamlMappingNode m, string key)
        {
            var s = Scalar(m, key);
            if (s is null) return null;
            if (IpAddress.TryParse(s, out var a)) return a;
            diags.Error(At(m.Children[new YamlScalarNode(key)]), $"\"{s}\" is not an IP address");
            return null;
        }

        private ushort? Port(YamlMappingNode m, string key)
        {
            var s = Scalar(m, key);
            if (s is null) return null;
            if (ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0) return p;
            diags.Error(At(m.Children[new YamlScalarNode(key)]), $"\"{s}\" is not a port (1-65535)");
            return null;
        }
    }
}
