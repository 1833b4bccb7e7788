#!/usr/bin/env python3
"""Crafted packets and a capture for scripts/kernel/tunnel-facts.sh (run inside a namespace it created).

  send   one IPv4/UDP packet per flow through a raw socket (IP_HDRINCL), bound to --dev, optionally with SO_MARK:
         tunnel-pkt.py send --dev p0 --src 10.0.0.2 --dst 10.42.0.2 --sport 20000 --dport 7000 [--flows N] [--repeat R]
                            [--tos 0x29] [--ttl 64] [--df] [--mark 0x100]
         --flows N sends N flows with source ports sport..sport+N-1; --repeat R sends each flow R times.
  vxlan  one hand-made VXLAN packet (outer IPv4/UDP/VXLAN, inner Ethernet/IPv4/UDP), outer source as given:
         tunnel-pkt.py vxlan --dev u1 --src 192.168.50.99 --dst 192.168.50.2 --vni 42 --inner-dmac 02:..
                             --inner-src 10.99.9.9 --inner-dst 10.42.0.2
  batch  one "send ..." or "vxlan ..." command per line on stdin, all in this one process (saves interpreter starts)
  sniff  AF_PACKET capture of received UDP packets to --port carrying VXLAN; one line per packet to --out:
         "if=u2 src=A dst=B sport=N dport=N ttl=N tos=0xNN df=0|1 vni=N isrc=A idst=B isport=N idport=N itos=0xNN ittl=N"
         Touches --ready once the socket is open; stops on SIGTERM or after --timeout seconds.
"""
import argparse, os, select, signal, socket, struct, sys, time


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, tos=0, ttl=64, df=False, ident=0x4242):
    tot = 20 + len(payload)
    frag = 0x4000 if df else 0
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, tot, ident, frag, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(src, dst, sport, dport, payload, checksum=True):
    ulen = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, ulen, 0)
    if not checksum:
        return hdr + payload
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, ulen)
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + payload


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def raw_socket(dev, mark):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    if mark is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, mark)
    return s


def cmd_send(a):
    s = raw_socket(a.dev, a.mark)
    for i in range(a.flows):
        sport = a.sport + i
        pkt = ipv4(a.src, a.dst, 17, udp(a.src, a.dst, sport, a.dport, b"nfwalk-tunnel"), a.tos, a.ttl, a.df,
                   ident=(0x1000 + i) & 0xFFFF)
        for _ in range(a.repeat):
            s.sendto(pkt, (a.dst, 0))
    s.close()


def cmd_vxlan(a):
    inner = ipv4(a.inner_src, a.inner_dst, 17, udp(a.inner_src, a.inner_dst, 1111, 2222, b"crafted"))
    frame = mac(a.inner_dmac) + mac(a.inner_smac) + struct.pack("!H", 0x0800) + inner
    vx = struct.pack("!II", 0x08000000, a.vni << 8) + frame
    pkt = ipv4(a.src, a.dst, 17, udp(a.src, a.dst, a.sport, a.dport, vx, checksum=False))
    s = raw_socket(a.dev, None)
    s.sendto(pkt, (a.dst, 0))
    s.close()


def parse(frame):
    """Outer Ethernet/IPv4/UDP(+VXLAN+inner Ethernet/IPv4/UDP) fields, or None."""
    if len(frame) < 14 + 20 + 8 or struct.unpack("!H", frame[12:14])[0] != 0x0800:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[9] != 17:
        return None
    tos, ttl = ip[1], ip[8]
    frag = struct.unpack("!H", ip[6:8])[0]
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    u = ip[ihl:]
    sport, dport = struct.unpack("!HH", u[:4])
    f = dict(src=src, dst=dst, sport=sport, dport=dport, ttl=ttl, tos="0x%02x" % tos, df=1 if frag & 0x4000 else 0)
    vx = u[8:]
    if len(vx) >= 8 + 14 + 20 + 8:
        f["vni"] = struct.unpack("!I", vx[4:8])[0] >> 8
        eth = vx[8:]
        if struct.unpack("!H", eth[12:14])[0] == 0x0800:
            iip = eth[14:]
            iihl = (iip[0] & 0x0F) * 4
            f.update(isrc=socket.inet_ntoa(iip[12:16]), idst=socket.inet_ntoa(iip[16:20]),
                     itos="0x%02x" % iip[1], ittl=iip[8])
            if iip[9] in (6, 17):
                f["isport"], f["idport"] = struct.unpack("!HH", iip[iihl:iihl + 4])
    return f


def cmd_sniff(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    # bursts of ~100 frames arrive while this loop may be descheduled on a loaded machine: a large buffer, and the
    # kernel's drop count (PACKET_STATISTICS) reported at the end, so that a lost frame is never mistaken for a fact
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    out = open(a.out, "w", buffering=1)
    open(a.ready, "w").close()
    end = time.time() + a.timeout
    while not stop[0] and time.time() < end:
        r, _, _ = select.select([s], [], [], 0.05)
        if not r:
            continue
        data, addr = s.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        f = parse(data)
        if f is None or f["dport"] != a.port:
            continue
        keys = ["src", "dst", "sport", "dport", "ttl", "tos", "df", "vni", "isrc", "idst", "isport", "idport", "itos", "ittl"]
        out.write("if=%s %s\n" % (addr[0], " ".join("%s=%s" % (k, f[k]) for k in keys if k in f)))
    drops = struct.unpack("II", s.getsockopt(263, 6, 8))[1]  # SOL_PACKET, PACKET_STATISTICS: tp_packets, tp_drops
    out.write("# capture drops=%d\n" % drops)
    out.close()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    num = lambda x: int(x, 0)
    s = sub.add_parser("send")
    s.add_argument("--dev", required=True); s.add_argument("--src", required=True); s.add_argument("--dst", required=True)
    s.add_argument("--sport", type=int, default=40000); s.add_argument("--dport", type=int, default=7000)
    s.add_argument("--flows", type=int, default=1); s.add_argument("--repeat", type=int, default=1)
    s.add_argument("--tos", type=num, default=0); s.add_argument("--ttl", type=int, default=64)
    s.add_argument("--df", action="store_true"); s.add_argument("--mark", type=num, default=None)
    v = sub.add_parser("vxlan")
    v.add_argument("--dev", required=True); v.add_argument("--src", required=True); v.add_argument("--dst", required=True)
    v.add_argument("--sport", type=int, default=12345); v.add_argument("--dport", type=int, default=4789)
    v.add_argument("--vni", type=int, required=True); v.add_argument("--inner-dmac", required=True)
    v.add_argument("--inner-smac", default="02:00:00:00:00:99")
    v.add_argument("--inner-src", required=True); v.add_argument("--inner-dst", required=True)
    c = sub.add_parser("sniff")
    c.add_argument("--out", required=True); c.add_argument("--ready", required=True)
    c.add_argument("--port", type=int, default=4789); c.add_argument("--timeout", type=float, default=20)
    sub.add_parser("batch")
    run = {"send": cmd_send, "vxlan": cmd_vxlan, "sniff": cmd_sniff}
    a = p.parse_args()
    if a.cmd != "batch":
        run[a.cmd](a)
        return
    for line in sys.stdin:
        if line.strip() and not line.lstrip().startswith("#"):
            b = p.parse_args(line.split())
            run[b.cmd](b)


if __name__ == "__main__":
    main()
