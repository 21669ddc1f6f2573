#!/bin/bash
# Retransmission and duplicates, then rekeying by either side (pluto manual: the
# initiator rekeys rekeymargin (+ fuzz) before expiry, the responder at half the margin;
# a superseded SA is never rekeyed and lives until it expires); Quick Modes that never
# finish, and those that outlive their ISAKMP SA; an exchange's last message twice.
#
#   ns west 192.0.2.1 (initiator) <-> ns east 192.0.2.2; --noklips, --debug-control
#   --debug-lifecycle on both; iptables in the namespaces loses or doubles messages
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
trap cleanup EXIT
PLUTO_EXTRA_west="--debug-control --debug-lifecycle"
PLUTO_EXTRA_east="--debug-control --debug-lifecycle"
psk_pair "retransmit and rekey"

# conn side extra-args...: connection t on that side
conn() {
	local side=$1
	shift
	w "$side" --name t --delete >/dev/null 2>&1
	w "$side" "${conn_args[@]}" --psk "$@" >/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
}

# 1. East stopped while west sends MI1: west retransmits; east, continued, finds the
#    same MI1 twice in its socket and answers the second as a duplicate.
conn west
conn east
epid=${pids[1]}
kill -STOP "$epid"
w west --name t --initiate --asynchronous >/dev/null 2>&1
check "east stopped: west retransmits MI1 after 10 s" \
	wait_log west 'retransmitting STATE_MAIN_I1 (1)' 15
kill -CONT "$epid"
check "west establishes the IPsec SA once east runs again" \
	wait_log west 'STATE_QUICK_I2: sent QI2, IPsec SA established' 20
check "east recognised the retransmitted MI1" \
	grep -q 'retransmitting in response to duplicate packet; already STATE_MAIN_R1' "$T/east.log"
es=$(w east --status)
check "east has exactly one ISAKMP SA and one IPsec SA" \
	[ "$(grep -c 'STATE_MAIN_R3' <<<"$es")" -eq 1 -a "$(grep -c 'STATE_QUICK_R2' <<<"$es")" -eq 1 ]
w west --name t --terminate >/dev/null 2>&1
wait_gone east 'STATE_' || notok "east's states gone after the Delete"

# mark side: its log's length now; since side mark: the log's lines after that
mark() { wc -l <"$T/$1.log"; }
since() { sed -n "$(($2 + 1)),\$p" "$T/$1.log"; }

# 2. The initiator rekeys first: 16 s lifetime, margin 6, no fuzz: at 10 s. East's
#    own rekey point (16 - 6/2 = 13 s) finds its old SA superseded.
conn west --ipseclifetime 16 --rekeymargin 6 --rekeyfuzz 0
conn east --ipseclifetime 16 --rekeymargin 6 --rekeyfuzz 0
me=$(mark east)
w west --name t --initiate >/dev/null 2>&1
check "initiator-first: tunnel up" [ $? -eq 0 ]
old=$(w west --status | sed -n 's/^000 #\([0-9]*\): .*STATE_QUICK_I2.*/\1/p' | head -1)
check "initiator-first: west rekeys IPsec SA #$old" \
	wait_log west "initiating rekey of IPsec SA #$old" 15
check "initiator-first: east does not rekey its superseded SA" \
	wait_log east 'not rekeying #[0-9]*: superseded' 10
check "initiator-first: east never initiated a rekey" \
	bash -c '! grep -q "initiating rekey" <<<"$1"' _ "$(since east "$me")"
check "initiator-first: west's old IPsec SA expires at its lifetime" \
	wait_log west "#$old: IPsec SA expired\|deleting state #$old" 10
ws=$(w west --status)
check "initiator-first: one IPsec SA left on west, the new one" \
	bash -c '[ "$(grep -c STATE_QUICK_I2 <<<"$1")" -eq 1 ] && ! grep -q "^000 #$2:" <<<"$1"' \
	_ "$ws" "$old"
w west --name t --terminate >/dev/null 2>&1
wait_gone east 'STATE_' || notok "east's states gone after the Delete"

# 3. The responder rekeys first: east's margin 10 makes it rekey at 16 - 5 = 11 s,
#    before west's 16 - 2 = 14 s; west then finds its old SA superseded.
conn west --ipseclifetime 16 --rekeymargin 2 --rekeyfuzz 0
conn east --ipseclifetime 16 --rekeymargin 10 --rekeyfuzz 0
mw=$(mark west)
w west --name t --initiate >/dev/null 2>&1
check "responder-first: tunnel up" [ $? -eq 0 ]
check "responder-first: east (the responder) rekeys at half its margin" \
	wait_log east 'initiating rekey of IPsec SA' 15
