#!/usr/bin/env bash
# tunnel-facts.sh — what the kernel does to a packet routed into a VXLAN device and to a packet crossing a veth,
# observed in throw-away network namespaces and printed as KEY=VALUE lines (docs/tunnels.md explains every key).
#
#   n0 ("pod")  p0 10.0.0.2 ──veth── vp0 10.0.0.1  n1 ("node 1")  u1  192.168.50.1 ──veth── u2  192.168.50.2  n2 ("node 2")
#               vxm 10.77.0.1 (vxlan created in n1,              u1b 192.168.51.1 ──veth── u2b 192.168.51.2
#               moved to n0)                                     lo  192.168.77.1/32
#                                                                vx0 10.42.0.1 vni 42 remote 192.168.50.2 (defaults)  ⇄ n2 vx0 10.42.0.2
#                                                                vx1 10.43.0.1 vni 43 tos/ttl inherit, df set,
#                                                                    srcport 5000 5004                                 ⇄ n2 vx1 10.43.0.2
#                                                                vx2 10.44.0.1 vni 44 local 192.168.51.1; vx3 10.45.0.1 vni 45 dev u1b
#                                                                sv0 10.9.0.1 ──veth── sv1 (both ends in n1)
#   n1: ip rule fwmark 0x100/0x100 lookup 100; table 100: 192.168.50.2 dev u1b src 192.168.77.1; ip_local_port_range 40000 40003
#
# Every command runs with "ip -n NS" or "ip netns exec NS" on namespaces named nfwtun-ID-*; they are deleted on exit.
# Observations: iptables counters of rules tagged with comments, and an AF_PACKET capture in n2 (tunnel-pkt.py sniff).
# Exit 77 when it cannot run here (not root, tools missing, no vxlan support). Takes about two seconds.
# env: NFWTUN_ID  namespace name infix (default: pid and random)
set -uo pipefail

