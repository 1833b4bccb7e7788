using Nfwalk.Kernel;

namespace Nfwalk.Tests.Support;

/// <summary>
/// Whether the kernel-differential tests can run here. Elsewhere they are skipped with the reason; where the run says
/// they must run (NFWALK_REQUIRE_KERNEL=1, as .ci/run does), a machine that cannot run them fails the test instead of
/// letting a green suite hide that the kernel was never asked.
/// </summary>
public static class KernelGate
{
    public static string? Why(params string[] tools)
    {
        var why = Lab.Unavailable();
        if (why is null)
            foreach (var tool in tools)
                if (Lab.Which(tool) is null) { why = $"{tool} is not installed"; break; }
        if (why is not null && Environment.GetEnvironmentVariable("NFWALK_REQUIRE_KERNEL") == "1")
            throw new InvalidOperationException($"kernel-differential tests are required here (NFWALK_REQUIRE_KERNEL=1) but cannot run: {why}");
        return why;
    }
}
