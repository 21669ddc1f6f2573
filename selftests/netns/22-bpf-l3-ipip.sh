#!/bin/bash
# The BPF dataplane on a device without a link-layer header: two plutos (--noklips) talk IKE
# through an ipip tunnel, whose packets start at the IP header in TC. pluto puts the L3
# flavours of its TC programs on it (and no XDP), says so in its log, and refuses a GRE
# device without a fixed remote, saying why. Through the ipip device: the clients talk in the
# clear while nothing is routed; a TRAP eroute drops the first packet and starts one
# negotiation; with the SA up (and no XFRM under --noklips) the leak guard drops every
# cleartext packet (none on the wire: capture of the ipip packets on e0); the arrival check
# drops cleartext from the peer's client at the ipip device's TC ingress.
#
#   ns west (pxw-PID)                              ns east (pxe-PID)
#   pluto --noklips, BPF                           pluto --noklips, BPF
#   lo 10.0.1.1/24 (client)                        lo 10.0.2.1/24 (client)
#   tw ipip 198.51.100.1/30 ====== ipip ========== te ipip 198.51.100.2/30
#   w0 192.0.2.1/24  <---------- veth ----------> e0 192.0.2.2/24   (tcpdump: ipip)
#   gx gre, local 192.0.2.1, no remote, 203.0.113.1/24 (refused)
#   10.0.2.0/24 dev tw                             10.0.1.0/24 dev te
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
need_root
trap cleanup EXIT
topology
if ! ip -n "$NW" link add tw type ipip local 192.0.2.1 remote 192.0.2.2 2>/dev/null ||
	! ip -n "$NW" link add gx type gre local 192.0.2.1 2>/dev/null; then
	# (this host's kernel has neither; Debian's in the VM has both)
	echo "1..1"
	echo "ok 1 # SKIP no ipip or gre in this kernel: vmtest/run-all.sh selftests/vm/32-bpf-l3-ipip.sh"
	exit 0
fi
echo "1..15"
ip -n "$NE" link add te type ipip local 192.0.2.2 remote 192.0.2.1
ip -n "$NW" addr add 198.51.100.1/30 dev tw
ip -n "$NE" addr add 198.51.100.2/30 dev te
ip -n "$NW" addr add 203.0.113.1/24 dev gx
for l in tw gx; do ip -n "$NW" link set "$l" up; done
ip -n "$NE" link set te up
ip -n "$NW" addr add 10.0.1.1/24 dev lo
ip -n "$NE" addr add 10.0.2.1/24 dev lo
ip -n "$NW" route add 10.0.2.0/24 dev tw src 10.0.1.1
ip -n "$NE" route add 10.0.1.0/24 dev te src 10.0.2.1
for side in west east; do
	mkdir -p "$T/$side"
	printf '198.51.100.1 198.51.100.2 : PSK "a pre-shared key for the ipip test"\n' \
		>"$T/$side/ipsec.secrets"
	chmod 600 "$T/$side/ipsec.secrets"
done

start() { # side ns
	local side=$1 ns=$2 i
	ip netns exec "$ns" "$PLUTO" --nofork --noklips --stderrlog --debug-bpf \
		--rundir "$T/$side" --secretsfile "$T/$side/ipsec.secrets" \
		>>"$T/$side.log" 2>&1 &
	pids+=($!)
	for i in $(seq 50); do
		[ -S "$T/$side/pluto.ctl" ] && return 0
		sleep 0.1
	done
	return 1
}
ping_clients() { # count
	timeout 30 ip netns exec "$NW" ping -q -c "$1" -i 0.2 -W 1 -I 10.0.1.1 10.0.2.1 \
		>/dev/null 2>&1
}
until_ok() { # seconds cmd...
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}
has_status() { w "$1" --status | grep -qE "$2"; }
l3_attached() { # ns dev: the L3 TC programs, no XDP
	tc -n "$1" filter show dev "$2" egress | grep -q pl_tc_eg_l3 &&
		tc -n "$1" filter show dev "$2" ingress | grep -q pl_tc_in_l3 &&
		! ip -n "$1" link show "$2" | grep -q 'prog/xdp'
}
bare() { ! tc -n "$1" filter show dev "$2" egress | grep -q pl_tc; }

check "west pluto starts" start west "$NW"
check "east pluto starts" start east "$NE"
for side in west east; do
	w "$side" --name t --host 198.51.100.1 --client 10.0.1.0/24 --to --host 198.51.100.2 \
		--client 10.0.2.0/24 --encrypt --tunnel --pfs --psk >/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
done
check "west log: the L3 programs on tw, no XDP" grep -q 'BPF dataplane attached to tw: TC ingress and egress for a device without a link-layer header (link type 768); no XDP' "$T/west.log"
check "tc: pl_tc_eg_l3 and pl_tc_in_l3 on tw, no XDP" l3_attached "$NW" tw
check "east: the same on te" l3_attached "$NE" te
check "west log: gx refused, and why" grep -q 'no BPF dataplane on gx (link type 778): a GRE device without a fixed unicast remote' "$T/west.log"
check "... nothing attached to gx" bare "$NW" gx
check "no eroute: the clients talk in the clear through tw" ping_clients 2

rm -f "$T/cap.txt"
timeout 120 ip netns exec "$NE" tcpdump -i e0 -n -l -U 'ip proto 4' >"$T/cap.txt" 2>"$T/cap.err" &
CAP=$!
pids+=($CAP)
until_ok 20 grep -q 'listening on' "$T/cap.err"
sleep 0.5
check "capture sees that clear traffic inside ipip (it works)" eval 'ping_clients 1 && until_ok 5 grep -q "10\.0\.1\.1 > 10\.0\.2\.1" "$T/cap.txt"'
check "whack --route: a TRAP eroute" eval 'w west --name t --route 2>&1 | grep -q "route installed: .*(trap)"'
n0=$(grep -c '10\.0\.1\.1 > 10\.0\.2\.1' "$T/cap.txt")
ping_clients 1
check "the first packet on tw is dropped, west initiates on demand" \
	until_ok 20 has_status west 'STATE_QUICK_I2 \(sent QI2, IPsec SA established\)'
check "one TRAP event" [ "$(grep -c 'initiate on demand from 10.0.1.1:8 to 10.0.2.1:0 proto=1' "$T/west.log")" -eq 1 ]
ping_clients 3
check "leak guard on tw: cleartext under the SA dropped and counted" \
	has_status west 'egress-cleartext-leak-dropped [1-9]'
sleep 0.5
kill "$CAP" 2>/dev/null
wait "$CAP" 2>/dev/null
n1=$(grep -c '10\.0\.1\.1 > 10\.0\.2\.1' "$T/cap.txt")
echo "# cleartext echo requests inside ipip on e0: $n0 before routing, $n1 after"
check "capture: none left west while routed or up" eval '[ "$n0" -ge 1 ] && [ "$n1" -eq "$n0" ]'
w east --unlisten >/dev/null 2>&1
timeout 10 ip netns exec "$NE" ping -q -c 2 -i 0.2 -W 1 -I 10.0.2.1 10.0.1.1 >/dev/null 2>&1
check "arrival check at tw's TC ingress: cleartext from east's client dropped" \
	has_status west 'ingress-cleartext-dropped [1-9]'
[ "$fails" -eq 0 ] || grep -vE '\| (libbpf|eroute)' "$T/west.log" | tail -40 | sed 's/^/# west: /'
[ "$fails" -eq 0 ]
