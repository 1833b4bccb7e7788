using Nfwalk.Parsing.Iptables;
using Nfwalk.Printing;
using Nfwalk.Model;
var r = SaveParser.ParseFile(args[0]);
foreach (var d in r.Diagnostics) Console.Error.WriteLine(d);
foreach (var t in r.Ruleset.Tables) Console.Error.WriteLine($"table {t.Name.Name()} {t.Inference?.Certainty} {string.Join(" | ", t.Inference?.Reasons ?? [])} DOUBT {t.Inference?.Doubt}");
Console.Write(SavePrinter.Print(r.Ruleset));
return 0;
