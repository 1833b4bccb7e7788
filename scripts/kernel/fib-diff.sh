#!/usr/bin/env bash
# fib-diff.sh — the kernel's own answers for nfwalk's policy-routing differential test.
#
# Builds a throw-away network namespace (never touches the caller's namespace: every command runs with
# "ip -n NS" or inside "ip netns exec NS"), gives it interfaces, addresses, ip rules and routing tables modelled on an
# Istio ambient node (fwmark goto, lookups that miss and fall through, onlink, scope host routes, the local table) plus
# the other rule selectors and route types, dumps its state the way scripts/collect does, and answers a list of
# "ip route get" queries. The namespace is deleted on exit, whatever happens.
#
# usage: fib-diff.sh OUTDIR [QUERIES]
#   OUTDIR   receives ip-rule.txt/json, ip-rule6.txt/json, ip-route.txt/json, ip-addr.txt/json, ip-link.json, sysctl.txt
#            and, when QUERIES is given, answers.txt: "N<TAB>exit code<TAB>output of query N on one line"
#   QUERIES  one query per line, as "ip -batch" reads it: "route get 8.8.8.8 from 10.99.1.2 iif wan0 mark 0x100" (no blank lines;
#            the family follows from the address). Without QUERIES a few sample queries are answered on stdout.
#            All queries run in one "ip -j -force -batch" process, which keeps hundreds of queries well under a second.
# env: NFWFIB_NS  namespace name (default nfwfib-RANDOM); must start with "nfwfib-"
set -euo pipefail

OUT=${1:?usage: fib-diff.sh OUTDIR [QUERIES]}
QUERIES=${2:-}
NS=${NFWFIB_NS:-nfwfib-$RANDOM$RANDOM}
case "$NS" in nfwfib-*) ;; *) echo "fib-diff.sh: namespace name must start with nfwfib-" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "fib-diff.sh: needs root (network namespaces)" >&2; exit 77; }
command -v ip >/dev/null || { echo "fib-diff.sh: ip (iproute2) is not installed" >&2; exit 77; }
mkdir -p "$OUT"

cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$NS"

n() { ip -n "$NS" "$@"; }
x() { ip netns exec "$NS" "$@"; }

n link set lo up
# veth pairs with both ends inside the namespace; the "-p" ends stay without IPv4 addresses
for dev in eth0 vethzt vethpod istioin istioout wan0 noaddr0 down0; do
  n link add "$dev" type veth peer name "$dev-p"
  n link set "$dev" up
  n link set "$dev-p" up
done
# down0 loses its carrier (its peer goes down): its routes are kept, flagged "linkdown"
n link set down0-p down

x sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
x sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
x sysctl -qw net.ipv4.conf.wan0.rp_filter=1 net.ipv4.conf.eth0.rp_filter=2 net.ipv4.conf.vethpod.rp_filter=1 \
             net.ipv4.conf.vethpod.src_valid_mark=1 net.ipv4.conf.istioin.rp_filter=0 net.ipv4.conf.vethzt.rp_filter=0 \
             net.ipv4.conf.noaddr0.forwarding=0 net.ipv4.conf.istioout.accept_local=1 \
             net.ipv4.conf.down0.ignore_routes_with_linkdown=1

# addresses: eth0's first primary is not in the default gateway's subnet; 172.18.0.9 becomes a secondary;
# wan0 has a link-scope address besides its global one; vethzt and vethpod share the node's pod-side address
n addr add 10.1.0.1/24 dev eth0
n addr add 172.18.0.3/16 brd + dev eth0
n addr add 172.18.0.9/16 dev eth0
n addr add 10.99.1.1/24 dev wan0
n addr add 169.254.5.1/16 scope link dev wan0
n addr add 10.244.1.1/32 dev vethzt
n addr add 10.244.1.1/32 dev vethpod
n addr add 192.168.126.1/30 dev istioin
n addr add 192.168.127.1/30 dev istioout
n addr add 10.70.9.1/24 dev down0
n -6 addr add fd00::3/64 dev eth0 nodad
n -6 addr add 2001:db8:1::3/64 dev wan0 nodad

