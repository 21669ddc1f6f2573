#!/bin/bash
# Hundreds of Road Warriors against one pluto with the BPF dataplane (--noklips): each
# tunnel's eroute and SPIs go into the maps as its SA comes up (the per-connection sync and
# the routing index, not a scan of all connections), and all of them go when the template
# is deleted.  What the maps hold is read with bpftool, not from pluto's own report.
#
#   ns west (pxw-PID): build/bench/ikeload        ns east (pxe-PID): pluto, BPF on e0
#   w0 192.0.2.1/24, 10.2.0.1 ... 10.2.1.144  <->  e0 192.0.2.2/24
#                                                 10.2.0.0/16 via 192.0.2.1
#   conn rw: 192.0.2.2 <- %any, PSK, tunnel
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
need_root
trap cleanup EXIT
N=400
IKELOAD=$BUILD/bench/ikeload
if [ ! -x "$IKELOAD" ] || ! command -v bpftool >/dev/null || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs $IKELOAD, bpftool and python3"
	exit 0
fi
echo "1..9"
topology
ip -n "$NE" route add 10.2.0.0/16 via 192.0.2.1
for ((i = 1; i <= N; i++)); do
	echo "address add 10.2.$((i / 256)).$((i % 256))/32 dev w0"
done | ip -n "$NW" -batch -
mkdir -p "$T/east"
printf '192.0.2.2 %%any : PSK "many road warriors"\n' >"$T/east/ipsec.secrets"
chmod 600 "$T/east/ipsec.secrets"
PLUTO_NOBPF= start_pluto east "$NE"
PID_east=${pids[-1]}
w east --name rw --host 192.0.2.2 --to --host %any --psk --encrypt --tunnel >/dev/null 2>&1
w east --listen >/dev/null 2>&1
PIN=$(sed -n 's/.*maps pinned in \(.*\)$/\1/p' "$T/east.log" | head -1)
check "east's BPF dataplane is loaded" test -n "$PIN"

# maps what: the number of IPsec eroutes in pl_eroutes, or of entries in pl_spi
maps() {
	local map=pl_eroutes
	[ "$1" = spis ] && map=pl_spi
	nsenter -t "$PID_east" -m bpftool -j map dump pinned "$PIN/$map" 2>/dev/null |
		python3 -c 'import json,sys
what=sys.argv[1]; d=json.load(sys.stdin)
def v(e): return e.get("formatted", e).get("value")
print(sum(1 for e in d if what=="spis" or (isinstance(v(e),dict) and v(e).get("action")==5)))' "$1"
}
until_count() { # until_count seconds what n
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		[ "$(maps "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	echo "# $2: $(maps "$2"), wanted $3"
	return 1
}

out=$(ip netns exec "$NW" timeout 120 "$IKELOAD" --responder 192.0.2.2 --first-source 10.2.0.1 \
	--count "$N" --psk "many road warriors" --group 19 --concurrency 32 --timeout 90 2>&1 |
	tail -1)
echo "# $out"
check "$N tunnels completed" grep -q "completed=$N failed=0" <<<"$out"
status=$(w east --status)
check "$N instances of rw have an IPsec SA" \
	test "$(grep -c '"rw"\[[0-9]*\] 10\.2\..*IPsec SA established' <<<"$status")" -eq "$N"
check "$N IPsec eroutes in pl_eroutes" until_count 5 eroutes "$N"
check "$((2 * N)) SPIs in pl_spi (in and out of each SA)" until_count 5 spis "$((2 * N))"
check "status lists $N eroutes into ESP" \
	test "$(grep -c 'eroute 192\.0\.2\.2/32 -> 10\.2\..* => esp\.' <<<"$status")" -eq "$N"

w east --name rw --delete >/dev/null 2>&1
check "the template deleted: no eroute left" until_count 5 eroutes 0
check "the template deleted: no SPI left" until_count 5 spis 0
check "no instance left" bash -c '! grep -q "\"rw\"\[" <<<"$1"' _ "$(w east --status)"
exit $((fails != 0))
