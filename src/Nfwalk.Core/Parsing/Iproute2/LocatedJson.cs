using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Nfwalk.Parsing.Iproute2;

/// <summary>
/// A small JSON tree read with System.Text.Json's <see cref="Utf8JsonReader"/> that remembers where every value and
/// property name starts (line and column), so diagnostics about "ip -j" output point into the file.
/// Strings keep their text, numbers and literals their raw text; "key": null is kept (iproute2 prints flags that way).
/// </summary>
internal sealed class JNode
{
    public JsonValueKind Kind { get; }
    public int Line { get; }
    public int Column { get; }
    /// <summary>The string's value, or the raw text of a number/true/false/null.</summary>
    public string? Text { get; init; }
    public List<JProperty>? Properties { get; init; }
    public List<JNode>? Items { get; init; }

    public JNode(JsonValueKind kind, int line, int column) { Kind = kind; Line = line; Column = column; }

    public JProperty? Property(string name)
    {
        if (Properties is null) return null;
        foreach (var p in Properties) if (p.Name == name) return p;
        return null;
    }

    public JNode? this[string name] => Property(name)?.Value;
    public bool Has(string name) => Property(name) is not null;

    /// <summary>A string, or a number's text; null when absent or JSON null.</summary>
    public string? Str(string name) => this[name] is { Kind: JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } n ? n.Text : null;

    public long? Long(string name)
        => this[name] is { } n && (n.Kind == JsonValueKind.Number || n.Kind == JsonValueKind.String)
           && long.TryParse(n.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    public bool? Bool(string name) => this[name] switch { { Kind: JsonValueKind.True } => true, { Kind: JsonValueKind.False } => false, _ => null };

    public IEnumerable<string> Strings(string name)
    {
        if (this[name] is { Kind: JsonValueKind.Array, Items: { } items })
            foreach (var i in items) if (i.Text is { } t && i.Kind == JsonValueKind.String) yield return t;
    }
}

internal sealed record JProperty(string Name, int Line, int Column, JNode Value);

internal static class LocatedJson
{
    /// <summary>
    /// Parses <paramref name="text"/>. On malformed JSON an error is reported at the reader's position and what was
    /// complete before it is returned (a top-level array keeps its finished elements).
    /// </summary>
    public static List<JNode> Parse(string text, Reporter report)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        // byte offset of each line start, to turn token offsets into line:column
        var lineStarts = new List<int> { 0 };
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] == (byte)'\n') lineStarts.Add(i + 1);
        (int, int) Pos(long offset)
        {
            int idx = lineStarts.BinarySearch((int)offset);
            if (idx < 0) idx = ~idx - 1;
            int start = lineStarts[idx];
            // columns count characters, not bytes
            int col = Encoding.UTF8.GetCharCount(bytes, start, (int)offset - start) + 1;
            return (idx + 1, col);
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowMultipleValues = true });
        var stack = new Stack<(JNode Node, string? PendingName, int NameLine, int NameCol)>();
        var roots = new List<JNode>();
        string? pendingName = null; int nameLine = 0, nameCol = 0;

        void Attach(JNode n)
        {
            if (stack.Count == 0) { roots.Add(n); return; }
            var (parent, _, _, _) = stack.Peek();
            if (parent.Kind == JsonValueKind.Array) parent.Items!.Add(n);
            else parent.Properties!.Add(new JProperty(pendingName ?? "", nameLine, nameCol, n));
            pendingName = null;
        }

        try
        {
            while (reader.Read())
            {
                var (line, col) = Pos(reader.TokenStartIndex);
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                    {
                        var n = reader.TokenType == JsonTokenType.StartObject
                            ? new JNode(JsonValueKind.Object, line, col) { Properties = new List<JProperty>() }
                            : new JNode(JsonValueKind.Array, line, col) { Items = new List<JNode>() };
                        if (stack.Count == 0) roots.Add(n);
                        stack.Push((n, pendingName, nameLine, nameCol));
                        pendingName = null;
                        break;
                    }
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                    {
                        var (n, name, nl, nc) = stack.Pop();
                        if (stack.Count > 0) { pendingName = name; nameLine = nl; nameCol = nc; Attach(n); }
                        break;
                    }
                    case JsonTokenType.PropertyName:
                        pendingName = reader.GetString(); nameLine = line; nameCol = col;
                        break;
                    case JsonTokenType.String:
                        Attach(new JNode(JsonValueKind.String, line, col) { Text = reader.GetString() });
                        break;
                    case JsonTokenType.Number:
                        Attach(new JNode(JsonValueKind.Number, line, col) { Text = Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan) });
                        break;
                    case JsonTokenType.True: Attach(new JNode(JsonValueKind.True, line, col) { Text = "true" }); break;
                    case JsonTokenType.False: Attach(new JNode(JsonValueKind.False, line, col) { Text = "false" }); break;
                    case JsonTokenType.Null: Attach(new JNode(JsonValueKind.Null, line, col)); break;
                }
            }
        }
        catch (JsonException e)
        {
            report.Error((int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1, $"not valid JSON: {e.Message}");
        }
        return roots;
    }

    /// <summary>The elements of the top-level array(s) "ip -j" prints; an error for any other top-level value.</summary>
    public static List<JNode> TopArray(string text, Reporter report, string what)
    {
        var items = new List<JNode>();
        if (text.AsSpan().Trim().IsEmpty) return items;
        // several arrays one after the other (e.g. "ip -j rule; ip -6 -j rule" into one file) are read as one
        foreach (var root in Parse(text, report))
        {
            if (root.Kind != JsonValueKind.Array) { report.Error(root.Line, root.Column, $"expected the JSON array \"{what}\" prints"); continue; }
            items.AddRange(root.Items!);
        }
        return items;
    }
}
