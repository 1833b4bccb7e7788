using System.Text;
using Nfwalk.Kernel;
using Nfwalk.Model.Matches;
using Nfwalk.Semantics.Walk;
using static Nfwalk.Tests.Kernel.DifferentialCases;

namespace Nfwalk.Tests.Kernel;

/// <summary>
/// Property-style differential cases: random mangle/filter rulesets (marks, connmarks, ports, addresses, interfaces,
/// conntrack states, jumps, gotos, RETURN/ACCEPT/DROP) and random packets of a few connections, from a fixed seed so a
/// failure is reproducible by its name.
/// </summary>
public static class RandomRulesets
{
    public static KernelCase Make(int seed)
    {
        var r = new Random(seed);
        string Pick(params string[] xs) => xs[r.Next(xs.Length)];
        uint Bits() => (uint)(1 << r.Next(0, 10)) | (r.Next(3) == 0 ? (uint)(1 << r.Next(0, 10)) : 0);
        string Hex(uint v) => "0x" + v.ToString("x");

        string Match(bool inPrerouting)
        {
            var sb = new StringBuilder();
            int n = r.Next(0, 3);
            bool proto = false;
            var used = new HashSet<int>();
            for (int i = 0; i < n; i++)
            {
                int kind = r.Next(8);
                if (!used.Add(kind)) continue;
                switch (kind)
                {
                    case 0 when !proto: sb.Append(Pick(" -p tcp -m tcp --dport 8080", " -p udp -m udp --dport 53", " -p udp -m udp ! --dport 53", " -p tcp -m tcp --sport 40000:40010")); proto = true; break;
                    case 1: sb.Append(Pick(" -s 10.99.0.2/32", " ! -s 10.99.0.0/24", " -s 10.99.0.0/16")); break;
                    case 7: sb.Append(Pick(" -d 198.51.100.0/24", " -d 10.99.1.2/32", " ! -d 198.51.100.7/32")); break;
                    case 2: sb.Append(Pick(" -i eth0", " -i eth+", " ! -i eth1", " -i eth1")); break;
                    case 3: { var m = Bits(); var v = r.Next(2) == 0 ? m : m & Bits(); sb.Append($" -m mark{(r.Next(4) == 0 ? " !" : "")} --mark {Hex(v)}/{Hex(m)}"); break; }
                    case 4: { var m = Bits(); sb.Append($" -m connmark{(r.Next(4) == 0 ? " !" : "")} --mark {Hex(m)}/{Hex(m)}"); break; }
                    case 5: sb.Append(Pick(" -m conntrack --ctstate NEW", " -m conntrack --ctstate ESTABLISHED", " -m conntrack --ctstate RELATED,ESTABLISHED", " -m conntrack --ctdir REPLY", " -m state --state NEW")); break;
                    case 6 when !proto: sb.Append(" -p udp -m multiport --dports 53,5000:5010"); proto = true; break;
                    default: break;
                }
            }
            return sb.ToString();
        }

        string Target(int chainIndex, int chains, bool filter)
        {
            int k = r.Next(12);
            if (k < 3) { var m = Bits(); return $" -j MARK --set-xmark {Hex(r.Next(2) == 0 ? m : Bits())}/{Hex(r.Next(3) == 0 ? 0xffffffffu : m)}"; }
            if (k == 3) { var m = Bits(); return $" -j CONNMARK --save-mark --nfmask {Hex(m)} --ctmask {Hex(m)}"; }
            if (k == 4) { var m = Bits(); return $" -j CONNMARK --restore-mark --nfmask {Hex(m)} --ctmask {Hex(m)}"; }
            if (k == 5) return $" -j CONNMARK --set-xmark {Hex(Bits())}/{Hex(Bits())}";
            if (k == 6) return " -j RETURN";
            if (k == 7) return " -j ACCEPT";
            if (k == 8 && filter && r.Next(3) == 0) return " -j DROP";
            if (k is 9 or 10 && chainIndex + 1 < chains) return $" {(r.Next(3) == 0 ? "-g" : "-j")} U{r.Next(chainIndex + 1, chains)}";
            return "";
        }

        string Table(string name, string[] builtins, bool filter)
        {
            int users = r.Next(1, 4);
            var sb = new StringBuilder($"*{name}\n");
            foreach (var b in builtins) sb.Append($":{b} ACCEPT [0:0]\n");
            for (int u = 0; u < users; u++) sb.Append($":U{u} - [0:0]\n");
            foreach (var b in builtins)
                for (int i = r.Next(1, 5); i > 0; i--)
                {
                    var t = r.Next(4) == 0 ? $" -j U{r.Next(users)}" : Target(-1, users, filter);
                    sb.Append($"-A {b}{Match(b == "PREROUTING")}{t}\n");
                }
            for (int u = 0; u < users; u++)
                for (int i = r.Next(1, 5); i > 0; i--)
                    sb.Append($"-A U{u}{Match(false)}{Target(u, users, filter)}\n");
            sb.Append("COMMIT\n");
            return sb.ToString();
        }

        var rules = Table("mangle", ["PREROUTING", "FORWARD"], false) + Table("filter", ["FORWARD"], true);
        var packets = new List<PacketSpec>();
        (string A, string B, ushort Sp, ushort Dp, bool Tcp)[] conns = [("10.99.0.2", "198.51.100.7", 40001, 8080, true), ("10.99.0.2", "10.99.1.2", 40002, 53, false), ("10.99.0.3", "198.51.100.8", 5003, 5005, false)];
        for (int i = 0; i < 6; i++)
        {
            var c = conns[r.Next(conns.Length)];
            bool reply = r.Next(3) == 0;
            var (src, dst, sp, dp, iif) = reply ? (c.B, c.A, c.Dp, c.Sp, "eth1") : (c.A, c.B, c.Sp, c.Dp, "eth0");
            packets.Add(c.Tcp ? Tcp(src, dst, dp, reply ? TcpFlags.Syn | TcpFlags.Ack : (packets.Any(p => p.SourcePort == sp && p.Protocol == 6) ? TcpFlags.Ack : TcpFlags.Syn), iif, sp) : Udp(src, dst, dp, iif, sp));
        }
        return new KernelCase($"random ruleset, seed {seed}", rules, packets);
    }
}
