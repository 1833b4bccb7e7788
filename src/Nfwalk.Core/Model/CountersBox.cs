using System.Runtime.CompilerServices;

namespace Nfwalk.Model;

/// <summary>
/// Counters kept by reference: a Counters? field is 24 bytes, a reference 8, and most elements have none or [0:0] (what a
/// restore file carries for every rule and user chain), which is one shared box, never written to.
/// </summary>
internal static class CountersBox
{
    private static readonly StrongBox<Counters> Zero = new(default);

    public static StrongBox<Counters>? Of(Counters? counters) => counters is not { } c ? null : c == default ? Zero : new StrongBox<Counters>(c);
}
