#!/bin/bash
# The lock file: "If the lockfile cannot be created, pluto exits - this prevents multiple
# plutos from competing. Any ``leftover'' lockfile must be removed before pluto will run."
# Exit status 10 "means that the lock file already exists". A second pluto with the same
# --ctlbase is refused and the first is untouched; a pluto killed with SIGKILL leaves its
# lock file, which keeps the next pluto out until removed by hand; a pluto that fails to
# start after taking the lock gives it back.
# No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

# a second pluto on the same control files (another IKE port), in the foreground
second_pluto() {
	t_pluto_args 24518
	timeout 5 "$PLUTO" "${T_PLUTO_ARGS[@]}"
}

t_start_pluto 24517
first=$PLUTO_PID
t_run "pluto ... (a second pluto, the same --ctlbase)" second_pluto
t_check "the first pluto keeps running" t_pluto_alive
t_check "the lock file still holds the first pluto's pid" grep -qx "$first" "$CTLBASE.pid"
t_check "the first pluto still answers whack" whack_ok --status

{
	kill -9 "$first"
	wait "$first"
} 2>/dev/null
PLUTO_PID=
t_check "SIGKILL leaves the lock file behind" test -e "$CTLBASE.pid"
t_run "pluto ... (the lock file left over)" second_pluto
t_check "the refused pluto left the lock file alone" grep -qx "$first" "$CTLBASE.pid"

rm -f "$CTLBASE.pid"
t_start_pluto 24517
t_ok "with the lock file removed by hand, pluto starts"
t_check "the new lock file holds the new pid" grep -qx "$PLUTO_PID" "$CTLBASE.pid"
t_check "the new pluto answers whack (the old socket was replaced)" whack_ok --status

# a pluto that cannot create its socket (a path longer than a UNIX socket allows) exits
# with status 1 and leaves no lock file behind
long=$T/$(printf 'd%.0s' $(seq 100))
mkdir "$long"
t_run "pluto --ctlbase (a path too long for a socket) ..." \
	timeout 5 "$PLUTO" --ctlbase "$long/pluto.base" --ikeport 24518 --nofork --noklips \
	--no-bpf --stderrlog --log-no-time --secretsfile "$T/ipsec.secrets"
t_check "the failed pluto removed its lock file" test ! -e "$long/pluto.base.pid"

t_done
