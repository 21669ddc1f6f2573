#!/bin/bash
# Many connections and many whacks at once: a --status listing far larger than a socket
# buffer arrives whole, also to a whack whose reader starts a second late (pluto must keep
# the rest of the reply after the request is done); whacks running in parallel are each answered in full; of twenty
# simultaneous additions of one name, exactly one succeeds and the others get 020.
# No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

N=600 # ~380 kB of --status: more than a UNIX socket buffer holds
t_start_pluto 24521

add_many() {
	local i
	for ((i = 1; i <= N; i++)); do
		whack_ok --name "c$i" --host 10.0.$((i / 250)).$((i % 250 + 1)) --to \
			--host 192.0.2.1 --client 10.200.$((i / 250)).$((i % 250))/32 --encrypt || return 1
	done
}

# the first line of each connection in a listing
conn_count() {
	grep -c '^000 "c[0-9]*": 10\.' "$1"
}

t_check "$N connections added" add_many
"$WHACK" --ctlbase "$CTLBASE" --status >"$T/status" 2>&1
t_check "whack --status exits with status 0" test $? -eq 0
t_check "whack --status lists all $N connections ($(wc -c <"$T/status") bytes)" \
	test "$(conn_count "$T/status")" -eq "$N"
t_check "the listing ends with the shunt list" test "$(tail -n 1 "$T/status")" = "000 Bare Shunt list:"
"$WHACK" --ctlbase "$CTLBASE" --status 2>&1 | (sleep 1 && cat >"$T/status.slow")
t_check "a reader that starts a second late gets the whole listing too" \
	cmp -s "$T/status" "$T/status.slow"

pids=()
for i in $(seq 20); do
	"$WHACK" --ctlbase "$CTLBASE" --status >"$T/status.$i" 2>&1 &
	pids+=($!)
done
ok=0
for i in $(seq 20); do
	wait "${pids[i - 1]}" && cmp -s "$T/status" "$T/status.$i" && ok=$((ok + 1))
done
t_check "20 whack --status at once: each gets the whole listing ($ok of 20)" test "$ok" -eq 20

pids=()
for i in $(seq 20); do
	"$WHACK" --ctlbase "$CTLBASE" --name same --host 10.9.9.9 --to --host 192.0.2.1 --psk \
		>"$T/same.$i" 2>&1 &
	pids+=($!)
done
added=0 refused=0
for i in $(seq 20); do
	wait "${pids[i - 1]}"
	case $? in
	0) added=$((added + 1)) ;;
	20) refused=$((refused + 1)) ;;
	esac
done
t_check "20 additions of one name at once: 1 added ($added), 19 refused with 020 ($refused)" \
	test "$added" -eq 1 -a "$refused" -eq 19
t_check "pluto keeps running" t_pluto_alive

t_done
