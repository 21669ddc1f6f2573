#!/bin/bash
# Every IKE and ESP algorithm of the issue's list, negotiated between two plutos, each
# side's --status showing the one asked for; and a weak proposal refused by a side whose
# configuration does not allow it.
#
#   ns west (pxw-PID) 192.0.2.1  <--veth-->  192.0.2.2 ns east (pxe-PID)
#   conn t: 10.0.1.0/24 === 10.0.2.0/24, --ike/--esp set per case on both sides
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
trap cleanup EXIT
psk_pair "algorithm matrix"

# Each IKE encryption, hash and DH group at least once; the status's name for it.
ike_cases=(
	"3des-sha1-modp2048:3DES_CBC-sha1-modp2048"
	"aes128-md5-modp1536:AES_CBC_128-md5-modp1536"
	"aes192-sha2_256-modp1024:AES_CBC_192-sha2_256-modp1024"
	"aes256-sha2_384-modp3072:AES_CBC_256-sha2_384-modp3072"
	"aes128-sha2_512-modp4096:AES_CBC_128-sha2_512-modp4096"
	"aes256-sha2_256-ecp256:AES_CBC_256-sha2_256-ecp256"
	"aes256-sha2_384-ecp384:AES_CBC_256-sha2_384-ecp384"
	"aes128-sha2_256-curve25519:AES_CBC_128-sha2_256-curve25519"
)
# Each ESP cipher and integrity algorithm at least once (with PFS: --status adds
# the group, modp2048, which the default IKE proposals negotiate first).
esp_cases=(
	"aes128-sha1:AES_CBC_128-sha1"
	"aes256-sha2_256:AES_CBC_256-sha2_256"
	"aes192-sha2_384:AES_CBC_192-sha2_384"
	"aes128-sha2_512:AES_CBC_128-sha2_512"
	"3des-md5:3DES_CBC-md5"
	"aes_gcm128:AES_GCM_16_128-none"
	"aes_gcm256:AES_GCM_16_256-none"
)

# add side ike esp: connection t on that side with these algorithms
add() {
	w "$1" --name t --delete >/dev/null 2>&1
	w "$1" "${conn_args[@]}" --psk ${2:+--ike "$2"} ${3:+--esp "$3"} \
		--keyingtries 1 >/dev/null 2>&1
	w "$1" --listen >/dev/null 2>&1
}

# negotiate what ike esp want_ike want_esp
negotiate() {
	local what=$1 ike=$2 esp=$3 want_ike=$4 want_esp=$5 ws es
	add west "$ike" "$esp"
	add east "$ike" "$esp"
	initiate west t >/dev/null
	if [ "$rc" -ne 0 ]; then
		echo "$out" | sed 's/^/# west: /'
		notok "$what: negotiated"
		return
	fi
	ws=$(w west --status)
	es=$(w east --status)
	if [ -n "$want_ike" ]; then
		check "$what: west's ISAKMP SA is $want_ike" grep -q "ISAKMP SA $want_ike;" <<<"$ws"
		check "$what: east's ISAKMP SA is $want_ike" grep -q "ISAKMP SA $want_ike;" <<<"$es"
	fi
	if [ -n "$want_esp" ]; then
		check "$what: west's IPsec SA is $want_esp" grep -q "(in) $want_esp-modp2048 PFS;" <<<"$ws"
		check "$what: east's IPsec SA is $want_esp" grep -q "(in) $want_esp-modp2048 PFS;" <<<"$es"
	fi
	w west --name t --terminate >/dev/null 2>&1
	wait_gone east 'STATE_' || notok "$what: east's states gone after the Delete"
}

for c in "${ike_cases[@]}"; do
	negotiate "ike=${c%%:*}" "${c%%:*}" "" "${c#*:}" ""
done
for c in "${esp_cases[@]}"; do
	negotiate "esp=${c%%:*}" "" "${c%%:*}" "" "${c#*:}"
done

# A weak IKE proposal the responder's configuration does not allow (the defaults).
add west "3des-md5-modp1024" ""
add east "" ""
initiate west t
check "weak ike: refused (whack --initiate fails)" [ "$rc" -ne 0 ]
# (east's own line may be rate-limited after so many quick negotiations: west's is not)
check "weak ike: east answers NO_PROPOSAL_CHOSEN" \
	grep -q 'peer refused Main Mode: NO_PROPOSAL_CHOSEN' <<<"$out"
check "weak ike: east established nothing" \
	bash -c '! grep -q "SA established" <<<"$1"' _ "$(w east --status)"

# A weak ESP proposal likewise: the ISAKMP SA stands, the Quick Mode is refused.
add west "" "3des-md5"
add east "" ""
initiate west t
check "weak esp: refused (whack --initiate fails)" [ "$rc" -ne 0 ]
check "weak esp: east established no IPsec SA" \
	bash -c '! grep -q "IPsec SA established" <<<"$1"' _ "$(w east --status)"

w west --shutdown >/dev/null 2>&1
w east --shutdown >/dev/null 2>&1
[ "$fails" -eq 0 ]
