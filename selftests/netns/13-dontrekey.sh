#!/bin/bash
# --dontrekey (pluto manual): only the initiator rekeys, and only after recent traffic.
# With no traffic at all the IPsec SA is left to expire and is not replaced.
#
#   ns west 192.0.2.1 (initiator) <-> ns east 192.0.2.2; --noklips: no traffic flows
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
trap cleanup EXIT
psk_pair "dontrekey test"
for side in west east; do
	w "$side" "${conn_args[@]}" --psk --ipseclifetime 12 --rekeymargin 6 --rekeyfuzz 0 \
		--dontrekey >/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
done
w west --name t --initiate >"$T/init" 2>&1
check "initiation succeeds" test $? -eq 0
# the rekey point is 12 - 6 = 6 s after establishment; the SA expires at 12 s
wait_log west 'not rekeying IPsec SA'
check "the initiator declines to rekey: no recent traffic" \
	grep -q 'not rekeying IPsec SA #2: --dontrekey and no recent traffic' "$T/west.log"
check "no replacement was negotiated" bash -c '! grep -q "STATE_QUICK_I1" <(sed 1,/not\ rekeying/d "$1")' _ "$T/west.log"
# both sides expire it at 12 s: whichever timer fires first deletes it, and the other
# side then acts on that one's Delete
gone='#2: IPsec SA expired\|received Delete SA payload: deleting IPsec State #2'
check "the IPsec SA expires at its lifetime (here, or by the peer's Delete)" \
	wait_log west "$gone"
check "the responder never rekeyed" bash -c '! grep -q "initiating rekey" "$1"' _ "$T/east.log"
w west --shutdown >/dev/null 2>&1
w east --shutdown >/dev/null 2>&1
[ "$fails" -eq 0 ]
