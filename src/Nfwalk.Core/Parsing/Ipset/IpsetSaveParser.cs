using System.Globalization;
using Nfwalk.Diagnostics;
using Nfwalk.Model.Ipsets;
using Nfwalk.Model.Net;

namespace Nfwalk.Parsing.Ipset;

/// <summary>
/// Reads "ipset save" output ("create NAME TYPE opts…" and "add NAME ELEMENT opts…" lines, as ipset restore takes
/// them) and "ipset list" output ("Name:", "Type:", "Header:", "Members:" blocks). Every problem becomes a
/// diagnostic at file:line:column and the line (or option) is skipped; the parser never throws on bad input.
/// Elements the kernel would refuse (wrong family, out of a bitmap's range, an extension the set was not created
/// with, …) are reported as errors and left out, so the result holds what the kernel would hold.
/// </summary>
public static class IpsetSaveParser
{
    public static IpSetCollection Parse(string text, string file, DiagnosticBag diagnostics)
        => new Reader(file, diagnostics).Read(text);

    private sealed class SetBuilder
    {
        public required string Name;
        public required IpSetType Type;
        public IpFamily? Family;
        public IpSetCreateOptions Options = new();
        public SourceLocation Location;
        public readonly List<IpSetEntry> Entries = new();
        public readonly HashSet<string> Seen = new(StringComparer.Ordinal);
        public IpSet Build() => new() { Name = Name, Type = Type, Family = Family, Options = Options, Entries = Entries.ToList(), Location = Location };
    }

    private sealed class Reader(string file, DiagnosticBag diags)
    {
        private readonly List<SetBuilder> _sets = new();
        private readonly Dictionary<string, SetBuilder> _byName = new(StringComparer.Ordinal);
        /// <summary>Sets whose create line failed: their add lines are skipped without a second message.</summary>
        private readonly HashSet<string> _failed = new(StringComparer.Ordinal);
        private int _line;

        // "ipset list" state
        private string? _listName; private SourceLocation _listNameAt; private string? _listType; private SourceLocation _listTypeAt;
        private SetBuilder? _listSet; private bool _inMembers;

        private SourceLocation At(int column) => new(file, _line, column);

        public IpSetCollection Read(string text)
        {
            foreach (var raw in text.Split('\n'))
            {
                _line++;
                var line = raw.TrimEnd('\r');
                try { ReadLine(line); }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    diags.Error(At(1), $"internal error while reading this line: {e.Message}");
                }
            }
            ValidateLists();
            return new IpSetCollection(_sets.Select(s => s.Build()));
        }

        private void ReadLine(string line)
        {
            var trimmed = line.TrimStart();
            if (_inMembers)
            {
                if (trimmed.Length == 0) { EndListBlock(); return; }
                if (!trimmed.StartsWith("Name:", StringComparison.Ordinal))
                {
                    var tokens = IpsetToken.Split(line, file, _line, diags);
                    if (_listSet is not null) AddElement(_listSet, tokens, 0);
                    return;
                }
                EndListBlock();
            }
            if (trimmed.Length == 0 || trimmed[0] == '#') return;
            if (TryListHeader(line, trimmed)) return;

            var t = IpsetToken.Split(line, file, _line, diags);
            if (t.Count == 0) return;
            int i = 1;
            while (i < t.Count && t[i].Text is "-exist" or "-!" or "-q" or "-quiet") i++;
            switch (t[0].Text)
            {
                case "create" or "n" or "-N" or "-C":
                    Create(t, i);
                    return;
                case "add" or "a" or "-A":
                    Add(t, i);
                    return;
                case "del" or "destroy" or "flush" or "rename" or "swap" or "test" or "list" or "save" or "restore"
                    or "version" or "help" or "x" or "-X" or "-F" or "-D" or "-E" or "-W" or "-T" or "-L" or "-S" or "-R":
                    diags.Warning(At(t[0].Column), $"ipset command \"{t[0].Text}\" ignored: only create and add lines (ipset save output) are read");
                    return;
                default:
                    diags.Error(At(t[0].Column), $"\"{Trunc(t[0].Text)}\" is not an ipset command (expected create or add)");
                    return;
            }
        }

