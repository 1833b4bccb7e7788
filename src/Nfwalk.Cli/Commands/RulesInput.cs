using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;
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

    public static void WriteDiagnostics(IEnumerable<Diagnostic> diags, TextWriter w, bool includeInfo = false)
    {
        foreach (var d in diags)
            if (includeInfo || d.Severity != Severity.Info) w.WriteLine(d.ToString());
    }
}
