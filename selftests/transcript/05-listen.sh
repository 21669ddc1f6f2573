#!/bin/bash
# The listen form: --listen makes pluto look for its public interfaces (and again each
# time: it notices added and removed ones), --unlisten stops listening; --status lists
# the interfaces. pluto runs in a network namespace of its own so that the interfaces
# are known:
#
#   +-------------- netns (unshare -n) --------------+
#   |  lo  127.0.0.1, ::1    pluto, IKE port 24505    |
#   |  veth0 192.0.2.1 -- veth1 (no address), added   |
#   |  after the first --listen, removed later         |
#   +-------------------------------------------------+
#
# whack reaches pluto through the control socket, a file, from outside the namespace.
set -u
. "$(dirname "$0")/lib.sh"
t_require_root "a network namespace"

t_start_pluto_netns 24505

# run CMD... in pluto's network namespace
in_ns() {
	nsenter --net="/proc/$PLUTO_PID/ns/net" "$@"
}

t_whack --status
t_whack --listen
t_whack --status
t_check "pluto listens on UDP 127.0.0.1:24505 and [::1]:24505 (its --ikeport)" \
	test "$(in_ns ss -Hlun | awk '{ print $4 }' | sort | tr '\n' ' ')" = \
	"127.0.0.1:24505 [::1]:24505 "
t_whack --listen

# a new interface is noticed at the next --listen, and a removed one
in_ns ip link add veth0 type veth peer name veth1
in_ns ip addr add 192.0.2.1/24 dev veth0
in_ns ip link set veth0 up
in_ns ip link set veth1 up
t_whack --listen
t_whack --status
in_ns ip link del veth0
t_whack --listen

t_whack --unlisten
t_whack --status
t_check "after --unlisten no UDP socket is left" test -z "$(in_ns ss -Hlun)"
t_whack --unlisten

t_done
