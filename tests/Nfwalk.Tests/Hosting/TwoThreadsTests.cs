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
        using var gate = new ManualResetEventSlim(false);
        ThreadPool.GetMinThreads(out int minWorkers, out _);
        var blocked = Enumerable.Range(0, Math.Max(minWorkers, Environment.ProcessorCount) * 2).Select(_ => Task.Run(() => gate.Wait(TimeSpan.FromSeconds(20)))).ToArray();
        try
        {
            int caller = Environment.CurrentManagedThreadId, ranOn = -1;
            TwoThreads.Run(() => { }, () => ranOn = Environment.CurrentManagedThreadId);
            Assert.Equal(caller, ranOn);
        }
        finally { gate.Set(); Task.WaitAll(blocked); }
    }
}
