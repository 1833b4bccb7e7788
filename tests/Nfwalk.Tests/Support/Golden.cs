namespace Nfwalk.Tests.Support;

/// <summary>
/// Golden-file comparison. Set NFWALK_UPDATE_GOLDEN=1 to rewrite the files after a reviewed change.
/// </summary>
public static class Golden
{
    public static void Assert(string name, string actual)
    {
        var path = Path.Combine(Repo.Root, "tests", "Nfwalk.Tests", "Golden", name);
        actual = actual.Replace("\r\n", "\n");
        if (Environment.GetEnvironmentVariable("NFWALK_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        Xunit.Assert.True(File.Exists(path), $"golden file {path} is missing; run the tests with NFWALK_UPDATE_GOLDEN=1 to create it");
        var expected = File.ReadAllText(path).Replace("\r\n", "\n");
        if (expected == actual) return;
        var e = expected.Split('\n'); var a = actual.Split('\n');
        int i = 0;
        while (i < e.Length && i < a.Length && e[i] == a[i]) i++;
        Xunit.Assert.Fail($"{name} differs from the golden file at line {i + 1}:\n expected: {(i < e.Length ? e[i] : "<end>")}\n actual:   {(i < a.Length ? a[i] : "<end>")}\n(NFWALK_UPDATE_GOLDEN=1 rewrites it after review)");
    }
}