check "responder-first: west does not rekey its superseded SA" \
	wait_log west 'not rekeying #[0-9]*: superseded' 10
check "responder-first: west never initiated a rekey" \
	bash -c '! grep -q "initiating rekey" <<<"$1"' _ "$(since west "$mw")"

w west --name t --terminate >/dev/null 2>&1
wait_gone east 'STATE_' || notok "east's states gone after the Delete"

# 4. The newest ISAKMP SA goes first: west replaces #1 at 10 s (#N), then deletes #N
#    (whack --deletestate, a Delete to east).  #1 is the newest again on both sides.
#    Rekeying stays as scheduled: west's replace time for #1 has passed, so west does
#    not replace it again; east's (30 - 20 / 2 = 20 s) is still to come, and then east
#    replaces its counterpart of #1.
conn west --ikelifetime 30 --rekeymargin 20 --rekeyfuzz 0
conn east --ikelifetime 30 --rekeymargin 20 --rekeyfuzz 0
mw=$(mark west)
me=$(mark east)
w west --name t --initiate >/dev/null 2>&1
check "newest-first: tunnel up" [ $? -eq 0 ]
# isakmp_sas: west's established ISAKMP SAs, "#N" a line; "#N newest" for its newest
isakmp_sas() {
	w west --status | awk '/STATE_MAIN_I4/ { n = $2; sub(":", "", n); print n (/newest ISAKMP/ ? " newest" : "") }'
}
p1=$(isakmp_sas | head -1)
p1=${p1%% *}
check "newest-first: west replaces ISAKMP SA $p1" \
	wait_log west "initiating Main Mode to replace $p1\$" 15
p1b=
replaced() { p1b=$(isakmp_sas | grep -v "^$p1\b" | head -1); [ -n "$p1b" ]; }
check "newest-first: the replacement is established" wait_for 10 replaced
p1b=${p1b%% *}
w west --deletestate "${p1b#\#}" >/dev/null 2>&1
check "newest-first: west: $p1 is the newest again" \
	wait_log west "ISAKMP SA $p1b goes before $p1: $p1 is the newest again" 5
check "newest-first: east too, having acted on the Delete" \
	wait_log east "ISAKMP SA #[0-9]* goes before #[0-9]*: #[0-9]* is the newest again" 5
check "newest-first: west's status shows $p1 as its newest ISAKMP SA" \
	bash -c 'grep -qx "$1 newest" <<<"$2"' _ "$p1" "$(isakmp_sas)"
e1=$(since east "$me" | sed -n 's/.*ISAKMP SA #[0-9]* goes before \(#[0-9]*\): .*/\1/p' | tail -n 1)
check "newest-first: east replaces $e1, newest again, at its own replace time" \
	wait_log east "initiating Main Mode to replace ${e1:-#?}\$" 15
check "newest-first: west did not replace $p1 again (its time had passed)" \
	[ "$(since west "$mw" | grep -c "initiating Main Mode to replace $p1\$")" -eq 1 ]

w west --name t --terminate >/dev/null 2>&1
wait_gone east 'STATE_' || notok "east's states gone after the Delete"

# 5. Quick Modes east answered but that never finished: everything east sends is lost
#    (its neighbour entry for west names a MAC address west's veth does not have), so a
#    second Quick Mode leaves east in STATE_QUICK_R1, its inbound SA in place, and west
#    in STATE_QUICK_I1.
#    a. East deletes such a state with a Delete naming its inbound SPI: the initiator
#       may have the SA established (its QI2 lost).  West, still in I1, does not know
#       that SPI yet and says so.
#    b. west --terminate deletes its unfinished I1 without a Delete (it has no SA to
#       name), the established SAs with Deletes.  East, on the Delete of the ISAKMP SA,
#       the tunnel taken down, drops the Quick Mode that can never finish now, rather
#       than keep it (and its kernel SA) through 150 s of retransmitting QR1.
conn west
conn east
me=$(mark east)
w west --name t --initiate >/dev/null 2>&1
check "unfinished: tunnel up" [ $? -eq 0 ]
lose_east() { ip -n "$NE" neigh replace 192.0.2.1 lladdr 02:00:5e:00:53:01 dev e0 nud permanent; }
east_r1() { r1=$(w east --status | grep 'STATE_QUICK_R1') && [ -n "$r1" ]; }
lose_east
w west --name t --initiate --asynchronous >/dev/null 2>&1
check "unfinished: east answers a second Quick Mode (its QR1 lost)" wait_for 10 east_r1
ip -n "$NE" neigh del 192.0.2.1 dev e0
w east --deletestate "$(sed -n 's/^000 #\([0-9]*\):.*/\1/p' <<<"$r1")" >/dev/null 2>&1
in=$(sed -n 's/.*esp\.\([0-9a-f]*\)@[0-9.]* (in).*/\1/p' <<<"$r1")
check "unfinished: east's Delete for its half-made IPsec SA reaches west" \
	wait_log west "received Delete for unknown IPsec SA esp.${in:-?}" 5
