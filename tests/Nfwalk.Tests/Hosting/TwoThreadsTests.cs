using Nfwalk.Hosting;

namespace Nfwalk.Tests.Hosting;

public class TwoThreadsTests
{
    [Fact]
    public void Both_pieces_run_once()
    {
        for (int i = 0; i < 200; i++)
        {
            int a = 0, b = 0;
            TwoThreads.Run(() => Interlocked.Increment(ref a), () => Interlocked.Increment(ref b));
            Assert.Equal((1, 1), (a, b));
        }
    }

    [Fact]
    public void The_second_pieces_error_comes_out_as_thrown()
    {
        var e = Assert.Throws<IOException>(() => TwoThreads.Run(() => { }, () => throw new IOException("second")));
        Assert.Equal("second", e.Message);
    }

    [Fact]
    public void The_first_pieces_error_comes_out_and_the_second_is_not_left_running()
    {
        for (int i = 0; i < 50; i++)
        {
            int running = 0, finished = 0;
            var e = Assert.Throws<InvalidOperationException>(() => TwoThreads.Run(
                () => throw new InvalidOperationException("first"),
                () => { Interlocked.Increment(ref running); Thread.Sleep(1); Interlocked.Increment(ref finished); }));
            Assert.Equal("first", e.Message);
            Assert.Equal(Volatile.Read(ref running), Volatile.Read(ref finished)); // started means finished by now
        }
    }

    [Fact]
    public void A_busy_thread_pool_does_not_make_the_caller_wait()
    {
        // every pool thread blocked (and more work queued): the caller runs the second piece itself, at once
        using (BlockThreadPool())
        {
            int caller = Environment.CurrentManagedThreadId, ranOn = -1;
            TwoThreads.Run(() => { }, () => ranOn = Environment.CurrentManagedThreadId);
            Assert.Equal(caller, ranOn);
        }
    }

    [Fact]
    public void Every_part_runs_once_and_both_threads_take_parts()
    {
        int callerRan = 0;
        for (int i = 0; i < 100; i++)
        {
            var runs = new int[64];
            var on = new int[64];
            int caller = Environment.CurrentManagedThreadId;
            TwoThreads.ForEachPart(runs.Length, k => { Interlocked.Increment(ref runs[k]); on[k] = Environment.CurrentManagedThreadId; Thread.SpinWait(2000); });
            Assert.All(runs, r => Assert.Equal(1, r));
            if (on.Contains(caller)) callerRan++;
        }
        Assert.True(callerRan > 0); // the caller is one of the two threads, not only a waiter
    }

    [Fact]
    public void No_parts_and_one_part_run_on_the_caller()
    {
        TwoThreads.ForEachPart(0, _ => throw new InvalidOperationException("no part"));
        int caller = Environment.CurrentManagedThreadId, ranOn = -1;
        TwoThreads.ForEachPart(1, _ => ranOn = Environment.CurrentManagedThreadId);
        Assert.Equal(caller, ranOn);
    }

    [Fact]
    public void A_parts_error_stops_the_rest_and_nothing_is_left_running()
    {
        for (int i = 0; i < 50; i++)
        {
            int running = 0, finished = 0, ran = 0;
            var e = Assert.Throws<IOException>(() => TwoThreads.ForEachPart(1000, k =>
            {
                Interlocked.Increment(ref running);
                Interlocked.Increment(ref ran);
                try { if (k == 3) throw new IOException("part 3"); Thread.SpinWait(500); }
                finally { Interlocked.Increment(ref finished); }
            }));
            Assert.Equal("part 3", e.Message);
            Assert.Equal(Volatile.Read(ref running), Volatile.Read(ref finished)); // started means finished by now
            Assert.True(ran < 1000); // the parts after the error were not all taken
        }
    }

    [Fact]
    public void A_busy_thread_pool_leaves_every_part_to_the_caller()
    {
        using (BlockThreadPool())
        {
            int caller = Environment.CurrentManagedThreadId;
            var on = new int[16];
            TwoThreads.ForEachPart(on.Length, k => on[k] = Environment.CurrentManagedThreadId);
            Assert.All(on, t => Assert.Equal(caller, t));
        }
    }

    /// <summary>Every pool thread blocked, and more work queued behind them, until the result is disposed.</summary>
    private static IDisposable BlockThreadPool() => new PoolBlock();

    private sealed class PoolBlock : IDisposable
    {
        private readonly ManualResetEventSlim _gate = new(false);
        private readonly Task[] _blocked;

        public PoolBlock()
        {
            ThreadPool.GetMinThreads(out int minWorkers, out _);
            _blocked = Enumerable.Range(0, Math.Max(minWorkers, Environment.ProcessorCount) * 2)
                .Select(_ => Task.Run(() => _gate.Wait(TimeSpan.FromSeconds(20)))).ToArray();
        }

        public void Dispose() { _gate.Set(); Task.WaitAll(_blocked); _gate.Dispose(); }
    }

    [Theory]
    [InlineData(0, 10_000, 2048)]
    [InlineData(9_999, 10_000, 2048)]
    [InlineData(10_000, 10_000, 2048)]
    [InlineData(40_016, 10_000, 2048)]
    [InlineData(5, 1, 2)]
    public void Ranges_cover_every_item_once_in_part_order(int count, int minCount, int perPart)
    {
        int parts = TwoThreads.PartsOf(count, minCount, perPart);
        Assert.Equal(count < minCount ? 1 : Math.Max(1, count / perPart), parts);
        var seen = new int[count];
        var bounds = new (int From, int To)[parts];
        TwoThreads.ForEachRange(count, parts, (k, from, to) =>
        {
            bounds[k] = (from, to);
            for (int i = from; i < to; i++) Interlocked.Increment(ref seen[i]);
        });
        Assert.All(seen, n => Assert.Equal(1, n));
        for (int k = 1; k < parts; k++) Assert.Equal(bounds[k - 1].To, bounds[k].From);
        if (parts > 0) Assert.Equal((0, count), (bounds[0].From, bounds[^1].To));
    }
}
