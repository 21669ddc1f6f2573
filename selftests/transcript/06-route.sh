#!/bin/bash
# The route and unroute forms. A connection can be routed only once it is oriented, that
# is once pluto listens on one of its ends (here pluto --listen 127.0.0.1: only lo's
# 127.0.0.1, whatever else the host has); routing twice is harmless; "If another
# connection is sharing the same routing, it will be left in place"; "Two eroutes conflict
# if they specify the identical local and remote clients": the older one is taken down;
# deleting a connection undoes its routing. --noklips: nothing reaches the kernel.
#
#   this host: lo 127.0.0.1 (IKE port 24506)  ...  192.0.2.9 / 192.0.2.10 (never contacted)
#   clients:   127.0.0.1/32, 10.8.0.0/16      ===  10.9.0.0/16
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24506 --listen 127.0.0.1

# the first status line of each connection: ends, routing, eroute owner
routing() {
	"$WHACK" --ctlbase "$CTLBASE" --status | grep -E '^000 "[^"]+": [^ ]'
}

t_whack --name r --host 127.0.0.1 --to --host 192.0.2.9 --client 10.9.0.0/16 --encrypt
t_whack --name far --host 192.0.2.1 --to --host 192.0.2.2 --encrypt
t_whack --route --name r
t_whack --unroute --name r
t_whack --listen
t_whack --status
t_whack --route --name r
t_run "whack --status (routing)" routing
t_whack --route --name r
t_whack --route --name far
t_whack --route --name nosuch
t_whack --unroute --name r
t_run "whack --status (routing)" routing
t_whack --unroute --name r

# a shared route stays while another connection uses it
t_whack --name r2 --host 127.0.0.1 --client 10.8.0.0/16 --to --host 192.0.2.9 \
	--client 10.9.0.0/16 --encrypt
t_whack --route --name r
t_whack --route --name r2
t_whack --unroute --name r
t_run "whack --status (routing)" routing
t_whack --unroute --name r2

# the same clients through another peer: r's eroute conflicts and is taken down
t_whack --name r3 --host 127.0.0.1 --to --host 192.0.2.10 --client 10.9.0.0/16 --encrypt
t_whack --route --name r
t_whack --route --name r3
t_run "whack --status (routing)" routing

# deleting a routed connection undoes its routing
t_whack --delete --name r3
t_run "whack --status (routing)" routing

t_done
