#!/usr/bin/env bash
# fabric-diff.sh OUTDIR — a real two-node VXLAN fabric in throw-away namespaces, dumped as an nfwalk scenario, with one
# real TCP handshake through it and the kernel's per-rule counters afterwards (for tests/Nfwalk.Tests/Kernel/
# FabricKernelDifferentialTests.cs, which walks the same handshake with nfwalk and compares).
#
#  c (client pod)          n1 (node 1)                                   n2 (node 2)                       s (server pod)
#  eth0 10.1.0.2/24 ─veth─ vc 10.1.0.1/24                                vs 10.2.0.1/24 noprefixroute ─veth─ eth0 10.2.0.2/24
#  default via 10.1.0.1    eth0 192.0.2.1/24 + 192.0.2.11/24 ───veth───  eth0 192.0.2.2/24                 default via 10.2.0.1
#                          lo 198.51.100.1/32                                                              listens 10.2.0.2:8080
#                          vx0 10.9.0.1/30 vxlan 42 remote 192.0.2.2     vx0 10.9.0.2/30 vxlan 42 remote 192.0.2.1
#                          (dstport 4789, nolearning)                    (dstport 4789, srcport 5000 5010, learning)
#  n1: rule fwmark 0x100/0x100 lookup 100; table 100: 10.2.0.0/24 via 10.9.0.2 dev vx0, 192.0.2.2 dev eth0 src 198.51.100.1
#      (no route to 10.2.0.0/24 in main: only the mark gets the inner into the tunnel, and the outer, which keeps the
#      mark, is routed by table 100 too: source 198.51.100.1); nat: DNAT 10.96.0.10:80 -> 10.2.0.2:8080 on the inner,
#      SNAT of the outer to 192.0.2.11 in POSTROUTING; connmark saves 0x100 and restores it on the reply from vx0;
#      mangle POSTROUTING -o vx0 adds 0x400 after the inner's route decision: the outer carries 0x500 (the mark at
#      vxlan_xmit time, docs/tunnels.md fact 6) and its route lookup still takes rule 100;
#      ip_local_port_range 61000 64999 (the outer source port range: wide enough that the kernel's hash of the two inner
#      flows that leave by vx0 collides only once in 4000 runs; the test skips such a run)
#  n2: mangle PREROUTING marks the arriving outer 0x77/0xff, mangle INPUT adds 0x1000; the decapsulated inner has the
#      outer's mark after INPUT, 0x1077 (fact 26), connmark saves it, the reply from vs gets it back; rule fwmark 0x77/0xff lookup 77; table 77: 10.2.0.0/24 dev vs (main has no route to it);
#      main: 10.1.0.0/24 via 10.9.0.1 dev vx0; filter INPUT policy DROP except UDP 4789; vx0 learns (the default): the
#      SYN's outer came from 192.0.2.11 (node1's SNAT), so the SYN-ACK's outer goes to 192.0.2.11, not to remote 192.0.2.1
#
#  n1 also has vx1 10.9.1.1/30 (VXLAN 43, remote 192.0.2.2, nolearning) with 10.3.0.0/24 behind it; node2 has no VNI 43.
#
# The client sends one UDP datagram 10.1.0.2:5555 -> 10.3.0.5:7 (into vx1: dropped by node2's vxlan after INPUT), then
# connect()s from 10.1.0.2:40000 to 10.96.0.10:80 (SYN, SYN-ACK, ACK); then node1 itself connect()s from 192.0.2.1:40001
# to 10.2.0.2:8080 (main routes it to the underlay, mangle OUTPUT marks it 0x100, so it is re-routed into vx0; the
# SYN-ACK returns over the underlay, not the tunnel); nothing else moves (IPv6 off, static
# neighbours everywhere, no ARP). OUTDIR receives:
#   scenario.yaml and c/ n1/ n2/ s/ snapshots (scripts/collect layout, taken before the traffic, counters zero)
#   c/counters.txt ... (iptables-save -c after the handshake), capture-n2.txt / capture-n1.txt (outer packets received
#   on n2's / n1's eth0, tunnel-pkt.py sniff format), result.txt (KEY=VALUE: CONNECTED, PEER, ...)
# Namespaces nfwfab-ID-{c,n1,n2,s}; all deleted on exit. Exit 77 when it cannot run here.
# env: NFWFAB_ID  namespace name infix (default: pid and random)
set -uo pipefail

