#!/bin/bash
# ESP in the VM kernel with hand-made SAs: proves the harness gives us a
# kernel that can encrypt (crypto modules autoload), not just XFRM.
#
#   west                                      east
#   c0 10.0.1.1/24 (dummy)                    c0 10.0.2.1/24 (dummy)
#   veth0 192.0.2.1/24 ==== ESP tunnel ==== veth0 192.0.2.2/24
#
#   SPI 0x1000: west -> east, SPI 0x2000: east -> west,
#   cbc(aes) 128 + hmac(sha256) truncated to 128 bits.
set -u
. "$(dirname "$0")/lib.sh"

W=192.0.2.1 E=192.0.2.2
AUTH_KEY=0x$(printf '%064x' 1)
ENC_KEY1=0x$(printf '%032x' 0x1000)
ENC_KEY2=0x$(printf '%032x' 0x2000)

# sa NS SRC DST SPI KEY: one tunnel-mode ESP SA.
sa() {
	ip -n "$1" xfrm state add src "$2" dst "$3" proto esp spi "$4" reqid 1 \
		mode tunnel auth-trunc 'hmac(sha256)' "$AUTH_KEY" 128 enc 'cbc(aes)' "$5"
}

# pol NS DIR SRCNET DSTNET TSRC TDST: a policy using the tunnel TSRC -> TDST.
pol() {
	ip -n "$1" xfrm policy add dir "$2" src "$3" dst "$4" \
		tmpl src "$5" dst "$6" proto esp reqid 1 mode tunnel
}

# esp_packets NS SRC DST SPI: the SA's packet counter ("lifetime current").
esp_packets() {
	ip -n "$1" -s -o xfrm state get src "$2" dst "$3" proto esp spi "$4" |
		sed -n 's/.*lifetime current:\\\t *[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p'
}

ping_through() {
	ns_exec west ping -c 3 -i 0.2 -W 2 -I 10.0.1.1 10.0.2.1 >/dev/null
}

ping_fails() {
	! ns_exec west ping -c 2 -i 0.2 -W 1 -I 10.0.1.1 10.0.2.1 >/dev/null
}

setup() {
	ns_add west east &&
		ns_veth west veth0 $W/24 east veth0 $E/24 &&
		ip -n west link add c0 type dummy && ip -n west link set c0 up &&
		ip -n east link add c0 type dummy && ip -n east link set c0 up &&
		ip -n west addr add 10.0.1.1/24 dev c0 &&
		ip -n east addr add 10.0.2.1/24 dev c0 &&
		ip -n west route add 10.0.2.0/24 via $E src 10.0.1.1 &&
		ip -n east route add 10.0.1.0/24 via $W src 10.0.2.1
}

install_sas() {
	local ns
	for ns in west east; do
		sa $ns $W $E 0x1000 "$ENC_KEY1" && sa $ns $E $W 0x2000 "$ENC_KEY2" || return 1
	done
}

install_policies() {
	pol west out 10.0.1.0/24 10.0.2.0/24 $W $E &&
		pol west in 10.0.2.0/24 10.0.1.0/24 $E $W &&
		pol east out 10.0.2.0/24 10.0.1.0/24 $E $W &&
		pol east in 10.0.1.0/24 10.0.2.0/24 $W $E
}

tap_check "namespaces, veth and dummy clients" setup || { tap_done; exit; }
tap_check "plain ping between the gateways" ns_exec west ping -q -c 1 -W 2 $E
tap_check "ESP SAs added (cbc(aes) + hmac(sha256))" install_sas
tap_check "tunnel policies added" install_policies

# Capture what west sends on the wire: ESP, never cleartext ICMP.  (Only
# outbound: decapsulated packets re-enter the stack on veth0 and a capture
# of inbound traffic shows them in clear.)
ns_spawn west "$T/tcpdump.log" tcpdump -n -U -Q out -i veth0 -w "$T/wire.pcap" 'esp or icmp'
tcpdump_pid=$SPAWNED
wait_until 10 grep -q 'listening on' "$T/tcpdump.log"

tap_check "ping client to client through the tunnel" ping_through

out=$(esp_packets west $W $E 0x1000) in=$(esp_packets east $W $E 0x1000)
back=$(esp_packets west $E $W 0x2000)
diag "ESP packets: west out $out, east in $in, east->west in $back"
tap_check "outbound SA counted the packets" test "${out:-0}" -ge 3
tap_check "inbound SA on the peer counted them" test "${in:-0}" -ge 3
tap_check "replies came back through the reverse SA" test "${back:-0}" -ge 3

sleep 0.5
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null
esp=$(tcpdump -n -r "$T/wire.pcap" esp 2>/dev/null | wc -l)
icmp=$(tcpdump -n -r "$T/wire.pcap" icmp 2>/dev/null | wc -l)
diag "sent by west: $esp ESP, $icmp ICMP"
tap_check "west sent ESP on the wire" test "$esp" -ge 3
tap_check "west sent no cleartext ICMP" test "$icmp" -eq 0

# With the policies still in place but no SAs the kernel must drop.
ip -n west xfrm state flush && ip -n east xfrm state flush
tap_check "without SAs the ping fails" ping_fails

tap_done
