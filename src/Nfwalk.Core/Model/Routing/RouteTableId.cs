using System.Globalization;

namespace Nfwalk.Model.Routing;

/// <summary>
/// A routing table: its number (local = 255, main = 254, default = 253, or any other) and the name iproute2 printed.
/// A name the dump used but that is not one of the three reserved ones (from the node's /etc/iproute2/rt_tables)
/// has no known number; such tables are told apart by name. Two ids are equal when they denote the same table.
/// </summary>
public readonly struct RouteTableId : IEquatable<RouteTableId>
{
    public const uint LocalNumber = 255, MainNumber = 254, DefaultNumber = 253, UnspecNumber = 0;
    public static readonly RouteTableId Local = new(LocalNumber), Main = new(MainNumber), Default = new(DefaultNumber);

    public uint? Number { get; }
    private readonly string? _name;

    public RouteTableId(uint number) { Number = number; _name = null; }
    private RouteTableId(string name) { Number = null; _name = name; }

    /// <summary>"local", "main", "default", "unspec", a number, or a name from rt_tables.</summary>
    public string Name => Number switch
    {
        LocalNumber => "local",
        MainNumber => "main",
        DefaultNumber => "default",
        UnspecNumber => "unspec",
        { } n => n.ToString(CultureInfo.InvariantCulture),
        null => _name ?? "main",
    };

    public bool IsLocal => Number == LocalNumber;
    public bool IsMain => NormalNumber == MainNumber;

    /// <summary>rtnl_rttable_a2n: reserved names, decimal or 0x numbers; any other word is kept as a name.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out RouteTableId id)
    {
        id = Main;
        if (s.IsEmpty) return false;
        switch (s)
        {
            case "local": id = Local; return true;
            case "main": id = Main; return true;
            case "default": id = Default; return true;
            case "unspec": id = new RouteTableId(UnspecNumber); return true;
        }
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        {
            if (uint.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h)) { id = new RouteTableId(h); return true; }
            return false;
        }
        if (char.IsAsciiDigit(s[0]))
        {
            if (uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) { id = new RouteTableId(n); return true; }
            return false;
        }
        foreach (var c in s) if (char.IsWhiteSpace(c) || c == '/') return false;
        id = new RouteTableId(s.ToString());
        return true;
    }

    public static RouteTableId Parse(string s) => TryParse(s, out var id) ? id : throw new FormatException($"not a routing table: {s}");

    // default(RouteTableId) is main; a table is identified by its number, or by its name when no number is known
    private uint? NormalNumber => Number ?? (_name is null ? MainNumber : null);
    public bool Equals(RouteTableId other) => NormalNumber == other.NormalNumber && (NormalNumber is not null || _name == other._name);
    public override bool Equals(object? obj) => obj is RouteTableId o && Equals(o);
    public override int GetHashCode() => NormalNumber is { } n ? (int)n : StringComparer.Ordinal.GetHashCode(_name!);
    public static bool operator ==(RouteTableId a, RouteTableId b) => a.Equals(b);
    public static bool operator !=(RouteTableId a, RouteTableId b) => !a.Equals(b);
    public override string ToString() => Name;
}
