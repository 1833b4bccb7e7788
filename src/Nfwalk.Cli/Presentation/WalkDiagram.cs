using System.Net;
using System.Text;
using Nfwalk.Semantics.Fabric;

namespace Nfwalk.Cli.Presentation;

/// <summary>
/// A multi-host walk as a sequence diagram: one lifeline per host, one arrow per packet crossing from host to host
/// (a tunnel's outer packet labelled with its kind and VNI), notes for decapsulation and for where each packet ends.
/// Mermaid text, or a self-contained SVG drawn from the same events.
/// </summary>
public static class WalkDiagram
{
    private abstract record Event;
    private sealed record Arrow(int From, int To, string Label, bool Reply, bool Tunnel) : Event;
    private sealed record Note(int At, string Text, bool Bad = false) : Event;
    private sealed record Section(string Text) : Event;

    private static (List<string> Hosts, List<Event> Events) Build(RequestWalk w)
    {
        var hosts = new List<string>();
        int Id(string h) { var i = hosts.IndexOf(h); if (i < 0) { hosts.Add(h); i = hosts.Count - 1; } return i; }
        var events = new List<Event>();
        foreach (var c in w.Connections)
        {
            events.Add(new Section($"connection {c.Number}: {c.ClientSocket} → {c.ServerSocket}{(c.ProxyKind is { } k && k != "plain" ? $" (accepted by {k})" : "")}"));
            foreach (var p in c.Packets)
            {
                var hops = p.Journey.Hops;
                for (int i = 0; i < hops.Count; i++)
                {
                    var h = hops[i];
                    Id(h.Host);
                    if (i == 0) continue;
                    var prev = hops[i - 1];
                    if (h.Entry == HopEntry.Received && prev.Host != h.Host)
                    {
                        var label = h.IsOuter
                            ? $"{Tunnel(hops, i)} {h.Trace.Packet.Summary}"
                            : $"{p.Label} {h.Trace.Packet.Summary} → {h.InInterface}";
                        events.Add(new Arrow(Id(prev.Host), Id(h.Host), label, p.Reply, h.IsOuter));
                    }
                    else if (h.Entry == HopEntry.Decapsulated)
                        events.Add(new Note(Id(h.Host), $"decapsulated: {p.Label} on {h.InInterface}"));
                }
                var end = p.Journey.End;
                var endText = end.Kind == JourneyEndKind.Delivered ? $"{p.Label} delivered{(end.Socket is { } s ? " to " + s : "")}" : $"{p.Label}: {end.Kind}";
                events.Add(new Note(Id(end.Host), endText, end.Kind != JourneyEndKind.Delivered));
            }
        }
        return (hosts, events);
    }

    /// <summary>The tunnel an outer packet belongs to: the device the inner packet was routed into.</summary>
    private static string Tunnel(IReadOnlyList<Hop> hops, int i)
        => hops.Take(i).LastOrDefault(h => h.Encapsulation is not null)?.Encapsulation is { } e ? $"{e.Device} (tunnel)" : "tunnel";

    public static string Mermaid(RequestWalk w)
    {
        var (hosts, events) = Build(w);
        var sb = new StringBuilder();
        sb.AppendLine("sequenceDiagram");
        sb.AppendLine($"    title {Esc(w.From)} → {Esc(w.To)}: {Esc(WalkText.Summary(w))}");
        for (int i = 0; i < hosts.Count; i++) sb.AppendLine($"    participant h{i} as {Esc(hosts[i])}");
        foreach (var e in events)
            switch (e)
            {
                case Section s: sb.AppendLine($"    Note over h0,h{hosts.Count - 1}: {Esc(s.Text)}"); break;
                case Arrow a: sb.AppendLine($"    h{a.From}{(a.Reply ? "-->>" : "->>")}h{a.To}: {Esc(a.Label)}"); break;
                case Note n: sb.AppendLine($"    Note over h{n.At}: {Esc(n.Text)}"); break;
            }
        return sb.ToString();
    }

    private static string Esc(string s) => s.Replace(";", ",").Replace("#", "no.").Replace("\n", " ");

    public static string Svg(RequestWalk w)
    {
        var (hosts, events) = Build(w);
        // the summary as title lines: "from → to", then one line per connection
        var titleLines = new List<string> { $"{w.From} → {w.To}: {w.Connections.Count} TCP connection{(w.Connections.Count == 1 ? "" : "s")}" };
        titleLines.AddRange(WalkText.Summary(w).Split(": ", 2)[^1].Split("; ").Select((c, i) => $"  {i + 1}. {c}"));
        int head = 18 * titleLines.Count;
        const int lane = 200, step = 26, left = 110;
        int top = 70 + head;
        int width = left + lane * Math.Max(1, hosts.Count - 1) + 330; // room for the last lane's notes
        int height = top + step * (events.Count + 2);
        string X(int i) => (left + i * lane).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string T(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"11\">");
        sb.AppendLine("<defs><marker id=\"a\" markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#333\"/></marker></defs>");
        sb.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        for (int l = 0; l < titleLines.Count; l++)
            sb.AppendLine($"<text x=\"10\" y=\"{18 + 18 * l}\" font-size=\"13\"{(l == 0 ? " font-weight=\"bold\"" : "")}>{T(titleLines[l])}</text>");
        for (int i = 0; i < hosts.Count; i++)
        {
            sb.AppendLine($"<rect x=\"{left + i * lane - 80}\" y=\"{14 + head}\" width=\"160\" height=\"22\" rx=\"4\" fill=\"#e8eef8\" stroke=\"#456\"/><text x=\"{X(i)}\" y=\"{29 + head}\" text-anchor=\"middle\" font-weight=\"bold\">{T(hosts[i])}</text>");
            sb.AppendLine($"<line x1=\"{X(i)}\" y1=\"{36 + head}\" x2=\"{X(i)}\" y2=\"{height - 10}\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>");
        }
        int y = top;
        foreach (var e in events)
        {
            y += step;
            switch (e)
            {
                case Section s:
                    sb.AppendLine($"<rect x=\"4\" y=\"{y - 15}\" width=\"{width - 8}\" height=\"20\" fill=\"#f4f4f4\"/><text x=\"10\" y=\"{y}\" font-weight=\"bold\">{T(s.Text)}</text>");
                    break;
                case Arrow a:
                    var color = a.Tunnel ? "#a05a00" : a.Reply ? "#2a6" : "#246";
                    sb.AppendLine($"<line x1=\"{X(a.From)}\" y1=\"{y}\" x2=\"{X(a.To)}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"1.5\"{(a.Reply ? " stroke-dasharray=\"6 3\"" : "")} marker-end=\"url(#a)\"/>");
                    var mid = (left + Math.Min(a.From, a.To) * lane) + 6;
                    sb.AppendLine($"<text x=\"{mid}\" y=\"{y - 4}\" fill=\"{color}\">{T(a.Label)}</text>");
                    break;
                case Note n:
                    sb.AppendLine($"<text x=\"{int.Parse(X(n.At)) + 6}\" y=\"{y}\" fill=\"{(n.Bad ? "#c00" : "#555")}\" font-style=\"italic\">{T(n.Text)}</text>");
                    break;
            }
        }
        sb.AppendLine("</svg>");
        return sb.ToString();
    }
}