# main table
n route add default via 172.18.0.1 dev eth0
n route add 10.244.0.0/24 via 172.18.0.2 dev eth0
n route add 10.244.2.0/24 via 172.18.0.4 dev eth0
n route add 10.244.1.4 dev vethzt scope host
n route add 10.244.1.5 dev vethpod scope host
n route add 10.7.0.0/16 via 172.18.0.1 dev eth0 metric 50 src 172.18.0.9
n route add 10.7.0.0/16 via 172.18.0.2 dev eth0 metric 60
n route add 10.7.1.0/24 via 10.99.1.254 dev wan0 metric 100
n route add 10.5.0.0/16 nexthop via 172.18.0.5 dev eth0 weight 2 nexthop via 172.18.0.6 dev eth0
n route add 10.8.0.0/16 tos 0x10 via 10.99.1.254 dev wan0
n route add 10.8.0.0/16 via 172.18.0.1 dev eth0
n route add 10.50.0.0/16 dev noaddr0
n route add 10.61.0.0/16 via 203.0.113.1 dev wan0 onlink
n route add 198.51.100.0/24 via 10.99.1.254 dev wan0
n route add 10.71.0.0/16 dev down0
n route add 10.71.0.0/16 via 172.18.0.1 dev eth0 metric 100
n route add blackhole 192.0.4.0/24
n route add prohibit 192.0.5.0/24
n route add unreachable 192.0.6.0/24
n route add local 10.123.0.0/16 dev lo table local
n -6 route add default via fd00::1 dev eth0
n -6 route add 2001:db8:77::/48 via 2001:db8:1::fe dev wan0
# ambient tables
n route add 10.244.1.4 dev vethzt scope link table 100
n route add 10.244.1.5 via 192.168.126.2 dev istioin src 10.244.1.1 table 100
n route add 10.244.1.6 via 192.168.126.2 dev istioin src 10.244.1.1 table 100
n route add default via 192.168.127.2 dev istioout table 101
n route add 10.244.1.4 dev vethzt scope link table 101
n route add default via 10.244.1.4 dev vethzt onlink table 102
n route add 10.244.1.4 dev vethzt scope link table 102
# reject routes, throw, fall-through tables
n route add unreachable 192.0.2.0/24 table 200
n route add prohibit 192.0.3.0/24 table 200
n route add blackhole 192.0.7.0/24 table 200
n route add throw 10.0.0.0/8 table 200
n route add default via 10.99.1.254 dev wan0 table 200
n route add 198.51.100.0/24 via 172.18.0.1 dev eth0 table 300
n route add default via 10.99.1.254 dev wan0 table 400
n route add 10.44.0.0/16 via 10.99.1.254 dev wan0 table 500
n -6 route add 2001:db8:99::/48 via 2001:db8:1::fe dev wan0 table 300

# rules
n rule add pref 90 from 172.18.0.9 lookup 200
n rule add pref 97 not to 10.0.0.0/8 lookup 300
n rule add pref 98 iif lo to 203.0.113.0/24 lookup 200
n rule add pref 99 iif wan0 to 203.0.113.0/24 lookup 101
n rule add pref 100 fwmark 0x200/0x200 goto 32766
n rule add pref 101 fwmark 0x100/0x100 lookup 101
n rule add pref 102 fwmark 0x40/0x40 lookup 102
n rule add pref 103 lookup 100
# "not" over two selectors: matches every received packet and locally generated ones without mark 0x1 (table 500 routes only 10.44/16)
n rule add pref 105 not iif lo fwmark 0x1 lookup 500
n rule add pref 110 fwmark 0x8/0x8 goto 130
n rule add pref 120 fwmark 0x8/0x8 unreachable
n rule add pref 125 fwmark 0x10/0x10 prohibit
n rule add pref 126 fwmark 0x20/0x20 blackhole
n rule add pref 127 fwmark 0x80/0x80 unreachable
n rule add pref 128 fwmark 0x400/0x400 nop
n rule add pref 129 fwmark 0x800/0x800 goto 31000
n rule add pref 130 fwmark 0x8/0x8 lookup 200
n rule add pref 140 iif nonexist lookup 200
n rule add pref 150 oif eth0 lookup 400
n rule add pref 160 tos 0x10 lookup 400
n rule add pref 170 ipproto udp dport 53 lookup 400
n rule add pref 175 ipproto tcp sport 1000-2000 lookup 400
n rule add pref 180 uidrange 1000-2000 lookup 400
n rule add pref 190 fwmark 0x1000/0x1000 lookup main suppress_prefixlength 0
n rule add pref 191 fwmark 0x1000/0x1000 lookup 400
n rule add pref 195 fwmark 0x3 lookup 400
n -6 rule add pref 200 fwmark 0x100/0x100 lookup 300
n -6 rule add pref 210 from 2001:db8:1::3 lookup 300

