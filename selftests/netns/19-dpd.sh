#!/bin/bash
# Dead peer detection (RFC 3706): the pluto manual's "Hint" -- a peer restarts and has
# forgotten the ISAKMP SA -- handled without an operator.
#
#   ns west (pxw-PID) 192.0.2.1 <-- veth --> ns east (pxe-PID) 192.0.2.2
#   both plutos --noklips --no-bpf --debug-control, one PSK, conn "t" with DPD
#
# 1. alive: both sides probe (dpddelay 1 s) and answer each other's R-U-THERE.
# 2. dpdaction=restart: east is killed with SIGKILL and started again with no memory of
#    the SA; west declares it dead and negotiates a new tunnel by itself, in bounded time.
# 3. dpdaction=clear (west routed first): east killed and left dead; west deletes its
#    states and removes the eroute: "unrouted", no states.
# 4. dpdaction=hold: the same, and west's connection is back to a TRAP eroute
#    ("prospective erouted") so traffic would start a new negotiation.
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
trap cleanup EXIT
PLUTO_EXTRA_west=--debug-control
PLUTO_EXTRA_east=--debug-control
DELAY=1
TIMEOUT=3
psk_pair "dpd test"

# side_pid[side]: the running pluto of that side (the last one started)
declare -A side_pid
side_pid[west]=${pids[0]}
side_pid[east]=${pids[1]}

# add side action: the connection and --listen
add() {
	w "$1" "${conn_args[@]}" --psk --keyingtries 0 --dpddelay "$DELAY" \
		--dpdtimeout "$TIMEOUT" --dpdaction "$2" >/dev/null 2>&1 &&
		w "$1" --listen >/dev/null 2>&1
}

