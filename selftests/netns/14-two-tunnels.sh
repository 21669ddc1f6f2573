#!/bin/bash
# Two connections between the same two gateways, different client subnets: both come up,
# the second under the ISAKMP SA the first built, on the responder too (it must find the
# connection by the Quick Mode client IDs).
#
#   ns west 192.0.2.1: clients 10.0.1.0/24, 10.0.3.0/24
#   ns east 192.0.2.2: clients 10.0.2.0/24, 10.0.4.0/24
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
trap cleanup EXIT
psk_pair "two tunnels"
for side in west east; do
	w "$side" "${conn_args[@]}" --psk >/dev/null 2>&1
	w "$side" --name t2 --host 192.0.2.1 --client 10.0.3.0/24 --to --host 192.0.2.2 \
		--client 10.0.4.0/24 --encrypt --tunnel --pfs --psk >/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
done
w west --name t --initiate >"$T/i1" 2>&1
check "first tunnel up" test $? -eq 0
w west --name t2 --initiate >"$T/i2" 2>&1
check "second tunnel up" test $? -eq 0
sed 's/^/# west: /' "$T/i2"
check "the second one reused the ISAKMP SA" bash -c '! grep -q STATE_MAIN_I1 "$1"' _ "$T/i2"
es=$(w east --status)
check "east: \"t\" has its IPsec SA" grep -q '"t" STATE_QUICK_R2' <<<"$es"
check "east: \"t2\" has its IPsec SA" grep -q '"t2" STATE_QUICK_R2' <<<"$es"
check "east log: switched by client IDs" \
	grep -q 'switching to connection "t2"' "$T/east.log"
w west --shutdown >/dev/null 2>&1
w east --shutdown >/dev/null 2>&1
[ "$fails" -eq 0 ]
