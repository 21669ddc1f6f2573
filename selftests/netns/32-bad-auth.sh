#!/bin/bash
# A peer whose authentication is wrong although its keys are right: a HASH_I with one bit
# flipped under the right PSK (build/bench/ikeload --bad-hash), and an RSA signature
# made with another key than the one east knows for the peer. Each is refused with the
# RFC 2408 Notification, logged, and leaves east nothing established.
#
#   ns west (pxw-PID) 192.0.2.1                 ns east (pxe-PID) 192.0.2.2
#   1. ikeload (PSK, HASH_I good, then bad)      pluto: conn rw 192.0.2.2 <- %any (PSK)
#   2. pluto: conn t (RSA, west.pem)             pluto: conn t (RSA), west's key = other.pem
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
need_root
trap cleanup EXIT
IKELOAD=$BUILD/bench/ikeload
if [ ! -x "$IKELOAD" ] || ! command -v openssl >/dev/null || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs $IKELOAD, openssl and python3"
	exit 0
fi
topology
for k in west east other; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/$k.pem" 2>/dev/null
	chmod 600 "$T/$k.pem"
done
mkdir -p "$T/west" "$T/east"
printf ': PSK "right key"\n: RSA %s\n' "$T/east.pem" >"$T/east/ipsec.secrets"
printf ': RSA %s\n' "$T/west.pem" >"$T/west/ipsec.secrets"
chmod 600 "$T/east/ipsec.secrets" "$T/west/ipsec.secrets"
check "east pluto started" start_pluto east "$NE"

# 1. HASH_I
w east --name rw --host 192.0.2.2 --to --host %any --psk --encrypt --tunnel >/dev/null 2>&1
w east --listen >/dev/null 2>&1
# ikeload src: one tunnel from west's address, its result line
ikeload() {
	ip netns exec "$NW" timeout 30 "$IKELOAD" --responder 192.0.2.2 --first-source 192.0.2.1 \
		--count 1 --psk "right key" --group 14 --timeout 8 --retransmit 2 "$@" 2>&1 | tail -1
}
out=$(ikeload)
echo "# good: $out"
check "good HASH_I: the tunnel completes (the generator is right)" grep -q 'completed=1 ' <<<"$out"
w east --name rw --terminate >/dev/null 2>&1
wait_gone east 'STATE_' || notok "east's states gone after --terminate"
mark=$(wc -l <"$T/east.log")
out=$(ikeload --bad-hash)
echo "# bad: $out"
newlog=$(tail -n +$((mark + 1)) "$T/east.log")
echo "$newlog" | grep -i "refused\|notification" | head -3 | sed 's/^/# east: /'
check "bad HASH_I: no tunnel" grep -q 'completed=0 ' <<<"$out"
check "bad HASH_I: east refuses MI3, saying why" \
	grep -q 'MI3 refused: received HASH does not match computed value' <<<"$newlog"
check "bad HASH_I: east answers INVALID_HASH_INFORMATION" \
	grep -q 'sending notification INVALID_HASH_INFORMATION' <<<"$newlog"
check "bad HASH_I: ikeload received the notification" grep -q 'notifications=[1-9]' <<<"$out"
check "bad HASH_I: nothing established on east" \
	bash -c '! grep -q "SA established" <<<"$1"' _ "$(w east --status)"
w east --name rw --delete >/dev/null 2>&1

# 2. RSA signature by a key east does not have for the peer
rfc3110() {
	local mod
	mod=$(openssl rsa -in "$1" -noout -modulus 2>/dev/null | sed 's/^Modulus=//')
	python3 -c 'import base64,sys
m=bytes.fromhex(sys.argv[1]); e=(65537).to_bytes(3,"big")
print("0s"+base64.b64encode(bytes([len(e)])+e+m).decode())' "$mod"
}
check "west pluto started" start_pluto west "$NW"
w west --keyid 192.0.2.2 --pubkeyrsa "$(rfc3110 "$T/east.pem")" >/dev/null 2>&1
w east --keyid 192.0.2.1 --pubkeyrsa "$(rfc3110 "$T/other.pem")" >/dev/null 2>&1
for side in west east; do
	w "$side" "${conn_args[@]}" --rsasig --keyingtries 1 >/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
done
mark=$(wc -l <"$T/east.log")
w west --name t --initiate --asynchronous >/dev/null 2>&1
check "bad signature: east refuses MI3" \
	wait_log east 'MI3 refused: .*signature'
newlog=$(tail -n +$((mark + 1)) "$T/east.log")
echo "$newlog" | grep -i "refused\|notification" | head -3 | sed 's/^/# east: /'
check "bad signature: east answers INVALID_SIGNATURE" \
	grep -q 'sending notification INVALID_SIGNATURE' <<<"$newlog"
check "bad signature: west is told" wait_log west 'notification INVALID_SIGNATURE'
check "bad signature: nothing established on east" \
	bash -c '! grep -q "SA established" <<<"$1"' _ "$(w east --status)"
w west --shutdown >/dev/null 2>&1
w east --shutdown >/dev/null 2>&1
[ "$fails" -eq 0 ]