# IPv6 link-local addresses (and their fe80::/64 and local routes) appear asynchronously after DAD; the text and JSON
# dumps below must see the same state, so wait until nothing is tentative and the routing tables stop changing
settle() {
  local prev="" cur i
  for i in $(seq 1 50); do
    cur=$(x ip route show table all; x ip -6 route show table all)
    if [ -z "$(x ip -6 addr show tentative)" ] && [ "$cur" = "$prev" ]; then return 0; fi
    prev=$cur
    sleep 0.1
  done
  echo "fib-diff.sh: the namespace's addresses and routes did not settle within 5 s" >&2
}
settle

# the dumps, as scripts/collect takes them
x ip rule show > "$OUT/ip-rule.txt"
x ip -j rule show > "$OUT/ip-rule.json"
x ip -6 rule show > "$OUT/ip-rule6.txt"
x ip -6 -j rule show > "$OUT/ip-rule6.json"
x ip route show table all > "$OUT/ip-route.txt"
x ip -j route show table all > "$OUT/ip-route.json"
x ip -d addr > "$OUT/ip-addr.txt"
x ip -j -d addr > "$OUT/ip-addr.json"
x ip -j -d link > "$OUT/ip-link.json"
x sysctl -a 2>/dev/null | grep -E '^net\.ipv4\.ip_forward|^net\.ipv4\.conf\.|^net\.ipv6\.conf\.all\.forwarding' > "$OUT/sysctl.txt" || true

answer() { # QUERIES OUT: answers.txt gets "N<TAB>0<TAB>JSON" or "N<TAB>2<TAB>error message" for each query
  # successful queries print one JSON array each on stdout, in order; failed ones print their error and
  # "Command failed FILE:N" on stderr
  x ip -j -force -batch "$1" > "$2.json" 2> "$2.err" || true
  awk -v errf="$2.err" -v n="$(grep -c '' "$1")" '
    BEGIN { msg = ""; while ((getline l < errf) > 0) { if (l ~ /^Command failed /) { sub(/.*:/, "", l); fail[l + 0] = msg; msg = "" } else msg = (msg == "" ? l : msg " " l) } }
    { ok[++k] = $0 }
    END { j = 0; for (i = 1; i <= n; i++) { if (i in fail) printf "%d\t2\t%s\n", i, fail[i]; else printf "%d\t0\t%s\n", i, ok[++j] } }' "$2.json" > "$2"
  rm -f "$2.json" "$2.err"
}
if [ -n "$QUERIES" ]; then
  answer "$QUERIES" "$OUT/answers.txt"
else
  printf '%s\n' "route get 8.8.8.8" "route get 8.8.8.8 mark 0x100" "route get 10.244.1.5" \
    "route get 10.244.2.6 from 10.244.1.5 iif vethpod mark 0x210" "route get 192.0.2.7 mark 0x8" > "$OUT/queries.txt"
  answer "$OUT/queries.txt" "$OUT/answers.txt"
  cat "$OUT/answers.txt"
fi
