#!/bin/bash
# Kernel-differential check of nfwalk's ipset lookups (src/Nfwalk.Core/Semantics/Ipsets) against the running kernel.
#
#   scripts/kernel/ipset-diff.sh             run the differential test (dotnet test, needs root and `ip netns`)
#   scripts/kernel/ipset-diff.sh setup NS    build the throw-away namespace NS the test uses (NS must start with nfwips-)
#   scripts/kernel/ipset-diff.sh teardown NS delete it
#   scripts/kernel/ipset-diff.sh cleanup     delete every nfwips-* namespace left by a run that was killed
#
# The namespace is a single "node" with three veth pairs whose both ends live inside it, so nothing is created in,
# moved to, or changed in the host's own namespace:
#
#     p0 ── eth0  10.99.0.1/24  fd99::1/64        frames injected on p0 arrive on eth0
#     p2 ── wan0  10.99.2.1/24  fd99:2::1/64      frames injected on p2 arrive on wan0
#     p1 ── eth1  10.99.1.1/24  fd99:1::1/64      default routes via 10.99.1.2 / fd99:1::2: forwarded packets leave here
#
# The p* ends have no addresses and IPv6 switched off, so they send nothing on their own; forwarding is on and
# rp_filter off (all inside the namespace) so spoofed sources reach INPUT/FORWARD. The test loads sets and rules into
# the namespace, sends one crafted Ethernet frame at a time from p0/p2 and compares each rule's counter with nfwalk.
set -euo pipefail

die() { echo "ipset-diff: $*" >&2; exit 1; }
check_name() { [[ "${1:-}" =~ ^nfwips-[A-Za-z0-9]+$ ]] || die "namespace name must look like nfwips-XXXX, got '${1:-}'"; }

setup() {
  local ns=$1; check_name "$ns"
  ip netns add "$ns"
  local x="ip netns exec $ns"
  ip -n "$ns" link set lo up
  $x sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
    net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
  local i
  for pair in "eth0 p0 10.99.0.1/24 fd99::1/64" "eth1 p1 10.99.1.1/24 fd99:1::1/64" "wan0 p2 10.99.2.1/24 fd99:2::1/64"; do
    set -- $pair
    ip -n "$ns" link add "$1" type veth peer name "$2"
    $x sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" "net.ipv4.conf.$1.rp_filter=0" "net.ipv4.conf.$2.rp_filter=0"
    ip -n "$ns" addr add "$3" dev "$1"
    ip -n "$ns" -6 addr add "$4" dev "$1" nodad
    ip -n "$ns" link set "$2" up
    ip -n "$ns" link set "$1" up
  done
  ip -n "$ns" route add default via 10.99.1.2 dev eth1
  ip -n "$ns" -6 route add default via fd99:1::2 dev eth1
  for i in eth0 eth1 wan0 p0 p1 p2; do echo "$i $($x cat /sys/class/net/$i/address)"; done
}

teardown() {
  local ns=$1; check_name "$ns"
  ip netns del "$ns" 2>/dev/null || true
}

cleanup() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^nfwips-' || true); do ip netns del "$ns" && echo "deleted $ns"; done
}

case "${1:-run}" in
  setup) setup "${2:-}" ;;
  teardown) teardown "${2:-}" ;;
  cleanup) cleanup ;;
  run)
    [ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
    cd "$(dirname "$0")/../.."
    exec dotnet test tests/Nfwalk.Tests --filter "FullyQualifiedName~IpsetKernelDifferential" --logger "console;verbosity=normal"
    ;;
  *) die "usage: $0 [run | setup NS | teardown NS | cleanup]" ;;
esac
