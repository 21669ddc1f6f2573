#!/bin/bash
# The BPF dataplane between two plutos (--noklips: no ESP on this host): whack --route
# puts a TRAP eroute in the maps; the first packet between the clients is dropped and
# reported through the ring buffer; pluto initiates (once, however many packets); the SA
# comes up and the eroute becomes IPSEC; with no XFRM policy (noklips) every cleartext
# packet between the clients is then dropped by the leak guard: a capture on the peer's end
# of the veth sees none; cleartext from the peer's client is dropped on arrival (TC
# ingress). --unroute refuses while the SA is up; terminate, unroute, and the
# clients talk in the clear again. A pluto killed with SIGKILL: its XDP program goes at
# once, its TC filters stop acting when its lease runs out, a new pluto removes them.
# Shutdown and --unlisten leave nothing attached.
#
#   ns west (pxw-PID)                          ns east (pxe-PID)
#   pluto --noklips, BPF on w0                 pluto --noklips, BPF on e0
#   lo 10.0.1.1/24 (client)                    lo 10.0.2.1/24 (client)
#   w0 192.0.2.1/24  <-------- veth -------->  e0 192.0.2.2/24   (tcpdump here)
#   10.0.2.0/24 via 192.0.2.2                  10.0.1.0/24 via 192.0.2.1
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
need_root
trap cleanup EXIT
echo "1..34"
topology
ip -n "$NW" addr add 10.0.1.1/24 dev lo
ip -n "$NE" addr add 10.0.2.1/24 dev lo
ip -n "$NW" route add 10.0.2.0/24 via 192.0.2.2 src 10.0.1.1
ip -n "$NE" route add 10.0.1.0/24 via 192.0.2.1 src 10.0.2.1
for side in west east; do
	mkdir -p "$T/$side"
	printf '192.0.2.1 192.0.2.2 : PSK "a pre-shared key for the netns test"\n' \
		>"$T/$side/ipsec.secrets"
	chmod 600 "$T/$side/ipsec.secrets"
done

# start side ns: pluto with the BPF dataplane; its pid in $PID_side
start() {
	local side=$1 ns=$2 i
	rm -f "$T/$side/pluto.ctl" "$T/$side/pluto.pid"
	ip netns exec "$ns" "$PLUTO" --nofork --noklips --stderrlog --debug-bpf \
		--rundir "$T/$side" --secretsfile "$T/$side/ipsec.secrets" \
		>>"$T/$side.log" 2>&1 &
	pids+=($!)
	eval "PID_$side=$!"
	for i in $(seq 50); do
		[ -S "$T/$side/pluto.ctl" ] && return 0
		sleep 0.1
	done
	return 1
}

ping_clients() { # count: pings from west's client to east's, each waiting 1 s at most
	timeout 30 ip netns exec "$NW" ping -q -c "$1" -i 0.2 -W 1 -I 10.0.1.1 10.0.2.1 \
		>/dev/null 2>&1
}

# The cleartext ICMP between the clients that reached east's end of the veth.
capture_start() {
	rm -f "$T/cap.txt"
	timeout 120 ip netns exec "$NE" tcpdump -i e0 -n -l -U icmp >"$T/cap.txt" 2>/dev/null &
	CAP=$!
	pids+=($CAP)
	sleep 1
}
capture_count() {
	sleep 0.5
	kill "$CAP" 2>/dev/null
	wait "$CAP" 2>/dev/null
	grep -c '10.0.1.1 > 10.0.2.1' "$T/cap.txt"
}

