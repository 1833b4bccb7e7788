using System.Text.RegularExpressions;
using Nfwalk.Cli.Presentation;
using Nfwalk.Diagnostics;
using Nfwalk.Parsing.Iptables;
using Nfwalk.Semantics.Analysis;
using Nfwalk.Semantics.Explain;
using Nfwalk.Tests.Support;

namespace Nfwalk.Tests.Scenario;

/// <summary>
/// docs/ambient-walkthrough.md — the seed's question answered — is docs/templates/ambient-walkthrough.md with every
/// {{…}} block replaced by nfwalk's own output on the bundled example; this test regenerates it and compares
/// (NFWALK_UPDATE_GOLDEN=1 rewrites the document).
/// </summary>
public class WalkthroughTests
{
    [Fact]
    public void The_walkthrough_document_is_nfwalks_current_output()
    {
        var template = File.ReadAllText(Path.Combine(Repo.Root, "docs", "templates", "ambient-walkthrough.md"));
        var doc = Regex.Replace(template, @"\{\{(\w+) ([^}]*)\}\}", m => Render(m.Groups[1].Value, m.Groups[2].Value.Split(' ')).TrimEnd('\n'));
        var path = Path.Combine(Repo.Root, "docs", "ambient-walkthrough.md");
        if (Environment.GetEnvironmentVariable("NFWALK_UPDATE_GOLDEN") == "1") File.WriteAllText(path, doc);
        Assert.True(File.Exists(path), "docs/ambient-walkthrough.md is missing; NFWALK_UPDATE_GOLDEN=1 creates it");
        Assert.True(File.ReadAllText(path) == doc, "docs/ambient-walkthrough.md is not nfwalk's current output; NFWALK_UPDATE_GOLDEN=1 regenerates it");
    }

    private static string Render(string what, string[] a)
    {
        switch (what)
        {
            case "explain":
            {
                var path = Path.Combine(Repo.Root, a[0]);
                var r = SaveParser.Parse(File.ReadAllText(path), a[0]);
                return ExplainMarkdown.Render(Explainer.Explain(r.Ruleset, r.Diagnostics.Concat(RulesetValidator.Validate(r.Ruleset, null)).ToList(), null));
            }
            case "mermaid": return WalkDiagram.Mermaid(AmbientScenarioWalkTests.Walk(a[1], a[2], a[0]));
            case "walk": return WalkText.ToPlainText(AmbientScenarioWalkTests.Walk(a[1], a[2], a[0]), WalkDetail.Brief, 120);
            case "summary":
            {
                var text = WalkText.ToPlainText(AmbientScenarioWalkTests.Walk(a[1], a[2], a[0]), WalkDetail.Brief, 120);
                return string.Join('\n', text.Split('\n').Skip(1).TakeWhile(l => l.Length > 0));
            }
            default: throw new InvalidOperationException($"unknown block {what}");
        }
    }
}
