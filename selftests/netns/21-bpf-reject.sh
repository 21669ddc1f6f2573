#!/bin/bash
# REJECT shunts (type=reject) answer the sender at once with ICMP "administratively
# prohibited" (3/13, ICMPv6 1/1), built by pluto's TC egress program and sent back in at the
# interface: a local ping says "Packet filtered" instead of timing out, a TCP connect fails
# with "No route to host" (here at the SYN's first retransmission, 1 s: the error comes back
# while connect() still holds its socket, and TCP then only notes it; a sender on another
# machine gets it at once), a client west forwards for gets the error too, the same for
# IPv6; nothing reaches the wire (capture on east); a flood is rate-limited.
#
#   ns client (pxc-PID)          ns west (pxw-PID): pluto --noklips, BPF      ns east (pxe-PID)
#   c0 10.0.1.2/24      <-veth-> w1 10.0.1.1/24          (forwarding)
#      2001:db8:1::2/64             2001:db8:1::1/64
#                                w0 192.0.2.1/24  <----------- veth --------> e0 192.0.2.2/24
#                                   2001:db8::1/64                               2001:db8::2/64
#                                                                  (tcpdump)  lo 10.0.2.1/24
#                                                                                2001:db8:2::1/64
#   conn rej4: 10.0.1.0/24 -> 10.0.2.0/24 type=reject; conn rej6: the same for IPv6
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
NC=pxc-$$
need_root
ip netns add "$NC"
cleanup_all() {
	cleanup
	ip netns del "$NC" 2>/dev/null
}
trap cleanup_all EXIT
echo "1..16"
topology
ip link add c0 netns "$NC" type veth peer name w1 netns "$NW"
ip -n "$NC" link set lo up
ip -n "$NC" link set c0 up
ip -n "$NW" link set w1 up
ip -n "$NC" addr add 10.0.1.2/24 dev c0
ip -n "$NC" addr add 2001:db8:1::2/64 dev c0 nodad
ip -n "$NC" route add default via 10.0.1.1
ip -n "$NC" -6 route add default via 2001:db8:1::1
ip -n "$NW" addr add 10.0.1.1/24 dev w1
ip -n "$NW" addr add 2001:db8:1::1/64 dev w1 nodad
ip -n "$NW" addr add 2001:db8::1/64 dev w0 nodad
ip -n "$NE" addr add 2001:db8::2/64 dev e0 nodad
ip -n "$NE" addr add 10.0.2.1/24 dev lo
ip -n "$NE" addr add 2001:db8:2::1/64 dev lo
ip -n "$NW" route add 10.0.2.0/24 via 192.0.2.2 src 10.0.1.1
ip -n "$NW" -6 route add 2001:db8:2::/64 via 2001:db8::2 src 2001:db8:1::1
ip -n "$NE" route add 10.0.1.0/24 via 192.0.2.1
ip -n "$NE" -6 route add 2001:db8:1::/64 via 2001:db8::1
ip netns exec "$NW" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

mkdir -p "$T/west"
: >"$T/west/ipsec.secrets"
chmod 600 "$T/west/ipsec.secrets"
cat >"$T/west/ipsec.conf" <<EOF
config setup
conn rej4
	left=192.0.2.1
	leftsubnet=10.0.1.0/24
	right=192.0.2.2
	rightsubnet=10.0.2.0/24
	type=reject
	auto=add
conn rej6
	left=2001:db8::1
	leftsubnet=2001:db8:1::/64
	right=2001:db8::2
	rightsubnet=2001:db8:2::/64
	type=reject
	auto=add
EOF

start_west() {
	ip netns exec "$NW" "$PLUTO" --nofork --noklips --stderrlog --debug-bpf \
		--rundir "$T/west" --secretsfile "$T/west/ipsec.secrets" \
		--config "$T/west/ipsec.conf" >>"$T/west.log" 2>&1 &
	pids+=($!)
	local i
	for i in $(seq 50); do
		[ -S "$T/west/pluto.ctl" ] && return 0
		sleep 0.1
	done
	return 1
}
has_status() { w west --status | grep -qE "$1"; }
# ms NS CMD...: run it (bounded), its output in $OUT, its duration in $MS
timed() {
	local t0 t1 ns=$1
	shift
	t0=$(date +%s%N)
	OUT=$(timeout 20 ip netns exec "$ns" "$@" 2>&1)
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
	echo "$OUT" | sed -n '2p' | sed "s/^/# ($MS ms) /"
}
prompt() { # refused at once: the error line, and well before ping's 5 s wait
	grep -q "$1" <<<"$OUT" && [ "$MS" -lt 2000 ]
}