die77() { echo "fabric-diff.sh: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || die77 "needs root (network namespaces)"
for t in ip iptables iptables-save iptables-restore python3 sysctl; do command -v "$t" >/dev/null || die77 "$t is not installed"; done
OUT=${1:?usage: fabric-diff.sh OUTDIR}
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PKT="$HERE/tunnel-pkt.py"
PY=$(command -v /usr/bin/python3 || python3 -c 'import sys; print(sys.executable)')
ID=${NFWFAB_ID:-$$$RANDOM}
C=nfwfab-$ID-c; N1=nfwfab-$ID-n1; N2=nfwfab-$ID-n2; S=nfwfab-$ID-s
ALL="$C $N1 $N2 $S"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for ns in $ALL; do ip netns del "$ns" 2>/dev/null; done
}
trap cleanup EXIT
# a run killed with SIGKILL cannot clean up: remove this script's namespaces older than 10 minutes
for f in /run/netns/nfwfab-*; do [ -e "$f" ] && [ -n "$(find "$f" -maxdepth 0 -mmin +10 2>/dev/null)" ] && ip netns del "${f##*/}" 2>/dev/null; done

x() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
must() { "$@" || { echo "fabric-diff.sh: failed: $*" >&2; exit 1; }; }

# ---- topology --------------------------------------------------------------------------------------------------------
for ns in $ALL; do
  must ip netns add "$ns"
  must x "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
ip -n "$N1" link add vx0 address 02:00:00:0f:01:42 type vxlan id 42 remote 192.0.2.2 dstport 4789 nolearning 2>/dev/null \
  || die77 "cannot create a vxlan device"
must ip -n "$N1" link add vx1 address 02:00:00:0f:01:43 type vxlan id 43 remote 192.0.2.2 dstport 4789 nolearning
must ip -batch - <<EOF
link add eth0 netns $C address 02:00:00:0f:00:02 type veth peer name vc netns $N1 address 02:00:00:0f:01:01
link add eth0 netns $N1 address 02:00:00:0f:01:50 type veth peer name eth0 netns $N2 address 02:00:00:0f:02:50
link add vs netns $N2 address 02:00:00:0f:02:01 type veth peer name eth0 netns $S address 02:00:00:0f:03:02
EOF
must ip -n "$C" -batch - <<EOF
addr add 10.1.0.2/24 dev eth0
link set lo up
link set eth0 up
route add default via 10.1.0.1 dev eth0
neigh add 10.1.0.1 lladdr 02:00:00:0f:01:01 dev eth0 nud permanent
EOF
must ip -n "$N1" -batch - <<EOF
addr add 10.1.0.1/24 dev vc
addr add 192.0.2.1/24 dev eth0
addr add 192.0.2.11/24 dev eth0
addr add 198.51.100.1/32 dev lo
addr add 10.9.0.1/30 dev vx0
addr add 10.9.1.1/30 dev vx1
link set lo up
link set vc up
link set eth0 up
link set vx0 up
link set vx1 up
route add 10.3.0.0/24 via 10.9.1.2 dev vx1
route add 10.2.0.0/24 via 192.0.2.2 dev eth0
neigh add 10.9.1.2 lladdr 02:00:00:0f:02:43 dev vx1 nud permanent
rule add pref 100 fwmark 0x100/0x100 lookup 100
route add table 100 10.2.0.0/24 via 10.9.0.2 dev vx0
route add table 100 192.0.2.2 dev eth0 src 198.51.100.1
neigh add 10.1.0.2 lladdr 02:00:00:0f:00:02 dev vc nud permanent
neigh add 192.0.2.2 lladdr 02:00:00:0f:02:50 dev eth0 nud permanent
neigh add 10.9.0.2 lladdr 02:00:00:0f:02:42 dev vx0 nud permanent
EOF
must ip -n "$N2" -batch - <<EOF
link add vx0 address 02:00:00:0f:02:42 type vxlan id 42 remote 192.0.2.1 dstport 4789 srcport 5000 5010
addr add 192.0.2.2/24 dev eth0
addr add 10.9.0.2/30 dev vx0
addr add 10.2.0.1/24 dev vs noprefixroute
link set lo up
link set eth0 up
link set vx0 up
link set vs up
rule add pref 100 fwmark 0x77/0xff lookup 77
route add table 77 10.2.0.0/24 dev vs src 10.2.0.1
route add 10.1.0.0/24 via 10.9.0.1 dev vx0
neigh add 192.0.2.1 lladdr 02:00:00:0f:01:50 dev eth0 nud permanent
neigh add 192.0.2.11 lladdr 02:00:00:0f:01:50 dev eth0 nud permanent
neigh add 10.9.0.1 lladdr 02:00:00:0f:01:42 dev vx0 nud permanent
neigh add 10.2.0.2 lladdr 02:00:00:0f:03:02 dev vs nud permanent
EOF
must ip -n "$S" -batch - <<EOF
addr add 10.2.0.2/24 dev eth0
link set lo up
link set eth0 up
route add default via 10.2.0.1 dev eth0
neigh add 10.2.0.1 lladdr 02:00:00:0f:02:01 dev eth0 nud permanent
EOF
for ns in $N1 $N2; do
  must x "$ns" sysctl -qw net.ipv4.ip_forward=1