        // ---------------------------------------------------------------- ipset list

        private bool TryListHeader(string line, string trimmed)
        {
            int indent = line.Length - trimmed.Length;
            string Value(string key) => trimmed[key.Length..].Trim();
            int ValueColumn(string key)
            {
                int k = indent + key.Length;
                while (k < line.Length && char.IsWhiteSpace(line[k])) k++;
                return k + 1;
            }
            if (trimmed.StartsWith("Name:", StringComparison.Ordinal))
            {
                _listName = Value("Name:"); _listNameAt = At(ValueColumn("Name:")); _listType = null; _listSet = null;
                if (_listName.Length == 0) diags.Error(At(indent + 1), "\"Name:\" without a set name");
                return true;
            }
            if (_listName is null) return false;
            if (trimmed.StartsWith("Type:", StringComparison.Ordinal)) { _listType = Value("Type:"); _listTypeAt = At(ValueColumn("Type:")); return true; }
            if (trimmed.StartsWith("Header:", StringComparison.Ordinal))
            {
                var tokens = IpsetToken.Split(line, file, _line, diags);
                StartListSet(tokens, 1);
                return true;
            }
            if (trimmed.StartsWith("Members:", StringComparison.Ordinal))
            {
                if (_listSet is null) StartListSet([], 0);
                _inMembers = true;
                return true;
            }
            if (trimmed.StartsWith("Revision:", StringComparison.Ordinal) || trimmed.StartsWith("Size in memory:", StringComparison.Ordinal)
                || trimmed.StartsWith("References:", StringComparison.Ordinal) || trimmed.StartsWith("Number of entries:", StringComparison.Ordinal))
                return true;
            return false;
        }

        private void StartListSet(List<IpsetToken> optionTokens, int from)
        {
            if (_listName is not { Length: > 0 } name) return;
            if (_listType is null) { diags.Error(_listNameAt, $"set {name}: \"Type:\" line missing before its header"); _failed.Add(name); return; }
            _listSet = CreateSet(name, _listNameAt, _listType, _listTypeAt, optionTokens, from);
        }

        private void EndListBlock() { _inMembers = false; _listSet = null; _listName = null; _listType = null; }

        // ---------------------------------------------------------------- create

        private void Create(List<IpsetToken> t, int i)
        {
            if (i >= t.Count) { diags.Error(At(t[0].Column + t[0].Text.Length), "create needs a set name and a type"); return; }
            if (i + 1 >= t.Count) { diags.Error(At(t[i].Column + t[i].Text.Length), $"create {Trunc(t[i].Text)}: the set type is missing"); return; }
            CreateSet(t[i].Text, At(t[i].Column), t[i + 1].Text, At(t[i + 1].Column), t, i + 2);
        }

        private SetBuilder? CreateSet(string name, SourceLocation nameAt, string typeName, SourceLocation typeAt, List<IpsetToken> t, int i)
        {
            if (name.Length > 31) { diags.Error(nameAt, $"set name \"{Trunc(name)}\" is longer than 31 characters"); _failed.Add(name); return null; }
            if (!IpSetType.TryGet(typeName, out var type))
            {
                diags.Error(typeAt, $"unknown set type \"{Trunc(typeName)}\" (known: {string.Join(", ", IpSetType.All.Select(x => x.Name))})");
                _failed.Add(name);
                return null;
            }
            if (_byName.ContainsKey(name))
            {
                diags.Error(nameAt, $"set {name} is created a second time (the kernel refuses: set already exists); the first definition is kept");
                return null;
            }
            var b = new SetBuilder { Name = name, Type = type, Location = nameAt, Family = type.FamilyIndependent ? null : IpFamily.V4 };
            b.Options = CreateOptions(b, t, i);
            if (type.Method == IpSetMethod.Bitmap && b.Options.AddressRange is null && b.Options.PortRange is null)
                diags.Error(typeAt, $"{type.Name} set {name} has no \"range\" (the kernel refuses to create it without one); nothing will match it");
            _sets.Add(b);
            _byName[name] = b;
            _failed.Remove(name);
            return b;
        }

