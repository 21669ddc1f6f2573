#!/bin/bash
# whack --shutdown under load leaves nothing in the kernel.  Eight connections between
# west and east: six are established and carry pings, then the link gets slow (netem
# delay) and, at once, west initiates the last two, east initiates two of its own towards
# west (west is their responder, with inbound SAs already installed in Quick Mode) and
# west is told to shut down.  Checked: the negotiations were in flight; pluto stops
# within a bound; west's kernel holds no SA and no policy; no program is left on veth0,
# no pluto program or map is left loaded, the pin directory is gone.  Then east, which
# got west's Deletes (or not: the link is slow) is shut down: its kernel is empty too.
#
#   west: pluto (BPF)                             east: pluto (--no-bpf)
#   c0 10.1.N.1/24, N = 1..8 (dummy)              c0 10.2.N.1/24 (dummy)
#   (netem delay 8s) veth0 192.0.2.1/24 ============ veth0 192.0.2.2/24
#   conn cN: 10.1.N.0/24 <-> 10.2.N.0/24
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/lib-pluto.sh"

W=$T/west E=$T/east
N=8

conn_args() { # N
	echo --name "c$1" --host 192.0.2.1 --client "10.1.$1.0/24" --to --host 192.0.2.2 \
		--client "10.2.$1.0/24" --encrypt --tunnel --pfs --psk
}

setup() {
	local i d
	ns_add west east && ns_veth west veth0 192.0.2.1/24 east veth0 192.0.2.2/24 &&
		ip -n west link add c0 type dummy && ip -n west link set c0 up &&
		ip -n east link add c0 type dummy && ip -n east link set c0 up || return 1
	for i in $(seq $N); do
		ip -n west addr add "10.1.$i.1/24" dev c0 && ip -n east addr add "10.2.$i.1/24" dev c0 ||
			return 1
	done
	mkdir -p "$W" "$E"
	echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$W/ipsec.secrets"
	cp "$W/ipsec.secrets" "$E/ipsec.secrets"
	PLUTO_BPF=1 pluto_start west "$W" && WEST_PID=$PLUTO_PID && pluto_start east "$E" &&
		EAST_PID=$PLUTO_PID || return 1
	for d in "$W" "$E"; do
		for i in $(seq $N); do
			# shellcheck disable=SC2046
			pluto_whack "$d" $(conn_args "$i") >/dev/null 2>&1 || return 1
		done
		pluto_whack "$d" --listen >/dev/null 2>&1 || return 1
	done
}

established_count() { # DIR: established IPsec SAs
	local s
	s=$(pluto_whack "$1" --status 2>/dev/null)
	count "$s" 'IPsec SA established'
}

in_flight() { # DIR: states not established
	local s
	s=$(pluto_whack "$1" --status 2>/dev/null)
	grep -E '^000 #[0-9]+: ' <<<"$s" | grep -vcE 'established|STATE_MAIN_R3|STATE_MAIN_I4'
}

pluto_objects() { # what of pluto's the BPF subsystem still has loaded: programs and maps
	{ bpftool prog show; bpftool map show; } 2>/dev/null | grep -cE ' name (pl_|pluto)'
}

tap_check "namespaces, 8 clients a side, both plutos with 8 connections" setup ||
	{ tap_done; exit; }
PIN=$(pluto_whack "$W" --status 2>/dev/null | sed -n 's/.*BPF dataplane: maps in \([^;]*\);.*/\1/p')
diag "pin directory $PIN"
for i in 1 2 3 4 5 6; do
	pluto_whack "$W" --name "c$i" --initiate --asynchronous >/dev/null 2>&1
done
tap_check "six tunnels up" wait_until 120 eval '[ "$(established_count "$W")" -ge 6 ]'
for i in 1 2 3 4 5 6; do
	ns_spawn west "$T/ping$i.log" ping -i 0.2 -W 1 -I "10.1.$i.1" "10.2.$i.1"
done
sleep 3
tap_check "traffic flows through them" \
	eval 'grep -q "bytes from 10.2.1.1" "$T/ping1.log" && grep -q "bytes from 10.2.6.1" "$T/ping6.log"'
tap_check "west has BPF objects loaded" eval '[ "$(pluto_objects)" -gt 0 ] && bpf_attached west'

# 8 s from west to east (less than the 10 s before a retransmission): west's Quick
# Modes wait for their QR1, and east's reach west at once, which installs their inbound
# SAs and then waits for a QI2 that cannot come before its QR1 has been delayed
tc -n west qdisc add dev veth0 root netem delay 8s
pluto_whack "$W" --name c7 --initiate --asynchronous >/dev/null 2>&1
pluto_whack "$W" --name c8 --initiate --asynchronous >/dev/null 2>&1
pluto_whack "$E" --name c5 --initiate --asynchronous >/dev/null 2>&1
pluto_whack "$E" --name c6 --initiate --asynchronous >/dev/null 2>&1
sleep 2
inflight=$(in_flight "$W")
diag "west: $inflight negotiations in flight; its kernel holds $(esp_states west) ESP SAs"
pluto_whack "$W" --status 2>/dev/null | grep -E '^000 #' | grep -vE 'established' | sed 's/^/#   /' 
tap_check "negotiations in flight at west ($inflight)" test "$inflight" -gt 0
start=$SECONDS
pluto_whack "$W" --shutdown >/dev/null 2>&1
# (it runs each connection's down and unroute commands: a few seconds each under TCG)
tap_check "west's pluto stops within 180 s" wait_until 180 test ! -e "/proc/$WEST_PID"
diag "west stopped in $((SECONDS - start)) s"
tap_check "west's kernel: no SA, no policy" kernel_empty west || kernel_left west | sed 's/^/#   /'
tap_check "west's veth0: no XDP program, no TC filter" bpf_bare west
tap_check "no pin directory" test ! -e "$PIN"
tap_check "no pluto program or map loaded" wait_until 10 eval '[ "$(pluto_objects)" -eq 0 ]'
tap_check "the end of west's log: shutdown complete" grep -q 'pluto shutdown complete' "$W/pluto.log"

sleep 2
einflight=$(in_flight "$E")
diag "east: $einflight negotiations in flight"
pluto_whack "$E" --shutdown >/dev/null 2>&1
tap_check "east's pluto stops within 180 s" wait_until 180 test ! -e "/proc/$EAST_PID"
tap_check "east's kernel: no SA, no policy" kernel_empty east || kernel_left east | sed 's/^/#   /'
if [ "$_tap_failed" -gt 0 ]; then
	pluto_log_tail "$W" 60
	pluto_log_tail "$E" 30
fi
tap_done
