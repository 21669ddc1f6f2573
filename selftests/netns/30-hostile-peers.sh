#!/bin/bash
# Hostile IKE peers (issue 5): each forged message (selftests/netns/ikeforge.py) is dropped
# or answered with the right RFC 2408 Notification, logged (rate-limited), and changes
# nothing else: the tunnel t between west and east stays up with the same states, and
# east has no state or instance left over.
#
#   ns atk (pxa-PID)                 ns east (pxe-PID)               ns west (pxw-PID)
#   ikeforge.py; pluto "mallory"     pluto (responder)               pluto (initiator of t)
#   a0 198.51.100.2/24 <--------> e1 198.51.100.1/24
#                                    e0 192.0.2.2/24 <------------> w0 192.0.2.1/24
#   east: conn t (192.0.2.2 <-> 192.0.2.1), conn rw (198.51.100.1 <- %any): every forged
#   MI1 from atk finds a connection, the worst case.  --noklips --no-bpf, PSK.
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
trap cleanup_all EXIT
NA=pxa-$$
FORGE=$ROOT/selftests/netns/ikeforge.py

cleanup_all() {
	ip netns del "$NA" 2>/dev/null
	cleanup
}

psk_pair "hostile test"
ip netns add "$NA"
ip link add a0 netns "$NA" type veth peer name e1 netns "$NE"
ip -n "$NA" addr add 198.51.100.2/24 dev a0
ip -n "$NE" addr add 198.51.100.1/24 dev e1
ip -n "$NA" link set a0 up
ip -n "$NA" link set lo up
ip -n "$NA" route add 192.0.2.0/24 dev a0 # replays spoofed from west's address
ip -n "$NE" link set e1 up
ip netns exec "$NE" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.e1.rp_filter=0

for side in west east; do
	w "$side" "${conn_args[@]}" --psk >/dev/null 2>&1
done
w east --name rw --host 198.51.100.1 --to --host %any --psk --encrypt --tunnel >/dev/null 2>&1
w east --listen >/dev/null 2>&1
w west --listen >/dev/null 2>&1
ip netns exec "$NE" timeout 30 python3 "$FORGE" capture --iface e0 --seconds 15 \
	--out "$T/captured" &
capture=$!
for _ in $(seq 100); do [ -e "$T/captured" ] && break; sleep 0.1; done # listening
w west --name t --initiate >"$T/init" 2>&1
check "tunnel t established" test $? -eq 0

# the state lines of east (serial, connection, kind): what must not change
states() { w east --status | sed -n 's/^[0-9]* \(#[0-9]*: .* STATE_[A-Z0-9_]*\) .*/\1/p' | sort; }
base=$(states)
echo "$base" | sed 's/^/# east: /'
check "east has the ISAKMP and the IPsec SA of t" test "$(grep -c . <<<"$base")" -eq 2
nlines() { wc -l <"$T/east.log"; }

# forge CASE: run one case from atk; sets $reply (its output) and $newlog (east's new lines)
forge() {
	local before
	before=$(nlines)
	reply=$(ip netns exec "$NA" timeout 20 python3 "$FORGE" case "$@" --src 198.51.100.2 \
		--dst 198.51.100.1 --wait 0.6 2>&1)
	newlog=$(tail -n +$((before + 1)) "$T/east.log")
	echo "$reply" | sed "s/^/# $1: /"
	echo "$newlog" | head -3 | sed "s/^/# $1 log: /"
}

# unchanged WHAT: nothing but t's states on east (half-open ones made by a case are
# gone: deleted at once, or by terminating rw, which takes its instances with them)
unchanged() {
	w east --name rw --terminate >/dev/null 2>&1
	check "$1: east's states unchanged" test "$(states)" = "$base"
	check "$1: no rw instance left" bash -c '! grep -q "\"rw\"\[" <<<"$1"' _ "$(w east --status)"
}

# dropped CASE LOGPATTERN: no reply, the reason logged, nothing changed
dropped() {
	forge "$1"
	check "$1: no reply" test -z "$reply"
	check "$1: logged" grep -q -- "$2" <<<"$newlog"
	unchanged "$1"
}