        private IpSetCreateOptions CreateOptions(SetBuilder b, List<IpsetToken> t, int i)
        {
            var o = new IpSetCreateOptions();
            var unknown = new List<IpSetOption>();
            var type = b.Type;
            while (i < t.Count)
            {
                var tok = t[i++];
                var name = tok.Text;
                bool Value(out IpsetToken v)
                {
                    if (i < t.Count) { v = t[i++]; return true; }
                    diags.Error(At(tok.Column + name.Length), $"create option \"{name}\" needs a value");
                    v = default;
                    return false;
                }
                bool UInt(out uint n)
                {
                    n = 0;
                    if (!Value(out var v)) return false;
                    if (IpsetElementParser.TryUInt32(v.Text, out n)) return true;
                    diags.Error(At(v.Column), $"{name}: \"{Trunc(v.Text)}\" is not a number");
                    return false;
                }
                bool Only(bool allowed)
                {
                    if (allowed) return true;
                    diags.Error(At(tok.Column), $"{type.Name} has no \"{name}\" option (the ipset tool refuses it); ignored");
                    return false;
                }
                switch (name)
                {
                    case "family":
                    {
                        if (!Value(out var v)) break;
                        if (!Only(!type.FamilyIndependent && !type.Ipv4Only)) break;
                        switch (v.Text)
                        {
                            case "inet" or "ipv4": b.Family = IpFamily.V4; break;
                            case "inet6" or "ipv6": b.Family = IpFamily.V6; break;
                            default: diags.Error(At(v.Column), $"family \"{Trunc(v.Text)}\": expected inet or inet6"); break;
                        }
                        break;
                    }
                    case "-4" or "-6":
                        if (Only(!type.FamilyIndependent && !type.Ipv4Only)) b.Family = name == "-6" ? IpFamily.V6 : IpFamily.V4;
                        break;
                    case "hashsize": if (UInt(out var hs) && Only(type.Method == IpSetMethod.Hash)) o = o with { HashSize = hs }; break;
                    case "maxelem": if (UInt(out var me) && Only(type.Method == IpSetMethod.Hash)) o = o with { MaxElem = me }; break;
                    case "bucketsize": if (UInt(out var bs) && Only(type.Method == IpSetMethod.Hash)) o = o with { BucketSize = bs }; break;
                    case "initval": if (UInt(out var iv) && Only(type.Method == IpSetMethod.Hash)) o = o with { InitVal = iv }; break;
                    case "timeout": if (UInt(out var to)) o = o with { Timeout = to }; break;
                    case "size": if (UInt(out var sz) && Only(type == IpSetType.ListSet)) o = o with { Size = sz }; break;
                    case "markmask":
                        if (UInt(out var mm) && Only(type == IpSetType.HashIpMark))
                        {
                            if (mm == 0) diags.Error(At(tok.Column), "markmask 0 is refused by the kernel (IPSET_ERR_INVALID_MARKMASK); ignored");
                            else o = o with { MarkMask = mm };
                        }
                        break;
                    case "netmask":
                    {
                        if (!Value(out var v) || !Only(type.TypeOptions.Contains("netmask"))) break;
                        int max = b.Family == IpFamily.V6 ? 128 : 32;
                        if (int.TryParse(v.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var nm) && nm >= 1 && nm <= max)
                            o = o with { Netmask = nm };
                        else diags.Error(At(v.Column), $"netmask \"{Trunc(v.Text)}\": expected a prefix length 1-{max} (IPSET_ERR_INVALID_NETMASK)");
                        break;
                    }
                    case "bitmask":
                    {
                        if (!Value(out var v) || !Only(type.TypeOptions.Contains("bitmask"))) break;
                        // ipset v7.17 sometimes prints a stray "/N" after an IPv6 bitmask; the address is what counts
                        var text = v.Text; int slash = text.IndexOf('/');
                        if (slash > 0) text = text[..slash];
                        if (IpAddress.TryParse(text, out var bm) && bm.Value != 0) o = o with { Bitmask = bm };
                        else diags.Error(At(v.Column), $"bitmask \"{Trunc(v.Text)}\": expected a non-zero address mask (IPSET_ERR_INVALID_NETMASK)");
                        break;
                    }
                    case "range":
                    {
                        if (!Value(out var v) || !Only(type.Method == IpSetMethod.Bitmap)) break;
                        if (type == IpSetType.BitmapPort)
                        {
                            var parts = v.Text.Split('-');
                            if (parts.Length == 2 && ushort.TryParse(parts[0], out var lo) && ushort.TryParse(parts[1], out var hi))
                                o = o with { PortRange = lo <= hi ? (lo, hi) : (hi, lo) };
                            else diags.Error(At(v.Column), $"range \"{Trunc(v.Text)}\": expected FROMPORT-TOPORT");
                        }
                        else if (TryAddressRange(v.Text, out var first, out var last))
                        {
                            if (o.Netmask is null && last.V4 - first.V4 >= 65536)
                                diags.Warning(At(v.Column), "a bitmap holds at most 65536 entries; the kernel refuses larger ranges without netmask");
                            o = o with { AddressRange = (first, last) };
                        }
                        else diags.Error(At(v.Column), $"range \"{Trunc(v.Text)}\": expected FROM-TO or IP/CIDR (IPv4)");
                        break;
                    }
                    case "counters": o = o with { Counters = true }; break;
                    case "comment": o = o with { Comment = true }; break;
                    case "skbinfo": o = o with { SkbInfo = true }; break;
                    case "forceadd": if (Only(type.Method == IpSetMethod.Hash)) o = o with { ForceAdd = true }; break;
                    default:
                    {
                        string? value = null;
                        if (i < t.Count && !IsCreateOptionName(t[i].Text)) value = t[i++].Text;
                        diags.Warning(At(tok.Column), $"unknown create option \"{Trunc(name)}\" kept as written; nfwalk does not interpret it");
                        unknown.Add(new IpSetOption(name, value, At(tok.Column)));
                        break;
                    }
                }
            }
            // a netmask given before "family inet6" was checked against 32: nothing else depends on the order
            if (o.Netmask is { } n && o.AddressRange is { } r)
            {
                var mask = IpPrefix.MaskOf(n, 32);
                o = o with { AddressRange = (AddressRanges.Mask(r.First, mask), r.Last) };
            }
            return o with { UnknownOptions = unknown };
        }

