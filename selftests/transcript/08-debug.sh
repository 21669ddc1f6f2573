#!/bin/bash
# The debug form: pluto started with the manual's "--debug-emitting --debug-parsing",
# then changed on the fly: the FreeS/WAN form sets the selection ("To later change this
# pluto to only display raw bytes: whack --debug-raw"), Libreswan's --debug CLASS /
# --no-debug CLASS add and remove; --status shows the selection; with a connection name
# the classes apply to that connection; debug lines in the log start with "| ".
# pluto listens on 127.0.0.1 only (pluto --listen 127.0.0.1, IKE port 24508):
#
#   lo 127.0.0.1 ... 192.0.2.9 (described, never contacted)
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24508 --listen 127.0.0.1 --debug-emitting --debug-parsing

debug_line() {
	"$WHACK" --ctlbase "$CTLBASE" --status | grep '^000 debug '
}

t_run "whack --status (the debug line)" debug_line
t_whack --debug-raw
t_run "whack --status (the debug line)" debug_line
t_whack --debug-all
t_run "whack --status (the debug line)" debug_line
t_whack --debug-none
t_run "whack --status (the debug line)" debug_line
t_whack --debug raw
t_whack --debug crypt
t_run "whack --status (the debug line)" debug_line
t_whack --no-debug raw
t_run "whack --status (the debug line)" debug_line
t_whack --debug none
t_run "whack --status (the debug line)" debug_line

# each class of the manual's list, alone
for class in raw crypt parsing emitting control lifecycle klips dns oppo private; do
	t_whack --debug-$class
	t_run "whack --status (the debug line)" debug_line
done
t_whack --debug-none

# a connection's own classes
t_whack --name c --host 127.0.0.1 --to --host 192.0.2.9 --psk
t_whack --name c --debug-control
status=$("$WHACK" --ctlbase "$CTLBASE" --status)
t_check "--status shows the classes of connection \"c\"" \
	grep -Eq '^000 "c":.*debug.*control' <<<"$status"
t_run "whack --status (the debug line)" debug_line
t_whack --name nosuch --debug-control

# whack's own
t_whack --debug help
t_whack --debug bogus
t_whack --no-debug bogus

# debug output goes to the log, each line starting with "| "
t_whack --debug-all
"$WHACK" --ctlbase "$CTLBASE" --listen >/dev/null 2>&1
t_log_wait "debug lines in the log start with \"| \"" '^\| '
t_whack --debug-none

t_done