# notified CASE TYPE LOGPATTERN: a Notification of TYPE in the clear, logged, no state left
notified() {
	forge "$1"
	check "$1: answered with Notification $2" grep -q "^reply xchg=5 notify=$2 " <<<"$reply"
	check "$1: logged" grep -q -- "$3" <<<"$newlog"
	unchanged "$1"
}

dropped short "dropping packet from 198.51.100.2:5000: "
dropped overlong "dropping packet from 198.51.100.2:5000: "
dropped bad-version "dropping packet from 198.51.100.2:5000: "
dropped payload-past-end "dropping MI1 from 198.51.100.2:5000: "
dropped payload-zero-len "dropping MI1 from 198.51.100.2:5000: "
dropped payload-len-3 "dropping .* from 198.51.100.2:5000: "
dropped payload-chain-dangling "dropping MI1 from 198.51.100.2:5000: "
dropped payload-chain-bomb "dropping MI1 from 198.51.100.2:5000: "
dropped unknown-payload "dropping MI1 from 198.51.100.2:5000: .*unknown payload type 200"
dropped unknown-exchange "unsupported exchange type"
dropped zero-icookie "initiator cookie is zero"
dropped nonzero-msgid "non-zero Message ID"
dropped unknown-cookies "for an unknown SA"
check "unknown-cookies: Quick Mode logged" grep -q "Quick Mode message from 198.51.100.2 without an established ISAKMP SA" <<<"$newlog"
notified many-transforms 14 "no acceptable"
notified too-many-transforms 15 "malformed SA payload in MI1"
notified many-proposals 15 "malformed SA payload in MI1"
notified zero-lifetime 14 "no acceptable"
notified absurd-keylen 14 "no acceptable"
notified absurd-group 14 "no acceptable"
notified bad-doi 2 "malformed SA payload in MI1"
# lifetimes above the manual's maximum are refused (ikev1_spdb.c), however they are encoded
notified huge-lifetime 14 "no acceptable"
notified lifetime-tlv-huge 14 "no acceptable"
# bytes after the header's length are ignored (as Libreswan does): a good MI1 is answered
forge trailing
check "trailing: answered with MR1" grep -q "^reply xchg=2 " <<<"$reply"
unchanged trailing

# the Commit Flag (the pluto manual: not supported, "We just ignore it, with a warning")
forge commit-flag
check "commit flag: MI1 answered with MR1 all the same" grep -q "^reply xchg=2 " <<<"$reply"
check "commit flag: the warning logged" \
	grep -q "Commit Flag set but Pluto doesn't implement this feature; ignoring flag" <<<"$newlog"
unchanged "commit flag"

# replays: our own MI1 again gets the same MR1 (a retransmission), no second state
icky=0123456789abcdef
forge good-mi1 --icookie $icky
r1=$reply
forge good-mi1 --icookie $icky
check "replayed MI1: the same MR1 again" test -n "$r1" -a "$reply" = "$r1"
check "replayed MI1: one responder state" test "$(w east --status | grep -c 'STATE_MAIN_R1')" -eq 1
# a message for a state deleted meanwhile
serial=$(w east --status | sed -n 's/.*#\([0-9]*\): "rw".*STATE_MAIN_R1.*/\1/p' | head -1)
w east --deletestate "$serial" >/dev/null 2>&1
forge good-mi1 --icookie $icky
check "MI1 again after --deletestate: answered again" grep -q "^reply xchg=2 " <<<"$reply"
check "... by a new state, not the deleted #$serial" \
	bash -c '! grep -q "#$1:" <<<"$2"' _ "$serial" "$(w east --status)"
unchanged "deleted state"

# replays of west's real messages, spoofed from 192.0.2.1: nothing changes
wait "$capture"
check "captured west's messages" test "$(grep -c '^192.0.2.1 ' "$T/captured")" -ge 4
before=$(nlines)
out=$(ip netns exec "$NA" timeout 20 python3 "$FORGE" replay --in "$T/captured" \
	--src 192.0.2.1 --dst 192.0.2.2 2>&1)
