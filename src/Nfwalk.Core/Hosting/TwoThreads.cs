namespace Nfwalk.Hosting;

/// <summary>
/// Two independent pieces of one job run side by side on a machine with two cores or more: the second on the thread pool,
/// the first on the calling thread. If the pool has not started the second by the time the first is done (a busy pool),
/// the caller runs it itself, so it never waits for a thread; with one core, both run in order. What either throws comes
/// out of <see cref="Run"/> as thrown, the first's before the second's, and the second is never left running.
/// </summary>
public static class TwoThreads
{
    public static void Run(Action first, Action second)
    {
        if (Environment.ProcessorCount < 2) { first(); second(); return; }
        int claimed = 0;
        var task = Task.Run(() => { if (Interlocked.Exchange(ref claimed, 1) == 0) second(); });
        try { first(); }
        catch
        {
            // stop the second from starting; if it has, let it finish before the first's error goes up
            if (Interlocked.Exchange(ref claimed, 1) != 0) try { task.Wait(); } catch (AggregateException) { }
            throw;
        }
        if (Interlocked.Exchange(ref claimed, 1) == 0) second();
        else task.GetAwaiter().GetResult();
    }
}