        private static bool IsCreateOptionName(string s) => s is "family" or "-4" or "-6" or "hashsize" or "maxelem" or "bucketsize"
            or "initval" or "timeout" or "size" or "markmask" or "netmask" or "bitmask" or "range" or "counters" or "comment"
            or "skbinfo" or "forceadd";

        private static bool TryAddressRange(string s, out IpAddress first, out IpAddress last)
        {
            first = last = default;
            int dash = s.IndexOf('-');
            if (dash > 0)
            {
                if (!IpAddress.TryParse(s.AsSpan(0, dash), out first) || !IpAddress.TryParse(s.AsSpan(dash + 1), out last)) return false;
                if (!first.IsV4 || !last.IsV4) return false;
                if (first.CompareTo(last) > 0) (first, last) = (last, first);
                return true;
            }
            if (!IpPrefix.TryParse(s, out var p) || !p.Family.Equals(IpFamily.V4)) return false;
            (first, last) = AddressRanges.Span(p);
            return true;
        }

        // ---------------------------------------------------------------- add

        private void Add(List<IpsetToken> t, int i)
        {
            if (i >= t.Count) { diags.Error(At(t[0].Column + t[0].Text.Length), "add needs a set name and an element"); return; }
            var name = t[i].Text;
            if (!_byName.TryGetValue(name, out var set))
            {
                if (!_failed.Contains(name))
                    diags.Error(At(t[i].Column), $"add to set \"{Trunc(name)}\", which was not created before (the kernel refuses: set does not exist)");
                return;
            }
            if (i + 1 >= t.Count) { diags.Error(At(t[i].Column + name.Length), $"add {name}: the element is missing"); return; }
            AddElement(set, t, i + 1);
        }

