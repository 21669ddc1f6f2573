#!/bin/bash
# Without --nofork: "pluto then forks and the parent exits. This is the conventional
# ``daemon fork''"; the parent's exit status 0 "means that all is OK so far", the daemon
# writes its own pid into the lock file, and only --nofork prints "Pluto initialized".
# --shutdown stops the daemon. No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

install -m 0600 /dev/null "$T/ipsec.secrets"
t_pluto_args 24519
args=()
for a in "${T_PLUTO_ARGS[@]}"; do
	[ "$a" = --nofork ] || args+=("$a")
done
timeout 5 "$PLUTO" "${args[@]}" >"$T/pluto.out" 2>"$PLUTO_LOG" &
parent=$!
t_wait_exit "$parent" 5
t_check "the parent exits with status 0" test "${T_EXIT_STATUS:-x}" = 0
t_check "the daemon creates its control socket" t_wait_until 5 test -S "$CTLBASE.ctl"
PLUTO_PID=$(cat "$CTLBASE.pid" 2>/dev/null)
t_check "the lock file holds the daemon's pid, not the parent's" \
	test -n "$PLUTO_PID" -a "$PLUTO_PID" != "$parent"
t_check "the daemon runs" t_pluto_alive
t_check "without --nofork, nothing is printed on standard output" test ! -s "$T/pluto.out"
t_check "the daemon answers whack" whack_ok --status
t_check "whack --shutdown stops the daemon" whack_ok --shutdown
if t_wait_gone "$PLUTO_PID" 5; then
	PLUTO_PID=
	t_ok "the daemon exited"
else
	t_fail "the daemon exited within 5 s"
fi
t_check "the control socket is removed" test ! -e "$CTLBASE.ctl"
t_check "the lock file is removed" test ! -e "$CTLBASE.pid"

t_done
