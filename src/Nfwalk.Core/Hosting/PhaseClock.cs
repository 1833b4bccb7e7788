using System.Diagnostics;

namespace Nfwalk.Hosting;

/// <summary>
/// Where the time of one command goes, phase by phase, for NFWALK_TIMING=1 on "nfwalk check": reading the file, parsing
/// its lines, assembling the tables, each table's chain graph and its load-time checks. Off unless <see cref="Start"/> was
/// called: a mark is then one test of a flag. Marks are made by the thread that runs the command, at the end of each phase.
/// </summary>
public static class PhaseClock
{
    private static readonly Stopwatch Clock = new();
    private static readonly List<(string Phase, TimeSpan Took)> Marks = new();
    private static TimeSpan _last;
    private static volatile bool _on;

    /// <summary>Starts timing (again): phases are measured from here.</summary>
    public static void Start()
    {
        lock (Marks) { Marks.Clear(); _last = TimeSpan.Zero; Clock.Restart(); _on = true; }
    }

    /// <summary>Whether marks are recorded: a caller that would make a phase's name first (with its table's) tests this.</summary>
    public static bool On => _on;

    /// <summary>Stops timing: marks are not recorded any more (those made are kept until the next <see cref="Start"/>).</summary>
    public static void Stop() => _on = false;

    /// <summary>Ends the phase <paramref name="phase"/>: the time since the previous mark (or <see cref="Start"/>).</summary>
    public static void Mark(string phase)
    {
        if (!_on) return;
        lock (Marks)
        {
            var now = Clock.Elapsed;
            Marks.Add((phase, now - _last));
            _last = now;
        }
    }

    /// <summary>The phases marked since <see cref="Start"/>, in order.</summary>
    public static IReadOnlyList<(string Phase, TimeSpan Took)> Phases { get { lock (Marks) return Marks.ToArray(); } }
}