w west --name t --terminate >/dev/null 2>&1
wait_gone east 'STATE_' || notok "east's states gone after the Delete"

w west --name t --initiate >/dev/null 2>&1
check "unfinished: tunnel up again" [ $? -eq 0 ]
lose_east
w west --name t --initiate --asynchronous >/dev/null 2>&1
check "unfinished: east answers a third Quick Mode (its QR1 lost)" wait_for 10 east_r1
w west --name t --terminate >/dev/null 2>&1
check "unfinished: east drops it with the ISAKMP SA it was under" wait_gone east 'STATE_'
check "... and says so" \
	bash -c 'grep -q "giving up STATE_QUICK_R1: its ISAKMP SA #[0-9]* is gone" <<<"$1"' \
	_ "$(since east "$me")"
ip -n "$NE" neigh del 192.0.2.1 dev e0

# 6. Quick Modes that outlive their ISAKMP SA (expired, replaced or deleted by either
#    end, the tunnel still up) keep its keys and finish: their messages are found by
#    the ISAKMP SA's cookies and their Message IDs.  iptables drops one side's Quick
#    Mode messages (exchange type 32 at byte 18 of the ISAKMP header).
#    a. West's QI2 lost: east (in R1) deletes the ISAKMP SA; its QR1, resent, finds
#       west's established I2, which resends QI2, and east establishes the SA.
#    b. East's QR1 lost: west (in I1) deletes the ISAKMP SA; its QI1, resent, finds
#       east's R1, which resends QR1, and west establishes the SA, then east.
drop_quick() { # ns add|del max-length
	ip netns exec "$1" iptables "-${2:0:1}" OUTPUT -p udp --dport 500 \
		-m u32 --u32 "0>>22&0x3C@26>>24=0x20" -m length --length "0:$3" -j DROP
}
# wait_since side mark pattern seconds: pattern logged after mark
wait_since() { wait_for "$4" bash -c 'sed -n "$(($2 + 1)),\$p" "$1" | grep -q -- "$3"' _ \
	"$T/$1.log" "$2" "$3"; }
p1_of() { w "$1" --status | sed -n 's/^000 #\([0-9]*\):.*STATE_MAIN_[IR][34].*/\1/p' | head -1; }
east_r2s() { w east --status | grep -c 'STATE_QUICK_R2'; }

if ! ip netns exec "$NW" iptables -L OUTPUT -n >/dev/null 2>&1; then
	notok "orphans: iptables works in a namespace (make deps installs it)"
