#!/bin/bash
# The public key form: --keyid ID --pubkeyrsa KEY (RFC 3110 bytes written for
# ipsec_ttodata(3): 0s base64 here) replaces the keys of ID, --addkey adds one more, and
# --keyid alone drops them (fetching from DNS is not supported). Keys are real: made
# by openssl for this run, so their key ids (the first 9 base64 characters) are
# normalised to @KEYID1@/@KEYID2@ and the keys themselves to @KEY1@/@KEY2@.
# No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

# rfc3110 PEM: the public key as RFC 3110 bytes (exponent length, exponent, modulus), 0s form.
rfc3110() {
	openssl rsa -in "$1" -noout -text 2>/dev/null | python3 -c '
import base64, re, sys
text = sys.stdin.read()
hexn = re.search(r"modulus:\n((?:\s+[0-9a-f:]+\n)+)", text).group(1)
n = bytes.fromhex(re.sub(r"[\s:]", "", hexn)).lstrip(b"\0")
e = int(re.search(r"publicExponent: (\d+)", text).group(1))
eb = e.to_bytes((e.bit_length() + 7) // 8, "big")
print("0s" + base64.b64encode(bytes([len(eb)]) + eb + n).decode())'
}

newkey() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/$1.pem" 2>/dev/null &&
		rfc3110 "$T/$1.pem"
}

K1=$(newkey k1)
K2=$(newkey k2)
if [ -z "$K1" ] || [ -z "$K2" ] || [ "${K1:2:9}" = "${K2:2:9}" ]; then
	echo "Bail out! could not make two RSA keys with openssl"
	exit 1
fi
t_normalise_add "$K1" @KEY1@
t_normalise_add "$K2" @KEY2@
t_normalise_add "${K1:2:9}" @KEYID1@
t_normalise_add "${K2:2:9}" @KEYID2@

t_start_pluto 24503

t_whack --keyid @peer.example.com --pubkeyrsa "$K1"
t_whack --keyid @peer.example.com --addkey --pubkeyrsa "$K2"
t_whack --keyid 10.0.0.2 --pubkeyrsa "$K1"
t_whack --keyid user@example.com --addkey --pubkeyrsa "$K2"
t_whack --status
# without --addkey the new key replaces the old ones (domain names compare without case)
t_whack --keyid @PEER.example.com --pubkeyrsa "$K2"
# --keyid alone: the keys go; pluto cannot fetch others from DNS
t_whack --keyid 10.0.0.2
t_whack --keyid @nobody.example.com --addkey
# a bad key is refused and replaces nothing
t_whack --keyid @peer.example.com --pubkeyrsa 0sAwEAAQ==
t_whack --status

# whack's own refusals
t_whack --keyid @peer.example.com --pubkeyrsa 0xzz
t_whack --keyid @peer.example.com --pubkeyrsa 0x0102
t_whack --pubkeyrsa "$K1"
t_whack --addkey
t_whack --keyid "C=CH, O=Example" --pubkeyrsa "$K1"

t_done
