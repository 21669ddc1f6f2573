#!/bin/bash
# IPv6 end to end with real ESP (Debian's 6.1 kernel): two plutos whose hosts and clients are
# IPv6. whack --route puts an IPv6 TRAP eroute in the BPF maps (no XFRM policy) and runs the
# updown command's route-client-v6 verb (the default script adds the route to the peer's
# client: none is configured by hand); the first ping -6 is dropped at TC egress and
# reported once; pluto negotiates over IPv6 (Quick Mode IDs ID_IPV6_ADDR_SUBNET); the XFRM
# states and policies go in as AF_INET6; later pings go through ESP: the kernel's ESP
# counters and the dataplane's per-SA counters rise, TC ingress accepts the decapsulated
# packets (secpath from the peer), and a capture on the wire sees ESP and no cleartext.
# Terminating takes the policies out and the eroute back to a %trap; the updown verbs seen
# are the -v6 ones.
#
#   west                                          east
#   pluto, BPF on veth0                           pluto, BPF on veth0
#   c0 2001:db8:1::1/64 (dummy)                   c0 2001:db8:2::1/64 (dummy)
#   veth0 2001:db8::1/64 ======= ESP tunnel ===== veth0 2001:db8::2/64   (tcpdump)
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PLUTO=$BUILD/pluto
WHACK=$BUILD/whack
PSK=vmtest-ipv6-not-secret

setup() {
	local side n
	ns_add west east || return 1
	ip link add veth0 netns west type veth peer name veth0 netns east || return 1
	for side in west east; do
		n=$([ "$side" = west ] && echo 1 || echo 2)
		ip -n "$side" addr add "2001:db8::$n/64" dev veth0 nodad &&
			ip -n "$side" link set veth0 up &&
			ip -n "$side" link add c0 type dummy &&
			ip -n "$side" addr add "2001:db8:$n::1/64" dev c0 nodad &&
			ip -n "$side" link set c0 up || return 1
	done
}

# pluto_start SIDE: BPF dataplane, real XFRM; the updown command logs each verb, then runs
# the default script
pluto_start() {
	local d=$T/$1
	mkdir -p "$d"
	echo "2001:db8::1 2001:db8::2 : PSK \"$PSK\"" >"$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	printf '#!/bin/sh\necho "$PLUTO_VERB $PLUTO_PEER_CLIENT" >>%s/verbs\nexec %s/_updown\n' \
		"$d" "$BUILD" >"$d/updown"
	chmod 755 "$d/updown"
	ns_spawn "$1" "$d/pluto.log" "$PLUTO" --nofork --stderrlog --debug-bpf \
		--rundir "$d" --secretsfile "$d/ipsec.secrets"
	wait_until 30 grep -q 'BPF dataplane loaded' "$d/pluto.log"
}

wh() { # SIDE ARGS...
	local side=$1
	shift
	timeout --kill-after=5 60 "$WHACK" --rundir "$T/$side" "$@"
}

conn() { # SIDE
	wh "$1" --name t --ipv6 --host 2001:db8::1 --client 2001:db8:1::/64 --updown "$T/$1/updown" \
		--to --host 2001:db8::2 --client 2001:db8:2::/64 --updown "$T/$1/updown" \
		--encrypt --tunnel --pfs --psk >/dev/null && wh "$1" --listen >/dev/null
}

status_has() { wh "$1" --status | grep -qE "$2"; }
esp_packets() { # NS: packets counted by all of NS's SAs
	ip -n "$1" -s xfrm state |
		awk '/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ { n += $2 } END { print n + 0 }'
}
ping6() { ns_exec west ping -6 "$@" -I 2001:db8:1::1 2001:db8:2::1; }

tap_check "namespaces, veth and dummy clients (IPv6 only)" setup || { tap_done; exit; }
tap_check "west pluto started with the BPF dataplane" pluto_start west
tap_check "east pluto started with the BPF dataplane" pluto_start east
tap_check "IPv6 connections added, listening" eval 'conn west && conn east'
tap_check "west: XDP and TC on veth0" \
	grep -q 'BPF dataplane attached to veth0: XDP, TC ingress and egress' "$T/west/pluto.log"
tap_check "whack --route: an IPv6 TRAP eroute" \
	eval 'wh west --name t --route 2>&1 | grep -q "route installed: 2001:db8:1::/64 === 2001:db8:2::/64 (trap)"'
