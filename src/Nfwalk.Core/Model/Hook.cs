namespace Nfwalk.Model;

/// <summary>The five netfilter hooks, named as their builtin chains.</summary>
public enum Hook : byte { Prerouting, Input, Forward, Output, Postrouting }

[Flags]
public enum HookSet : byte
{
    None = 0, Prerouting = 1, Input = 2, Forward = 4, Output = 8, Postrouting = 16, All = 31,
}

public static class Hooks
{
    public static readonly Hook[] All = [Hook.Prerouting, Hook.Input, Hook.Forward, Hook.Output, Hook.Postrouting];

    public static string ChainName(this Hook h) => h switch
    {
        Hook.Prerouting => "PREROUTING", Hook.Input => "INPUT", Hook.Forward => "FORWARD",
        Hook.Output => "OUTPUT", _ => "POSTROUTING",
    };

    public static HookSet AsSet(this Hook h) => (HookSet)(1 << (int)h);

    public static bool TryParseChain(ReadOnlySpan<char> name, out Hook hook)
    {
        switch (name)
        {
            case "PREROUTING": hook = Hook.Prerouting; return true;
            case "INPUT": hook = Hook.Input; return true;
            case "FORWARD": hook = Hook.Forward; return true;
            case "OUTPUT": hook = Hook.Output; return true;
            case "POSTROUTING": hook = Hook.Postrouting; return true;
        }
        hook = default; return false;
    }

    public static IEnumerable<Hook> Members(this HookSet s)
    {
        foreach (var h in All) if ((s & h.AsSet()) != 0) yield return h;
    }

    public static string Describe(this HookSet s) => s == HookSet.None ? "no hook" : string.Join("/", s.Members().Select(h => h.ChainName()));
}
