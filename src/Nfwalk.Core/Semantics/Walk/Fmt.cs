using Nfwalk.Model.Net;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// The fast walk's formatting of addresses, endpoints and conntrack tuples: the same text as <see cref="IpAddress.ToString"/>,
/// <see cref="Endpoint.Format(IpAddress, int?)"/>, <see cref="ConnTuple.ToString"/> and <see cref="ConntrackEntry.ToString"/>
/// (the property test compares them with the reference walk, which uses those), written into one stack buffer per text
/// instead of a pooled buffer per nested part.
/// </summary>
internal static class Fmt
{
    public static string Address(IpAddress a)
    {
        if (!a.IsV4) return a.ToString();
        Span<char> b = stackalloc char[15];
        int n = 0;
        WriteV4(b, ref n, a.V4);
        return new string(b[..n]);
    }

    /// <summary>As Endpoint.Format: "a.b.c.d:port", "[v6]:port", or the address alone without a port.</summary>
    public static string Endpoint(IpAddress a, int? port)
    {
        if (port is not { } p || p < 0) return port is null ? Address(a) : Nfwalk.Model.Net.Endpoint.Format(a, port);
        if (!a.IsV4) return Nfwalk.Model.Net.Endpoint.Format(a, port);
        Span<char> b = stackalloc char[26];
        int n = 0;
        WriteV4(b, ref n, a.V4);
        b[n++] = ':';
        WriteUInt(b, ref n, (uint)p);
        return new string(b[..n]);
    }

    /// <summary>As ConnTuple.ToString.</summary>
    public static string Tuple(in ConnTuple t)
    {
        var zone = t.Zone != 0 ? " zone " + t.Zone : "";
        return t.Protocol is Protocols.Tcp or Protocols.Udp
            ? string.Concat(Protocols.Name(t.Protocol), " ", Endpoint(t.Source, t.SourcePort), " -> ", Endpoint(t.Destination, t.DestinationPort)) + zone
            : string.Concat(Protocols.Name(t.Protocol), " ", Address(t.Source), " -> ", Address(t.Destination)) + zone;
    }

    /// <summary>As ConntrackEntry.ToString.</summary>
    public static string Entry(ConntrackEntry e)
        => string.Concat("#", e.Id.ToString(System.Globalization.CultureInfo.CurrentCulture), " ", Tuple(e.Original), " (reply ", Tuple(e.Reply), ")")
           + (e.Mark != 0 ? " mark " + HexCache.Of(e.Mark) : "");

    private static void WriteV4(Span<char> b, ref int n, uint v)
    {
        WriteUInt(b, ref n, v >> 24); b[n++] = '.';
        WriteUInt(b, ref n, (v >> 16) & 255); b[n++] = '.';
        WriteUInt(b, ref n, (v >> 8) & 255); b[n++] = '.';
        WriteUInt(b, ref n, v & 255);
    }

    private static void WriteUInt(Span<char> b, ref int n, uint v)
    {
        if (v >= 10_000) { v.TryFormat(b[n..], out int w, default, System.Globalization.CultureInfo.InvariantCulture); n += w; return; }
        if (v >= 1000) b[n++] = (char)('0' + v / 1000);
        if (v >= 100) b[n++] = (char)('0' + v / 100 % 10);
        if (v >= 10) b[n++] = (char)('0' + v / 10 % 10);
        b[n++] = (char)('0' + v % 10);
    }
}
