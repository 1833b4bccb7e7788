using System.Collections;
using System.Globalization;
using Nfwalk.Model;

namespace Nfwalk.Semantics.Walk;

/// <summary>
/// What one walk assumed, in the order it assumed it, and — once the walk is over — the list its trace shows: each text
/// once, in first-seen order. The texts of the random draws an outcome-only walk takes from rule heads
/// (<see cref="RuleHead.TakeDraw"/>) are written only when the list is first read, from the draw, hook and table and the
/// culture the walk ran in: a classification that only asks where packets go reads no draw's text, and so touches no
/// memory of the draw's (with 10,000 kube-proxy services, each draw is a cache miss of its own).
/// </summary>
internal sealed class AssumptionLog : IReadOnlyList<string>
{
    private readonly record struct Entry(string? Text, RandomDraw? Draw, Hook Hook, TableName Table);

    // the first entry, and the others (a walk makes one or two assumptions, if any)
    private Entry _first;
    private Entry[]? _more;
    private int _count;
    // the culture of the walk, for the texts still to write (taken at the first draw)
    private CultureInfo? _culture;
    // the list as the trace shows it, written at the first read after the walk
    private List<string>? _texts;

    public void Add(string text) => Append(new Entry(text, null, default, default));

    /// <summary>The assumption of a random draw at this hook and table, its text to be written when read.</summary>
    public void AddDeferred(RandomDraw draw, Hook hook, TableName table)
    {
        _culture ??= CultureInfo.CurrentCulture;
        Append(new Entry(null, draw, hook, table));
    }

    private void Append(in Entry e)
    {
        if (_count == 0) { _first = e; _count = 1; return; }
        var more = _more ??= new Entry[2];
        if (_count - 1 == more.Length) Array.Resize(ref _more, more.Length * 2);
        _more![_count++ - 1] = e;
    }

    private Entry At(int i) => i == 0 ? _first : _more![i - 1];

    /// <summary>The walk is over: the assumptions as its trace holds them (this log, read-only from now on).</summary>
    public IReadOnlyList<string> Seal() => _count == 0 ? [] : this;

    private List<string> Texts => Volatile.Read(ref _texts) ?? Write();

    private List<string> Write()
    {
        // Enumerable.Distinct: each text once, in first-seen order (a walk has a handful); a benign race writes it twice
        var result = new List<string>(_count);
        for (int i = 0; i < _count; i++)
        {
            var e = At(i);
            var text = e.Text ?? e.Draw!.TextFor(e.Hook, e.Table, _culture!);
            bool seen = false;
            foreach (var b in result) if (b == text) { seen = true; break; }
            if (!seen) result.Add(text);
        }
        Volatile.Write(ref _texts, result);
        return result;
    }

    public int Count => Texts.Count;
    public string this[int index] => Texts[index];
    public IEnumerator<string> GetEnumerator() => Texts.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
