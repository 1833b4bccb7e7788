using Nfwalk.Model.Evaluation;
using System.Globalization;
using System.Text;
using Nfwalk.Parsing.Iptables;

namespace Nfwalk.Model.Targets;

/// <summary>-j CHECKSUM --checksum-fill: computes a missing checksum (mangle; xt_CHECKSUM.c). Continues.</summary>
public sealed class ChecksumTarget : Target
{
    public override string Name => "CHECKSUM";
    public override bool IsTerminating => false;
    public override TableSet AllowedTables => TableSet.Mangle;
    public override void Print(StringBuilder sb) => sb.Append(" -j CHECKSUM --checksum-fill");
    public override string Explain() => "CHECKSUM: fills in a missing checksum (for old DHCP clients behind virtual NICs) and continues";

    public override TargetOutcome Apply(ITargetContext ctx) => TargetOutcome.Continue;

    internal sealed class Parser : TargetParser
    {
        private bool _fill;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            if (option is not "--checksum-fill") return false;
            _fill = true; return true;
        }
        public override Target? Build(OptionContext ctx)
        {
            if (!_fill) { ctx.Error("CHECKSUM needs --checksum-fill"); return null; }
            return new ChecksumTarget();
        }
    }
}

/// <summary>-j TOS: tos = (tos &amp; ~Mask) ^ Value on the IP TOS byte (mangle; xt_DSCP.c tos_tg). Continues.</summary>
public sealed class TosTarget(byte value, byte mask) : Target
{
    public byte Value { get; } = value;
    public byte Mask { get; } = mask;
    public override string Name => "TOS";
    public override bool IsTerminating => false;
    public override TableSet AllowedTables => TableSet.Mangle;
    public override void Print(StringBuilder sb) => sb.Append(" -j TOS --set-tos 0x").Append(Value.ToString("x2", CultureInfo.InvariantCulture)).Append("/0x").Append(Mask.ToString("x2", CultureInfo.InvariantCulture));
    public override string Explain() => $"TOS: sets the IP TOS byte to (tos & ~0x{Mask:x2}) ^ 0x{Value:x2} and continues";

    /// <summary>xt_DSCP.c tos_tg: tos = (tos &amp; ~mask) ^ value.</summary>
    public override TargetOutcome Apply(ITargetContext ctx) { ctx.Tos = (byte)((ctx.Tos & ~Mask) ^ Value); return TargetOutcome.Continue; }

    internal sealed class Parser : TargetParser
    {
        private static readonly (string Name, byte V)[] Names = [("Minimize-Delay", 0x10), ("Maximize-Throughput", 0x08), ("Maximize-Reliability", 0x04), ("Minimize-Cost", 0x02), ("Normal-Service", 0x00)];
        private (byte, byte)? _op;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--set-tos":
                {
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    foreach (var (n, v) in Names) if (s.Equals(n, StringComparison.OrdinalIgnoreCase)) { _op = (v, 0x3f); return true; }
                    if (Values.TryMarkMask(s, out var val, out var m, out var hasMask) && val <= 255 && (!hasMask || m <= 255)) _op = ((byte)val, hasMask ? (byte)m : (byte)0xff);
                    else ctx.Error(at, $"--set-tos: bad value \"{Values.Trunc(s)}\"");
                    return true;
                }
                case "--and-tos": if (ctx.TryUInt(out var a, 255)) _op = (0, (byte)~a); return true;
                case "--or-tos": if (ctx.TryUInt(out var o, 255)) _op = ((byte)o, (byte)o); return true;
                case "--xor-tos": if (ctx.TryUInt(out var x, 255)) _op = ((byte)x, 0); return true;
            }
            return false;
        }
        public override Target? Build(OptionContext ctx)
        {
            if (_op is not { } op) { if (!ctx.Failed) ctx.Error("TOS needs --set-tos, --and-tos, --or-tos or --xor-tos"); return null; }
            return new TosTarget(op.Item1, op.Item2);
        }
    }
}

/// <summary>-j DSCP: sets the 6-bit DSCP field (mangle; xt_DSCP.c). Continues.</summary>
public sealed class DscpTarget(byte dscp) : Target
{
    private static readonly (string Name, byte V)[] Classes =
    [
        ("CS0", 0), ("CS1", 8), ("CS2", 16), ("CS3", 24), ("CS4", 32), ("CS5", 40), ("CS6", 48), ("CS7", 56), ("BE", 0),
        ("AF11", 10), ("AF12", 12), ("AF13", 14), ("AF21", 18), ("AF22", 20), ("AF23", 22), ("AF31", 26), ("AF32", 28), ("AF33", 30),
        ("AF41", 34), ("AF42", 36), ("AF43", 38), ("EF", 46),
    ];
    public byte Dscp { get; } = dscp;
    public override string Name => "DSCP";
    public override bool IsTerminating => false;
    public override TableSet AllowedTables => TableSet.Mangle;
    public override void Print(StringBuilder sb) => sb.Append(" -j DSCP --set-dscp 0x").Append(Dscp.ToString("x2", CultureInfo.InvariantCulture));
    public override string Explain() => $"DSCP: sets the DSCP field to {Dscp} (0x{Dscp:x2}) and continues";

    /// <summary>xt_DSCP.c dscp_tg: replaces the upper six bits of the TOS byte.</summary>
    public override TargetOutcome Apply(ITargetContext ctx) { ctx.Tos = (byte)((ctx.Tos & 0x03) | (Dscp << 2)); return TargetOutcome.Continue; }

    internal sealed class Parser : TargetParser
    {
        private byte? _d;
        public override bool Accept(ReadOnlySpan<char> option, bool negated, OptionContext ctx)
        {
            switch (option)
            {
                case "--set-dscp": if (ctx.TryUInt(out var v, 63, "DSCP value")) _d = (byte)v; return true;
                case "--set-dscp-class":
                {
                    if (!ctx.TryValue(out var s, out var at)) return true;
                    foreach (var (n, v2) in Classes) if (s.Equals(n, StringComparison.OrdinalIgnoreCase)) { _d = v2; return true; }
                    ctx.Error(at, $"--set-dscp-class: unknown class \"{Values.Trunc(s)}\"");
                    return true;
                }
            }
            return false;
        }
        public override Target? Build(OptionContext ctx)
        {
            if (_d is null) { if (!ctx.Failed) ctx.Error("DSCP needs --set-dscp or --set-dscp-class"); return null; }
            return new DscpTarget(_d.Value);
        }
    }
}