check "west pluto starts with the BPF dataplane and the conns" start_west
w west --listen >/dev/null 2>&1
check "whack --route rej4: a %reject eroute" eval 'w west --name rej4 --route 2>&1 | grep -q "route installed: .*(shunt)"'
check "whack --route rej6" eval 'w west --name rej6 --route 2>&1 | grep -q "route installed: .*(shunt)"'
check "status: both eroutes are %reject" eval \
	'has_status "\"rej4\" eroute 10.0.1.0/24 -> 10.0.2.0/24 => %reject" && has_status "\"rej6\" eroute 2001:db8:1::/64 -> 2001:db8:2::/64 => %reject"'

rm -f "$T/cap.txt"
timeout 120 ip netns exec "$NE" tcpdump -i e0 -n -l -U 'icmp or icmp6 or tcp' >"$T/cap.txt" 2>/dev/null &
CAP=$!
pids+=($CAP)
sleep 1

timed "$NW" ping -c 1 -W 5 -I 10.0.1.1 10.0.2.1
check "local ping: 'Packet filtered' (ICMP 3/13) at once" prompt 'From 10.0.2.1 icmp_seq=1 Packet filtered'
timed "$NW" bash -c 'exec 3<>/dev/tcp/10.0.2.1/80'
check "local TCP connect: 'No route to host' at once" prompt 'No route to host'
timed "$NC" ping -c 1 -W 5 10.0.2.1
check "forwarded client's ping: the error comes back to it" prompt 'From 10.0.2.1 icmp_seq=1 Packet filtered'
timed "$NC" bash -c 'exec 3<>/dev/tcp/10.0.2.1/80'
check "forwarded client's TCP connect: 'No route to host' at once" prompt 'No route to host'
timed "$NW" ping -6 -c 1 -W 5 -I 2001:db8:1::1 2001:db8:2::1
check "local ping -6: 'Administratively prohibited' (ICMPv6 1/1)" prompt 'From 2001:db8:2::1 icmp_seq=1 Destination unreachable: Administratively prohibited'
timed "$NC" ping -6 -c 1 -W 5 2001:db8:2::1
check "forwarded client's ping -6: the error comes back to it" prompt 'Destination unreachable: Administratively prohibited'
check "counted: egress-reject-icmp-sent" has_status 'egress-reject-icmp-sent ([6-9]|[1-9][0-9])'

# a flood: at most reject_per_sec (10) errors per CPU and second
before=$(w west --status | sed -nE 's/.*egress-reject-icmp-sent ([0-9]+).*/\1/p')
timeout 20 ip netns exec "$NW" ping -c 200 -i 0.002 -W 1 -I 10.0.1.1 10.0.2.1 >"$T/flood.txt" 2>&1
tail -2 "$T/flood.txt" | sed 's/^/# /' 
check "a flood is rate-limited (counted)" has_status 'egress-reject-rate-limited [1-9]'
w west --status | grep 'BPF counters' | sed 's/^/# /'
sent=$(($(w west --status | sed -nE 's/.*egress-reject-icmp-sent ([0-9]+).*/\1/p') - before))
ms=$(sed -nE 's/.* time ([0-9]+)ms.*/\1/p' "$T/flood.txt")
cpus=$(nproc)
echo "# ICMP errors sent for the flood: $sent in ${ms:-?} ms on $cpus CPUs"
# (ping resends a probe the stack refused, ENOBUFS, so the flood lasts a while)
check "... at most 10 per CPU and second were answered" \
	[ -n "$ms" ] && [ "$sent" -gt 0 ] && [ "$sent" -le $(((ms / 1000 + 1) * 10 * cpus)) ]

sleep 0.5
kill "$CAP" 2>/dev/null
wait "$CAP" 2>/dev/null
check "capture on e0: nothing from the clients reached the wire" \
	[ "$(grep -cE '10\.0\.1\.[12]|2001:db8:1::[12]' "$T/cap.txt")" -eq 0 ]

w west --name rej4 --unroute >/dev/null 2>&1
timed "$NW" ping -c 1 -W 5 -I 10.0.1.1 10.0.2.1
check "unrouted: the ping goes through" grep -q '1 received' <<<"$OUT"
w west --name rej6 --unroute >/dev/null 2>&1
timed "$NC" ping -6 -c 1 -W 5 2001:db8:2::1
check "unrouted: the forwarded ping -6 goes through" grep -q '1 received' <<<"$OUT"
[ "$fails" -eq 0 ]
