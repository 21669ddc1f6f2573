#!/bin/bash
# pluto against strongSwan's charon (IKEv1, swanctl, `version = 1`), each
# side initiating, with pre-shared keys and with RSA signatures (raw keys:
# charon's `pubkeys`, pluto's --pubkeyrsa in RFC 3110 form):
#
#   psk, pluto initiates:   aes128-sha2_256-modp2048 / ESP aes128-sha2_256, PFS
#   psk, charon initiates:  the same
#   rsa, pluto initiates:   aes128-sha2_256-modp2048 / ESP AES-GCM-16-128, PFS
#   rsa, charon initiates:  aes256-sha2_256-modp2048 / ESP aes256-sha2_256, PFS
#
# Each time: the initiator reports success, pluto's --status shows the
# ISAKMP and IPsec SAs, the SPIs pluto shows are the ones charon shows (in
# and out swapped) and the ones in both kernels, the algorithms pluto shows
# are the ones charon reports (swanctl --list-sas), a ping client to client
# goes through and the ESP counters of both SAs rise on both sides, and the
# initiator's terminate (a Delete) leaves no SA and no policy on either side.
#
#   west: pluto (--no-bpf)                    east: charon + swanctl
#   c0 10.0.1.1/24 (dummy)                    c0 10.0.2.1/24 (dummy)
#   veth0 192.0.2.1/24 ==== IKEv1 + ESP ==== veth0 192.0.2.2/24
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/peers.sh"
. "$dir/lib-pluto.sh"

E=$T/charon
PEER=1 PEER_ROUTES=east # charon adds its own in table 220 too; pluto's updown adds west's

# charon's log: IKE and configuration at level 2 (proposals, IDs, SPIs).
charon_conf() {
	strongswan_conf "$E" | sed 's/^\(\t*\)default = 1$/&\n\1ike = 2\n\1cfg = 2\n\1knl = 1/'
}

# swanctl_conf AUTH IKE ESP: charon's side of the connection "pluto".
swanctl_conf() {
	local auth=$1 ike=$2 esp=$3 lauth rauth
	if [ "$auth" = psk ]; then
		lauth="auth = psk" rauth="auth = psk"
	else
		lauth="auth = pubkey
			pubkeys = east.pub.pem"
		rauth="auth = pubkey
			pubkeys = west.pub.pem"
	fi
	cat <<EOF
connections {
	pluto {
		version = 1
		proposals = $ike
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		local {
			$lauth
			id = 192.0.2.2
		}
		remote {
			$rauth
			id = 192.0.2.1
		}
		children {
			pluto {
				local_ts = 10.0.2.0/24
				remote_ts = 10.0.1.0/24
				esp_proposals = $esp
			}
		}
	}
}
secrets {
	ike-pluto {
		id = 192.0.2.1
		secret = "$PSK"
	}
}
EOF
}

