#!/bin/bash
# pluto's refusals and whack's exit status: "it returns as status the value of the numeric
# prefix from the last such message that was not a message sent to syslog or a comment":
# 020 for a name already in use, 021 for an unknown connection or state, even when
# comments (a status listing) follow. No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24512

t_whack --name a --host 10.0.0.1 --to --host 10.0.0.2 --psk
t_whack --name a --host 10.0.0.1 --to --host 10.0.0.2 --psk
t_whack --name a --host 10.0.0.3 --to --host 10.0.0.4 --rsasig
t_whack --route --name nosuch
t_whack --unroute --name nosuch
t_whack --initiate --name nosuch
t_whack --terminate --name nosuch
t_whack --delete --name nosuch
t_whack --name nosuch --debug-raw
t_whack --deletestate 99
# the refusal decides the exit status, not the comments after it
t_whack --delete --name nosuch --status
t_check "pluto keeps running" t_pluto_alive

# the status form's lines are its output (stdout); other replies go to stderr, as the
# manual says of the initiate form: "Currently whack simply copies this to stderr"
t_check "whack --status writes the listing to standard output" \
	grep -q '^000 %myid' <<<"$("$WHACK" --ctlbase "$CTLBASE" --status 2>/dev/null)"
t_check "whack writes pluto's refusal to standard error" \
	grep -q '^021 ' <<<"$("$WHACK" --ctlbase "$CTLBASE" --delete --name nosuch 2>&1 >/dev/null)"

t_done
