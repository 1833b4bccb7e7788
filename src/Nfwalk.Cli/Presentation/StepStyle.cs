using Nfwalk.Semantics.Walk;

namespace Nfwalk.Cli.Presentation;

/// <summary>How a trace step is tagged and coloured in terminal output (trace and walk alike).</summary>
public static class StepStyle
{
    public static (string Tag, string Color) Of(TraceStep s) => s.Kind switch
    {
        StepKind.Hook => ("hook", "blue"),
        StepKind.Rule => ("rule", s.Matched == true ? "green" : "grey"),
        StepKind.Policy => ("policy", s.Verdict == "DROP" ? "red" : "green"),
        StepKind.Conntrack => ("conntrack", "magenta"),
        StepKind.Nat => ("nat", "yellow"),
        StepKind.Routing => ("route", "cyan"),
        StepKind.Assumption => ("ASSUMED", "yellow bold"),
        StepKind.Outcome => ("outcome", "bold"),
        _ => ("note", "grey"),
    };
}