        private void AddElement(SetBuilder set, List<IpsetToken> t, int i)
        {
            var elem = t[i];
            if (!IpsetElementParser.TryParse(set.Type, set.Family, set.Options, elem.Text, out var values, out var fail))
            {
                diags.Error(At(elem.Column + fail.Offset), $"set {set.Name}: {fail.Message}; element skipped");
                return;
            }

            var entry = new IpSetEntry { Values = [], Location = At(elem.Column) };
            var unknown = new List<IpSetOption>();
            int? insertAt = null;
            bool ok = true, wildcard = false;
            i++;
            while (i < t.Count)
            {
                var tok = t[i++];
                var opt = tok.Text;
                bool Value(out IpsetToken v)
                {
                    if (i < t.Count) { v = t[i++]; return true; }
                    diags.Error(At(tok.Column + opt.Length), $"element option \"{opt}\" needs a value");
                    v = default; ok = false;
                    return false;
                }
                bool Needs(bool has, string extension)
                {
                    if (has) return true;
                    diags.Error(At(tok.Column), $"set {set.Name} was created without {extension}: the kernel refuses \"{opt}\" on its elements; element skipped");
                    ok = false;
                    return false;
                }
                ulong? U64(IpsetToken v)
                {
                    if (ulong.TryParse(v.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
                    diags.Error(At(v.Column), $"{opt}: \"{Trunc(v.Text)}\" is not a number; element skipped");
                    ok = false;
                    return null;
                }
                switch (opt)
                {
                    case "timeout":
                        if (Value(out var tv) && Needs(set.Options.Timeout is not null, "a timeout") && U64(tv) is { } secs)
                        {
                            if (secs > uint.MaxValue / 1000) { diags.Error(At(tv.Column), "timeout too large (IPSET_ERR_TIMEOUT)"); ok = false; }
                            else entry = entry with { Timeout = (uint)secs };
                        }
                        break;
                    case "nomatch":
                        if (Needs(set.Type.SupportsNomatch, "nomatch support (only hash:*net* types have it)")) entry = entry with { NoMatch = true };
                        break;
                    case "wildcard":
                        if (Needs(set.Type == IpSetType.HashNetIface, "an interface dimension (\"wildcard\" is for hash:net,iface)")) wildcard = true;
                        break;
                    case "packets":
                        if (Value(out var pv) && Needs(set.Options.Counters, "counters") && U64(pv) is { } pk) entry = entry with { Packets = pk };
                        break;
                    case "bytes":
                        if (Value(out var bv) && Needs(set.Options.Counters, "counters") && U64(bv) is { } by) entry = entry with { Bytes = by };
                        break;
                    case "comment":
                        if (Value(out var cv) && Needs(set.Options.Comment, "comment"))
                        {
                            var c = cv.Text;
                            if (c.Length > 255) { diags.Warning(At(cv.Column), "comment longer than 255 characters: the kernel keeps the first 255"); c = c[..255]; }
                            entry = entry with { Comment = c };
                        }
                        break;
                    case "skbmark":
                        if (Value(out var mv) && Needs(set.Options.SkbInfo, "skbinfo"))
                        {
                            var parts = mv.Text.Split('/');
                            if (parts.Length <= 2 && IpsetElementParser.TryUInt32(parts[0], out var mark)
                                && (parts.Length == 1 || IpsetElementParser.TryUInt32(parts[1], out _)))
                            {
                                uint mask = parts.Length == 2 ? (IpsetElementParser.TryUInt32(parts[1], out var mk) ? mk : uint.MaxValue) : uint.MaxValue;
                                entry = entry with { SkbInfo = (entry.SkbInfo ?? new IpSetSkbInfo()) with { Mark = mark, MarkMask = mask } };
                            }
                            else { diags.Error(At(mv.Column), $"skbmark \"{Trunc(mv.Text)}\": expected MARK[/MASK]; element skipped"); ok = false; }
                        }
                        break;
                    case "skbprio":
                        if (Value(out var prv) && Needs(set.Options.SkbInfo, "skbinfo"))
                        {
                            var parts = prv.Text.Split(':');
                            if (parts.Length == 2 && TryHex16(parts[0], out var major) && TryHex16(parts[1], out var minor))
                                entry = entry with { SkbInfo = (entry.SkbInfo ?? new IpSetSkbInfo()) with { Priority = (uint)major << 16 | minor } };
                            else { diags.Error(At(prv.Column), $"skbprio \"{Trunc(prv.Text)}\": expected MAJOR:MINOR (hex); element skipped"); ok = false; }
                        }
                        break;
                    case "skbqueue":
                        if (Value(out var qv) && Needs(set.Options.SkbInfo, "skbinfo"))
                        {
                            if (ushort.TryParse(qv.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var q))
                                entry = entry with { SkbInfo = (entry.SkbInfo ?? new IpSetSkbInfo()) with { Queue = q } };
                            else { diags.Error(At(qv.Column), $"skbqueue \"{Trunc(qv.Text)}\": expected a queue number 0-65535; element skipped"); ok = false; }
                        }
                        break;
                    case "before" or "after":
                        if (Value(out var rv) && Needs(set.Type == IpSetType.ListSet, "list:set type (before/after position a list member)"))
                        {
                            int idx = set.Entries.FindIndex(e => e.Values[0] is IpSetNameValue n && n.Name == rv.Text);
                            if (idx < 0) { diags.Error(At(rv.Column), $"{opt} {Trunc(rv.Text)}: no such member in list {set.Name} (IPSET_ERR_REF_EXIST); element skipped"); ok = false; }
                            else insertAt = opt == "before" ? idx : idx + 1;
                        }
                        break;
                    default:
                    {
                        string? value = null;
                        if (i < t.Count && !IsElementOptionName(t[i].Text)) value = t[i++].Text;
                        diags.Warning(At(tok.Column), $"unknown element option \"{Trunc(opt)}\" kept as written; nfwalk does not interpret it");
                        unknown.Add(new IpSetOption(opt, value, At(tok.Column)));
                        break;
                    }
                }
            }
            if (!ok) return;
            entry = entry with { UnknownOptions = unknown };

            foreach (var v in values)
            {
                if (wildcard)
                    for (int d = 0; d < v.Length; d++)
                        if (v[d] is IpSetIfaceValue iv) v[d] = iv with { Wildcard = true };
                var e = entry with { Values = v };
                var key = e.ElementText;
                if (!set.Seen.Add(key))
                {
                    diags.Warning(At(elem.Column), $"set {set.Name}: element {key} is already in the set (ipset restore refuses a second add without -exist); the first is kept");
                    continue;
                }
                if (set.Type == IpSetType.ListSet && set.Options.Size is { } max && set.Entries.Count >= max)
                {
                    diags.Error(At(elem.Column), $"list:set {set.Name} is full (size {max}): the kernel refuses member {key}");
                    continue;
                }
                if (insertAt is { } at) set.Entries.Insert(at++, e);
                else set.Entries.Add(e);
            }
        }

        private static bool IsElementOptionName(string s) => s is "timeout" or "nomatch" or "wildcard" or "packets" or "bytes" or "comment"
            or "skbmark" or "skbprio" or "skbqueue" or "before" or "after";

        private static bool TryHex16(string s, out ushort v)
        {
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
            return ushort.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v);
        }

        /// <summary>list:set members must exist and must not be list:set themselves (checked once all sets are read,
        /// because "ipset list" prints sets in creation order, lists possibly before their members).</summary>
        private void ValidateLists()
        {
            foreach (var s in _sets.Where(s => s.Type == IpSetType.ListSet))
            {
                for (int k = s.Entries.Count - 1; k >= 0; k--)
                {
                    var e = s.Entries[k];
                    var member = ((IpSetNameValue)e.Values[0]).Name;
                    if (!_byName.TryGetValue(member, out var m))
                    {
                        diags.Error(e.Location, $"list:set {s.Name}: member set \"{Trunc(member)}\" does not exist (the kernel refuses it); member skipped");
                        s.Entries.RemoveAt(k);
                    }
                    else if (m.Type == IpSetType.ListSet)
                    {
                        diags.Error(e.Location, $"list:set {s.Name}: member {member} is a list:set, which the kernel refuses inside a list; member skipped");
                        s.Entries.RemoveAt(k);
                    }
                }
            }
        }

        private static string Trunc(string s) => s.Length <= 40 ? s : s[..37] + "...";
    }
}
