#!/bin/bash
# TRAP latency: the time from the first packet that hits a routed (trapped) connection to the
# first packet through ESP, for three initiators on west against the same responder on east
# (strongSwan's charon), with the same algorithms: IKEv1 Main Mode, PSK,
# aes128-sha2_256-modp2048, Quick Mode ESP aes128-sha2_256 with PFS (modp2048).
# A benchmark, not a test: it prints figures and ratios.
#
#   pluto-xdp   whack --route: a TRAP eroute in the BPF maps; TC egress drops the first
#               packet and sends a ring-buffer event; pluto negotiates
#   strongSwan  start_action=trap: an XFRM policy without SA; the kernel's ACQUIRE
#   Libreswan   auto=route: the same, Libreswan 4.10's pluto
#
#   west (initiator)                              east: charon (responder for all)
#   c0 10.0.1.1/24 (dummy)                        c0 10.0.2.1/24 (dummy)
#   veth0 192.0.2.1/24 ========================== veth0 192.0.2.2/24
#   udp_stamp send 10.0.1.1 -> 10.0.2.1:7777      udp_stamp recv 10.0.2.1:7777
#
# One measurement: a receiver waits on east; a sender on west sends a datagram every
# millisecond, each stamped with CLOCK_MONOTONIC (one clock for all namespaces of a
# kernel); latency = arrival of the first datagram that gets through - sending of the
# first. Then the initiator terminates (a Delete: back to the trap) and the next round
# starts once charon holds no SA. BENCH_ROUNDS (default 7) rounds each; the median is
# reported. This needs ESP, so it runs in the vmtest VM (TCG: everything is slower than on
# hardware, the ratios are what carry over). Run on the host: it builds its helper and
# starts the VM itself. Needs `make deps` (kernel, Libreswan) and a built tree.
set -u
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

if ! grep -q 'vmtest\.init=' /proc/cmdline; then
	mkdir -p "$BUILD/bench"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$BUILD/bench/udp_stamp" \
		"$here/udp_stamp.c" || exit 1
	cd "$ROOT" && exec vmtest/run.sh --timeout "${BENCH_TIMEOUT:-1800}" \
		env BUILD="$BUILD" BENCH_ROUNDS="${BENCH_ROUNDS:-7}" BENCH_ONLY="${BENCH_ONLY:-}" \
		"$here/trap-latency.sh"
fi

cd "$ROOT" || exit 1
. selftests/vm/lib.sh
. selftests/vm/peers.sh
. selftests/vm/lib-pluto.sh # topology
ROUNDS=${BENCH_ROUNDS:-7}
STAMP=$BUILD/bench/udp_stamp
PLUTO=$BUILD/pluto
WHACK=$BUILD/whack
PSK=bench-not-secret
E=$T/east
W=$T/west

# swan_conf ME PEER MY_NET PEER_NET [CHILD_OPTION]: one IKEv1 PSK connection "peer"
swan_conf() {
	cat <<EOF
connections {
	peer {
		version = 1
		proposals = aes128-sha256-modp2048
		local_addrs = $1
		remote_addrs = $2
		local { auth = psk
			id = $1 }
		remote { auth = psk
			id = $2 }
		children { peer { local_ts = $3
			remote_ts = $4
			esp_proposals = aes128-sha256-modp2048
			${5:-} } }
	}
}
secrets { ike-peer { id = $2
	secret = "$PSK" } }
EOF
}

east_idle() { [ -z "$(swanctl_in east "$E" --list-sas 2>/dev/null)" ]; }

