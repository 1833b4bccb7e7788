using Nfwalk.Model.Matches;

namespace Nfwalk.Semantics.Walk;

/// <summary>Conntrack's TCP states (enum tcp_conntrack) plus the two results "invalid" and "ignore".</summary>
public enum TcpState : byte { None, SynSent, SynRecv, Established, FinWait, CloseWait, LastAck, TimeWait, Close, SynSent2, Invalid, Ignore }

/// <summary>
/// The TCP state machine of nf_conntrack_proto_tcp.c (tcp_conntracks[dir][index][state]): which segments move a
/// connection on, which are ignored, and which are INVALID (the packet then gets no conntrack entry).
/// Window tracking (tcp_in_window) is not modelled: segments are assumed in window.
/// </summary>
public static class TcpStates
{
    private const TcpState sNO = TcpState.None, sSS = TcpState.SynSent, sSR = TcpState.SynRecv, sES = TcpState.Established,
        sFW = TcpState.FinWait, sCW = TcpState.CloseWait, sLA = TcpState.LastAck, sTW = TcpState.TimeWait, sCL = TcpState.Close,
        sS2 = TcpState.SynSent2, sIV = TcpState.Invalid, sIG = TcpState.Ignore;

    // [dir][index][state]: index syn, synack, fin, ack, rst, none; state sNO..sS2
    private static readonly TcpState[,,] Table =
    {
        { // ORIGINAL
            { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
            { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
            { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
            { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
            { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
            { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
        },
        { // REPLY
            { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
            { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
            { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
            { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
            { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
            { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
        },
    };

    /// <summary>get_conntrack_index: RST, else SYN (with ACK: SYN-ACK), else FIN, else ACK, else none.</summary>
    public static int Index(TcpFlags f)
        => (f & TcpFlags.Rst) != 0 ? 4 : (f & TcpFlags.Syn) != 0 ? ((f & TcpFlags.Ack) != 0 ? 1 : 0) : (f & TcpFlags.Fin) != 0 ? 2 : (f & TcpFlags.Ack) != 0 ? 3 : 5;

    public static TcpState Next(TcpState current, bool reply, TcpFlags flags) => Table[reply ? 1 : 0, Index(flags), (int)current];

    public static string Name(TcpState s) => s switch
    {
        TcpState.None => "NONE", TcpState.SynSent => "SYN_SENT", TcpState.SynRecv => "SYN_RECV", TcpState.Established => "ESTABLISHED",
        TcpState.FinWait => "FIN_WAIT", TcpState.CloseWait => "CLOSE_WAIT", TcpState.LastAck => "LAST_ACK", TcpState.TimeWait => "TIME_WAIT",
        TcpState.Close => "CLOSE", TcpState.SynSent2 => "SYN_SENT2", TcpState.Invalid => "invalid", _ => "ignored",
    };
}
