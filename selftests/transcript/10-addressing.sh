#!/bin/bash
# How whack finds pluto, and the options every form takes: pluto started with its options
# in a file (--optionsfrom) and Libreswan's --rundir; whack addressing it by --rundir,
# by --ctlsocket and by --ctlbase (PATH.ctl); whack's own --optionsfrom; --label added to
# whack's error messages (and not to pluto's). No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

RUN=$T/run
mkdir -m 0755 "$RUN"
install -m 0600 /dev/null "$T/ipsec.secrets"
cat >"$T/pluto.opts" <<OPTS
# pluto's options for this test
--rundir $RUN --ikeport 24510
--nofork --noklips --no-bpf
--stderrlog --log-no-time --secretsfile "$T/ipsec.secrets"
OPTS
"$PLUTO" --optionsfrom "$T/pluto.opts" >"$T/pluto.out" 2>"$PLUTO_LOG" &
PLUTO_PID=$!
_t_wait_initialized
t_check "pluto --rundir DIR: the socket is DIR/pluto.ctl" test -S "$RUN/pluto.ctl"
t_check "pluto --rundir DIR: the lock file is DIR/pluto.pid" grep -qx "$PLUTO_PID" "$RUN/pluto.pid"

t_whack_raw --rundir "$RUN" --name a --host 10.0.0.1 --to --host 10.0.0.2 --psk
t_whack_raw --ctlsocket "$RUN/pluto.ctl" --status
t_whack_raw --ctlbase "$RUN/pluto" --delete --name a

cat >"$T/whack.opts" <<OPTS
--rundir $RUN   # where pluto is
--name 'from a file' --host 10.0.0.1
--to --host 10.0.0.2 --rsasig
OPTS
t_whack_raw --optionsfrom "$T/whack.opts"
t_whack_raw --optionsfrom="$T/whack.opts"
t_whack_raw --optionsfrom "$T/nonexistent"
t_whack_raw --optionsfrom

t_whack_raw --label "my label" --rundir "$RUN" --name x --host 10.0.0.1 --to --host bad_address
t_whack_raw --label "my label" --ctlsocket "$T/nowhere.ctl" --status
t_whack_raw --label "my label" --rundir "$RUN" --delete --name nosuch

t_whack_raw --rundir "$RUN" --shutdown
if t_wait_exit "$PLUTO_PID" 5; then
	PLUTO_PID=
	t_ok "pluto exited after --shutdown"
else
	t_fail "pluto exited within 5 s of --shutdown"
fi
t_check "the socket in the run directory is gone" test ! -e "$RUN/pluto.ctl"
t_check "the lock file in the run directory is gone" test ! -e "$RUN/pluto.pid"

t_done
