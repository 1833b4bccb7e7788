namespace Nfwalk.Hosting;

/// <summary>
/// Two independent pieces of one job run side by side on a machine with two cores or more: the second on the thread pool,
/// the first on the calling thread. If the pool has not started the second by the time the first is done (a busy pool),
/// the caller runs it itself, so it never waits for a thread; with one core, both run in order. What either throws comes
/// out of <see cref="Run"/> as thrown, the first's before the second's, and the second is never left running.
/// </summary>
/// <remarks>
/// A job whose pieces are many like ones (rules, chains, a file's megabytes) is better cut into parts that the two
/// threads take in turn (<see cref="ForEachPart"/>) than into two halves: this VM's two vCPUs differ by up to 2.5x on
/// memory-bound code, and with halves the fast one waited for the slow one (the jump resolution of a 10,000-service
/// kube-proxy nat table: 3.3-3.6 ms for one half, 5.9-8.7 ms for the other).
/// </remarks>
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

    /// <summary>
    /// Runs <paramref name="part"/>(0) .. <paramref name="part"/>(<paramref name="parts"/> - 1), each once, the calling
    /// thread and one pool thread each taking the next part not yet taken, so that a faster thread does more of them.
    /// Which thread runs a part is not known: a part writes only what is its own (its slice of an array, a list of its
    /// own), and the caller joins the parts' results in part order. The pool thread that has not started by the time the
    /// caller has taken every part does nothing. The first error stops both threads from taking more parts and comes
    /// out as thrown (the caller's first, when both fail); nothing is left running.
    /// </summary>
    public static void ForEachPart(int parts, Action<int> part)
    {
        if (parts <= 0) return;
        if (parts == 1 || Environment.ProcessorCount < 2)
        {
            for (int i = 0; i < parts; i++) part(i);
            return;
        }
        int next = -1, stop = 0, claimed = 0;
        void Take()
        {
            try
            {
                for (int i; Volatile.Read(ref stop) == 0 && (i = Interlocked.Increment(ref next)) < parts;) part(i);
            }
            catch { Volatile.Write(ref stop, 1); throw; }
        }
        var task = Task.Run(() => { if (Interlocked.Exchange(ref claimed, 1) == 0) Take(); });
        try { Take(); }
        catch
        {
            if (Interlocked.Exchange(ref claimed, 1) != 0) try { task.Wait(); } catch (AggregateException) { }
            throw;
        }
        if (Interlocked.Exchange(ref claimed, 1) != 0) task.GetAwaiter().GetResult();
    }

    /// <summary>How many parts <see cref="ForEachRange"/> cuts <paramref name="count"/> items into: about <paramref name="perPart"/> each, one part below <paramref name="minCount"/> items.</summary>
    public static int PartsOf(int count, int minCount, int perPart) => count < minCount ? 1 : Math.Max(1, count / perPart);

    /// <summary>
    /// <see cref="ForEachPart"/> over <paramref name="count"/> items cut into <paramref name="parts"/> ranges of near-equal
    /// size: <paramref name="range"/>(k, from, to) for the items [from, to) of part k.
    /// </summary>
    public static void ForEachRange(int count, int parts, Action<int, int, int> range)
        => ForEachPart(parts, k => range(k, (int)((long)count * k / parts), (int)((long)count * (k + 1) / parts)));
}
