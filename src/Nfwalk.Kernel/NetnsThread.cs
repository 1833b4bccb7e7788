using System.Runtime.InteropServices;

namespace Nfwalk.Kernel;

/// <summary>Runs code on a thread that has entered a network namespace (setns only affects the calling thread).</summary>
public static partial class NetnsThread
{
    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    public static void Run(string ns, Action action)
    {
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                using var f = File.OpenHandle($"/run/netns/{ns}");
                if (setns((int)f.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new LabException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}");
                action();
            }
            catch (Exception e) { error = e; }
        });
        t.Start();
        t.Join();
        if (error is not null) throw new LabException($"in {ns}: {error.Message}");
    }
}