echo "$out" | sed 's/^/# /'
check "replayed west's messages" grep -q "^replayed [1-9]" <<<"$out"
sleep 1
check "replayed tunnel messages: east's states unchanged" test "$(states)" = "$base"
tail -n +$((before + 1)) "$T/east.log" | head -5 | sed 's/^/# replay log: /'

# a flood of garbage is rate-limited in the log
before=$(nlines)
t0=$(date +%s)
ip netns exec "$NA" timeout 20 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2000):
    s.sendto(b"\x01" * 12, ("198.51.100.1", 500))
    if i % 100 == 99:
        time.sleep(0.01)'
sleep 1.2
secs=$(($(date +%s) - t0 + 1))
added=$(($(nlines) - before))
echo "# 2000 garbage datagrams in about $secs s added $added log lines"
check "2000 garbage datagrams: at most 6 log lines a second" test "$added" -le $((6 * secs + 6))
check "the suppressed ones are counted" grep -q "similar messages suppressed" <(tail -n "$added" "$T/east.log")

# a peer with the wrong PSK: MI3's HASH is refused with INVALID_HASH_INFORMATION (23)
mkdir -p "$T/mallory"
printf ': PSK "not the secret"\n' >"$T/mallory/ipsec.secrets"
chmod 600 "$T/mallory/ipsec.secrets"
check "mallory pluto started" start_pluto mallory "$NA"
w mallory --name m --host 198.51.100.2 --to --host 198.51.100.1 --psk --encrypt --tunnel \
	--keyingtries 1 >/dev/null 2>&1
w mallory --listen >/dev/null 2>&1
before=$(nlines)
timeout 8 "$WHACK" --rundir "$T/mallory" --name m --initiate >"$T/mallory.init" 2>&1
newlog=$(tail -n +$((before + 1)) "$T/east.log")
echo "$newlog" | grep -i "refused\|hash" | head -3 | sed 's/^/# psk log: /'
check "wrong PSK: east says why" grep -q "probable authentication failure (mismatch of preshared secrets?)" <<<"$newlog"
check "wrong PSK: east answers PAYLOAD_MALFORMED" \
	grep -q "sending notification PAYLOAD_MALFORMED to 198.51.100.2:500" <<<"$newlog"
check "wrong PSK: mallory's ISAKMP SA is not established" \
	bash -c '! grep -q "ISAKMP SA established" "$1"' _ "$T/mallory.init"
w mallory --delete --name m >/dev/null 2>&1
unchanged "wrong PSK"

# the right PSK but an ID rw does not allow: INVALID_ID_INFORMATION (18)
printf ': PSK "hostile test"\n' >"$T/mallory/ipsec.secrets"
w mallory --rereadsecrets >/dev/null 2>&1
w mallory --name m2 --host 198.51.100.2 --id @mallory --to --host 198.51.100.1 --psk \
	--encrypt --tunnel --keyingtries 1 >/dev/null 2>&1
before=$(nlines)
timeout 8 "$WHACK" --rundir "$T/mallory" --name m2 --initiate >"$T/mallory.init2" 2>&1
newlog=$(tail -n +$((before + 1)) "$T/east.log")
echo "$newlog" | grep -i "refused\|notif" | head -3 | sed 's/^/# id log: /'
check "wrong ID: east refuses MI3" grep -q "MI3 refused: no connection has a peer ID that matches it" <<<"$newlog"
check "wrong ID: east answers INVALID_ID_INFORMATION" \
	grep -q "sending notification INVALID_ID_INFORMATION to 198.51.100.2:500" <<<"$newlog"
w mallory --shutdown >/dev/null 2>&1
unchanged "wrong ID"

# after all of it the tunnel still works: a rekey of t's IPsec SA from west completes
check "east's states are still t's" test "$(states)" = "$base"
out=$(w west --name t --initiate 2>&1)
check "t can still negotiate a new IPsec SA" grep -q "IPsec SA established" <<<"$out"
w west --shutdown >/dev/null 2>&1
w east --shutdown >/dev/null 2>&1
check "east exits at --shutdown" timeout 10 tail --pid="${pids[1]}" -f /dev/null
[ "$fails" -eq 0 ]