# swan_sas: charon's SAs (swanctl --list-sas --raw): $SWAN_IKE, the IKE SA's
# part, and $SWAN_CHILD, its CHILD SA's.
swan_sas() {
	local raw
	raw=$(swanctl_in east "$E" --list-sas --raw 2>/dev/null)
	SWAN_IKE=${raw%%child-sas*}
	SWAN_CHILD=${raw#*child-sas}
}

# field TEXT NAME: the value of NAME=value in TEXT.
field() {
	local re="(^|[ {])$2=([^ }]*)"
	[[ $1 =~ $re ]] && echo "${BASH_REMATCH[2]}"
}

# swan_algs TEXT: the algorithms charon reports (encr-keysize/integ/group), in $CANON.
swan_algs() {
	local t=$1 s
	s="$(field "$t" encr-alg)-$(field "$t" encr-keysize)/$(field "$t" integ-alg)/$(field "$t" dh-group)"
	canon_alg "$s"
}

pluto_established() {
	pluto_status "$W"
	[[ $PS =~ STATE_MAIN_(I4|R3) ]] && [[ $PS =~ STATE_QUICK_(I2|R2) ]]
}

# round TAG AUTH INITIATOR IKE PLUTO_ESP SWAN_IKE SWAN_ESP EXPECTED_ESP
round() {
	local tag=$1 auth=$2 init=$3 ike=$4 pesp=$5 sike=$6 sesp=$7 want=$8 start=$SECONDS
	W=$T/$tag
	mkdir -p "$W"
	swanctl_conf "$auth" "$sike" "$sesp" >"$E/swanctl.conf"
	if [ "$auth" = psk ]; then
		echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$W/ipsec.secrets"
	else
		cp "$T/west.pem" "$W/" && echo ": RSA west.pem" >"$W/ipsec.secrets"
	fi
	if ! tap_check "$tag: swanctl loaded charon's side" \
		eval 'swanctl_in east "$E" --load-all --file "$E/swanctl.conf" >"$T/load.log" 2>&1' ||
		! tap_check "$tag: pluto started, connection added" start_pluto "$auth" "$ike" "$pesp"
	then
		sed 's/^/#   /' "$T/load.log"
		return
	fi

	if [ "$init" = pluto ]; then
		tap_check "$tag: pluto initiates: whack --initiate exits 0" \
			eval 'pluto_whack "$W" --name t --initiate >"$T/init.log" 2>&1'
	else
		tap_check "$tag: charon initiates: swanctl --initiate succeeds" \
			eval 'swanctl_in east "$E" --initiate --child pluto >"$T/init.log" 2>&1'
	fi || sed 's/^/#   /' "$T/init.log"
	# (the responder installs its outbound SA when QI2 arrives, a little
	# after the initiator reports success: wait for both kernels' SAs)
	wait_until 10 eval '[ "$(esp_states west)" -ge 2 ] && [ "$(esp_states east)" -ge 2 ]'
	if tap_check "$tag: pluto's --status shows the ISAKMP SA and the IPsec SA" \
		wait_until 10 pluto_established; then
		check_sas "$tag" "$ike" "$want"
		check_traffic "$tag"
	fi

	if [ "$init" = pluto ]; then
		pluto_whack "$W" --name t --terminate >/dev/null 2>&1
	else
		swanctl_in east "$E" --terminate --ike pluto >/dev/null 2>&1
	fi
	wait_until 10 both_empty quiet
	tap_check "$tag: after the $init's terminate: no SA, no policy on either side" both_empty
	tap_check "$tag: ... and no state in pluto" \
		wait_until 10 eval 'pluto_status "$W"; [[ $PS != *STATE_* ]]'
	tap_check "$tag: pluto stopped" pluto_stop "$W"
	if [ "$_tap_failed" -gt "$failed_before" ]; then
		pluto_log_tail "$W" 80
		diag "--- charon's log"
		tail -n 60 "$E/charon.log" | sed 's/^/#   /'
		# for the next round: nothing left in charon either
		swanctl_in east "$E" --terminate --ike pluto >/dev/null 2>&1
		ip -n east xfrm state flush
		ip -n east xfrm policy flush
	fi
	failed_before=$_tap_failed
	diag "$tag: $((SECONDS - start)) s"
}

start_pluto() {
	local auth=$1 ike=$2 esp=$3
	pluto_start west "$W" || return 1
	if [ "$auth" = rsasig ]; then
		pluto_whack "$W" --keyid 192.0.2.2 --pubkeyrsa "$EAST_KEY" >/dev/null 2>&1 ||
			return 1
	fi
	pluto_whack "$W" --name t --host 192.0.2.1 --client 10.0.1.0/24 --to \
		--host 192.0.2.2 --client 10.0.2.0/24 --encrypt --tunnel --pfs \
		"--$auth" --ike "$ike" --esp "$esp" >/dev/null 2>&1 &&
		pluto_whack "$W" --listen >/dev/null 2>&1
}

# check_sas TAG IKE ESP: SPIs and algorithms as pluto, charon and the kernels see them.
check_sas() {
	local tag=$1 ike=$2 esp=$3 po pi so si pa sa pk sk wspis
	swan_sas
	pluto_status "$W"
	po=$(status_spi out) pi=$(status_spi in)
	si=$(field "$SWAN_CHILD" spi-in) so=$(field "$SWAN_CHILD" spi-out)
	diag "$tag: SPIs: pluto out $po in $pi; charon in $si out $so"
	tap_check "$tag: pluto's outbound SPI is charon's inbound one and vice versa" \
		test -n "$po" -a -n "$pi" -a "$po" = "$si" -a "$pi" = "$so"
	xfrm_read west
	wspis=$SPIS
	xfrm_read east
	tap_check "$tag: both kernels hold exactly these two ESP SAs" \
		test "$wspis" = "$(printf '%s\n' "$po" "$pi" | sort | tr '\n' ' ')" -a "$SPIS" = "$wspis"
	canon_alg "$(status_esp_alg)"
	pa=$CANON
	swan_algs "$SWAN_CHILD"
	sa=$CANON
	diag "$tag: ESP: pluto '$pa', charon '$sa'"
	canon_alg "$esp"
	tap_check "$tag: ESP algorithms: pluto's --status = charon's = configured ($esp)" \
		test -n "$pa" -a "$pa" = "$sa" -a "$pa" = "$CANON"
	canon_alg "$(status_ike_alg)"
	pk=$CANON
	swan_algs "$SWAN_IKE"
	sk=$CANON
	diag "$tag: IKE: pluto '$pk', charon '$sk' (prf $(field "$SWAN_IKE" prf-alg))"
	canon_alg "$ike"
	tap_check "$tag: IKE algorithms: pluto's --status = charon's = configured ($ike)" \
		test -n "$pk" -a "$pk" = "$sk" -a "$pk" = "$CANON"
	SPI_WE=$po SPI_EW=$pi
}

check_traffic() {
	local a b c d
	tap_check "$1: ping 10.0.1.1 -> 10.0.2.1 through the tunnel" ping_clients
	xfrm_read west
	xfrm_read east
	a=${PACKETS[west:$SPI_WE]:-0} b=${PACKETS[east:$SPI_WE]:-0}
	c=${PACKETS[east:$SPI_EW]:-0} d=${PACKETS[west:$SPI_EW]:-0}
	diag "$1: ESP packets: west->east out $a in $b; east->west out $c in $d"
	tap_check "$1: ESP packet counters rose on both SAs of both sides (>= 3 each)" \
		test "$a" -ge 3 -a "$b" -ge 3 -a "$c" -ge 3 -a "$d" -ge 3
}

failed_before=0
tap_check "namespaces, veth and dummy clients" topology || { tap_done; exit; }
# (swanctl --load-all also reads these: empty ones keep it quiet)
mkdir -p "$E"/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
charon_conf >"$E/strongswan.conf"
tap_check "charon started" strongswan_start east "$E" || { tap_done; exit; }

round psk-pluto-initiates psk pluto aes128-sha2_256-modp2048 aes128-sha2_256 \
	aes128-sha256-modp2048 aes128-sha256-modp2048 aes128-sha2_256-modp2048
round psk-charon-initiates psk charon aes128-sha2_256-modp2048 aes128-sha2_256 \
	aes128-sha256-modp2048 aes128-sha256-modp2048 aes128-sha2_256-modp2048

if tap_check "RSA keys: pluto's (PEM), charon's (PEM in swanctl/private)" \
	eval 'rsa_key "$T/west.pem" & rsa_key "$E/private/east.pem" && wait $! &&
		openssl pkey -in "$T/west.pem" -pubout -out "$E/pubkey/west.pub.pem" 2>/dev/null &&
		openssl pkey -in "$E/private/east.pem" -pubout -out "$E/pubkey/east.pub.pem" 2>/dev/null'
then
	EAST_KEY=$(rfc3110 "$E/private/east.pem")
	round rsa-pluto-initiates rsasig pluto aes128-sha2_256-modp2048 aes_gcm128 \
		aes128-sha256-modp2048 aes128gcm16-modp2048 aes_gcm128-modp2048
	round rsa-charon-initiates rsasig charon aes256-sha2_256-modp2048 aes256-sha2_256 \
		aes256-sha256-modp2048 aes256-sha256-modp2048 aes256-sha2_256-modp2048
fi
strongswan_stop "$E"
tap_done
