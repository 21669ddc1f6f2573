#!/bin/bash
# pluto-bpf (loader/main.c) on a veth pair: load, attach, what tc/ip/bpftool see, traffic
# through the programs, ESP to an unknown SPI dropped by XDP, detach, cleanup.
#
#   ns pba-PID                              ns pbb-PID
#   a0 192.0.2.1/24  <------ veth ------>  b0 192.0.2.2/24
#   pluto-bpf attached to a0               (sends ESP with python3, if there is one)
#
# The pin directory is on a private bpffs mounted under $T (ip netns exec gives every
# command its own /sys, so /sys/fs/bpf would not be shared between the commands).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PB=$BUILD/pluto-bpf
NA=pba-$$
NB=pbb-$$
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { # check "what" cmd...
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NA" 2>/dev/null; then
	echo "1..0 # SKIP needs root and network namespaces"
	exit 0
fi
T=$(mktemp -d /tmp/pluto-bpf-cli.XXXXXX)
cleanup() {
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	umount "$T/bpffs" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
ip netns add "$NB"
ip link add a0 netns "$NA" type veth peer name b0 netns "$NB"
ip -n "$NA" addr add 192.0.2.1/24 dev a0
ip -n "$NB" addr add 192.0.2.2/24 dev b0
ip -n "$NA" link set a0 up
ip -n "$NB" link set b0 up
mkdir -p "$T/bpffs"
mount -t bpf bpf "$T/bpffs"
PIN=$T/bpffs/pluto
pb() { timeout 30 ip netns exec "$NA" "$PB" --pin-dir "$PIN" "$@"; }

echo "1..17"
check "load" pb load
check "maps and programs pinned" test -e "$PIN/pl_eroutes" -a -e "$PIN/pl_xdp" -a -e "$PIN/pl_events"
pb load >/dev/null 2>&1
check "a second load is refused (exit 1)" [ $? -eq 1 ]
check "attach a0" pb attach a0
check "tc ingress filter on a0" grep -q pl_tc_ingress <<<"$(tc -n "$NA" filter show dev a0 ingress)"
check "tc egress filter on a0" grep -q pl_tc_egress <<<"$(tc -n "$NA" filter show dev a0 egress)"
check "XDP on a0" grep -q 'prog/xdp' <<<"$(ip -n "$NA" link show a0)"
check "ping through the programs (no eroutes)" \
	timeout 10 ip netns exec "$NA" ping -c 2 -i 0.2 -W 2 -q 192.0.2.2
out=$(pb show)
echo "$out" | grep -E 'interface|egress-packets|xdp-packets' | sed 's/^/# /'
check "show: a0 has TC and an XDP link" grep -q 'interface a0: tc ingress yes, tc egress yes, xdp yes (link)' <<<"$out"
check "show: egress saw the pings" grep -qE 'counter egress-packets [1-9]' <<<"$out"
check "bpftool prints eroutes by field name (BTF)" \
	grep -q '"spi_out"' <<<"$(bpftool map dump pinned "$PIN/pl_eroutes" | head -40)"
if python3 -c 'import socket' 2>/dev/null; then
	timeout 10 ip netns exec "$NB" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
for i in range(3):
    s.sendto(bytes([0xc0, 0xff, 0xee, 0x01, 0, 0, 0, i + 1]) + bytes(32), ("192.0.2.1", 0))
'
	sleep 0.5
	check "ESP to an unknown SPI: dropped by XDP, counted" \
		grep -q 'counter xdp-esp-unknown-spi-dropped 3' <<<"$(pb show)"
else
	skip "ESP to an unknown SPI: dropped by XDP, counted" "no python3 to send ESP"
fi
check "detach a0" pb detach a0
check "nothing left on a0" [ -z "$(tc -n "$NA" filter show dev a0 ingress; tc -n "$NA" filter show dev a0 egress; ip -n "$NA" link show a0 | grep prog/xdp)" ]
pb attach a0 >/dev/null 2>&1
check "cleanup" pb cleanup
check "after cleanup: no filter, no XDP, no pin directory" \
	[ -z "$(tc -n "$NA" filter show dev a0 egress; ip -n "$NA" link show a0 | grep prog/xdp)" -a ! -e "$PIN" ]
pb frobnicate >/dev/null 2>&1
check "unknown command: usage, exit 2" [ $? -eq 2 ]
[ "$fails" -eq 0 ]
