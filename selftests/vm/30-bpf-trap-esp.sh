#!/bin/bash
# The TRAP flow with real ESP (Debian's 6.1 kernel): pluto's BPF dataplane owns TRAP, XFRM
# does ESP. whack --route puts a TRAP eroute in the maps (and no XFRM policy); the first
# ping is dropped (at TC egress) and reported once; pluto negotiates; the SA and its policies go in and the
# eroute becomes IPSEC; later pings go through ESP: the kernel's ESP counters and the
# dataplane's per-SA counters rise, XDP lets ESP to pluto's SPIs in, TC ingress accepts the
# decapsulated packets (they carry a secpath from the peer), and a capture on the wire sees
# no cleartext between the clients. ESP to an SPI pluto never handed out is dropped by XDP.
# Then the same against strongSwan as the responder. Shutdown leaves nothing attached.
#
#   west                                          east
#   pluto, BPF on veth0                           pluto, BPF on veth0 (then strongSwan)
#   c0 10.0.1.1/24 (dummy)                        c0 10.0.2.1/24 (dummy)
#   veth0 192.0.2.1/24 ======= ESP tunnel ======= veth0 192.0.2.2/24   (tcpdump)
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/peers.sh"

BUILD=${BUILD:-build}
PLUTO=$PWD/$BUILD/pluto
WHACK=$PWD/$BUILD/whack
PSK=vmtest-not-secret
W=$T/west E=$T/east

setup() {
	ns_add west east &&
		ns_veth west veth0 192.0.2.1/24 east veth0 192.0.2.2/24 &&
		ip -n west link add c0 type dummy && ip -n west link set c0 up &&
		ip -n east link add c0 type dummy && ip -n east link set c0 up &&
		ip -n west addr add 10.0.1.1/24 dev c0 &&
		ip -n east addr add 10.0.2.1/24 dev c0 &&
		ip -n west route add 10.0.2.0/24 via 192.0.2.2 src 10.0.1.1 &&
		ip -n east route add 10.0.1.0/24 via 192.0.2.1 src 10.0.2.1
}

# pluto_start SIDE: pluto with the BPF dataplane and real XFRM; pid in $PLUTO_side
pluto_start() {
	local d=$T/$1
	mkdir -p "$d"
	echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	ns_spawn "$1" "$d/pluto.log" "$PLUTO" --nofork --stderrlog --debug-bpf \
		--rundir "$d" --secretsfile "$d/ipsec.secrets"
	eval "PLUTO_$1=$SPAWNED"
	wait_until 30 grep -q 'BPF dataplane loaded' "$d/pluto.log"
}

wh() { # SIDE ARGS...
	local side=$1
	shift
	timeout --kill-after=5 60 "$WHACK" --rundir "$T/$side" "$@"
}

conn() { # SIDE: the connection, then listen
	wh "$1" --name t --host 192.0.2.1 --client 10.0.1.0/24 --updown true --to \
		--host 192.0.2.2 --client 10.0.2.0/24 --updown true --encrypt --tunnel --pfs \
		--psk >/dev/null && wh "$1" --listen >/dev/null
}

status_has() { wh "$1" --status | grep -qE "$2"; }
# counter SIDE REGEX: the first number after REGEX in the status
counter() { wh "$1" --status | sed -nE "s/.*$2 ([0-9]+).*/\\1/p" | head -1; }

esp_packets() { # NS: packets counted by all of NS's SAs
	ip -n "$1" -s xfrm state |
		awk '/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ { n += $2 } END { print n + 0 }'
}

attached() { # NS: pluto's XDP and TC filters on veth0
	ip -n "$1" link show veth0 | grep -q 'prog/xdp' &&
		tc -n "$1" filter show dev veth0 egress | grep -q pl_tc_egress &&
		tc -n "$1" filter show dev veth0 ingress | grep -q pl_tc_ingress
}
bare() {
	! ip -n "$1" link show veth0 | grep -q 'prog/xdp' &&
		! tc -n "$1" filter show dev veth0 egress | grep -q pl_tc &&
		! tc -n "$1" filter show dev veth0 ingress | grep -q pl_tc
}

# What leaves west on the wire: its veth0's outgoing packets (incoming ones would include
# the decapsulated packets, which pass the interface a second time).
capture_start() {
	ns_spawn west "$T/cap.txt" tcpdump -i veth0 -Q out -n -l -U 'icmp or esp'
	CAP=$SPAWNED
	sleep 2
}
capture_stop() {
	sleep 1
	kill "$CAP" 2>/dev/null
	sleep 0.5
}

