#!/bin/bash
# Dead peer detection (RFC 3706) between pluto and the reference peers, IKEv1 PSK, pluto
# initiating, ESP for real:
#
#   strongSwan charon (swanctl: dpd_delay = 1s, dpd_timeout = 8s, dpd_action = clear)
#     - both send the DPD vendor ID and, while the tunnel is idle, probe each other;
#       each answers the other (pluto's log; charon's log: N(DPD) / N(DPD_ACK) parsed);
#     - while pings flow through the tunnel, pluto does not probe (RFC 3706: only when
#       nothing came from the peer for dpddelay; the kernel's inbound ESP counters):
#       once a look saw ESP, no R-U-THERE goes out until the pings stop;
#     - charon is killed with SIGKILL: pluto (dpdaction=clear) declares it dead, deletes
#       its states, and its kernel holds no SA and no policy any more.
#   Libreswan 4.10 (dpddelay=1, dpdtimeout=8, dpdaction=hold)
#     - the same mutual probing (Libreswan's debug log: R_U_THERE_ACK seqno received);
#     - Libreswan is killed with SIGKILL and started again with no memory (its kernel
#       state flushed too, as a reboot would): pluto (dpdaction=restart) declares it
#       dead and negotiates a new tunnel by itself; pings go through it.
#
# pluto probes every 2 s, the peers every second: charon counts any IKE message as a sign
# of life (pluto's R-U-THEREs too), so with the same delay on both sides whether charon
# probed at all within a window turned on which of the two timers fired first.
#
#   west: pluto (--no-bpf)                    east: charon, then Libreswan
#   c0 10.0.1.1/24 (dummy)                    c0 10.0.2.1/24 (dummy)
#   veth0 192.0.2.1/24 ==== IKEv1 + ESP ==== veth0 192.0.2.2/24
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/peers.sh"
. "$dir/lib-pluto.sh"

PEER=1 PEER_ROUTES=east
DELAY=2
PEER_DELAY=1 # (see the top)
TIMEOUT=8

# lines FILE REGEX: how many lines of FILE match
lines() {
	local n
	n=$(grep -c -E "$2" "$1" 2>/dev/null)
	echo "${n:-0}"
}

pluto_established() {
	pluto_status "$W"
	[[ $PS =~ STATE_MAIN_(I4|R3) ]] && [[ $PS =~ STATE_QUICK_(I2|R2) ]]
}

# start_west ACTION: pluto in west with conn "t" (DPD on), listening
start_west() {
	mkdir -p "$W"
	echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$W/ipsec.secrets"
	pluto_start west "$W" || return 1
	pluto_whack "$W" --name t --host 192.0.2.1 --client 10.0.1.0/24 --to \
		--host 192.0.2.2 --client 10.0.2.0/24 --encrypt --tunnel --pfs --psk \
		--ike aes128-sha2_256-modp2048 --esp aes128-sha2_256 --keyingtries 0 \
		--dpddelay "$DELAY" --dpdtimeout "$TIMEOUT" --dpdaction "$1" >/dev/null 2>&1 &&
		pluto_whack "$W" --listen >/dev/null 2>&1
}

# 30 pings 0.2 s apart: 6 s of ESP both ways
ping_long() {
	ns_exec west ping -q -c 30 -i 0.2 -W 2 -I 10.0.1.1 10.0.2.1 >"$T/ping.out"
}

initiate() {
	pluto_whack "$W" --name t --initiate >"$T/init.log" 2>&1 ||
		{ sed 's/^/#   /' "$T/init.log"; return 1; }
}

# probing PEER_LOG PEER_ACK_REGEX PEER_NAME: both sides probe the idle tunnel and answer
probing() {
	local log=$1 ack_re=$2 who=$3 sent acked answered peer_acked
	sleep $((3 * DELAY + 1))
	sent=$(lines "$W/pluto.log" 'DPD: sending R_U_THERE seq')
	acked=$(lines "$W/pluto.log" 'R_U_THERE_ACK seq [0-9]+ received: the peer is alive')
	answered=$(lines "$W/pluto.log" 'R_U_THERE seq [0-9]+ received; sending R_U_THERE_ACK')
	peer_acked=$(lines "$log" "$ack_re")
	diag "$who: pluto sent $sent R_U_THERE, got $acked ACKs, answered $answered of $who's;" \
		"$who took $peer_acked of pluto's ACKs"
	tap_check "$who: pluto saw the DPD vendor ID and probes" \
		grep -q 'DPD: probing the peer after 2s without traffic; dead after 8s' "$W/pluto.log"
	tap_check "$who: pluto probed the idle tunnel (>= 2 R_U_THERE)" test "$sent" -ge 2
	tap_check "$who answered pluto's R_U_THERE (>= 2 ACKs, all but one)" \
		test "$acked" -ge 2 -a "$acked" -ge $((sent - 1))
	tap_check "pluto answered $who's R_U_THERE (>= 2)" test "$answered" -ge 2
	tap_check "$who accepted pluto's R_U_THERE_ACKs (>= 2 in its log)" test "$peer_acked" -ge 2
	tap_check "$who: nobody declared dead" \
		eval '! grep -q "peer declared dead" "$W/pluto.log"'
}

