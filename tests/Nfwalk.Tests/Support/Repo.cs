namespace Nfwalk.Tests.Support;

/// <summary>Paths in the repository and the shared reference folder, found from the test binary's location.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "nfwalk.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (nfwalk.slnx) not found");
    }

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The shared/ folder beside the repository (CI clones the repo with shared/ next to it).</summary>
    public static string? Shared
    {
        get
        {
            foreach (var c in new[] { Path.Combine(Root, "..", "shared"), "/work/shared" })
                if (Directory.Exists(c)) return Path.GetFullPath(c);
            return null;
        }
    }

    /// <summary>The seed fragment: a copy is kept in the repo so tests never depend on shared/.</summary>
    public static string SeedRules => Path.Combine(Root, "examples", "seed", "seed-rules.txt");
}