# trap_flow PEER: route, first ping lost, negotiation, pings through ESP
trap_flow() {
	local peer=$1 before
	tap_check "$peer: whack --route installs a TRAP eroute" \
		eval 'wh west --name t --route 2>&1 | grep -q "route installed: .*(trap)"'
	tap_check "$peer: routed, no XFRM policy yet (BPF owns TRAP)" \
		eval '[ -z "$(ip -n west xfrm policy)" ]'
	capture_start
	before=$(esp_packets west)
	# (ping retries a probe the stack refused, ENOBUFS, every 0.1 s for 1 s: those
	# retries are trapped too, or go through once the SA is up)
	ns_exec west ping -c 1 -i 0.2 -W 1 -I 10.0.1.1 10.0.2.1 >/dev/null 2>&1
	tap_check "$peer: the first ping is dropped at TC egress and reported once" \
		status_has west '"t" eroute 10.0.1.0/24 -> 10.0.2.0/24 => [^;]*; out: [1-9][0-9]* packets, [0-9]+ bytes, [1-9][0-9]* dropped, 1 trap events'
	tap_check "$peer: pluto initiated on demand; SA established" \
		wait_until 60 status_has west 'STATE_QUICK_I2 \(sent QI2, IPsec SA established\)'
	tap_check "$peer: later pings go through" \
		ns_exec west ping -c 5 -i 0.3 -W 3 -I 10.0.1.1 10.0.2.1
	tap_check "$peer: kernel ESP counters rose" eval '[ "$(esp_packets west)" -ge $((before + 10)) ]'
	tap_check "$peer: eroute is IPSEC" status_has west '"t" eroute 10.0.1.0/24 -> 10.0.2.0/24 => esp\.'
	tap_check "$peer: BPF per-SA counter (ESP out at TC egress) rose" \
		status_has west '"t" #[0-9]+: esp\.[0-9a-f]+ \(out\): ([5-9]|[1-9][0-9]+) packets'
	tap_check "$peer: BPF per-SA counter (ESP in at XDP) rose" \
		status_has west '"t" #[0-9]+: esp\.[0-9a-f]+ \(in\): ([5-9]|[1-9][0-9]+) packets'
	tap_check "$peer: decapsulated replies accepted at TC ingress (secpath from the peer)" \
		status_has west 'eroute 10.0.1.0/24 -> 10.0.2.0/24 => esp.*; in: ([5-9]|[1-9][0-9]+) packets, 0 dropped'
	tap_check "$peer: every cleartext packet the eroute saw was dropped (none leaked)" \
		status_has west '=> esp\.[^;]*; out: ([0-9]+) packets, [0-9]+ bytes, \1 dropped, 1 trap events'
	capture_stop
	local clear esp
	clear=$(grep -c '10\.0\.1\.1 > 10\.0\.2\.1' "$T/cap.txt")
	esp=$(grep -c '192\.0\.2\.1 > 192\.0\.2\.2: ESP' "$T/cap.txt")
	tap_check "$peer: on the wire: ESP ($esp), no cleartext between the clients ($clear)" \
		[ "$clear" -eq 0 -a "$esp" -ge 5 ]
	[ "$_tap_failed" -eq 0 ] || { wh west --status | grep -E 'eroute|esp\.|counters|STATE' | sed 's/^/# /'; }
}

tap_check "namespaces, veth and dummy clients" setup || { tap_done; exit; }
tap_check "west pluto started with the BPF dataplane" pluto_start west
tap_check "east pluto started with the BPF dataplane" pluto_start east
tap_check "connections added, listening" eval 'conn west && conn east'
tap_check "west: XDP and TC on veth0" attached west
tap_check "east: XDP and TC on veth0" attached east
trap_flow pluto
tap_check "pluto: east's decapsulated packets passed its TC ingress too" \
	status_has east 'eroute 10.0.2.0/24 -> 10.0.1.0/24 => esp.*; in: ([5-9]|[1-9][0-9]+) packets'
if command -v python3 >/dev/null; then
	ns_exec east python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
for i in range(3):
    s.sendto(bytes([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, i + 1]) + bytes(48), ("192.0.2.1", 0))
'
	tap_check "ESP to an SPI pluto never handed out: dropped by XDP, counted" \
		wait_until 5 eval '[ "$(counter west xdp-esp-unknown-spi-dropped)" -ge 3 ]'
else
	tap_skip "ESP to an SPI pluto never handed out" "no python3 to send it"
fi
wh west --name t --terminate >/dev/null 2>&1
tap_check "terminated: back to a %trap, the XFRM policies gone" \
	wait_until 10 eval 'status_has west "=> %trap" && [ -z "$(ip -n west xfrm policy)" ]'
wh west --name t --unroute >/dev/null 2>&1
wh east --shutdown >/dev/null 2>&1
tap_check "east pluto shut down: nothing attached to its veth0" wait_until 10 bare east

# --- pluto -> strongSwan ------------------------------------------------------------------
mkdir -p "$E"
cat >"$E/swanctl.conf" <<EOF
connections {
	west {
		version = 1
		proposals = aes256-sha256-modp2048
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
		children {
			west {
				local_ts = 10.0.2.0/24
				remote_ts = 10.0.1.0/24
				esp_proposals = aes256-sha256-modp2048
			}
		}
	}
}
secrets {
	ike-west {
		id = 192.0.2.1
		secret = "$PSK"
	}
}
EOF
tap_check "strongSwan started as the responder" strongswan_start east "$E"
tap_check "swanctl loaded the connection" swanctl_load east "$E"
trap_flow strongSwan
wh west --shutdown >/dev/null 2>&1
tap_check "west pluto shut down: nothing attached to its veth0" wait_until 10 bare west
strongswan_stop "$E"
[ "$_tap_failed" -eq 0 ] || sed 's/^/# west: /' "$W/pluto.log" | grep -vE '\| (libbpf|eroute)' | tail -60
tap_done