# --- strongSwan ------------------------------------------------------------------------

E=$T/charon
charon_conf() {
	strongswan_conf "$E" | sed 's/^\(\t*\)default = 1$/&\n\1ike = 2\n\1cfg = 2\n\1enc = 1/'
}
swanctl_conf() {
	cat <<EOF
connections {
	pluto {
		version = 1
		proposals = aes128-sha256-modp2048
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		dpd_delay = ${PEER_DELAY}s
		dpd_timeout = ${TIMEOUT}s
		local {
			auth = psk
			id = 192.0.2.2
		}
		remote {
			auth = psk
			id = 192.0.2.1
		}
		children {
			pluto {
				local_ts = 10.0.2.0/24
				remote_ts = 10.0.1.0/24
				esp_proposals = aes128-sha256-modp2048
				dpd_action = clear
			}
		}
	}
}
secrets {
	ike-pluto {
		id = 192.0.2.1
		secret = "$PSK"
	}
}
EOF
}

strongswan_round() {
	local start=$SECONDS pid t0 from to sent skipped
	W=$T/pluto-strongswan
	mkdir -p "$E"
	charon_conf >"$E/strongswan.conf"
	swanctl_conf >"$E/swanctl.conf"
	tap_check "charon started" strongswan_start east "$E" || return
	tap_check "charon: connection loaded" \
		eval 'swanctl_load east "$E" >"$T/load.log" 2>&1' || return
	tap_check "strongswan: pluto started (dpdaction=clear)" start_west clear || return
	tap_check "strongswan: pluto initiates" initiate || return
	tap_check "strongswan: tunnel up" wait_until 10 pluto_established || return
	probing "$E/charon.log" 'parsed INFORMATIONAL_V1 request [0-9]+ \[ HASH N\(DPD_ACK\) \]' charon

	# traffic: no probes needed (counted in the log lines written while pings flowed)
	from=$(($(wc -l <"$W/pluto.log") + 1))
	tap_check "strongswan: pings through the tunnel for 3 dpddelays" ping_long
	to=$(wc -l <"$W/pluto.log")
	grep -E 'packets|rtt' "$T/ping.out" | sed 's/^/#   /'
	sed -n "${from},${to}p" "$W/pluto.log" | grep -E 'DPD' >"$T/window.log"
	# (ping takes a while to start under TCG: count from the first look that saw ESP)
	sed -n '/DPD: ESP from the peer in the last/,$p' "$T/window.log" >"$T/flowing.log"
	sent=$(lines "$T/flowing.log" 'DPD: sending R_U_THERE seq')
	skipped=$(lines "$T/flowing.log" 'DPD: ESP from the peer in the last')
	diag "strongswan: once ESP flowed pluto sent $sent R_U_THERE, skipped $skipped probes"
	tap_check "strongswan: with ESP arriving pluto skips its probes (>= 2 skipped)" \
		test "$skipped" -ge 2
	tap_check "strongswan: ... and sends no R_U_THERE while it keeps arriving" \
		test "$sent" -eq 0 || sed 's/^/#   /' "$T/window.log"

	# kill charon
	pid=$(<"$E/run/charon.pid")
	kill -KILL "$pid"
	t0=$SECONDS
	tap_check "strongswan: pluto declares charon dead within dpddelay + dpdtimeout + 8 s" \
		wait_until $((DELAY + TIMEOUT + 8)) \
		grep -q 'peer declared dead; dpdaction=clear' "$W/pluto.log"
	diag "strongswan: detected after $((SECONDS - t0)) s"
	tap_check "strongswan: pluto has no state left" \
		wait_until 5 eval 'pluto_status "$W"; [[ $PS != *STATE_* ]]'
	tap_check "strongswan: pluto's connection unrouted" grep -q '^000 "t": .*; unrouted;' <<<"$PS"
	tap_check "strongswan: west's kernel holds no SA and no policy" \
		wait_until 5 kernel_empty west
	kernel_empty west || kernel_left west | sed 's/^/#   /'
	tap_check "strongswan: pluto stopped" pluto_stop "$W"
	if [ "$_tap_failed" -gt "$failed_before" ]; then
		pluto_log_tail "$W" 60
		diag "--- charon's log"
		tail -n 40 "$E/charon.log" | sed 's/^/#   /'
	fi
	ip -n east xfrm state flush
	ip -n east xfrm policy flush
	diag "strongswan: $((SECONDS - start)) s"
}