# kill_side side: SIGKILL; start_side side ns phase: a fresh pluto (no memory), the log
# of the previous one kept as side.phase.log
kill_side() {
	kill -9 "${side_pid[$1]}" 2>/dev/null
	wait "${side_pid[$1]}" 2>/dev/null # our child: reaped at once, no job notice
	# what an init system would clean after a crash
	rm -f "$T/$1/pluto.ctl" "$T/$1/pluto.pid"
}
start_side() {
	local side=$1 ns=$2 phase=$3
	[ -f "$T/$side.log" ] && mv "$T/$side.log" "$T/$side.$phase.log"
	start_pluto "$side" "$ns" || return 1
	side_pid[$side]=${pids[${#pids[@]} - 1]}
}

# wait_for SECONDS cmd...: poll every 0.2 s
wait_for() {
	local limit=$(($1 * 5)) i
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
status_has() { w "$1" --status | grep -q "$2"; }
status_lacks() { ! w "$1" --status | grep -q "$2"; }
count() { grep -c "$2" "$T/$1.log"; }
initiate() { w west --name t --initiate >"$T/initiate.out" 2>&1; }
route() { w west --name t --route >/dev/null 2>&1; }

# --- 1. alive ------------------------------------------------------------------
check "west: conn with DPD added" add west restart
check "east: conn with DPD added" add east hold
check "west: initiation succeeds" initiate
ws=$(w west --status)
echo "$ws" | grep -E 'dpd_|#[0-9]+:' | sed 's/^/# west: /'
check "west status: DPD settings" grep -q '^000 "t":   dpd_delay: 1s; dpd_timeout: 3s; dpd_action: restart' <<<"$ws"
check "east status: DPD settings" status_has east 'dpd_delay: 1s; dpd_timeout: 3s; dpd_action: hold'
check "west log: DPD on for the ISAKMP SA" grep -q 'DPD: probing the peer after 1s without traffic; dead after 3s' "$T/west.log"
check "west status: the ISAKMP SA probes" grep -q 'STATE_MAIN_I4 .*; DPD' <<<"$ws"
sleep 5
for side in west east; do
	other=$([ $side = west ] && echo east || echo west)
	sent=$(count $side 'DPD: sending R_U_THERE seq')
	acked=$(count $side 'R_U_THERE_ACK seq [0-9]* received: the peer is alive')
	answered=$(count $side 'R_U_THERE seq [0-9]* received; sending R_U_THERE_ACK')
	echo "# $side: $sent R_U_THERE sent, $acked ACKs received, $answered of $other's answered"
	check "$side sent R_U_THERE every second (>= 3 in 5 s)" [ "$sent" -ge 3 ]
	check "$side got an ACK for all but at most one" [ "$acked" -ge $((sent - 1)) -a "$acked" -ge 3 ]
	check "$side answered $other's R_U_THERE (>= 3)" [ "$answered" -ge 3 ]
	check "$side: no peer declared dead" bash -c '! grep -q "peer declared dead" "$1"' _ "$T/$side.log"
done

# --- 2. dpdaction=restart: east restarts with no memory -----------------------------
kill_side east
t0=$(date +%s%N)
check "east restarted (no memory of the SA)" start_side east "$NE" 1
check "east: conn added again" add east hold
check "west declares east dead within dpddelay + dpdtimeout + 2 s" \
	wait_for $((DELAY + TIMEOUT + 2)) grep -q 'peer declared dead; dpdaction=restart' "$T/west.log"
check "west renegotiates by itself: new IPsec SA within 20 s" \
	wait_for 20 status_has west 'STATE_QUICK_I2 (sent QI2, IPsec SA established)'
t1=$(date +%s%N)
echo "# recovery after SIGKILL: $(((t1 - t0) / 1000000)) ms"
check "the new east has the tunnel too" status_has east 'STATE_QUICK_R2 (IPsec SA established)'
check "west log: states deleted, negotiating again" grep -q 'DPD: states deleted; negotiating again (dpdaction=restart)' "$T/west.log"
check "west sent no Delete to the dead peer" bash -c '! sed -n "/peer declared dead/,/negotiating again/p" "$1" | grep -q "sending Delete"' _ "$T/west.log"
check "the new east dropped west's R_U_THERE under the forgotten SA" grep -q 'dropping encrypted Informational from 192.0.2.1: no ISAKMP SA' "$T/east.log"
check "west status: old states gone (only #3 and later)" status_lacks west '^000 #[12]:'
sleep 3
check "after recovery the peers answer each other again" grep -q 'R_U_THERE seq [0-9]* received; sending R_U_THERE_ACK' "$T/east.log"

# --- 3. dpdaction=clear: the eroute goes -----------------------------------------
# west is restarted too, to change its connection's action
kill_side west
# dead_peer ACTION RUN [route]: both plutos restarted (run RUN), west's conn with
# dpdaction=ACTION (routed first with "route"), the tunnel up, east killed; west must
# declare it dead. Leaves west's --status in $ws.
dead_peer() {
	local action=$1 run=$2 how="routed for the SA only"
	kill_side east
	check "west restarted" start_side west "$NW" "$run"
	check "east restarted" start_side east "$NE" "$run"
	check "west: conn with dpdaction=$action" add west "$action"
	check "east: conn added" add east hold
	if [ "${3:-}" = route ]; then
		check "west: routed" route
		how=routed
	fi
	check "west: initiation succeeds" initiate
	check "west: tunnel erouted ($how)" status_has west '^000 "t": .*; erouted;'
	kill_side east
	check "west declares east dead ($action)" \
		wait_for $((DELAY + TIMEOUT + 2)) grep -q "peer declared dead; dpdaction=$action" "$T/west.log"
	ws=$(w west --status)
	echo "$ws" | grep -E '^000 "t": |#[0-9]+:' | sed 's/^/# west: /'
}

dead_peer clear 2 route
check "clear: no states left" bash -c '! grep -q "^000 #[0-9]*:" <<<"$1"' _ "$ws"
check "clear: connection unrouted" grep -q '^000 "t": .*; unrouted;' <<<"$ws"
check "clear: log says the eroute was removed" grep -q 'DPD: states deleted and eroute removed (dpdaction=clear)' "$T/west.log"
sleep 2
check "clear: nothing renegotiated" status_lacks west 'STATE_'

# --- 4. dpdaction=hold: back to TRAP -----------------------------------------------
kill_side west
dead_peer hold 3
check "hold: no states left" bash -c '! grep -q "^000 #[0-9]*:" <<<"$1"' _ "$ws"
check "hold: TRAP eroute in place" grep -q '^000 "t": .*; prospective erouted;' <<<"$ws"
check "hold: log says so" grep -q 'eroute back to TRAP: traffic starts a new negotiation (dpdaction=hold)' "$T/west.log"
sleep 2
check "hold: nothing renegotiated without traffic" status_lacks west 'STATE_'

w west --shutdown >/dev/null 2>&1
echo "1..$n"
[ "$fails" -eq 0 ]
