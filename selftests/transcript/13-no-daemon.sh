#!/bin/bash
# No pluto to talk to: whack says so clearly, naming the socket, and exits with status 1;
# the same when a crashed pluto left its socket behind (nobody accepts on it).
# No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_whack --status
t_whack --label "no daemon" --name x --host 10.0.0.1 --to --host 10.0.0.2 --psk

t_start_pluto 24513
{
	kill -9 "$PLUTO_PID"
	wait "$PLUTO_PID"
} 2>/dev/null
PLUTO_PID=
t_check "a killed pluto leaves its socket behind" test -S "$CTLBASE.ctl"
t_whack --status

t_done