until_ok() { # seconds cmd...: poll every 0.2 s
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

has_status() { w "$1" --status | grep -qE "$2"; }
attached() { # ns dev: pluto's TC filter on egress and (unless "tc-only") XDP
	tc -n "$1" filter show dev "$2" egress | grep -q pl_tc_egress &&
		tc -n "$1" filter show dev "$2" ingress | grep -q pl_tc_ingress &&
		{ [ "${3:-}" = tc-only ] || ip -n "$1" link show "$2" | grep -q 'prog/xdp'; }
}
bare() { # ns dev: nothing of pluto's on the interface
	! tc -n "$1" filter show dev "$2" egress | grep -q pl_tc &&
		! tc -n "$1" filter show dev "$2" ingress | grep -q pl_tc &&
		! ip -n "$1" link show "$2" | grep -q 'prog/xdp'
}
no_xdp() { ! ip -n "$1" link show "$2" | grep -q 'prog/xdp'; }
demands() { grep -c 'initiate on demand from 10.0.1.1:8 to 10.0.2.1:0 proto=1' "$T/west.log"; }

# --- start, listen, attach ------------------------------------------------------------------
check "west pluto starts with the BPF dataplane" start west "$NW"
check "east pluto starts with the BPF dataplane" start east "$NE"
check "west log: maps pinned" until_ok 5 grep -q 'BPF dataplane loaded; maps pinned in /sys/fs/bpf/pluto_' "$T/west.log"
for side in west east; do
	w "$side" "${conn_args[@]}" --psk >/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
done
check "west: XDP and TC on w0" attached "$NW" w0
check "east: XDP and TC on e0" attached "$NE" e0
check "lo is left alone" bare "$NW" lo
check "no eroute: the clients talk in the clear" ping_clients 2

# --- route, TRAP, negotiation ----------------------------------------------------------------
out=$(w west --name t --route 2>&1)
check "whack --route: TRAP eroute installed" grep -q 'route installed: 10.0.1.0/24 === 10.0.2.0/24 (trap)' <<<"$out"
check "status: the eroute is a %trap" has_status west '"t" eroute 10.0.1.0/24 -> 10.0.2.0/24 => %trap'
PIN=$(sed -n 's/.*maps pinned in \(.*\)$/\1/p' "$T/west.log" | head -1)
check "bpftool reads the pinned eroute by field name" grep -q '"action": 1' \
	<<<"$(nsenter -t "$PID_west" -m bpftool map lookup pinned "$PIN/pl_eroutes" key 0 0 0 0 2>&1)"
capture_start
ping_clients 1
check "the first packet is dropped (and reported)" [ $? -ne 0 ]
check "west initiates on demand" until_ok 20 has_status west 'STATE_QUICK_I2 \(sent QI2, IPsec SA established\)'
check "east has the IPsec SA" until_ok 10 has_status east 'STATE_QUICK_R2'
timeout 10 ip netns exec "$NW" ping -q -c 20 -i 0.01 -W 1 -I 10.0.1.1 10.0.2.1 >/dev/null 2>&1
check "once: one 'initiate on demand' for all those packets" [ "$(demands)" -eq 1 ]
check "status: the eroute is IPSEC to east's SPI" has_status west '"t" eroute 10.0.1.0/24 -> 10.0.2.0/24 => esp\.[0-9a-f]+@192\.0\.2\.2; out: [0-9]+ packets, [0-9]+ bytes, [0-9]+ dropped, 1 trap events'
check "east's eroute (responder) is IPSEC too" has_status east '"t" eroute 10.0.2.0/24 -> 10.0.1.0/24 => esp\.'
ping_clients 3
check "leak guard: cleartext under the IPsec SA is dropped (noklips: no policy)" [ $? -ne 0 ]
check "... and counted" has_status west 'egress-cleartext-leak-dropped [1-9]'
check "capture on e0: no cleartext between the clients while routed or up" [ "$(capture_count)" -eq 0 ]
out=$(w west --name t --unroute 2>&1)
check "--unroute refused while the IPsec SA uses the route (026)" grep -q '^026 .*route busy' <<<"$out"
w east --name t --terminate >/dev/null 2>&1
check "east terminated (Delete): west's eroute is back to a %trap" \
	until_ok 10 has_status west '"t" eroute 10.0.1.0/24 -> 10.0.2.0/24 => %trap'
# east stops listening: its programs come off, and it sends cleartext to west's client
w east --unlisten >/dev/null 2>&1
timeout 10 ip netns exec "$NE" ping -q -c 2 -i 0.2 -W 1 -I 10.0.2.1 10.0.1.1 >/dev/null 2>&1
check "arrival check: cleartext from east's client is dropped at west's TC ingress" [ $? -ne 0 ]
check "... and counted" has_status west 'ingress-cleartext-dropped [1-9]'
w east --listen >/dev/null 2>&1
ping_clients 1
check "the TRAP fires again: a second negotiation" until_ok 20 has_status west 'STATE_QUICK_I2'
check "... from a second 'initiate on demand'" [ "$(demands)" -eq 2 ]
w west --name t --terminate >/dev/null 2>&1
until_ok 10 has_status west '=> %trap'
w west --name t --unroute >/dev/null 2>&1
check "unrouted: no eroute left in the status" until_ok 5 bash -c "! $WHACK --rundir $T/west --status | grep -q '\"t\" eroute '"
capture_start
check "unrouted: the clients talk in the clear again" ping_clients 2
check "... and the capture sees it (it works)" [ "$(capture_count)" -ge 2 ]

# --- a crash, and the next pluto -------------------------------------------------------------
w west --name t --route >/dev/null 2>&1
kill -9 "$PID_west"
wait "$PID_west" 2>/dev/null
check "killed pluto: its XDP program went with it" until_ok 3 no_xdp "$NW" w0
check "... its TC filters stop dropping once its lease ran out (<= 10 s)" until_ok 20 ping_clients 1
check "a new pluto removes the stale filters at start" start west "$NW"
check "... so w0 is bare until it listens" bare "$NW" w0

# --- shutdown, unlisten ----------------------------------------------------------------------
w west --listen >/dev/null 2>&1
w west --shutdown >/dev/null 2>&1
timeout 10 tail --pid="$PID_west" -f /dev/null
check "whack --shutdown: nothing left on w0" bare "$NW" w0
w east --unlisten >/dev/null 2>&1
check "whack --unlisten: nothing left on e0" bare "$NE" e0
[ "$fails" -eq 0 ]