tap_check "route-client-v6 (default updown) routed east's client via the peer" \
	eval 'ip -n west -6 route show 2001:db8:2::/64 | grep -q "via 2001:db8::2 dev veth0"'
tap_check "routed, no XFRM policy yet (BPF owns TRAP)" eval '[ -z "$(ip -n west xfrm policy)" ]'
wh east --name t --route >/dev/null 2>&1

ns_spawn west "$T/cap.txt" tcpdump -i veth0 -Q out -n -l -U 'icmp6 or esp'
wait_until 20 grep -q 'listening on' "$T/cap.txt"
before=$(esp_packets west)
ping6 -c 1 -W 1 >/dev/null 2>&1
tap_check "the first ping -6 is dropped at TC egress and reported once" \
	status_has west '"t" eroute 2001:db8:1::/64 -> 2001:db8:2::/64 => [^;]*; out: [1-9][0-9]* packets, [0-9]+ bytes, [1-9][0-9]* dropped, 1 trap events'
tap_check "pluto initiated on demand over IPv6; SA established" \
	wait_until 60 status_has west 'STATE_QUICK_I2 \(sent QI2, IPsec SA established\)'
tap_check "XFRM: IPv6 ESP states between the hosts" \
	eval 'ip -n west xfrm state | grep -q "src 2001:db8::1 dst 2001:db8::2" && ip -n west xfrm state | grep -q "proto esp"'
tap_check "XFRM: IPv6 policies between the clients" \
	eval 'ip -n west xfrm policy | grep -q "src 2001:db8:1::/64 dst 2001:db8:2::/64"'
tap_check "later pings -6 go through the tunnel" ping6 -c 5 -i 0.3 -W 3
tap_check "kernel ESP counters rose" eval '[ "$(esp_packets west)" -ge $((before + 10)) ]'
tap_check "the IPv6 eroute is IPSEC" \
	status_has west '"t" eroute 2001:db8:1::/64 -> 2001:db8:2::/64 => esp\.[0-9a-f]+@2001:db8::2'
tap_check "BPF per-SA counter (ESP out at TC egress) rose" \
	status_has west '"t" #[0-9]+: esp\.[0-9a-f]+ \(out\): ([5-9]|[1-9][0-9]+) packets'
tap_check "BPF per-SA counter (ESP in at XDP) rose" \
	status_has west '"t" #[0-9]+: esp\.[0-9a-f]+ \(in\): ([5-9]|[1-9][0-9]+) packets'
tap_check "decapsulated IPv6 replies accepted at TC ingress (secpath from the peer)" \
	status_has west 'eroute 2001:db8:1::/64 -> 2001:db8:2::/64 => esp.*; in: ([5-9]|[1-9][0-9]+) packets, 0 dropped'
tap_check "every cleartext packet the eroute saw was dropped (none leaked)" \
	status_has west '=> esp\.[^;]*; out: ([0-9]+) packets, [0-9]+ bytes, \1 dropped, 1 trap events'
sleep 1
clear=$(grep -c '2001:db8:1::1 > 2001:db8:2::1' "$T/cap.txt")
esp=$(grep -c '2001:db8::1 > 2001:db8::2: ESP' "$T/cap.txt")
tap_check "on the wire: ESP ($esp), no cleartext between the clients ($clear)" \
	[ "$clear" -eq 0 -a "$esp" -ge 5 ]
wh west --name t --terminate >/dev/null 2>&1
tap_check "terminated: back to a %trap, the XFRM policies gone" \
	wait_until 10 eval 'status_has west "=> %trap" && [ -z "$(ip -n west xfrm policy)" ]'
wh west --name t --unroute >/dev/null 2>&1
tap_check "unroute-client-v6 took the route away" \
	eval '[ -z "$(ip -n west -6 route show 2001:db8:2::/64)" ]'
sed 's/^/# verbs: /' "$T/west/verbs"
tap_check "updown verbs: prepare-, route-, up-, down-, unroute-client-v6" \
	eval 'for v in prepare route up down unroute; do grep -q "^$v-client-v6 2001:db8:2::/64$" "$T/west/verbs" || exit 1; done'
wh west --shutdown >/dev/null 2>&1
wh east --shutdown >/dev/null 2>&1
[ "$_tap_failed" -eq 0 ] || grep -vE '\| (libbpf|eroute)' "$T/west/pluto.log" | tail -40 | sed 's/^/# west: /'
tap_done