done
must x "$N1" sysctl -qw "net.ipv4.ip_local_port_range=61000 64999" net.ipv4.conf.vc.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.vx0.rp_filter=0
must x "$N2" sysctl -qw net.ipv4.conf.vs.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.vx0.rp_filter=0

# ---- rules -----------------------------------------------------------------------------------------------------------
must x "$C" iptables-restore <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 10.96.0.10/32 -i eth0 -p tcp -m tcp --sport 80 -m conntrack --ctstate ESTABLISHED -m comment --comment c_in_synack_from_vip
-A INPUT -s 10.2.0.2/32 -i eth0 -m comment --comment c_in_from_pod_ip_never
-A OUTPUT -o eth0 -p tcp -m tcp --dport 80 -m conntrack --ctstate NEW -m comment --comment c_out_syn
-A OUTPUT -o eth0 -p tcp -m tcp --dport 80 -m conntrack --ctstate ESTABLISHED -m comment --comment c_out_ack
-A OUTPUT -o eth0 -p udp -m udp --dport 7 -m comment --comment c_out_probe
COMMIT
EOF
must x "$N1" iptables-restore <<'EOF'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -i vc -p tcp -m comment --comment n1_raw_pre_inner
-A PREROUTING -i eth0 -p udp -m udp --dport 4789 -m comment --comment n1_raw_pre_outer_reply
-A PREROUTING -i vx0 -p tcp -m comment --comment n1_raw_pre_inner_reply
-A OUTPUT -p udp -m udp --dport 4789 -m comment --comment n1_raw_out_outer
-A OUTPUT -d 10.2.0.2/32 -p tcp -m tcp --dport 8080 -m comment --comment n1_raw_out_own_conn
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 10.96.0.10/32 -i vc -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x100/0x100
-A PREROUTING -i vc -m mark --mark 0x100/0x100 -m conntrack --ctstate NEW -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff
-A PREROUTING -i eth0 -p udp -m udp --dport 4789 -m mark --mark 0x0 -m conntrack --ctstate NEW -m comment --comment n1_pre_outer_reply_new_mark0
-A PREROUTING -i vx0 -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff
-A PREROUTING -i vx0 -m mark --mark 0x100 -m conntrack --ctstate ESTABLISHED --ctdir REPLY -m comment --comment n1_pre_reply_mark_restored
-A INPUT -p udp -m udp --dport 4789 -m conntrack --ctstate NEW -m comment --comment n1_in_outer_reply_new
-A FORWARD -i vc -o vx0 -m mark --mark 0x100 -m comment --comment n1_fwd_inner_marked
-A FORWARD -i vx0 -o vc -m mark --mark 0x100 -m comment --comment n1_fwd_reply_marked
-A OUTPUT -d 10.2.0.2/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x100/0x100
-A OUTPUT -s 198.51.100.1/32 -o eth0 -p udp -m udp --dport 4789 -m mark --mark 0x500 -m conntrack --ctstate NEW -m comment --comment n1_out_outer_postrouting_mark_table100_src
-A OUTPUT -s 192.0.2.1/32 -o eth0 -p udp -m udp --dport 4789 -m mark --mark 0x0 -m comment --comment n1_out_probe_outer_unmarked_main_src
-A POSTROUTING -d 10.2.0.2/32 -o vx0 -p tcp -m mark --mark 0x100 -m comment --comment n1_post_inner_dnatted_marked
-A POSTROUTING -o vx0 -j MARK --set-xmark 0x400/0x400
-A POSTROUTING -s 198.51.100.1/32 -d 192.0.2.2/32 -o eth0 -p udp -m udp --dport 4789 -m mark --mark 0x500 -m comment --comment n1_post_outer_marked
-A POSTROUTING -s 10.96.0.10/32 -o vc -m mark --mark 0x100 -m comment --comment n1_post_reply_unnatted
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 10.96.0.10/32 -i vc -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.2.0.2:8080
-A OUTPUT -p udp -m udp --dport 4789 -m comment --comment n1_nat_out_outer
-A POSTROUTING -s 198.51.100.1/32 -o eth0 -p udp -m udp --dport 4789 -j SNAT --to-source 192.0.2.11
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 10.2.0.2/32 -d 192.0.2.1/32 -i eth0 -p tcp -m tcp --sport 8080 -m conntrack --ctstate ESTABLISHED -m comment --comment n1_filter_in_own_conn_reply_by_underlay
-A INPUT -s 192.0.2.2/32 -d 192.0.2.11/32 -i eth0 -p udp -m udp --dport 4789 -m comment --comment n1_filter_in_outer_reply_to_learned_src -j ACCEPT
-A INPUT -s 192.0.2.2/32 -d 192.0.2.1/32 -i eth0 -p udp -m udp --dport 4789 -m comment --comment n1_filter_in_outer_reply_to_remote -j ACCEPT
-A FORWARD -d 10.2.0.2/32 -i vc -o vx0 -p tcp -m tcp --dport 8080 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i vc -o vx1 -p udp -m udp --dport 7 -m comment --comment n1_fwd_probe_vni43 -j ACCEPT
-A OUTPUT -p udp -m udp --dport 4789 -m comment --comment n1_filter_out_outer -j ACCEPT
COMMIT
EOF
must x "$N2" iptables-restore <<'EOF'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -s 192.0.2.11/32 -d 192.0.2.2/32 -i eth0 -p udp -m udp --dport 4789 -m comment --comment n2_raw_pre_outer_snatted
-A PREROUTING -s 10.1.0.2/32 -d 10.2.0.2/32 -i vx0 -p tcp -m comment --comment n2_raw_pre_inner
-A PREROUTING -s 192.0.2.1/32 -d 192.0.2.2/32 -i eth0 -p udp -m udp --dport 4789 -m comment --comment n2_raw_pre_outer_probe_vni43
-A PREROUTING -d 10.3.0.5/32 -m comment --comment n2_raw_pre_probe_inner_never
-A OUTPUT -p udp -m udp --dport 4789 -m comment --comment n2_raw_out_outer_reply
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p udp -m udp --dport 4789 -j MARK --set-xmark 0x77/0xff
-A PREROUTING -i vx0 -m mark --mark 0x77/0xff -m conntrack --ctstate NEW -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff
-A PREROUTING -i vx0 -m mark --mark 0x1077 -m comment --comment n2_pre_inner_kept_outer_mark_after_input
-A PREROUTING -i vx0 -m mark --mark 0x0 -m comment --comment n2_pre_inner_mark0_never
-A PREROUTING -i vs -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff
-A PREROUTING -i vs -m mark --mark 0x1077 -m conntrack --ctstate ESTABLISHED --ctdir REPLY -m comment --comment n2_pre_reply_mark_restored
-A INPUT -p udp -m udp --dport 4789 -m mark --mark 0x77 -m conntrack --ctstate NEW -m comment --comment n2_in_outer_marked_new
-A INPUT -p udp -m udp --dport 4789 -j MARK --set-xmark 0x1000/0x1000
-A FORWARD -i vx0 -o vs -m comment --comment n2_fwd_inner
-A FORWARD -i vs -o vx0 -m comment --comment n2_fwd_reply
-A OUTPUT -s 192.0.2.2/32 -d 192.0.2.11/32 -o eth0 -p udp -m udp --dport 4789 -m mark --mark 0x1077 -m comment --comment n2_out_outer_reply_marked_to_learned
-A POSTROUTING -o eth0 -p udp -m udp --dport 4789 -m mark --mark 0x1077 -m comment --comment n2_post_outer_reply_marked
-A POSTROUTING -o vx0 -m mark --mark 0x1077 -m comment --comment n2_post_reply_inner_marked
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 192.0.2.1/32 -p udp -m udp --dport 4789 -m comment --comment n2_filter_in_outer_probe_vni43
-A INPUT -p udp -m udp --dport 4789 -j ACCEPT
COMMIT
EOF
must x "$S" iptables-restore <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 10.1.0.2/32 -i eth0 -p tcp -m tcp --dport 8080 --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -m comment --comment s_in_syn
-A INPUT -s 10.1.0.2/32 -i eth0 -p tcp -m tcp --dport 8080 -m conntrack --ctstate ESTABLISHED -m comment --comment s_in_ack
-A OUTPUT -d 10.1.0.2/32 -o eth0 -p tcp -m tcp --sport 8080 -m comment --comment s_out_synack
COMMIT
EOF

