#!/bin/bash
# The pluto manual's own example, as written: "pluto --secretsfile ipsec.secrets --ctlbase
# pluto.base --ikeport 8500 --nofork --noklips --stderrlog lets one test pluto without
# using the superuser account" (so pluto and whack run as nobody here), then the silly
# and secret connections of "EXAMPLES", --status, the delete form, and --shutdown, which
# must stop pluto and remove its control socket and lock file.
# No interfaces are used (no --listen): no topology.
set -u
. "$(dirname "$0")/lib.sh"
t_require_root "runs pluto and whack as user nobody"

H=$T/home
chmod 0755 "$T"
install -d -o nobody -g nogroup -m 0755 "$H"
install -o nobody -m 0600 /dev/null "$H/ipsec.secrets"

as_nobody() {
	cd "$H" && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

_in_subshell() {
	("$@")
}

# whack as the manual runs it, from the directory holding pluto.base.ctl
w() {
	t_run "whack --ctlbase pluto.base $(_t_words "$@")" \
		_in_subshell as_nobody "$WHACK" --ctlbase pluto.base "$@"
}

(as_nobody "$PLUTO" --secretsfile ipsec.secrets --ctlbase pluto.base --ikeport 8500 \
	--nofork --noklips --stderrlog >"$T/pluto.out" 2>"$PLUTO_LOG") &
PLUTO_PID=$!
_t_wait_initialized
t_check "the control socket exists once pluto says \"Pluto initialized\"" test -S "$H/pluto.base.ctl"
t_check "the lock file pluto.base.pid holds pluto's pid" grep -qx "$PLUTO_PID" "$H/pluto.base.pid"

w --name silly --host 127.0.0.1 --to --host 127.0.0.2 --ikelifetime 900 --ipseclifetime 800 \
	--keyingtries 3
w --name secret --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2 \
	--client 10.0.2.0/24 --encrypt
w --status
w --delete --name silly
w --delete --name secret
w --status
w --shutdown

if t_wait_exit "$PLUTO_PID" 5; then
	t_check "pluto exited with status 0 after --shutdown" test "$T_EXIT_STATUS" -eq 0
	PLUTO_PID=
else
	t_fail "pluto exited within 5 s of --shutdown"
fi
t_check "--shutdown removed the control socket" test ! -e "$H/pluto.base.ctl"
t_check "--shutdown removed the lock file" test ! -e "$H/pluto.base.pid"

t_done