# --- Libreswan ---------------------------------------------------------------------------

L=$T/libreswan
ls_conf() {
	libreswan_conf "$L"
	cat <<EOF
	plutodebug=all

conn pluto
	ikev2=no
	authby=secret
	ike=aes128-sha2_256-modp2048
	esp=aes128-sha2_256-modp2048
	left=192.0.2.2
	leftid=192.0.2.2
	leftsubnet=10.0.2.0/24
	right=192.0.2.1
	rightid=192.0.2.1
	rightsubnet=10.0.1.0/24
	leftupdown=/usr/libexec/ipsec/_updown
	dpddelay=$PEER_DELAY
	dpdtimeout=$TIMEOUT
	dpdaction=hold
	auto=add
EOF
}

libreswan_fresh() {
	mkdir -p "$L/nss" "$L/run"
	rm -f "$L/run/pluto.pid" "$L/run/pluto.ctl"
	libreswan_start east "$L"
}

libreswan_round() {
	local start=$SECONDS pid t0 n
	W=$T/pluto-libreswan
	mkdir -p "$L/nss"
	certutil -N --empty-password -d "sql:$L/nss"
	echo "192.0.2.2 192.0.2.1 : PSK \"$PSK\"" >"$L/ipsec.secrets"
	ls_conf >"$L/ipsec.conf"
	tap_check "Libreswan started" libreswan_fresh || return
	tap_check "libreswan: pluto started (dpdaction=restart)" start_west restart || return
	tap_check "libreswan: pluto initiates" initiate || return
	tap_check "libreswan: tunnel up" wait_until 10 pluto_established || return
	probing "$L/pluto.log" 'DPD: R_U_THERE_ACK, seqno received' Libreswan
	n=$(lines "$L/pluto.log" 'DPD: sending R_U_THERE')
	diag "libreswan: Libreswan's log: $n R_U_THERE sent"

	# kill Libreswan; it comes back with nothing (its kernel state gone too)
	pid=$(<"$L/run/pluto.pid")
	kill -KILL "$pid"
	ip -n east xfrm state flush
	ip -n east xfrm policy flush
	mv "$L/pluto.log" "$L/pluto.1.log"
	t0=$SECONDS
	tap_check "libreswan: Libreswan restarted with no memory" libreswan_fresh
	tap_check "libreswan: pluto declares it dead within dpddelay + dpdtimeout + 8 s" \
		wait_until $((DELAY + TIMEOUT + 8)) \
		grep -q 'peer declared dead; dpdaction=restart' "$W/pluto.log"
	tap_check "libreswan: pluto negotiates a new tunnel by itself (within 30 s)" \
		wait_until 30 eval 'pluto_established && [[ $PS != *"#2: "* ]]'
	diag "libreswan: tunnel back $((SECONDS - t0)) s after the SIGKILL"
	tap_check "libreswan: ping through the new tunnel" ping_clients
	tap_check "libreswan: Libreswan shows the new IPsec SA" \
		eval 'libreswan_whack "$L" --trafficstatus 2>/dev/null | grep -q "\"pluto\""'
	tap_check "libreswan: pluto stopped" pluto_stop "$W"
	if [ "$_tap_failed" -gt "$failed_before" ]; then
		pluto_log_tail "$W" 60
		diag "--- Libreswan's log (without debugging)"
		grep -v -e ': | ' -e ': |] ' "$L/pluto.log" | tail -n 30 | sed 's/^/#   /'
	fi
	libreswan_stop "$L"
	diag "libreswan: $((SECONDS - start)) s"
}

# (arguments: the peers to test, for debugging; default both)
tap_check "namespaces, veth and dummy clients" topology || { tap_done; exit; }
for peer in ${@:-strongswan libreswan}; do
	failed_before=$_tap_failed
	"${peer}_round"
done
tap_done
