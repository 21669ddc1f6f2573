#!/bin/bash
# Road Warrior instances and --uniqueids (pluto manual: a new ISAKMP SA for a peer ID
# deletes the connections that had the same ID at another address).
#
#   ns west: 192.0.2.1, later also 192.0.2.3     ns east: 192.0.2.2, pluto --uniqueids
#   conn t:  @west 192.0.2.1 -> 192.0.2.2         conn rw: 192.0.2.2 <- %any (id @west)
#   conn t2: @west 192.0.2.3 -> 192.0.2.2
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
trap cleanup EXIT
PLUTO_EXTRA_east=--uniqueids
psk_pair "road warrior secret"

w east --name rw --host 192.0.2.2 --to --host %any --id @west --psk --encrypt >/dev/null 2>&1
w west --name t --host 192.0.2.1 --id @west --to --host 192.0.2.2 --psk --encrypt >/dev/null 2>&1
w east --listen >/dev/null 2>&1
w west --listen >/dev/null 2>&1
w west --name t --initiate >"$T/i1" 2>&1
check "first initiation from 192.0.2.1 succeeds" test $? -eq 0
es=$(w east --status)
check "east instantiated \"rw\"[1] for 192.0.2.1" grep -q '"rw"\[1\] 192.0.2.1' <<<"$es"

ip -n "$NW" addr add 192.0.2.3/24 dev w0
w west --name t2 --host 192.0.2.3 --id @west --to --host 192.0.2.2 --psk --encrypt >/dev/null 2>&1
w west --listen >/dev/null 2>&1
w west --name t2 --initiate >"$T/i2" 2>&1
check "second initiation from 192.0.2.3 succeeds" test $? -eq 0
es=$(w east --status)
echo "$es" | grep '"rw"' | sed 's/^/# east: /'
check "east instantiated \"rw\"[2] for 192.0.2.3" grep -q '"rw"\[2\] 192.0.2.3' <<<"$es"
check "--uniqueids deleted the instance at the old address" \
	bash -c '! grep -q "\"rw\"\[1\]" <<<"$1"' _ "$es"
check "east log says why" grep -q -- '--uniqueids: @west is now at 192.0.2.3' "$T/east.log"
w west --shutdown >/dev/null 2>&1
w east --shutdown >/dev/null 2>&1
[ "$fails" -eq 0 ]
