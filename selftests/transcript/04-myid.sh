#!/bin/bash
# --myid: what %myid stands for ("%myid allows the identity to be separately specified
# (by the pluto or whack option --myid ...)"), shown by --status as "%myid = ID"; a
# connection's --id %myid; identities that cannot be %myid are refused.
# No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24504

# whack --status, only the %myid line (the rest is covered elsewhere)
myid_line() {
	"$WHACK" --ctlbase "$CTLBASE" --status | grep '%myid ='
}

t_run "whack --status (the %myid line)" myid_line
t_whack --myid @gw.example.com
t_whack --name m --id %myid --host 10.0.0.1 --to --host 10.0.0.2 --psk
t_whack --status
t_whack --myid 10.0.0.1
t_run "whack --status (the %myid line)" myid_line
t_whack --myid alice@example.com
t_run "whack --status (the %myid line)" myid_line
# %myid cannot stand for itself
t_whack --myid %myid
t_whack --myid "C=CH, O=Example"
t_whack --myid ""
t_whack --myid @
t_run "whack --status (the %myid line)" myid_line

t_done