else
	conn west
	conn east
	w west --name t --initiate >/dev/null 2>&1
	check "orphans: tunnel up" [ $? -eq 0 ]
	mw=$(mark west) me=$(mark east)
	drop_quick "$NW" A 150
	w west --name t --initiate --asynchronous >/dev/null 2>&1
	check "orphans, QI2 lost: west establishes, east waits in R1" \
		eval 'wait_since west "$mw" "STATE_QUICK_I2: sent QI2" 10 && wait_for 5 east_r1'
	p1=$(p1_of east)
	w east --deletestate "${p1:-0}" >/dev/null 2>&1
	drop_quick "$NW" D 150
	check "orphans, QI2 lost: east's ISAKMP SA #${p1:-?} is gone" \
		wait_since east "$me" "deleting state #${p1:-?} " 5
	check "orphans, QI2 lost: west answers east's resent QR1 with QI2 again" \
		wait_since west "$mw" 'duplicate packet; already STATE_QUICK_I2' 25
	check "orphans, QI2 lost: east establishes the SA under the kept keys" \
		wait_since east "$me" 'STATE_QUICK_R2: IPsec SA established' 5
	check "... and holds two IPsec SAs, none half-made" \
		eval '[ "$(east_r2s)" -eq 2 ] && ! east_r1'
	check "... and sent no Delete for it" \
		bash -c '! grep -q "giving up\|Delete for the IPsec SA" <<<"$1"' _ "$(since east "$me")"

	mw=$(mark west) me=$(mark east)
	drop_quick "$NE" A 1500
	w west --name t --initiate --asynchronous >/dev/null 2>&1
	check "orphans, QR1 lost: east waits in R1, west in I1" \
		eval 'wait_for 5 east_r1 && w west --status | grep -q STATE_QUICK_I1'
	p1=$(p1_of west)
	w west --deletestate "${p1:-0}" >/dev/null 2>&1
	drop_quick "$NE" D 1500
	check "orphans, QR1 lost: west's ISAKMP SA #${p1:-?} is gone, east told" \
		wait_since east "$me" "deleting ISAKMP State\|Delete SA payload.*ISAKMP" 5
	check "orphans, QR1 lost: east answers west's resent QI1 with QR1 again" \
		wait_since east "$me" 'duplicate packet; already STATE_QUICK_R1' 25
	check "orphans, QR1 lost: west establishes the SA under the kept keys" \
		wait_since west "$mw" 'STATE_QUICK_I2: sent QI2, IPsec SA established' 5
	check "... and so does east" \
		wait_since east "$me" 'STATE_QUICK_R2: IPsec SA established' 5
	# (west has no ISAKMP SA left to send Deletes under: both ends terminate)
	w west --name t --terminate >/dev/null 2>&1
	w east --name t --terminate >/dev/null 2>&1
fi

# 7. The last message of an exchange (MR3, QI2) has no answer, and neither has a
#    duplicate of it: resending the message before it (MI3, QR1) would make the peer
#    resend its own, back and forth without end.  iptables TEE sends east's MR3
#    (encrypted Main Mode) and west's QI2 twice.
tee_last() { # ns add|del u32-test
	ip netns exec "$1" iptables -t mangle "-${2:0:1}" POSTROUTING -p udp --dport 500 \
		-m u32 --u32 "$3" -m length --length 0:150 -j TEE --gateway "$4"
}
mr3='0>>22&0x3C@26>>16&0xFF01=0x0201' qi2='0>>22&0x3C@26>>24=0x20'
tee_pkts() { ip netns exec "$1" iptables -t mangle -L POSTROUTING -n -v -x | awk '/TEE/ { print $1 }'; }
if ip netns exec "$NW" iptables -t mangle -L -n >/dev/null 2>&1; then
	conn west
	conn east
	mw=$(mark west) me=$(mark east)
	tee_last "$NE" A "$mr3" 192.0.2.1 && tee_last "$NW" A "$qi2" 192.0.2.2
	w west --name t --initiate >/dev/null 2>&1
	check "duplicates: tunnel up" [ $? -eq 0 ]
	check "duplicates: MR3 and QI2 went twice" \
		eval '[ "$(tee_pkts "$NE")" -ge 1 ] && [ "$(tee_pkts "$NW")" -ge 1 ]'
	tee_last "$NE" D "$mr3" 192.0.2.1
	tee_last "$NW" D "$qi2" 192.0.2.2
	sleep 1
	# (first, and fast: answered, the duplicates would go back and forth at full speed)
	resent() { tail -n "+$(($2 + 1))" "$T/$1.log" | grep -q -m1 'retransmitting'; }
	if resent west "$mw" || resent east "$me"; then
		notok "duplicates: neither side resent anything"
		w west --shutdown >/dev/null 2>&1
		w east --shutdown >/dev/null 2>&1
	else
		ok "duplicates: neither side resent anything"
	fi
	check "duplicates: west ignored the second MR3" \
		wait_since west "$mw" 'ignoring duplicate packet; already STATE_MAIN_I4' 5
	check "duplicates: east ignored the second QI2" \
		wait_since east "$me" 'ignoring duplicate packet; already STATE_QUICK_R2' 5
	w west --name t --terminate >/dev/null 2>&1
	wait_gone east 'STATE_' || notok "east's states gone after the Delete"
else
	notok "duplicates: iptables works in a namespace (make deps installs it)"
fi

w west --shutdown >/dev/null 2>&1
w east --shutdown >/dev/null 2>&1
[ "$fails" -eq 0 ]
