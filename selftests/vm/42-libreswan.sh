#!/bin/bash
# pluto against Libreswan 4.10 (IKEv1: ikev1-policy=accept, ikev2=no), each
# side initiating, with pre-shared keys and with RSA signatures (raw keys:
# Libreswan's made in its NSS database by its rsasigkey, shown as
# leftrsasigkey=0s... by showhostkey and given to pluto with --pubkeyrsa;
# pluto's made by openssl, given to Libreswan in the same RFC 3110 form):
#
#   psk, pluto initiates:      aes128-sha2_256-modp2048 / ESP aes128-sha2_256, PFS
#   psk, Libreswan initiates:  the same
#   rsa, pluto initiates:      aes128-sha2_256-modp2048 / ESP AES-GCM-16-256, PFS
#   rsa, Libreswan initiates:  aes256-sha2_512-modp3072 / ESP aes256-sha2_512, PFS
#
# Each time: the initiator reports success, pluto's --status shows the
# ISAKMP and IPsec SAs, the SPIs pluto shows are the ones Libreswan shows
# (and the ones in both kernels), the algorithms pluto shows are the ones
# Libreswan's whack --status reports, a ping client to client goes through,
# the ESP counters of both SAs rise in both kernels and Libreswan's
# trafficstatus counts the bytes, and the initiator's terminate (a Delete)
# leaves no SA and no policy on either side.
#
#   west: pluto (--no-bpf)                    east: Libreswan pluto 4.10
#   c0 10.0.1.1/24 (dummy)                    c0 10.0.2.1/24 (dummy)
#   veth0 192.0.2.1/24 ==== IKEv1 + ESP ==== veth0 192.0.2.2/24
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/peers.sh"
. "$dir/lib-pluto.sh"

E=$T/libreswan
PEER=1 PEER_ROUTES=east # Libreswan's _updown adds it too; pluto's updown adds west's

# ls_conf AUTH IKE ESP: Libreswan's side of the connection "pluto".
ls_conf() {
	local auth=$1 ike=$2 esp=$3
	libreswan_conf "$E"
	cat <<EOF
	plutodebug=all

conn pluto
	ikev2=no
	authby=${auth/psk/secret}
	ike=$ike
	esp=$esp
	left=192.0.2.2
	leftid=192.0.2.2
	leftsubnet=10.0.2.0/24
	right=192.0.2.1
	rightid=192.0.2.1
	rightsubnet=10.0.1.0/24
	leftupdown=/usr/libexec/ipsec/_updown
	auto=add
EOF
	if [ "$auth" = rsasig ]; then
		printf '\tleftrsasigkey=%s\n\trightrsasigkey=%s\n' "$LS_KEY" "$WEST_KEY"
	fi
}

# ls_status: Libreswan's state lines and the connection's lines, in $LS_STATUS.
ls_status() {
	local line
	LS_STATUS=''
	while IFS= read -r line; do
		[[ $line == '000 #'* || $line == '000 "pluto":'* ]] && LS_STATUS+=$line$'\n'
	done <<<"$(libreswan_whack "$E" --status 2>/dev/null)"
}

