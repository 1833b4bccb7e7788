using Nfwalk.Semantics.Fabric;

namespace Nfwalk.Cli.Presentation;

/// <summary>The documented JSON form of a multi-host walk (docs/walk-json.md); each hop's trace is the single-node trace of docs/trace-json.md.</summary>
public static class WalkJson
{
    public static string Serialize(RequestWalk w) => Json.Serialize(new
    {
        schemaVersion = 1,
        scenario = w.Scenario,
        from = w.From,
        to = w.To,
        summary = WalkText.Summary(w),
        outcome = w.Outcome,
        succeeded = w.Succeeded,
        connections = w.Connections.Select(c => new
        {
            number = c.Number,
            clientHost = c.ClientHost,
            client = c.ClientSocket,
            server = c.ServerSocket,
            acceptingHost = c.AcceptingHost,
            acceptedBy = c.AcceptedBy,
            proxyKind = c.ProxyKind,
            openedBecause = c.OpenedBecause,
            established = c.Established,
            via = c.Via,
            packets = c.Packets.Select(p => new
            {
                label = p.Label,
                reply = p.Reply,
                start = p.Journey.Start.Summary,
                path = WalkText.Path(p.Journey).ToList(),
                end = new { kind = p.Journey.End.Kind, host = p.Journey.End.Host, text = p.Journey.End.Text, socket = p.Journey.End.Socket },
                final = p.Journey.Final.Summary,
                hops = p.Journey.Hops.Select(h => new { host = h.Host, entry = h.Entry, inInterface = h.InInterface, tunnelDepth = h.Depth, trace = h.Trace }),
            }),
        }),
        assumptions = w.Assumptions,
    });
}
