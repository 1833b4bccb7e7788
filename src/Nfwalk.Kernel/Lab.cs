using System.Diagnostics;

namespace Nfwalk.Kernel;

/// <summary>
/// Throw-away network namespaces for kernel runs. Only namespaces this lab creates are touched (names start with the
/// lab's prefix); they are deleted on Dispose, on process exit and on Ctrl-C, and leftovers of earlier runs are removed.
/// </summary>
public sealed class Lab : IDisposable
{
    public const string Prefix = "nfwk";
    private readonly List<string> _namespaces = new();
    private bool _disposed;
    public string Id { get; } = Guid.NewGuid().ToString("N")[..6];

    public Lab()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
        Console.CancelKeyPress += (_, _) => Dispose();
    }

    private static readonly Lazy<string?> Availability = new(Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why kernel runs are impossible here (not root, no ip/iptables, namespaces refused), or null. Probed once per process.</summary>
    public static string? Unavailable() => Availability.Value;

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "kernel runs need Linux";
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root") return "kernel runs need root (network namespaces)";
        foreach (var tool in new[] { "ip", "iptables-restore", "iptables-save" })
            if (Which(tool) is null) return $"{tool} is not installed (apt-get install iproute2 iptables)";
        // a name of its own: parallel callers (test classes, two nfwalk processes) must not collide on the probe
        var name = $"{Prefix}probe{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        var (rc, _, err) = Run("ip", $"netns add {name}");
        if (rc != 0) return $"cannot create a network namespace: {err.Trim()}";
        Run("ip", $"netns del {name}");
        return null;
    }

    public static string? Which(string tool)
        => Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists)
           ?? new[] { "/usr/sbin", "/sbin", "/usr/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    /// <summary>Removes namespaces left by earlier runs that died before cleaning up.</summary>
    public static void RemoveLeftovers(TimeSpan olderThan)
    {
        var (_, list, _) = Run("ip", "netns list");
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var ns = line.Split(' ')[0];
            if (!ns.StartsWith(Prefix)) continue;
            var path = $"/run/netns/{ns}";
            if (File.Exists(path) && DateTime.UtcNow - File.GetCreationTimeUtc(path) > olderThan) Run("ip", $"netns del {ns}");
        }
    }

    public string Namespace(string role)
    {
        var ns = $"{Prefix}{Id}{role}";
        Must("ip", $"netns add {ns}");
        _namespaces.Add(ns);
        Exec(ns, "ip link set lo up");
        return ns;
    }

    /// <summary>A veth pair: <paramref name="aName"/> in namespace a, <paramref name="bName"/> in namespace b.</summary>
    public void Veth(string a, string aName, string b, string bName)
    {
        var tmpA = $"t{Id}{_namespaces.Count}a"; var tmpB = $"t{Id}{_namespaces.Count}b";
        Must("ip", $"link add {tmpA} type veth peer name {tmpB}");
        Must("ip", $"link set {tmpA} netns {a}");
        Must("ip", $"link set {tmpB} netns {b}");
        Exec(a, $"ip link set {tmpA} name {aName}"); Exec(a, $"ip link set {aName} up");
        Exec(b, $"ip link set {tmpB} name {bName}"); Exec(b, $"ip link set {bName} up");
    }

    public string Exec(string ns, string command, string? stdin = null)
    {
        var (rc, o, e) = Run("ip", $"netns exec {ns} {command}", stdin);
        if (rc != 0) throw new LabException($"in {ns}: {command}: exit {rc}: {e.Trim()}{(o.Length > 0 ? " " + o.Trim() : "")}");
        return o;
    }

    public (int Code, string Out, string Err) TryExec(string ns, string command, string? stdin = null) => Run("ip", $"netns exec {ns} {command}", stdin);

    private static void Must(string file, string args)
    {
        var (rc, _, e) = Run(file, args);
        if (rc != 0) throw new LabException($"{file} {args}: exit {rc}: {e.Trim()}");
    }

    public static (int Code, string Out, string Err) Run(string file, string args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Which(file) ?? file, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { try { p.Kill(true); } catch { } return (-1, "", "timed out"); }
        return (p.ExitCode, o.Result, e.Result);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var ns in _namespaces) Run("ip", $"netns del {ns}");
    }
}

public sealed class LabException(string message) : Exception(message);
