#!/bin/bash
# The responder's switch to a better connection once Main Mode message 5 tells it the
# peer's ID (pluto manual, "Selecting a Connection When Responding: Road Warrior
# Support"), and instances reaped once they have no SA left.
#
#   ns west: 192.0.2.1                         ns east: 192.0.2.2
#   conn t: --id @bob, @alice, @carol -> east  conn p:      192.0.2.2 <- 192.0.2.1 (id @erin)
#   conn t9: @bob, client 10.0.9.0/24           conn alice:  192.0.2.2 <- %any (id @alice)
#                                              conn bob:    192.0.2.2 <- %any (id @bob)
#                                              conn bob9:   ... <- %any (id @bob) 10.0.9.0/24
# (all with east's client 10.0.2.0/24; the templates' peer client 10.0.1.0/24 but bob9's)
# One PSK for everyone, as Road Warriors with PSKs must share one.
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
trap cleanup EXIT
psk_pair "one secret for all road warriors"

rw=(--to --host %any --client 10.0.1.0/24 --psk --encrypt --tunnel)
w east --name p --host 192.0.2.2 --client 10.0.2.0/24 --to --host 192.0.2.1 --id @erin \
	--client 10.0.1.0/24 --psk --encrypt --tunnel >/dev/null 2>&1
w east --name alice --host 192.0.2.2 --client 10.0.2.0/24 --to --host %any --id @alice \
	--client 10.0.1.0/24 --psk --encrypt --tunnel >/dev/null 2>&1
w east --name bob --host 192.0.2.2 --client 10.0.2.0/24 --to --host %any --id @bob \
	--client 10.0.1.0/24 --psk --encrypt --tunnel >/dev/null 2>&1
w east --name bob9 --host 192.0.2.2 --client 10.0.2.0/24 --to --host %any --id @bob \
	--client 10.0.9.0/24 --psk --encrypt --tunnel >/dev/null 2>&1
w east --listen >/dev/null 2>&1

# add_t id: west's connection t, as the Road Warrior with that ID
add_t() {
	w west --name t --delete >/dev/null 2>&1
	w west --name t --host 192.0.2.1 --id "$1" --client 10.0.1.0/24 --to --host 192.0.2.2 \
		--client 10.0.2.0/24 --psk --encrypt --tunnel --keyingtries 1 >/dev/null 2>&1
	w west --listen >/dev/null 2>&1
}

# 1. @bob: east picks "p" on addresses, then switches to an instance of "bob".
add_t @bob
initiate west t
check "@bob: whack --initiate exits 0" [ "$rc" -eq 0 ]
check "@bob: east log says it switched from \"p\" to \"bob\"" \
	grep -q 'peer ID @bob: switching from "p" to the better matching "bob"' "$T/east.log"
es=$(w east --status)
echo "$es" | grep '#[0-9]*:' | sed 's/^/# east: /'
check "@bob: the ISAKMP SA belongs to \"bob\"[1]" \
	grep -q '#1: "bob"\[1\] 192.0.2.1 STATE_MAIN_R3' <<<"$es"
check "@bob: the IPsec SA belongs to \"bob\"[1]" \
	grep -q '#2: "bob"\[1\] 192.0.2.1 STATE_QUICK_R2' <<<"$es"
check "@bob: no state on \"p\"" bash -c '! grep -q "#[0-9]*: \"p\"" <<<"$1"' _ "$es"

# Quick Mode for other clients under the same ISAKMP SA: east instantiates "bob9".
w west --name t9 --host 192.0.2.1 --id @bob --client 10.0.9.0/24 --to --host 192.0.2.2 \
	--client 10.0.2.0/24 --psk --encrypt --tunnel --keyingtries 1 >/dev/null 2>&1
w west --listen >/dev/null 2>&1
initiate west t9
check "@bob, 10.0.9.0/24: whack --initiate exits 0" [ "$rc" -eq 0 ]
check "@bob, 10.0.9.0/24: west used its ISAKMP SA again (no new Main Mode)" \
	bash -c '! grep -q "initiating Main Mode" <<<"$1"' _ "$out"
check "@bob, 10.0.9.0/24: east switched the Quick Mode to \"bob9\"" \
	grep -q 'Quick Mode for 10.0.2.0/24 === 10.0.9.0/24: switching to connection "bob9"' \
	"$T/east.log"
es=$(w east --status)
check "@bob, 10.0.9.0/24: the IPsec SA belongs to \"bob9\"[1]" \
	grep -q '#[0-9]*: "bob9"\[1\] 192.0.2.1 STATE_QUICK_R2' <<<"$es"
w west --name t9 --delete >/dev/null 2>&1
check "@bob, 10.0.9.0/24: after the Delete, \"bob9\"[1] is reaped" wait_gone east '"bob9"\[1\]'
w west --name t --terminate >/dev/null 2>&1
check "@bob: after the Delete, east has no state left" wait_gone east 'STATE_'
check "@bob: ... and the instance \"bob\"[1] is gone" wait_gone east '"bob"\[1\]'

# 2. @alice: picked on addresses as "p" again, switched to a fresh "alice" instance.
add_t @alice
w west --name t --initiate >/dev/null 2>&1
check "@alice: whack --initiate exits 0" [ $? -eq 0 ]
es=$(w east --status)
check "@alice: the IPsec SA belongs to \"alice\"[1]" \
	grep -q '#[0-9]*: "alice"\[1\] 192.0.2.1 STATE_QUICK_R2' <<<"$es"
w west --name t --terminate >/dev/null 2>&1
check "@alice: the instance is reaped after the Delete" wait_gone east '"alice"\[1\]'

# 3. @carol: no connection fits; east refuses with INVALID_ID_INFORMATION and
# establishes nothing (the half-open state stays for the peer's retransmissions, as
# for any refused message, until it times out).
add_t @carol
w west --name t --initiate --asynchronous >/dev/null 2>&1
check "@carol: east log says no connection has a matching peer ID" \
	wait_log east 'MI3 refused: no connection has a peer ID that matches it'
check "@carol: west is told INVALID_ID_INFORMATION" \
	wait_log west 'notification INVALID_ID_INFORMATION'

es=$(w east --status)
check "@carol: east has no established state" \
	bash -c '! grep -q "SA established" <<<"$1"' _ "$es"
check "@carol: the half-open state is on \"p\", not on a new instance" \
	grep -q '#[0-9]*: "p" STATE_MAIN_R2' <<<"$es"
check "@carol: east's connections are as configured" \
	[ "$(grep -c 'eroute owner:' <<<"$es")" -eq 4 ]
w west --name t --delete >/dev/null 2>&1

w west --shutdown >/dev/null 2>&1
w east --shutdown >/dev/null 2>&1
[ "$fails" -eq 0 ]
