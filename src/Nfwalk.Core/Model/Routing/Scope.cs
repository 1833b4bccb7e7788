namespace Nfwalk.Model.Routing;

/// <summary>
/// The kernel's route and address scope (include/uapi/linux/rtnetlink.h <c>enum rt_scope_t</c>): smaller numbers reach
/// further. Values other than the named ones are possible ("scope 100") and kept as numbers.
/// </summary>
public enum Scope : byte
{
    /// <summary>RT_SCOPE_UNIVERSE, printed "global".</summary>
    Global = 0,
    Site = 200,
    Link = 253,
    Host = 254,
    Nowhere = 255,
}

public static class ScopeNames
{
    /// <summary>The name iproute2 prints (rtnl_rtscope_n2a): global, site, link, host, nowhere, or the number.</summary>
    public static string Name(this Scope s) => s switch
    {
        Scope.Global => "global",
        Scope.Site => "site",
        Scope.Link => "link",
        Scope.Host => "host",
        Scope.Nowhere => "nowhere",
        _ => ((byte)s).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>rtnl_rtscope_a2n: a name ("universe" is an alias of global) or a number 0-255.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out Scope scope)
    {
        scope = Scope.Global;
        switch (s)
        {
            case "global" or "universe": scope = Scope.Global; return true;
            case "site": scope = Scope.Site; return true;
            case "link": scope = Scope.Link; return true;
            case "host": scope = Scope.Host; return true;
            case "nowhere": scope = Scope.Nowhere; return true;
        }
        if (byte.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var b)) { scope = (Scope)b; return true; }
        return false;
    }
}