die77() { echo "tunnel-facts.sh: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || die77 "needs root (network namespaces)"
for t in ip iptables iptables-save iptables-restore python3; do command -v "$t" >/dev/null || die77 "$t is not installed"; done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PKT="$HERE/tunnel-pkt.py"
# the interpreter itself, not a pyenv shim (a shim costs seconds per start on a loaded machine)
PY=$(command -v /usr/bin/python3 || python3 -c 'import sys; print(sys.executable)')
ID=${NFWTUN_ID:-$$$RANDOM}
N0=nfwtun-$ID-n0; N1=nfwtun-$ID-n1; N2=nfwtun-$ID-n2
TMP=$(mktemp -d /tmp/nfwtun.XXXXXX)
SNIFF_PID=
cleanup() {
  [ -n "$SNIFF_PID" ] && kill "$SNIFF_PID" 2>/dev/null
  for ns in $N0 $N1 $N2; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
# a run killed with SIGKILL (a test timeout) cannot clean up: remove this script's namespaces older than 10 minutes
for f in /run/netns/nfwtun-*; do [ -e "$f" ] && [ -n "$(find "$f" -maxdepth 0 -mmin +10 2>/dev/null)" ] && ip netns del "${f##*/}" 2>/dev/null; done

x() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
must() { "$@" || { echo "tunnel-facts.sh: failed: $*" >&2; exit 1; }; }
out() { echo "$1=$2"; }
pkt() { local ns=$1; shift; x "$ns" "$PY" -S "$PKT" "$@"; }
# zero NS...: start a phase (remember the counters); snap NS...: end it; cnt NS TAG: packets the rule tagged
# "-m comment --comment TAG" in NS counted in between (differences of iptables-save -c, no iptables -Z round trips)
declare -A C
zero() { for ns in "$@"; do x "$ns" iptables-save -c > "$TMP/$ns.z"; done; }
snap() {
  local ns tag v
  for ns in "$@"; do
    x "$ns" iptables-save -c > "$TMP/$ns.c"
    while read -r tag v; do C[$ns/$tag]=$v; done < <(awk '/--comment / { t = $0; sub(/.*--comment /, "", t); sub(/ .*/, "", t)
      c = substr($1, 2); sub(/:.*/, "", c); s[t] += (FILENAME ~ /\.c$/ ? c : -c) } END { for (t in s) print t, s[t] }' "$TMP/$ns.c" "$TMP/$ns.z")
  done
}
cnt() { echo "${C[$1/$2]:-0}"; }
# let softirq work finish (on a loaded machine it may run in ksoftirqd): at least 0.25 s, then until the capture
# stops growing (at most 2 s more)
settle() {
  local n=-1 m i
  sleep 0.25
  for i in $(seq 20); do m=$(wc -l < "$TMP/sniff" 2>/dev/null || echo 0); [ "$m" = "$n" ] && break; n=$m; sleep 0.1; done
}

# ---- topology --------------------------------------------------------------------------------------------------------
for ns in $N0 $N1 $N2; do
  must ip netns add "$ns"
  # no IPv6 anywhere: no ND/MLD/RS frames over the tunnels to disturb the counters
  must x "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
if ! ip -n $N1 link add vx0 address 02:00:00:00:01:42 type vxlan id 42 remote 192.168.50.2 dstport 4789 2>"$TMP/vxerr"; then
  die77 "cannot create a vxlan device: $(cat "$TMP/vxerr")"
fi
# fixed MAC addresses, so that the static neighbours below need no look-ups; one "ip -batch" per namespace
must ip -batch - <<EOF2
link add p0 netns $N0 address 02:00:00:00:00:02 type veth peer name vp0 netns $N1 address 02:00:00:00:01:01
link add u1 netns $N1 address 02:00:00:00:01:50 type veth peer name u2 netns $N2 address 02:00:00:00:02:50
link add u1b netns $N1 address 02:00:00:00:01:51 type veth peer name u2b netns $N2 address 02:00:00:00:02:51
EOF2
must ip -n $N1 -batch - <<EOF2
link add sv0 address 02:00:00:00:01:90 type veth peer name sv1 address 02:00:00:00:01:91
link add vx1 address 02:00:00:00:01:43 type vxlan id 43 remote 192.168.50.2 dstport 4789 tos inherit ttl inherit df set srcport 5000 5004
link add vxm address 02:00:00:00:00:77 type vxlan id 77 remote 192.168.50.2 dstport 4789
link add vx2 type vxlan id 44 remote 192.168.50.2 dstport 4789 local 192.168.51.1
link add vx3 type vxlan id 45 remote 192.168.50.2 dstport 4789 dev u1b
link set vxm netns $N0
addr add 10.0.0.1/24 dev vp0
addr add 192.168.50.1/24 dev u1
addr add 192.168.51.1/24 dev u1b
addr add 192.168.77.1/32 dev lo
addr add 10.42.0.1/24 dev vx0
addr add 10.43.0.1/24 dev vx1
addr add 10.9.0.1/24 dev sv0
addr add 10.44.0.1/24 dev vx2
addr add 10.45.0.1/24 dev vx3
link set vx2 up
link set vx3 up
neigh add 10.44.0.2 lladdr 02:00:00:00:02:44 dev vx2 nud permanent
neigh add 10.45.0.2 lladdr 02:00:00:00:02:45 dev vx3 nud permanent
link set lo up
link set vp0 up
link set u1 up
link set u1b up
link set sv0 up
link set sv1 up
link set vx0 up
link set vx1 up
rule add pref 100 fwmark 0x100/0x100 lookup 100
route add table 100 192.168.50.2 dev u1b src 192.168.77.1
neigh add 10.42.0.2 lladdr 02:00:00:00:02:42 dev vx0 nud permanent
neigh add 10.43.0.2 lladdr 02:00:00:00:02:43 dev vx1 nud permanent
neigh add 192.168.50.2 lladdr 02:00:00:00:02:50 dev u1 nud permanent
neigh add 192.168.50.2 lladdr 02:00:00:00:02:51 dev u1b nud permanent
neigh add 10.9.0.2 lladdr 02:00:00:00:01:91 dev sv0 nud permanent
EOF2
# static neighbours everywhere: no ARP at all (ARP over a vxlan device would itself be encapsulated and counted)
must ip -n $N0 -batch - <<EOF2
addr add 10.0.0.2/24 dev p0
addr add 10.77.0.1/24 dev vxm
link set lo up
link set p0 up
link set vxm up
route add default via 10.0.0.1 dev p0
neigh add 10.0.0.1 lladdr 02:00:00:00:01:01 dev p0 nud permanent
neigh add 10.77.0.2 lladdr 02:00:00:00:77:02 dev vxm nud permanent
EOF2
must ip -n $N2 -batch - <<EOF2
link add vx0 address 02:00:00:00:02:42 type vxlan id 42 remote 192.168.50.1 dstport 4789
link add vx1 address 02:00:00:00:02:43 type vxlan id 43 remote 192.168.50.1 dstport 4789
addr add 192.168.50.2/24 dev u2
addr add 192.168.51.2/24 dev u2b
addr add 10.42.0.2/24 dev vx0
addr add 10.43.0.2/24 dev vx1
link set lo up
link set u2 up
link set u2b up
link set vx0 up
link set vx1 up
EOF2
must x $N1 sysctl -qw net.ipv4.ip_forward=1 "net.ipv4.ip_local_port_range=40000 40003" \
  net.ipv4.conf.vp0.rp_filter=0 net.ipv4.conf.u1.rp_filter=0 net.ipv4.conf.u1b.rp_filter=0 net.ipv4.conf.sv0.rp_filter=0 \
  net.ipv4.conf.sv1.rp_filter=0 net.ipv4.conf.vx0.rp_filter=0 net.ipv4.conf.vx1.rp_filter=0 net.ipv4.conf.vx2.rp_filter=0 net.ipv4.conf.vx3.rp_filter=0
must x $N2 sysctl -qw net.ipv4.conf.u2.rp_filter=0 net.ipv4.conf.u2b.rp_filter=0 net.ipv4.conf.vx0.rp_filter=0 net.ipv4.conf.vx1.rp_filter=0
VX0_N2_MAC=02:00:00:00:02:42

# ---- rules -----------------------------------------------------------------------------------------------------------
must x $N0 iptables-restore <<'EOF'
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A OUTPUT -o p0 -p udp --dport 6000 -m mark --mark 0x55 -m comment --comment n0_out_veth_mark55 -j CONNMARK --set-xmark 0x6/0xffffffff
-A OUTPUT -p udp --dport 4789 -m comment --comment n0_out_outer
-A POSTROUTING -o vxm -p udp --dport 7000 -m mark --mark 0x100 -m comment --comment n0_post_inner_vxm_mark100
-A POSTROUTING -p udp --dport 4789 -m comment --comment n0_post_outer
COMMIT
EOF

must x $N1 iptables-restore <<'EOF'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -i vp0 -p udp --dport 6000 -m mark --mark 0x55 -m comment --comment n1_veth_in_mark55
-A PREROUTING -i vp0 -p udp --dport 6000 -m mark --mark 0x0 -m comment --comment n1_veth_in_mark0
-A PREROUTING -p udp --dport 4789 -m comment --comment n1_raw_pre_outer
-A PREROUTING -i sv1 -p udp -m mark --mark 0x66 -m comment --comment n1_samens_in_mark66
-A PREROUTING -i sv1 -p udp -m mark --mark 0x0 -m comment --comment n1_samens_in_mark0
-A OUTPUT -o sv0 -p udp --dport 9001 -j CT --notrack
-A OUTPUT -p udp --dport 4789 -m comment --comment n1_raw_out_outer
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i vp0 -p udp --dport 6000 -m conntrack --ctstate NEW -m connmark --mark 0x0 -m comment --comment n1_veth_in_new_connmark0
-A PREROUTING -i vp0 -p udp --dport 6000 -j DROP
-A PREROUTING -i sv1 -p udp --dport 9001 -m conntrack --ctstate UNTRACKED -m comment --comment n1_samens_notrack_untracked
-A PREROUTING -i sv1 -p udp --dport 9001 -m conntrack --ctstate NEW -m comment --comment n1_samens_notrack_new
-A PREROUTING -i sv1 -p udp --dport 9002 -m connmark --mark 0x7 -m comment --comment n1_samens_connmark7
-A PREROUTING -i sv1 -j DROP
-A PREROUTING -i vp0 -p udp --dport 7001 -j MARK --set-xmark 0x100/0xffffffff
-A PREROUTING -i vp0 -p udp -j CONNMARK --set-xmark 0x5/0xffffffff
-A PREROUTING -p udp --dport 4789 -m comment --comment n1_mangle_pre_outer
-A FORWARD -p udp --dport 4789 -m comment --comment n1_fwd_outer
-A FORWARD -i vp0 -o vx0 -m comment --comment n1_fwd_inner_vx0
-A OUTPUT -o sv0 -p udp --dport 9002 -j CONNMARK --set-xmark 0x7/0xffffffff
-A OUTPUT -p udp --dport 4789 -m comment --comment n1_out_outer
-A OUTPUT -p udp --dport 4789 -m mark --mark 0x100 -m comment --comment n1_out_outer_mark100
-A OUTPUT -p udp --dport 4789 -m mark --mark 0x0 -m comment --comment n1_out_outer_mark0
-A OUTPUT -p udp --dport 4789 -m conntrack --ctstate NEW -m comment --comment n1_out_outer_new
-A OUTPUT -p udp --dport 4789 -m connmark --mark 0x5 -m comment --comment n1_out_outer_connmark5
-A OUTPUT -p udp --dport 4789 -o u1 -m comment --comment n1_out_outer_o_u1
-A OUTPUT -p udp --dport 4789 -o u1b -m comment --comment n1_out_outer_o_u1b
-A POSTROUTING -o vx0 -p udp -m comment --comment n1_post_inner_vx0
-A POSTROUTING -p udp --dport 4789 -m comment --comment n1_post_outer
-A POSTROUTING -o u1 -s 192.168.50.1 -p udp --dport 4789 -m mark --mark 0x0 -m comment --comment n1_post_outer_u1_src50_mark0
-A POSTROUTING -o u1b -s 192.168.77.1 -p udp --dport 4789 -m mark --mark 0x100 -m comment --comment n1_post_outer_u1b_src77_mark100
-A POSTROUTING -o u1b -s 192.168.77.1 -p udp --dport 4789 -m mark --mark 0x0 -m comment --comment n1_post_outer_u1b_src77_mark0
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A OUTPUT -p udp --dport 4789 -m comment --comment n1_nat_out_outer
-A POSTROUTING -p udp --dport 4789 -m comment --comment n1_nat_post_outer
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p udp --dport 4789 -m comment --comment n1_filter_fwd_outer
-A OUTPUT -p udp --dport 4789 -m comment --comment n1_filter_out_outer
COMMIT
EOF

must x $N2 iptables-restore <<'EOF'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -i u2 -p udp --dport 4789 -m comment --comment n2_pre_outer_u2
-A PREROUTING -i u2b -p udp --dport 4789 -m comment --comment n2_pre_outer_u2b
-A PREROUTING -p udp --dport 4789 -m mark --mark 0x100 -m comment --comment n2_pre_outer_mark100
-A PREROUTING -p udp --dport 4789 -m mark --mark 0x0 -m comment --comment n2_pre_outer_mark0
-A PREROUTING -i vx0 -s 10.0.0.2 -m comment --comment n2_pre_inner_vx0
-A PREROUTING -i vx0 -s 10.0.0.2 -m mark --mark 0x77 -m comment --comment n2_pre_inner_mark77
-A PREROUTING -i vx0 -s 10.0.0.2 -m mark --mark 0x0 -m comment --comment n2_pre_inner_mark0
-A PREROUTING -i vx0 -s 10.99.9.9 -m comment --comment n2_pre_crafted_ok
-A PREROUTING -i vx0 -s 10.99.9.8 -m comment --comment n2_pre_crafted_badvni
-A PREROUTING -s 10.99.9.8 -m comment --comment n2_pre_crafted_badvni_anyif
-A PREROUTING -i vx0 -s 10.99.9.7 -m comment --comment n2_pre_crafted_othermac
-A PREROUTING -s 10.99.9.7 -m comment --comment n2_pre_crafted_othermac_anyif
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p udp --dport 4789 -j MARK --set-xmark 0x77/0xffffffff
-A PREROUTING -p udp --dport 4789 -j CONNMARK --set-xmark 0x9/0xffffffff
-A PREROUTING -i vx0 -s 10.0.0.2 -m conntrack --ctstate NEW -m connmark --mark 0x0 -m comment --comment n2_pre_inner_new_connmark0
-A PREROUTING -i vx0 -s 10.0.0.2 -m connmark --mark 0x9 -m comment --comment n2_pre_inner_connmark9
-A INPUT -p udp --dport 4789 -m comment --comment n2_in_outer
-A INPUT -p udp --dport 4789 -m conntrack --ctstate NEW -m comment --comment n2_in_outer_new
-A INPUT -i vx0 -s 10.0.0.2 -m comment --comment n2_in_inner_vx0
-A FORWARD -p udp --dport 4789 -m comment --comment n2_fwd_outer
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i vx0 -j DROP
-A INPUT -i vx1 -j DROP
COMMIT
EOF

# ---- capture on n2's underlay ----------------------------------------------------------------------------------------
( exec ip netns exec $N2 "$PY" -S "$PKT" sniff --out "$TMP/sniff" --ready "$TMP/ready" --timeout 30 ) &   # exec: $! is the capture itself
SNIFF_PID=$!
for _ in $(seq 100); do [ -e "$TMP/ready" ] && break; sleep 0.02; done
[ -e "$TMP/ready" ] || { echo "tunnel-facts.sh: capture did not start" >&2; exit 1; }


out KERNEL "$(uname -r)"

# ---- A: two inner flows from n0 forwarded by n1 into vx0; 7001 gets mark 0x100 in n1's mangle PREROUTING ------------
zero $N0 $N1 $N2
pkt $N0 batch <<'EOF2'
send --dev p0 --src 10.0.0.2 --dst 10.42.0.2 --sport 20000 --dport 7000 --tos 0x29 --df
send --dev p0 --src 10.0.0.2 --dst 10.42.0.2 --sport 20001 --dport 7001
EOF2
settle; snap $N1 $N2
out INNER_FORWARD_HITS "$(cnt $N1 n1_fwd_inner_vx0)"
out INNER_POSTROUTING_VX0_HITS "$(cnt $N1 n1_post_inner_vx0)"
out OUTER_RAW_OUTPUT_HITS "$(cnt $N1 n1_raw_out_outer)"
out OUTER_OUTPUT_HITS "$(cnt $N1 n1_out_outer)"
out OUTER_NAT_OUTPUT_HITS "$(cnt $N1 n1_nat_out_outer)"
out OUTER_FILTER_OUTPUT_HITS "$(cnt $N1 n1_filter_out_outer)"
out OUTER_POSTROUTING_HITS "$(cnt $N1 n1_post_outer)"
out OUTER_NAT_POSTROUTING_HITS "$(cnt $N1 n1_nat_post_outer)"
out OUTER_PREROUTING_HITS "$(( $(cnt $N1 n1_raw_pre_outer) + $(cnt $N1 n1_mangle_pre_outer) ))"
out OUTER_FORWARD_HITS "$(( $(cnt $N1 n1_fwd_outer) + $(cnt $N1 n1_filter_fwd_outer) ))"
out OUTER_OUTPUT_NEW_HITS "$(cnt $N1 n1_out_outer_new)"
[ "$(cnt $N1 n1_out_outer_new)" = 2 ] && out OUTER_CTSTATE_OUTPUT NEW || out OUTER_CTSTATE_OUTPUT not-NEW
out OUTER_INHERITS_INNER_CONNMARK "$(cnt $N1 n1_out_outer_connmark5)"
out OUTER_OUTPUT_MARK100_HITS "$(cnt $N1 n1_out_outer_mark100)"
out OUTER_OUTPUT_MARK0_HITS "$(cnt $N1 n1_out_outer_mark0)"
[ "$(cnt $N1 n1_out_outer_mark100)" = 1 ] && out OUTER_MARK_SEEN_IN_OUTPUT 0x100 || out OUTER_MARK_SEEN_IN_OUTPUT 0x0
out OUTER_OUTPUT_OIF_U1_HITS "$(cnt $N1 n1_out_outer_o_u1)"
out OUTER_OUTPUT_OIF_U1B_HITS "$(cnt $N1 n1_out_outer_o_u1b)"
[ "$(cnt $N1 n1_post_outer_u1b_src77_mark100)" = 1 ] && [ "$(cnt $N1 n1_post_outer_u1_src50_mark0)" = 1 ] \
  && out OUTER_ROUTED_BY_MARK 1 || out OUTER_ROUTED_BY_MARK 0
if command -v conntrack >/dev/null; then
  out OUTER_CT_ENTRIES_UNREPLIED "$(x $N1 conntrack -L -p udp --dport 4789 2>/dev/null | grep -c UNREPLIED)"
fi
# receive side in n2, same two packets
out RX_OUTER_PREROUTING_U2_HITS "$(cnt $N2 n2_pre_outer_u2)"
out RX_OUTER_PREROUTING_U2B_HITS "$(cnt $N2 n2_pre_outer_u2b)"
out RX_OUTER_INPUT_HITS "$(cnt $N2 n2_in_outer)"
[ "$(cnt $N2 n2_in_outer_new)" = 2 ] && out RX_OUTER_CTSTATE_INPUT NEW || out RX_OUTER_CTSTATE_INPUT not-NEW
out RX_OUTER_FORWARD_HITS "$(cnt $N2 n2_fwd_outer)"
out RX_OUTER_MARK100_HITS "$(cnt $N2 n2_pre_outer_mark100)"
[ "$(cnt $N2 n2_pre_outer_mark0)" = 2 ] && out VETH_XNET_OUTER_MARK 0x0 || out VETH_XNET_OUTER_MARK not-0
[ "$(cnt $N2 n2_pre_inner_vx0)" = 2 ] && out INNER_AFTER_DECAP_IIF vx0 || out INNER_AFTER_DECAP_IIF "?"
if [ "$(cnt $N2 n2_pre_inner_mark77)" = 2 ]; then out INNER_AFTER_DECAP_MARK 0x77
elif [ "$(cnt $N2 n2_pre_inner_mark0)" = 2 ]; then out INNER_AFTER_DECAP_MARK 0x0
else out INNER_AFTER_DECAP_MARK "?"; fi
out INNER_AFTER_DECAP_NEW_CT_HITS "$(cnt $N2 n2_pre_inner_new_connmark0)"
out INNER_AFTER_DECAP_OUTER_CONNMARK_HITS "$(cnt $N2 n2_pre_inner_connmark9)"
out INNER_AFTER_DECAP_INPUT_HITS "$(cnt $N2 n2_in_inner_vx0)"

# ---- B: 60 more flows into vx0 (source port spread), and flow 20000 again (same hash, same port) --------------------
# ---- C: vx1 (tos inherit, ttl inherit, df set, srcport 5000 5004); vx2 (local 192.168.51.1); vx3 (dev u1b) ---------
pkt $N0 batch <<'EOF2'
send --dev p0 --src 10.0.0.2 --dst 10.42.0.2 --sport 21000 --flows 60 --dport 7000
send --dev p0 --src 10.0.0.2 --dst 10.42.0.2 --sport 20000 --dport 7000 --tos 0x29 --df --repeat 2
send --dev p0 --src 10.0.0.2 --dst 10.43.0.2 --sport 22000 --dport 7000 --tos 0x29 --ttl 50
send --dev p0 --src 10.0.0.2 --dst 10.43.0.2 --sport 22100 --flows 40 --dport 7000
send --dev p0 --src 10.0.0.2 --dst 10.44.0.2 --sport 22500 --dport 7000
send --dev p0 --src 10.0.0.2 --dst 10.45.0.2 --sport 22600 --dport 7000
EOF2
settle

# ---- D: hand-made VXLAN packets to n2 from an outer source that is not vx0's remote ---------------------------------
zero $N2
pkt $N1 batch <<EOF2
vxlan --dev u1 --src 192.168.50.99 --dst 192.168.50.2 --vni 42 --inner-dmac $VX0_N2_MAC --inner-src 10.99.9.9 --inner-dst 10.42.0.2
vxlan --dev u1 --src 192.168.50.99 --dst 192.168.50.2 --vni 4242 --inner-dmac $VX0_N2_MAC --inner-src 10.99.9.8 --inner-dst 10.42.0.2
vxlan --dev u1 --src 192.168.50.99 --dst 192.168.50.2 --vni 42 --inner-dmac 02:de:ad:be:ef:01 --inner-src 10.99.9.7 --inner-dst 10.42.0.2
EOF2
settle; snap $N2
out CRAFTED_OUTER_INPUT_HITS "$(cnt $N2 n2_in_outer)"
out VXLAN_RX_ANY_OUTER_SRC "$(cnt $N2 n2_pre_crafted_ok)"
out VXLAN_RX_UNKNOWN_VNI_PREROUTING_HITS "$(cnt $N2 n2_pre_crafted_badvni_anyif)"
out VXLAN_RX_OTHERHOST_MAC_PREROUTING_HITS "$(cnt $N2 n2_pre_crafted_othermac_anyif)"

# ---- E: vxm lives in n0 but was created in n1: where do the outer hooks run, and what mark does the outer carry? ---
zero $N0 $N1
pkt $N0 send --dev vxm --src 10.77.0.1 --dst 10.77.0.2 --sport 23000 --dport 7000 --mark 0x100
settle; snap $N0 $N1
out XNET_INNER_POSTROUTING_N0_MARK100_HITS "$(cnt $N0 n0_post_inner_vxm_mark100)"
out XNET_OUTER_DEVICE_NS_HOOK_HITS "$(( $(cnt $N0 n0_out_outer) + $(cnt $N0 n0_post_outer) ))"
out XNET_OUTER_LINK_NS_OUTPUT_HITS "$(cnt $N1 n1_out_outer)"
out XNET_OUTER_OUTPUT_MARK0_HITS "$(cnt $N1 n1_out_outer_mark0)"
out XNET_OUTER_OUTPUT_MARK100_HITS "$(cnt $N1 n1_out_outer_mark100)"
out XNET_OUTER_OUTPUT_OIF_U1_HITS "$(cnt $N1 n1_out_outer_o_u1)"
out XNET_OUTER_OUTPUT_OIF_U1B_HITS "$(cnt $N1 n1_out_outer_o_u1b)"
out XNET_OUTER_POST_U1B_SRC77_MARK0_HITS "$(cnt $N1 n1_post_outer_u1b_src77_mark0)"

# ---- F: veth into another namespace (n0 -> n1) with SO_MARK 0x55 and a connmark set in n0 --------------------------
zero $N0 $N1
pkt $N0 send --dev p0 --src 10.0.0.2 --dst 10.0.0.1 --sport 24000 --dport 6000 --mark 0x55
settle; snap $N0 $N1
out VETH_XNET_SENDER_OUTPUT_MARK55_HITS "$(cnt $N0 n0_out_veth_mark55)"
out VETH_XNET_RX_MARK55_HITS "$(cnt $N1 n1_veth_in_mark55)"
[ "$(cnt $N1 n1_veth_in_mark0)" = 1 ] && out VETH_XNET_MARK 0x0 || out VETH_XNET_MARK not-0
out VETH_XNET_RX_NEW_CT_CONNMARK0_HITS "$(cnt $N1 n1_veth_in_new_connmark0)"

# ---- G: veth with both ends in n1 (same namespace) with SO_MARK 0x66: 9001 untracked in OUTPUT, 9002 connmark 0x7 ---
zero $N1
pkt $N1 batch <<'EOF2'
send --dev sv0 --src 10.9.0.1 --dst 10.9.0.2 --sport 25000 --dport 9001 --mark 0x66
send --dev sv0 --src 10.9.0.1 --dst 10.9.0.2 --sport 25000 --dport 9002 --mark 0x66
EOF2
settle; snap $N1
[ "$(cnt $N1 n1_samens_in_mark66)" = 2 ] && out VETH_SAMENS_MARK 0x66 || { [ "$(cnt $N1 n1_samens_in_mark0)" = 2 ] && out VETH_SAMENS_MARK 0x0 || out VETH_SAMENS_MARK "?"; }
out VETH_SAMENS_NOTRACK_STILL_UNTRACKED_HITS "$(cnt $N1 n1_samens_notrack_untracked)"
out VETH_SAMENS_NOTRACK_NOW_NEW_HITS "$(cnt $N1 n1_samens_notrack_new)"
out VETH_SAMENS_CT_REFOUND_CONNMARK7_HITS "$(cnt $N1 n1_samens_connmark7)"

# ---- the capture -----------------------------------------------------------------------------------------------------
kill "$SNIFF_PID" 2>/dev/null; wait "$SNIFF_PID" 2>/dev/null; SNIFF_PID=
read -r lo hi <<<"$(x $N1 sysctl -n net.ipv4.ip_local_port_range)"
out LOCAL_PORT_RANGE "$lo-$hi"
out SRCPORT_RANGE "5000-5004"
# one pass over the capture: "if=IF k=v ..." per outer packet (tunnel-pkt.py sniff)
awk -v lo="$lo" -v hi="$hi" '
  function first(key, want,  k) { if (!(key in seen)) { seen[key] = 1; for (k in f) F[key, k] = f[k] } }
  function g(key, k) { return ((key, k) in F) ? F[key, k] : "" }
  function span(name, v, a, b,  x) { if (v < a || v > b) bad[name] = 1; n[name]++; ports[name, v] = 1
    if (!(name in mn) || v < mn[name]) mn[name] = v; if (!(name in mx) || v > mx[name]) mx[name] = v }
  /^# capture drops=/ { sub(/.*drops=/, ""); drops = $0 + 0; next }
  { delete f; split($1, ifv, "="); f["if"] = ifv[2]; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    total++; key = f["vni"] "/" f["isport"]; first(key)
    if (f["vni"] == 42 && ((f["isport"] >= 21000 && f["isport"] <= 21059) || f["isport"] == 20000 || f["isport"] == 20001))
      span("OUTER_SPORT", f["sport"], lo, hi - 1)
    if (f["vni"] == 43 && ((f["isport"] >= 22100 && f["isport"] <= 22139) || f["isport"] == 22000))
      span("SRCPORT", f["sport"], 5000, 5003)
    if (key == "42/20000") { same[f["sport"]] = 1; samen++ } }
  END {
    print "CAPTURED_OUTER_PACKETS=" total + 0; print "CAPTURE_DROPS=" (drops == "" ? "?" : drops)
    u = "42/20000"; m = "42/20001"; x = "43/22000"; v = "77/23000"
    print "OUTER_SRC=" g(u, "src"); print "OUTER_DST=" g(u, "dst"); print "OUTER_DPORT=" g(u, "dport")
    print "OUTER_VNI=" g(u, "vni"); print "OUTER_TTL=" g(u, "ttl"); print "OUTER_TOS=" g(u, "tos"); print "OUTER_DF=" g(u, "df")
    print "INNER_TOS_IN_OUTER=" g(u, "itos"); print "INNER_TTL_IN_OUTER=" g(u, "ittl"); print "OUTER_RX_IF=" g(u, "if")
    print "OUTER_SRC_MARKED=" g(m, "src"); print "OUTER_RX_IF_MARKED=" g(m, "if")
    for (name in n) {
      d = 0; for (k in ports) { split(k, pk, SUBSEP); if (pk[1] == name) d++ }
      print name "_SAMPLES=" n[name]; print name "_MIN=" mn[name]; print name "_MAX=" mx[name]; print name "_DISTINCT=" d
      print name "_IN_RANGE=" (name in bad ? 0 : 1) }
    k = 0; for (p in same) k++
    print "OUTER_SPORT_SAME_FLOW_PACKETS=" samen + 0; print "OUTER_SPORT_STABLE=" (k == 1 ? 1 : 0)
    print "INHERIT_OUTER_TOS=" g(x, "tos"); print "INHERIT_OUTER_TTL=" g(x, "ttl"); print "INHERIT_OUTER_DF=" g(x, "df")
    print "INHERIT_INNER_TTL=" g(x, "ittl")
    print "XNET_OUTER_SRC=" g(v, "src"); print "XNET_OUTER_RX_IF=" g(v, "if")
    print "LOCAL_OUTER_SRC=" g("44/22500", "src"); print "LOCAL_OUTER_RX_IF=" g("44/22500", "if")
    print "DEV_OUTER_SRC=" g("45/22600", "src"); print "DEV_OUTER_RX_IF=" g("45/22600", "if") }' "$TMP/sniff"

# ---- defaults that need no traffic -----------------------------------------------------------------------------------
ip -n $N1 link add vxd type vxlan id 99 remote 192.168.50.9 2>/dev/null
out VXLAN_DEFAULT_DSTPORT "$(ip -n $N1 -d link show dev vxd | sed -nE 's/.* dstport ([0-9]+).*/\1/p')"
ip -n $N1 link del vxd
if ip -n $N1 link add gnv0 type geneve id 5 remote 192.168.50.2 2>/dev/null; then
  out GENEVE_AVAILABLE 1; ip -n $N1 link del gnv0
else
  out GENEVE_AVAILABLE 0
fi
