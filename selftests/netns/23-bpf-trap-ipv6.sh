#!/bin/bash
# IPv6 end to end on the host (--noklips: no ESP here): two plutos whose hosts and clients
# are IPv6 negotiate over IPv6 (ID_IPV6_ADDR_SUBNET in Quick Mode); whack --route puts an
# IPv6 TRAP eroute in the maps; the first ping -6 between the clients is dropped and
# reported through the ring buffer; pluto initiates once; the eroute becomes IPSEC; the leak
# guard then drops every cleartext packet (none on the wire: capture on east's e0), while
# neighbour discovery keeps working; cleartext from east's client is dropped on arrival.
#
#   ns west (pxw-PID)                          ns east (pxe-PID)
#   pluto --noklips, BPF on w0                 pluto --noklips, BPF on e0
#   lo 2001:db8:1::1/64 (client)               lo 2001:db8:2::1/64 (client)
#   w0 2001:db8::1/64  <-------- veth ------->  e0 2001:db8::2/64   (tcpdump here)
#   2001:db8:2::/64 via 2001:db8::2            2001:db8:1::/64 via 2001:db8::1
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
need_root
trap cleanup EXIT
echo "1..15"
ip link add w0 netns "$NW" type veth peer name e0 netns "$NE"
for ns in "$NW" "$NE"; do
	ip -n "$ns" link set lo up
done
ip -n "$NW" addr add 2001:db8::1/64 dev w0 nodad
ip -n "$NE" addr add 2001:db8::2/64 dev e0 nodad
ip -n "$NW" link set w0 up
ip -n "$NE" link set e0 up
ip -n "$NW" addr add 2001:db8:1::1/64 dev lo
ip -n "$NE" addr add 2001:db8:2::1/64 dev lo
ip -n "$NW" -6 route add 2001:db8:2::/64 via 2001:db8::2 src 2001:db8:1::1
ip -n "$NE" -6 route add 2001:db8:1::/64 via 2001:db8::1 src 2001:db8:2::1
for side in west east; do
	mkdir -p "$T/$side"
	printf '2001:db8::1 2001:db8::2 : PSK "a pre-shared key for the IPv6 test"\n' \
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
ping6_clients() { # count
	timeout 30 ip netns exec "$NW" ping -6 -q -c "$1" -i 0.2 -W 1 -I 2001:db8:1::1 \
		2001:db8:2::1 >/dev/null 2>&1
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
clear_seen() { grep -c '2001:db8:1::1 > 2001:db8:2::1: ICMP6, echo request' "$T/cap.txt"; }

check "west pluto starts" start west "$NW"
check "east pluto starts" start east "$NE"
for side in west east; do
	w "$side" --name t --ipv6 --host 2001:db8::1 --client 2001:db8:1::/64 --to \
		--host 2001:db8::2 --client 2001:db8:2::/64 --encrypt --tunnel --pfs --psk \
		>/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
done
check "west: BPF on w0" grep -q 'BPF dataplane attached to w0: XDP, TC ingress and egress' "$T/west.log"
rm -f "$T/cap.txt"
timeout 120 ip netns exec "$NE" tcpdump -i e0 -n -l -U icmp6 >"$T/cap.txt" 2>"$T/cap.err" &
CAP=$!
pids+=($CAP)
until_ok 20 grep -q 'listening on' "$T/cap.err"
sleep 0.5
check "no eroute: the clients talk in the clear (and the capture sees it)" \
	eval 'until_ok 10 ping6_clients 1 && until_ok 5 eval "[ \$(clear_seen) -ge 1 ]"'
sleep 1 # a retried ping's requests (neighbour discovery can delay the first reply) all counted
n0=$(clear_seen)
out=$(w west --name t --route 2>&1)
check "whack --route: IPv6 TRAP eroute" grep -q 'route installed: 2001:db8:1::/64 === 2001:db8:2::/64 (trap)' <<<"$out"
check "status: the eroute is a %trap" has_status west '"t" eroute 2001:db8:1::/64 -> 2001:db8:2::/64 => %trap'
ping6_clients 1
check "the first ping -6 is dropped" [ $? -ne 0 ]
check "west initiates on demand over IPv6; SA established" \
	until_ok 20 has_status west 'STATE_QUICK_I2 \(sent QI2, IPsec SA established\)'
check "one TRAP event, logged with the IPv6 addresses" \
	[ "$(grep -c 'initiate on demand from 2001:db8:1::1:128 to 2001:db8:2::1:0 proto=58' "$T/west.log")" -eq 1 ]
check "status: the IPv6 eroute is IPSEC to east" \
	has_status west '"t" eroute 2001:db8:1::/64 -> 2001:db8:2::/64 => esp\.[0-9a-f]+@2001:db8::2'
check "east's IPv6 eroute is IPSEC too" has_status east '"t" eroute 2001:db8:2::/64 -> 2001:db8:1::/64 => esp\.'
ping6_clients 3
check "leak guard: cleartext under the SA is dropped and counted" \
	has_status west 'egress-cleartext-leak-dropped [1-9]'
check "neighbour discovery still works between the hosts" \
	timeout 10 ip netns exec "$NW" ping -6 -q -c 1 -W 2 2001:db8::2
sleep 0.5
kill "$CAP" 2>/dev/null
wait "$CAP" 2>/dev/null
n1=$(clear_seen)
echo "# cleartext echo requests on e0: $n0 before routing, $n1 after"
check "capture on e0: no cleartext between the clients while routed or up" [ "$n1" -eq "$n0" ]
w east --unlisten >/dev/null 2>&1
timeout 10 ip netns exec "$NE" ping -6 -q -c 2 -i 0.2 -W 1 -I 2001:db8:2::1 2001:db8:1::1 >/dev/null 2>&1
check "arrival check: cleartext IPv6 from east's client dropped at west" \
	has_status west 'ingress-cleartext-dropped [1-9]'
[ "$fails" -eq 0 ] || grep -vE '\| (libbpf|eroute)' "$T/west.log" | tail -30 | sed 's/^/# west: /'
[ "$fails" -eq 0 ]
