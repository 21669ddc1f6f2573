#!/bin/bash
# The initiate, terminate and opportunistic initiate forms, before pluto listens: "If
# pluto isn't listening, it is pointless to initiate negotiations, so it will refuse
# requests to do so" (024); terminate deletes the SAs of a connection (there are none);
# --oppohere/--oppothere name two client addresses of one family (--tunnelipv4 is the
# default, --tunnelipv6 the other).
# Nothing is sent to a peer: no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24507

t_whack --name i --host 127.0.0.1 --to --host 192.0.2.9 --psk --encrypt
t_whack --initiate --name i
t_whack --initiate --name i --asynchronous
t_whack --terminate --name i
t_whack --initiate --name nosuch
t_whack --terminate --name nosuch
t_whack --initiate
t_whack --terminate

t_whack --oppohere 10.0.0.1 --oppothere 10.0.0.2
t_whack --tunnelipv4 --oppohere 10.0.0.1 --oppothere 10.0.0.2
t_whack --tunnelipv6 --oppohere 2001:db8::1 --oppothere 2001:db8::2
t_whack --oppohere 10.0.0.1
t_whack --oppothere 10.0.0.2
# the client addresses must be of the tunnel's family, and of one family
t_whack --tunnelipv6 --oppohere 10.0.0.1 --oppothere 10.0.0.2
t_whack --oppohere 10.0.0.1 --oppothere 2001:db8::2

t_done
