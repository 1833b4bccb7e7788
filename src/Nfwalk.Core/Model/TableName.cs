namespace Nfwalk.Model;

/// <summary>The five iptables tables. Order is irrelevant; hook priorities live in <see cref="HookTables"/>.</summary>
public enum TableName : byte { Raw, Mangle, Nat, Filter, Security }

public static class TableNames
{
    public static readonly TableName[] All = [TableName.Raw, TableName.Mangle, TableName.Nat, TableName.Filter, TableName.Security];

    public static string Name(this TableName t) => t switch
    {
        TableName.Raw => "raw", TableName.Mangle => "mangle", TableName.Nat => "nat",
        TableName.Filter => "filter", _ => "security",
    };

    public static bool TryParse(ReadOnlySpan<char> s, out TableName t)
    {
        switch (s)
        {
            case "raw": t = TableName.Raw; return true;
            case "mangle": t = TableName.Mangle; return true;
            case "nat": t = TableName.Nat; return true;
            case "filter": t = TableName.Filter; return true;
            case "security": t = TableName.Security; return true;
        }
        t = default; return false;
    }

    /// <summary>The builtin chains (hooks) each table registers, as in the kernel's iptable_*.c valid_hooks.</summary>
    public static HookSet Hooks(this TableName t) => t switch
    {
        TableName.Raw => HookSet.Prerouting | HookSet.Output,
        TableName.Mangle => HookSet.All,
        TableName.Nat => HookSet.Prerouting | HookSet.Input | HookSet.Output | HookSet.Postrouting,
        _ => HookSet.Input | HookSet.Forward | HookSet.Output,
    };

    public static TableSet AsSet(this TableName t) => (TableSet)(1 << (int)t);
}

[Flags]
public enum TableSet : byte
{
    None = 0, Raw = 1, Mangle = 2, Nat = 4, Filter = 8, Security = 16, All = 31,
}

public static class TableSetExtensions
{
    public static IEnumerable<TableName> Members(this TableSet s)
    {
        foreach (var t in TableNames.All) if ((s & t.AsSet()) != 0) yield return t;
    }
    public static int Count(this TableSet s) => System.Numerics.BitOperations.PopCount((uint)s);
    public static string Describe(this TableSet s) => s == TableSet.None ? "none" : string.Join(", ", s.Members().Select(m => m.Name()));
}
