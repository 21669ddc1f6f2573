#!/bin/bash
# pluto --interface: "specifies that the named real public network interface should be
# considered ... If the option doesn't appear, all interfaces are considered. To specify
# several interfaces, use the option once for each." Two plutos in turn, each in a network
# namespace of its own:
#
#   +----------------- netns (unshare -n) ------------------+
#   |  lo     127.0.0.1, ::1                                 |
#   |  veth0  192.0.2.1/24     -- veth2 (no address)         |
#   |  veth1  198.51.100.1/24  -- veth3 (no address)         |
#   +--------------------------------------------------------+
set -u
. "$(dirname "$0")/lib.sh"
t_require_root "a network namespace"

in_ns() {
	nsenter --net="/proc/$PLUTO_PID/ns/net" "$@"
}

add_veths() {
	in_ns ip link add veth0 type veth peer name veth2 &&
		in_ns ip link add veth1 type veth peer name veth3 &&
		in_ns ip addr add 192.0.2.1/24 dev veth0 &&
		in_ns ip addr add 198.51.100.1/24 dev veth1 &&
		in_ns ip link set veth0 up && in_ns ip link set veth1 up &&
		in_ns ip link set veth2 up && in_ns ip link set veth3 up
}

stop_pluto() {
	whack_ok --shutdown
	t_wait_exit "$PLUTO_PID" 5 && PLUTO_PID=
}

t_start_pluto_netns 24520 --interface veth0
t_check "veth0 and veth1 are set up in pluto's namespace" add_veths
t_whack --listen
t_whack --status
stop_pluto

t_start_pluto_netns 24520 --interface veth1 --interface veth0
t_check "veth0 and veth1 are set up in pluto's namespace" add_veths
t_whack --listen
stop_pluto

t_done
