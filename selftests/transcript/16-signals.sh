#!/bin/bash
# Signals: "Pluto responds to SIGHUP by issuing a suggestion that ``whack --listen'' might
# have been intended" (and keeps running); "Pluto exits when it receives SIGTERM": cleanly,
# status 0, its control socket and lock file removed. No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24516

kill -HUP "$PLUTO_PID"
t_log_wait "SIGHUP: pluto suggests \"whack --listen\"" 'whack --listen'
t_check "pluto keeps running after SIGHUP" t_pluto_alive
t_check "whack --status works after SIGHUP" whack_ok --status

kill -TERM "$PLUTO_PID"
if t_wait_exit "$PLUTO_PID" 5; then
	PLUTO_PID=
	t_check "SIGTERM: pluto exits with status 0" test "$T_EXIT_STATUS" -eq 0
else
	t_fail "SIGTERM: pluto exits within 5 s"
fi
t_check "SIGTERM: the control socket is removed" test ! -e "$CTLBASE.ctl"
t_check "SIGTERM: the lock file is removed" test ! -e "$CTLBASE.pid"
t_log_wait "SIGTERM: pluto logs why it stops" 'SIGTERM' 1

t_done
