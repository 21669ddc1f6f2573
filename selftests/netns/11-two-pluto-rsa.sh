#!/bin/bash
# Two plutos negotiate Main Mode (RSA signatures) + Quick Mode (PFS, tunnel) over veth.
#
#   ns west (pxw-PID)                     ns east (pxe-PID)
#   pluto (noklips, no-bpf)               pluto (noklips, no-bpf)
#   west.pem, east's public key           east.pem, west's public key
#   veth w0 192.0.2.1/24  <----------->   veth e0 192.0.2.2/24
#   client 10.0.1.0/24                    client 10.0.2.0/24
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
need_root
trap cleanup EXIT
if ! command -v openssl >/dev/null || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs openssl and python3"
	exit 0
fi
echo "1..23"
topology

# rfc3110 pem: the public key as whack --pubkeyrsa takes it (0s + base64 of RFC 3110)
rfc3110() {
	local mod
	mod=$(openssl rsa -in "$1" -noout -modulus 2>/dev/null | sed 's/^Modulus=//')
	python3 -c 'import base64,sys
m=bytes.fromhex(sys.argv[1]); e=(65537).to_bytes(3,"big")
print("0s"+base64.b64encode(bytes([len(e)])+e+m).decode())' "$mod"
}

for side in west east; do
	mkdir -p "$T/$side"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$T/$side/$side.pem" 2>/dev/null
	chmod 600 "$T/$side/$side.pem"
	printf ': RSA %s.pem\n' "$side" >"$T/$side/ipsec.secrets"
	chmod 600 "$T/$side/ipsec.secrets"
done
check "RSA keys generated" [ -s "$T/west/west.pem" -a -s "$T/east/east.pem" ]
check "west pluto started" start_pluto west "$NW"
check "east pluto started" start_pluto east "$NE"
w west --keyid 192.0.2.2 --pubkeyrsa "$(rfc3110 "$T/east/east.pem")" >/dev/null 2>&1
w east --keyid 192.0.2.1 --pubkeyrsa "$(rfc3110 "$T/west/west.pem")" >/dev/null 2>&1
for side in west east; do
	w "$side" "${conn_args[@]}" --rsasig >/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
done
AUTH=RSASIG run_two_pluto
exit 0
