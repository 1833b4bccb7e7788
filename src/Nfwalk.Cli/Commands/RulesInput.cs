using Nfwalk.Diagnostics;
using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Net;
using Nfwalk.Parsing.Ipset;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Cli.Commands;

/// <summary>Loads a rules file (or "-" for standard input) with every diagnostic kept.</summary>
public static class RulesInput
{
    public static ParseResult Load(string path, string? family)
    {
        IpFamily? fam = family switch { "4" or "ipv4" => IpFamily.V4, "6" or "ipv6" => IpFamily.V6, _ => null };
        if (path == "-") return SaveParser.Parse(Console.In.ReadToEnd(), "<stdin>", fam);
        if (Directory.Exists(path))
        {
            var inDir = Path.Combine(path, fam == IpFamily.V6 ? "ip6tables-save.txt" : "iptables-save.txt");
            if (File.Exists(inDir)) path = inDir;
        }
        return SaveParser.ParseFile(path, fam);
    }

    /// <summary>The ipsets for a rules input: an explicit file, or ipset-save.txt in a snapshot directory.</summary>
    public static (IpSetCollection? Sets, IReadOnlyList<Diagnostic> Diagnostics) LoadSets(string rulesPath, string? ipsetPath)
    {
        var diags = new DiagnosticBag();
        ipsetPath ??= Directory.Exists(rulesPath) && File.Exists(Path.Combine(rulesPath, "ipset-save.txt")) ? Path.Combine(rulesPath, "ipset-save.txt") : null;
        if (ipsetPath is null) return (null, diags.Items);
        if (!File.Exists(ipsetPath)) { diags.Error(new SourceLocation(ipsetPath, 0, 0), "cannot read the ipset file"); return (null, diags.Items); }
        return (IpsetSaveParser.Parse(File.ReadAllText(ipsetPath), ipsetPath, diags), diags.Items);
    }

    public static void WriteDiagnostics(IEnumerable<Diagnostic> diags, TextWriter w, bool includeInfo = false)
    {
        foreach (var d in diags)
            if (includeInfo || d.Severity != Severity.Info) w.WriteLine(d.ToString());
    }
}
