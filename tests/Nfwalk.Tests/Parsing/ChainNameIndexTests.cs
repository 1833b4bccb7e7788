using Nfwalk.Semantics.Analysis;

namespace Nfwalk.Tests.Parsing;

/// <summary>The chain graph's name index: every name found exactly, whether it is kept packed or as a string.</summary>
public class ChainNameIndexTests
{
    private static ChainNameIndex Index(params string[] names)
    {
        var index = new ChainNameIndex(names.Length);
        for (int i = 0; i < names.Length; i++) index.SetName(i, names[i]);
        index.Build();
        return index;
    }

    [Fact]
    public void Names_that_fit_and_names_that_do_not_are_found_and_told_apart()
    {
        string[] names =
        [
            "INPUT", "KUBE-SEP-DM4FLDZ4HUGNXWWE", "", "a", "A",
            new string('x', 31),            // the longest name that is packed
            new string('x', 32),            // one longer: kept as a string
            new string('x', 30) + "y",
            "caf\u00e9",                    // not ASCII: kept as a string
            "cafe",
            "ab\0",                          // a NUL is a character like another: not the name "ab"
            "ab",
        ];
        var index = Index(names);
        Assert.Equal(names.Length, index.Count);
        for (int i = 0; i < names.Length; i++)
        {
            Assert.Equal(i, index.NodeAt(i));
            Assert.Equal(i, index.Find(new string(names[i].AsSpan()))); // an equal string, not the same object
        }
        foreach (var absent in new[] { "OUTPUT", "KUBE-SEP-DM4FLDZ4HUGNXWWF", new string('x', 33), new string('x', 29), "caf\u00e8", "ab\0\0", "b" })
            Assert.Equal(-1, index.Find(absent));
    }

    [Fact]
    public void Every_length_and_every_place_of_a_non_ascii_character()
    {
        // names of 1 to 40 characters (read in blocks of 8 or 16 from both ends when packed), each also with a character
        // that is not ASCII at its start, middle or end, and with the last character changed: all distinct, all found
        var names = new List<string>();
        for (int length = 1; length <= 40; length++)
        {
            var name = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + i % 26)));
            names.Add(name);
            names.Add(name[..^1] + "Z");
            foreach (int at in new[] { 0, length / 2, length - 1 })
                if (names.Count == 0 || !names.Contains(name[..at] + "\u00e9" + name[(at + 1)..])) names.Add(name[..at] + "\u00e9" + name[(at + 1)..]);
        }
        var index = Index([.. names]);
        Assert.Equal(names.Count, index.Count);
        for (int i = 0; i < names.Count; i++) Assert.Equal(i, index.Find(new string(names[i].AsSpan())));
        Assert.Equal(-1, index.Find(string.Concat(Enumerable.Range(0, 20).Select(i => (char)('a' + i))) + "Y"));
    }

    [Fact]
    public void A_name_given_twice_is_one_node()
    {
        var index = Index("A", "B", "A", new string('z', 40), "C", new string('z', 40));
        Assert.Equal(4, index.Count);
        Assert.Equal([0, 1, 0, 2, 3, 2], Enumerable.Range(0, 6).Select(index.NodeAt));
        Assert.Equal(2, index.Find(new string('z', 40)));
    }

    [Fact]
    public void Many_names_are_all_found()
    {
        // enough names for long probe runs in the open-addressed slots, and names alike but for one character
        var names = Enumerable.Range(0, 50_000).Select(i => $"KUBE-SVC-{i:D6}").ToArray();
        var index = Index(names);
        Assert.Equal(names.Length, index.Count);
        for (int i = 0; i < names.Length; i += 7) Assert.Equal(i, index.Find($"KUBE-SVC-{i:D6}"));
        Assert.Equal(-1, index.Find("KUBE-SVC-050000"));
    }
}
