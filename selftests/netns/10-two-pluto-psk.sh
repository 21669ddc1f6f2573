#!/bin/bash
# Two plutos negotiate Main Mode + Quick Mode (PSK, PFS, tunnel) over a veth pair.
#
#   ns west (pxw-PID)                     ns east (pxe-PID)
#   pluto (noklips, no-bpf)               pluto (noklips, no-bpf)
#   veth w0 192.0.2.1/24  <----------->   veth e0 192.0.2.2/24
#   client 10.0.1.0/24                    client 10.0.2.0/24
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
need_root
trap cleanup EXIT
echo "1..22"
topology
for side in west east; do
	mkdir -p "$T/$side"
	printf '192.0.2.1 192.0.2.2 : PSK "a pre-shared key for the netns test"\n' \
		>"$T/$side/ipsec.secrets"
	chmod 600 "$T/$side/ipsec.secrets"
done
check "west pluto started" start_pluto west "$NW"
check "east pluto started" start_pluto east "$NE"
for side in west east; do
	w "$side" "${conn_args[@]}" --psk >/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
done
AUTH=PSK run_two_pluto
exit 0