# through_esp: charon's CHILD SA counted packets in (what got through came through ESP)
through_esp() {
	local raw
	raw=$(swanctl_in east "$E" --list-sas --raw 2>/dev/null)
	[[ $raw =~ packets-in=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]
}

# measure NAME: one round; the latency in ms in $LAT (empty on failure)
measure() {
	local got first seq sent recv
	LAT=
	ns_spawn east "$T/recv.out" "$STAMP" recv 10.0.2.1 7777 60
	local rpid=$SPAWNED
	wait_until 20 grep -q ready "$T/recv.out" || return 1
	ns_spawn west "$T/send.out" "$STAMP" send 10.0.1.1 10.0.2.1 7777 1000 60
	local spid=$SPAWNED
	wait_until 60 grep -q '^got ' "$T/recv.out"
	kill "$spid" "$rpid" 2>/dev/null
	read -r _ first <"$T/send.out"
	got=$(grep '^got ' "$T/recv.out") || return 1
	read -r _ seq sent recv <<<"$got"
	if [ "$seq" -eq 0 ] || ! through_esp; then
		diag "$1: datagram #$seq arrived, but not through ESP: not counted"
		return 1
	fi
	LAT=$(((recv - first) / 1000000))
	diag "$1: first sent at $first, datagram #$seq got through after ${LAT} ms"
}

# rounds NAME RESET-CMD LOG: ROUNDS measurements, RESET-CMD between them (back to the
# trap); results in RES[NAME]; LOG's negotiation lines are shown for a slow or failed round
rounds() {
	local name=$1 reset=$2 log=$3 i v=()
	for ((i = 1; i <= ROUNDS; i++)); do
		local mark emark
		mark=$(wc -l <"$log")
		emark=$(wc -l <"$E/charon.log")
		if measure "$name round $i" && [ -n "$LAT" ]; then
			v+=("$LAT")
		else
			diag "$name round $i: nothing got through ESP within 60 s; west's kernel:"
			ip -n west xfrm policy | sed 's/^/#   /'
			ip -n west xfrm state | grep -v -e 'auth\|enc\|anti-replay' | sed 's/^/#   /'
			tail -15 "$log" | sed 's/^/#   /'
			LAT=99999
		fi
		if [ "$LAT" -gt 5000 ]; then
			diag "$name round $i: now $(date +%T.%N), uptime $(cut -d' ' -f1 /proc/uptime) s; west:"
			tail -n +"$((mark + 1))" "$log" | grep -iE 'initiat|acquire|retrans|STATE_|establish|trap|error|fail' |
				head -30 | sed 's/^/#   /'
			diag "east (charon):"
			tail -n +"$((emark + 1))" "$E/charon.log" | grep -iE 'retrans|establish|received|sending|install' |
				head -30 | sed 's/^/#   /'
		fi
		eval "$reset" >"$T/reset.out" 2>&1 || { diag "$name: reset failed:"; sed 's/^/#   /' "$T/reset.out"; }
		wait_until 30 east_idle || diag "$name: charon still holds SAs"
		sleep 1
	done
	RES[$name]="${v[*]}"
}

median_of() {
	[ -n "$1" ] || { echo -; return; }
	printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

declare -A RES
PEER_ROUTES="west east"
tap_check "namespaces, veth, clients" topology || { tap_done; exit; }
mkdir -p "$E"
swan_conf 192.0.2.2 192.0.2.1 10.0.2.0/24 10.0.1.0/24 >"$E/swanctl.conf"
tap_check "charon started on east (responder)" strongswan_start east "$E"
tap_check "charon loaded its side" eval 'swanctl_load east "$E" >/dev/null'
# west knows east's MAC before the first round: no initiator pays for ARP
tap_check "west resolves east's address" ns_exec west ping -c 1 -W 5 192.0.2.2

# BENCH_ONLY="pluto-xdp strongSwan Libreswan" (default: all) chooses the initiators
want() { [[ " ${BENCH_ONLY:-pluto-xdp strongSwan Libreswan} " == *" $1 "* ]]; }

# The first ESP SA loads the kernel's crypto modules (esp4, cbc(aes), hmac(sha256)...):
# under TCG that took 15 s once. Load them before the first round.
warm() {
	local k=0x0123456789abcdef0123456789abcdef
	ip -n west xfrm state add src 192.0.2.9 dst 192.0.2.8 proto esp spi 0x100 mode tunnel \
		enc 'cbc(aes)' $k auth-trunc 'hmac(sha256)' $k 128 &&
		ip -n west xfrm state del src 192.0.2.9 dst 192.0.2.8 proto esp spi 0x100
}
tap_check "the kernel's ESP crypto modules loaded" warm

# ---- pluto-xdp --------------------------------------------------------------------------
run_pluto() {
wh() { timeout --kill-after=5 60 "$WHACK" --rundir "$W" "$@"; }
mkdir -p "$W"
echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$W/ipsec.secrets"
chmod 600 "$W/ipsec.secrets"
ns_spawn west "$W/pluto.log" "$PLUTO" --nofork --stderrlog --rundir "$W" \
	--secretsfile "$W/ipsec.secrets"
pluto_pid=$SPAWNED
tap_check "pluto-xdp started with the BPF dataplane" \
	wait_until 30 grep -q 'BPF dataplane loaded' "$W/pluto.log"
tap_check "pluto-xdp: connection, listen, route" eval '
	wh --name t --host 192.0.2.1 --client 10.0.1.0/24 --updown true --to --host 192.0.2.2 \
		--client 10.0.2.0/24 --updown true --encrypt --tunnel --pfs --psk \
		--ike aes128-sha2_256-modp2048 --esp aes128-sha2_256 >/dev/null 2>&1 &&
	wh --listen >/dev/null 2>&1 && wh --name t --route 2>&1 | grep -q "(trap)"'
rounds pluto-xdp 'wh --name t --terminate' "$W/pluto.log"
wh --shutdown >/dev/null 2>&1
wait_until 10 test ! -e "/proc/$pluto_pid" || kill -9 "$pluto_pid"
}
want pluto-xdp && run_pluto

# ---- strongSwan ---------------------------------------------------------------------------
run_strongswan() {
S=$T/swan-west
mkdir -p "$S"
swan_conf 192.0.2.1 192.0.2.2 10.0.1.0/24 10.0.2.0/24 "start_action = trap" >"$S/swanctl.conf"
if tap_check "strongSwan started on west" strongswan_start west "$S" &&
	tap_check "strongSwan: loaded with start_action=trap, an XFRM trap policy" \
		eval 'swanctl_load west "$S" >/dev/null && [ -n "$(ip -n west xfrm policy list dir out)" ]'; then
	rounds strongSwan 'swanctl_in west "$S" --terminate --ike peer' "$S/charon.log"
fi
strongswan_stop "$S"
}
want strongSwan && run_strongswan

# ---- Libreswan ----------------------------------------------------------------------------
run_libreswan() {
L=$T/libreswan
mkdir -p "$L"
{
	libreswan_conf "$L"
	cat <<EOF

conn east
	ikev2=no
	authby=secret
	ike=aes128-sha2_256-modp2048
	esp=aes128-sha2_256-modp2048
	pfs=yes
	left=192.0.2.1
	leftid=192.0.2.1
	leftsubnet=10.0.1.0/24
	right=192.0.2.2
	rightid=192.0.2.2
	rightsubnet=10.0.2.0/24
	leftupdown=/bin/true
	auto=route
EOF
} >"$L/ipsec.conf"
echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$L/ipsec.secrets"
# Libreswan's pluto answers whack before its addconn has routed the conn: wait for that,
# or the first packet's ACQUIRE finds no conn and the kernel sends no other for 30 s
ls_routed() { libreswan_whack "$L" --status 2>/dev/null | grep -q '"east":.*prospective erouted'; }
if tap_check "Libreswan started on west" libreswan_start west "$L" &&
	tap_check "Libreswan: auto=route, the conn routed (a trap)" wait_until 30 ls_routed; then
	# after a terminate and --route, Libreswan 4.10 fails to put its trap back
	# ("assign_holdpass() delete_bare_shunt() failed"): each round starts a fresh pluto
	rounds Libreswan 'libreswan_stop "$L"; libreswan_start west "$L" && wait_until 30 ls_routed' \
		"$L/pluto.log"
fi
libreswan_stop "$L"
}
want Libreswan && run_libreswan

# ---- the table ----------------------------------------------------------------------------
mx=$(median_of "${RES[pluto-xdp]:-}")
echo
echo "| initiator (responder: charon) | TRAP latency, median (ms) | pluto-xdp / this | rounds (ms) |"
echo "| --- | ---: | ---: | --- |"
for d in pluto-xdp strongSwan Libreswan; do
	m=$(median_of "${RES[$d]:-}")
	r=-
	[ "$m" != - ] && [ "$mx" != - ] && [ "$m" -gt 0 ] &&
		r=$(awk -v a="$mx" -v b="$m" 'BEGIN { printf "%.2f", a / b }')
	echo "| $d | $m | $r | ${RES[$d]:-none} |"
done
tap_check "every initiator got traffic through in every round" \
	eval '[ "$(wc -w <<<"${RES[pluto-xdp]:-} ${RES[strongSwan]:-} ${RES[Libreswan]:-}")" -eq $(($(wc -w <<<"${BENCH_ONLY:-x x x}") * ROUNDS)) ]'
tap_done
