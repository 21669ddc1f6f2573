#!/bin/bash
# Who may talk to pluto: the control socket is mode 0600 (owned by pluto's user, root
# here), so another user's whack cannot even connect; and should the socket's mode be
# widened by hand, pluto itself refuses any user but root and its own (SO_PEERCRED).
# The scratch directory is made 0755 so that user nobody can reach the socket at all.
# No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"
t_require_root "runs whack as user nobody"

chmod 0755 "$T"
t_start_pluto 24514

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

t_check "the control socket is mode 0600" test "$(stat -c %a "$CTLBASE.ctl")" = 600
t_check "the control socket belongs to pluto's user (root)" \
	test "$(stat -c %U "$CTLBASE.ctl")" = root
t_check "the lock file holds pluto's pid" grep -qx "$PLUTO_PID" "$CTLBASE.pid"

t_log_mark
t_run "whack --status (as nobody)" as_nobody "$WHACK" --ctlbase "$CTLBASE" --status
t_log_unchanged "pluto never saw the refused connection"

chmod 0666 "$CTLBASE.ctl"
t_run "whack --status (as nobody, socket made 0666)" as_nobody "$WHACK" --ctlbase "$CTLBASE" \
	--status
t_log_wait "pluto logs the refused user" 'refused whack connection from uid 65534'
t_run "whack --name x ... (as nobody, socket made 0666)" as_nobody "$WHACK" --ctlbase \
	"$CTLBASE" --name x --host 10.0.0.1 --to --host 10.0.0.2 --psk
t_check "pluto keeps running" t_pluto_alive
t_check "root's whack --status still works" whack_ok --status

t_done
