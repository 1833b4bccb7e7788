using Nfwalk.Model.Matches;
using Nfwalk.Model.Targets;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Tests.Explain;

/// <summary>
/// The English for mark arithmetic must say exactly what the kernel computes:
/// MARK: mark = (mark &amp; ~M) ^ V (xt_mark.c mark_tg); CONNMARK save: ct = (ct &amp; ~ctmask) ^ (skb &amp; nfmask)
/// (xt_connmark.c connmark_tg_shift); -m mark: (mark &amp; M) == V (mark_mt).
/// </summary>
public class MarkWordingTests
{
    private static T Target<T>(string rule) where T : class
        => (T)(object)SaveParser.Parse($"*mangle\n{rule}\nCOMMIT\n").Ruleset.AllRules().Single().Target!;

    [Theory]
    [InlineData("-A PREROUTING -j MARK --set-xmark 0x200/0x200", "sets bit 0x200 of the packet mark and leaves the other bits")]
    [InlineData("-A PREROUTING -j MARK --set-xmark 0x220/0xffffffff", "replaces the whole packet mark with 0x220")]
    [InlineData("-A PREROUTING -j MARK --set-xmark 0x0/0x40", "clears bit 0x40 of the packet mark and leaves the other bits")]
    [InlineData("-A PREROUTING -j MARK --set-xmark 0x210/0x0", "flips (XOR) bits 0x210")]
    [InlineData("-A PREROUTING -j MARK --set-xmark 0x200/0x220", "sets bit 0x200 and clears bit 0x20 of the packet mark (bits outside 0x220 kept)")]
    [InlineData("-A PREROUTING -j MARK --set-xmark 0x210/0x200", "toggled, not set")]
    public void Mark_target(string rule, string expected)
        => Assert.Contains(expected, Target<MarkTarget>(rule).Explain());

    [Theory]
    [InlineData("-A PREROUTING -j CONNMARK --save-mark --nfmask 0x210 --ctmask 0x210", "copies bits 0x210 (0x10 + 0x200) of the packet mark into the connection mark, other connection-mark bits kept")]
    [InlineData("-A PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff", "copies the whole packet mark into the connection mark")]
    [InlineData("-A PREROUTING -j CONNMARK --restore-mark --nfmask 0x220 --ctmask 0x220", "copies bits 0x220 (0x20 + 0x200) of the connection mark into the packet mark, other packet-mark bits kept")]
    [InlineData("-A PREROUTING -j CONNMARK --save-mark --nfmask 0x220 --ctmask 0x0", "toggled, not set")]
    [InlineData("-A PREROUTING -j CONNMARK --set-xmark 0x220/0x220", "sets bits 0x220 (0x20 + 0x200) of the connection mark and leaves the other bits")]
    public void Connmark_target(string rule, string expected)
        => Assert.Contains(expected, Target<ConnmarkTarget>(rule).Explain());

    [Theory]
    [InlineData("-m mark --mark 0x200/0x200", "packet mark has bit 0x200 set (other bits ignored)")]
    [InlineData("-m mark --mark 0x220", "packet mark is exactly 0x220")]
    [InlineData("-m mark --mark 0x0/0x220", "packet mark has bits 0x220 (0x20 + 0x200) all clear")]
    [InlineData("-m mark --mark 0x210/0x200", "can never be true")]
    [InlineData("-m connmark ! --mark 0x1/0x1", "NOT (connection mark has bit 0x1 set")]
    public void Mark_match(string match, string expected)
    {
        var m = SaveParser.Parse($"*mangle\n-A PREROUTING {match}\nCOMMIT\n").Ruleset.AllRules().Single().Matches.Single();
        Assert.Contains(expected, m.Explain());
    }

    [Theory]
    // (mark & M) == V, negation XORs the result (E06 table)
    [InlineData(0x200u, 0x200u, false, 0x210u, true)]
    [InlineData(0x210u, 0x200u, false, 0x210u, false)]
    [InlineData(0x220u, 0x220u, false, 0x200u, false)]
    [InlineData(0x0u, 0x220u, false, 0x40u, true)]
    [InlineData(0x200u, 0x200u, true, 0x40u, true)]
    public void Mark_test_follows_mark_mt(uint v, uint m, bool neg, uint mark, bool expected)
        => Assert.Equal(expected, new MarkMatch { Value = v, Mask = m, Negated = neg }.Test(mark));

    [Theory]
    // E04 rows: (mark & ~M) ^ V
    [InlineData(0x40u, 0x220u, 0x220u, 0x260u)]
    [InlineData(0x210u, 0x220u, 0x220u, 0x230u)]
    [InlineData(0x210u, 0x200u, 0x220u, 0x210u)]
    [InlineData(0x220u, 0x210u, 0x0u, 0x30u)]
    [InlineData(0x210u, 0x210u, 0x200u, 0x200u)]
    [InlineData(0x100u, 0x210u, 0x200u, 0x310u)]
    public void Set_xmark_follows_mark_tg(uint before, uint v, uint m, uint after)
        => Assert.Equal(after, new MarkTarget(v, m).Apply(before));
}