# ---- snapshots (scripts/collect layout) and the scenario ---------------------------------------------------------------
dump() { # NS DIR
  local ns=$1 d=$OUT/$2
  mkdir -p "$d"
  x "$ns" iptables-save > "$d/iptables-save.txt"
  ip -n "$ns" rule show > "$d/ip-rule.txt"
  ip -n "$ns" route show table all > "$d/ip-route.txt"
  ip -n "$ns" -d addr > "$d/ip-addr.txt"
  ip -n "$ns" -d link > "$d/ip-link.txt"
  x "$ns" sh -c 'sysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter net.ipv4.conf.default.rp_filter net.ipv4.ip_local_port_range 2>/dev/null
    for f in /proc/sys/net/ipv4/conf/*/rp_filter; do i=${f#/proc/sys/net/ipv4/conf/}; echo "net.ipv4.conf.${i%/rp_filter}.rp_filter = $(cat "$f")"; done' > "$d/sysctl.txt"
}
dump "$C" c; dump "$N1" n1; dump "$N2" n2; dump "$S" s
cat > "$OUT/scenario.yaml" <<'EOF'
name: fabric-diff (two nodes, VXLAN 42, real kernel)
hosts:
  - { name: client, role: pod, snapshot: c, node: node1 }
  - { name: node1, role: node, snapshot: n1 }
  - { name: node2, role: node, snapshot: n2 }
  - { name: server, role: pod, snapshot: s, node: node2 }
links:
  - [client:eth0, node1:vc]
  - [server:eth0, node2:vs]
networks:
  - { name: underlay, members: [node1:eth0, node2:eth0] }
endpoints:
  client: { host: client, address: 10.1.0.2 }
  server: { host: server, address: 10.2.0.2, port: 8080 }
EOF

# ---- traffic ---------------------------------------------------------------------------------------------------------
start() { # NAME NS ARGS... : a background process inside NS
  local name=$1 ns=$2; shift 2
  ( exec ip netns exec "$ns" "$@" ) > "$OUT/$name.log" 2>&1 &
  PIDS+=($!)
}
# (generous limits: on a loaded machine an interpreter may take seconds to start)
wait_for() { local i; for i in $(seq 500); do [ -e "$1" ] && return 0; sleep 0.02; done; echo "fabric-diff.sh: $1 never appeared" >&2; exit 1; }
rm -f "$OUT"/.ready-* "$OUT"/.done
start sniff-n2 "$N2" "$PY" -S "$PKT" sniff --out "$OUT/capture-n2.txt" --ready "$OUT/.ready-sn2" --timeout 20
start sniff-n1 "$N1" "$PY" -S "$PKT" sniff --out "$OUT/capture-n1.txt" --ready "$OUT/.ready-sn1" --timeout 20
start server "$S" "$PY" -S -c '
import socket, sys, time, os
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.2.0.2", 8080)); s.listen(4)
open(sys.argv[1], "w").close()
s.settimeout(15)
c, peer = s.accept()
print("ACCEPTED=%s:%d" % peer, flush=True)
c2, peer2 = s.accept()
print("OWN_ACCEPTED=%s:%d" % peer2, flush=True)
time.sleep(15)' "$OUT/.ready-srv"
wait_for "$OUT/.ready-sn2"; wait_for "$OUT/.ready-sn1"; wait_for "$OUT/.ready-srv"
# first a UDP probe 10.1.0.2:5555 -> 10.3.0.5:7, which node1 routes into vx1 (VNI 43): node2 has no device with that VNI,
# so vxlan_rcv drops the outer after node2's INPUT (docs/tunnels.md fact 22)
must x "$C" "$PY" -S -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.1.0.2", 5555)); s.sendto(b"probe", ("10.3.0.5", 7))'
# the client: bound to 10.1.0.2:40000 (the port nfwalk's walk uses), connect() returns after the SYN-ACK, with the ACK
# sent; it keeps the connection open (no FIN) until the counters are read
start client "$C" "$PY" -S -c '
import socket, sys, time, os
s = socket.socket(); s.bind(("10.1.0.2", 40000)); s.settimeout(5)
try:
    s.connect(("10.96.0.10", 80)); print("CONNECTED=1", flush=True); print("PEER=%s:%d" % s.getpeername(), flush=True)
except Exception as e:
    print("CONNECTED=0", flush=True); print("CONNECT_ERROR=%s" % e, flush=True)
open(sys.argv[1], "w").close()
for _ in range(300):
    if os.path.exists(sys.argv[2]): break
    time.sleep(0.05)' "$OUT/.ready-cli" "$OUT/.done"
wait_for "$OUT/.ready-cli"
# then node1's own connection 192.0.2.1:40001 -> 10.2.0.2:8080: routed by main to the underlay, re-marked 0x100 in mangle
# OUTPUT and so re-routed into vx0 (ip_route_me_harder, source kept); the SYN-ACK comes back directly over the underlay
start own "$N1" "$PY" -S -c '
import socket, sys, time, os
s = socket.socket(); s.bind(("192.0.2.1", 40001)); s.settimeout(5)
try:
    s.connect(("10.2.0.2", 8080)); print("OWN_CONNECTED=1", flush=True); print("OWN_PEER=%s:%d" % s.getpeername(), flush=True)
except Exception as e:
    print("OWN_CONNECTED=0", flush=True); print("OWN_CONNECT_ERROR=%s" % e, flush=True)
for _ in range(300):
    if os.path.exists(sys.argv[1]): break
    time.sleep(0.05)' "$OUT/.done"
# the server's side of the handshake (the ACK) is processed in softirq, perhaps in ksoftirqd on a loaded machine; and the
# captures must have read every outer packet before they are stopped (they do not drain their socket on SIGTERM)
for _ in $(seq 100); do grep -q OWN_ACCEPTED "$OUT/server.log" 2>/dev/null && grep -q OWN_CONNECTED "$OUT/own.log" 2>/dev/null && break; sleep 0.05; done
for _ in $(seq 100); do
  grep -q 'vni=43' "$OUT/capture-n2.txt" 2>/dev/null && grep -q 'vni=42.*idport=8080' "$OUT/capture-n2.txt" 2>/dev/null \
    && grep -q 'isrc=10.2.0.2' "$OUT/capture-n1.txt" 2>/dev/null && grep -q 'isrc=192.0.2.1 idst=10.2.0.2' "$OUT/capture-n2.txt" 2>/dev/null && break
  sleep 0.05
done
sleep 0.3
x "$C" iptables-save -c > "$OUT/c/counters.txt"
x "$N1" iptables-save -c > "$OUT/n1/counters.txt"
x "$N2" iptables-save -c > "$OUT/n2/counters.txt"
x "$S" iptables-save -c > "$OUT/s/counters.txt"
command -v conntrack >/dev/null && for ns in $N1 $N2; do x "$ns" conntrack -L > "$OUT/${ns##*-}-conntrack.txt" 2>/dev/null; done
touch "$OUT/.done"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
PIDS=()
{
  grep -h '=' "$OUT/client.log" "$OUT/server.log" "$OUT/own.log" 2>/dev/null
  echo "KERNEL=$(uname -r)"
  echo "N1_PORT_RANGE=$(x "$N1" sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')"
  echo "N2_PORT_RANGE=$(x "$N2" sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')"
} > "$OUT/result.txt"
cat "$OUT/result.txt"