# ls_algs "IKEv1 algorithm newest"|"ESP algorithm newest": in $CANON.
ls_algs() {
	local line s=''
	while IFS= read -r line; do
		[[ $line == *"\"pluto\":"*"$1: "* ]] && s=${line#*"$1: "}
	done <<<"$LS_STATUS"
	canon_alg "$s"
}

# ls_spis: Libreswan's "esp.OUT@192.0.2.1 esp.IN@192.0.2.2" line: $LS_OUT, $LS_IN
# (8 digits: Libreswan drops leading zeros).
ls_spis() {
	local re='"pluto" esp\.([0-9a-f]+)@192\.0\.2\.1 esp\.([0-9a-f]+)@192\.0\.2\.2 '
	LS_OUT='' LS_IN=''
	if [[ $LS_STATUS =~ $re ]]; then
		printf -v LS_OUT '%08x' "0x${BASH_REMATCH[1]}"
		printf -v LS_IN '%08x' "0x${BASH_REMATCH[2]}"
	fi
}

pluto_established() {
	pluto_status "$W"
	[[ $PS =~ STATE_MAIN_(I4|R3) ]] && [[ $PS =~ STATE_QUICK_(I2|R2) ]]
}

start_pluto() {
	local auth=$1 ike=$2 esp=$3
	pluto_start west "$W" || return 1
	if [ "$auth" = rsasig ]; then
		pluto_whack "$W" --keyid 192.0.2.2 --pubkeyrsa "$LS_KEY" >/dev/null 2>&1 || return 1
	fi
	pluto_whack "$W" --name t --host 192.0.2.1 --client 10.0.1.0/24 --to \
		--host 192.0.2.2 --client 10.0.2.0/24 --encrypt --tunnel --pfs \
		"--$auth" --ike "$ike" --esp "$esp" >/dev/null 2>&1 &&
		pluto_whack "$W" --listen >/dev/null 2>&1
}

# load_ls AUTH IKE ESP: Libreswan's connection replaced by this one.
load_ls() {
	ls_conf "$@" >"$E/ipsec.conf"
	libreswan_whack "$E" --name pluto --delete >/dev/null 2>&1
	libreswan_addconn east "$E" pluto
}

# check_sas TAG IKE ESP_EXPECTED: SPIs and algorithms as pluto, Libreswan and the kernels see them.
check_sas() {
	local tag=$1 ike=$2 esp=$3 po pi pa la pk lk wspis
	ls_status
	ls_spis
	pluto_status "$W"
	po=$(status_spi out) pi=$(status_spi in)
	diag "$tag: SPIs: pluto out $po in $pi; Libreswan in $LS_IN out $LS_OUT"
	tap_check "$tag: pluto's outbound SPI is Libreswan's inbound one and vice versa" \
		test -n "$po" -a -n "$pi" -a "$po" = "$LS_IN" -a "$pi" = "$LS_OUT"
	xfrm_read west
	wspis=$SPIS
	xfrm_read east
	tap_check "$tag: both kernels hold exactly these two ESP SAs" \
		test "$wspis" = "$(printf '%s\n' "$po" "$pi" | sort | tr '\n' ' ')" -a "$SPIS" = "$wspis"
	canon_alg "$(status_esp_alg)"
	pa=$CANON
	ls_algs "ESP algorithm newest"
	la=$CANON
	diag "$tag: ESP: pluto '$pa', Libreswan '$la'"
	canon_alg "$esp"
	tap_check "$tag: ESP algorithms: pluto's --status = Libreswan's = configured ($esp)" \
		test -n "$pa" -a "$pa" = "$la" -a "$pa" = "$CANON"
	canon_alg "$(status_ike_alg)"
	pk=$CANON
	ls_algs "IKEv1 algorithm newest"
	lk=$CANON
	diag "$tag: IKE: pluto '$pk', Libreswan '$lk'"
	canon_alg "$ike"
	tap_check "$tag: IKE algorithms: pluto's --status = Libreswan's = configured ($ike)" \
		test -n "$pk" -a "$pk" = "$lk" -a "$pk" = "$CANON"
	SPI_WE=$po SPI_EW=$pi
}

check_traffic() {
	local a b c d tr re='inBytes=([0-9]+), outBytes=([0-9]+)'
	tap_check "$1: ping 10.0.1.1 -> 10.0.2.1 through the tunnel" ping_clients
	xfrm_read west
	xfrm_read east
	a=${PACKETS[west:$SPI_WE]:-0} b=${PACKETS[east:$SPI_WE]:-0}
	c=${PACKETS[east:$SPI_EW]:-0} d=${PACKETS[west:$SPI_EW]:-0}
	diag "$1: ESP packets: west->east out $a in $b; east->west out $c in $d"
	tap_check "$1: ESP packet counters rose on both SAs of both sides (>= 3 each)" \
		test "$a" -ge 3 -a "$b" -ge 3 -a "$c" -ge 3 -a "$d" -ge 3
	tr=$(libreswan_whack "$E" --trafficstatus 2>/dev/null)
	tr=${tr##*\"pluto\", }
	diag "$1: Libreswan's trafficstatus: $tr"
	tap_check "$1: ... and Libreswan's trafficstatus counts bytes both ways" \
		eval '[[ $tr =~ $re ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ]'
}

# round TAG AUTH INITIATOR IKE PLUTO_ESP LS_ESP EXPECTED_ESP
round() {
	local tag=$1 auth=$2 init=$3 ike=$4 pesp=$5 lesp=$6 want=$7 start=$SECONDS
	W=$T/$tag
	mkdir -p "$W"
	if [ "$auth" = psk ]; then
		echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$W/ipsec.secrets"
	else
		cp "$T/west.pem" "$W/" && echo ": RSA west.pem" >"$W/ipsec.secrets"
	fi
	if ! tap_check "$tag: Libreswan's connection loaded" \
		eval 'load_ls "$auth" "$ike" "$lesp" >"$T/load.log" 2>&1' ||
		! tap_check "$tag: pluto started, connection added" start_pluto "$auth" "$ike" "$pesp"
	then
		sed 's/^/#   /' "$T/load.log"
		return
	fi

	if [ "$init" = pluto ]; then
		tap_check "$tag: pluto initiates: whack --initiate exits 0" \
			eval 'pluto_whack "$W" --name t --initiate >"$T/init.log" 2>&1'
	else
		tap_check "$tag: Libreswan initiates: its whack --initiate exits 0" \
			eval 'libreswan_whack "$E" --name pluto --initiate >"$T/init.log" 2>&1'
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
		libreswan_whack "$E" --name pluto --terminate >/dev/null 2>&1
	fi
	wait_until 10 both_empty quiet
	tap_check "$tag: after the $init's terminate: no SA, no policy on either side" both_empty
	tap_check "$tag: ... and no state in pluto" \
		wait_until 10 eval 'pluto_status "$W"; [[ $PS != *STATE_* ]]'
	tap_check "$tag: pluto stopped" pluto_stop "$W"
	if [ "$_tap_failed" -gt "$failed_before" ]; then
		pluto_log_tail "$W" 80
		diag "--- Libreswan's log (without debugging)"
		grep -v -e ': | ' -e ': |] ' "$E/pluto.log" | tail -n 40 | sed 's/^/#   /'
		libreswan_whack "$E" --name pluto --terminate >/dev/null 2>&1
		ip -n east xfrm state flush
		ip -n east xfrm policy flush
	fi
	failed_before=$_tap_failed
	diag "$tag: $((SECONDS - start)) s"
}

failed_before=0
tap_check "namespaces, veth and dummy clients" topology || { tap_done; exit; }
mkdir -p "$E/nss" "$E/run"
certutil -N --empty-password -d "sql:$E/nss"
echo "192.0.2.2 192.0.2.1 : PSK \"$PSK\"" >"$E/ipsec.secrets"
libreswan_conf "$E" >"$E/ipsec.conf"
echo "	plutodebug=all" >>"$E/ipsec.conf"

# Libreswan's RSA key: in its NSS database (its minimum is 2192 bits).
ls_key() {
	local ckaid
	/usr/libexec/ipsec/rsasigkey --nssdir "$E/nss" 3072 >/dev/null 2>&1 || return 1
	ckaid=$("$LIBRESWAN_IPSEC" showhostkey --nssdir "$E/nss" --list 2>/dev/null |
		sed -n 's/.*ckaid: \([0-9a-f]*\).*/\1/p' | head -1)
	LS_KEY=$("$LIBRESWAN_IPSEC" showhostkey --nssdir "$E/nss" --left --ckaid "$ckaid" |
		sed -n 's/.*leftrsasigkey=//p')
	[ -n "$LS_KEY" ]
}
if ! tap_check "RSA keys: Libreswan's (rsasigkey into NSS), pluto's (openssl)" \
	eval 'rsa_key "$T/west.pem" & ls_key && wait $!'; then
	tap_done
	exit
fi
WEST_KEY=$(rfc3110 "$T/west.pem")
tap_check "Libreswan started" libreswan_start east "$E" || { tap_done; exit; }

round psk-pluto-initiates psk pluto aes128-sha2_256-modp2048 aes128-sha2_256 \
	aes128-sha2_256-modp2048 aes128-sha2_256-modp2048
round psk-libreswan-initiates psk libreswan aes128-sha2_256-modp2048 aes128-sha2_256 \
	aes128-sha2_256-modp2048 aes128-sha2_256-modp2048
round rsa-pluto-initiates rsasig pluto aes128-sha2_256-modp2048 aes_gcm256 \
	aes_gcm256-null-modp2048 aes_gcm256-modp2048
round rsa-libreswan-initiates rsasig libreswan aes256-sha2_512-modp3072 aes256-sha2_512 \
	aes256-sha2_512-modp3072 aes256-sha2_512-modp3072
libreswan_stop "$E"
tap_done
