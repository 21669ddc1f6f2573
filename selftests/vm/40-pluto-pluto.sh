#!/bin/bash
# Two plutos negotiate IKEv1 tunnels and install them in the kernel (real ESP,
# no --noklips): once with pre-shared keys (AES-CBC + HMAC-SHA2-256 with PFS),
# once with RSA signatures (AES-GCM-16 with PFS).  Checked: whack --initiate
# exits 0; the SPIs and algorithms --status shows agree between the two sides
# and with the kernel's SAs; a ping client to client goes through and the ESP
# packet counters of all four SAs rise; --terminate leaves no SA and no
# policy on either side; --shutdown leaves nothing either.  With PSK also: a second
# IPsec SA, then the newest deleted first (whack --deletestate, a Delete to east): the
# older one keeps the tunnel on both sides, policies and all, and traffic goes on.
#
#   west: pluto (--no-bpf)                    east: pluto (--no-bpf)
#   c0 10.0.1.1/24 (dummy)                    c0 10.0.2.1/24 (dummy)
#   veth0 192.0.2.1/24 ==== IKEv1 + ESP ==== veth0 192.0.2.2/24
#
# The routes to the peer's client are pluto's own (its default updown).
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/lib-pluto.sh"

# conn_args AUTH IKE ESP: the connection, the same on both sides.
conn_args() {
	echo --name t --host 192.0.2.1 --client 10.0.1.0/24 --to \
		--host 192.0.2.2 --client 10.0.2.0/24 --encrypt --tunnel --pfs \
		"--$1" --ike "$2" --esp "$3"
}

# start_pair TAG AUTH IKE ESP: both plutos with the connection, listening.
start_pair() {
	local tag=$1 auth=$2 ike=$3 esp=$4
	W=$T/$tag-west E=$T/$tag-east
	mkdir -p "$W" "$E"
	if [ "$auth" = psk ]; then
		echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$W/ipsec.secrets"
		cp "$W/ipsec.secrets" "$E/ipsec.secrets"
	else
		cp "$T/west.pem" "$W/" && cp "$T/east.pem" "$E/"
		echo ": RSA west.pem" >"$W/ipsec.secrets"
		echo ": RSA east.pem" >"$E/ipsec.secrets"
	fi
	pluto_start west "$W" && pluto_start east "$E" || return 1
	if [ "$auth" = rsasig ]; then
		pluto_whack "$W" --keyid 192.0.2.2 --pubkeyrsa "$EAST_KEY" >/dev/null 2>&1 &&
			pluto_whack "$E" --keyid 192.0.2.1 --pubkeyrsa "$WEST_KEY" >/dev/null 2>&1 ||
			return 1
	fi
	# shellcheck disable=SC2046
	pluto_whack "$W" $(conn_args "$auth" "$ike" "$esp") >/dev/null 2>&1 &&
		pluto_whack "$E" $(conn_args "$auth" "$ike" "$esp") >/dev/null 2>&1 &&
		pluto_whack "$W" --listen >/dev/null 2>&1 &&
		pluto_whack "$E" --listen >/dev/null 2>&1
}

# east_up: the responder has its IPsec SA in the kernel.  whack --initiate
# returns once west sent QI2; east installs its outbound SA, its policies and
# its route when QI2 arrives: until then its replies cannot go back.
east_up() {
	[ "$(esp_states east)" -eq 2 ] && [ "$(esp_policies east)" -eq 3 ]
}

initiate() {
	if pluto_whack "$W" --name t --initiate >"$T/initiate.log" 2>&1; then
		tap_ok "$1: whack --initiate exits 0"
		wait_until 10 east_up
	else
		tap_fail "$1: whack --initiate exits 0"
		sed 's/^/#   /' "$T/initiate.log"
		return 1
	fi
}

# check_kernel TAG: 2 ESP SAs and out/in/fwd policies on each side.
check_kernel() {
	local ns
	for ns in west east; do
		tap_check "$1: $ns's kernel holds 2 ESP SAs and 3 policies" \
			eval "[ \$(esp_states $ns) -eq 2 ] && [ \$(esp_policies $ns) -eq 3 ]" ||
			ip -n $ns xfrm state | sed 's/^/#   /'
	done
}

# check_status TAG AUTH IKE ESP: SPIs and algorithms, both sides and the kernel.
check_status() {
	local tag=$1 auth=$2 ike=$3 esp=$4 wo wi eo ei wa ea wk ek ps_w
	pluto_status "$W"
	ps_w=$PS wo=$(status_spi out) wi=$(status_spi in)
	canon_alg "$(status_esp_alg)"
	wa=$CANON
	canon_alg "$(status_ike_alg)"
	wk=$CANON
	pluto_status "$E"
	eo=$(status_spi out) ei=$(status_spi in)
	canon_alg "$(status_esp_alg)"
	ea=$CANON
	canon_alg "$(status_ike_alg)"
	ek=$CANON
	diag "$tag: SPIs from --status: west out $wo in $wi; east out $eo in $ei"
	tap_check "$tag: --status SPIs match (west out = east in, east out = west in)" \
		test -n "$wo" -a -n "$eo" -a "$wo" = "$ei" -a "$eo" = "$wi"
	xfrm_read west
	local wspis=$SPIS
	xfrm_read east
	diag "$tag: the kernels' ESP SAs: west $wspis; east $SPIS"
	tap_check "$tag: the kernels' SPIs are those of --status" \
		test "$wspis" = "$(printf '%s\n' "$wo" "$wi" | sort | tr '\n' ' ')" -a "$wspis" = "$SPIS"
	diag "$tag: ESP west '$wa' east '$ea'; IKE west '$wk' east '$ek'"
	canon_alg "$esp-modp2048"
	tap_check "$tag: both show the ESP algorithms configured ($esp, PFS modp2048)" \
		test -n "$wa" -a "$wa" = "$ea" -a "$wa" = "$CANON"
	canon_alg "$ike"
	tap_check "$tag: both show the IKE algorithms configured ($ike)" \
		test -n "$wk" -a "$wk" = "$ek" -a "$wk" = "$CANON"
	tap_check "$tag: ISAKMP SA authenticated with ${auth^^}" \
		eval '[[ $ps_w == *"; ${auth^^}; "* ]]'
	SPI_WE=$wo SPI_EW=$eo
}

# check_traffic TAG: a ping through the tunnel, counted by all four SAs.
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

# newest_first TAG: a second IPsec SA for "t", then the newest of the two deleted.
newest_first() {
	local newest
	tap_check "$1: whack --initiate again: a second IPsec SA (4 ESP SAs a side)" \
		eval 'pluto_whack "$W" --name t --initiate >/dev/null 2>&1 &&
			wait_until 10 eval "[ \$(esp_states west) -eq 4 ] && [ \$(esp_states east) -eq 4 ]"' ||
		return
	pluto_status "$W"
	newest=$(sed -n 's/^000 #\([0-9]*\): "t" STATE_QUICK_I2 .*/\1/p' <<<"$PS" | sort -n | tail -n 1)
	diag "$1: deleting west's newest IPsec SA, #$newest"
	pluto_whack "$W" --deletestate "$newest" >/dev/null 2>&1
	tap_check "$1: the older IPsec SA keeps the tunnel: 2 ESP SAs and 3 policies a side" \
		wait_until 10 eval '[ $(esp_states west) -eq 2 ] && [ $(esp_states east) -eq 2 ] &&
			[ $(esp_policies west) -eq 3 ] && [ $(esp_policies east) -eq 3 ]' ||
		{ ip -n west xfrm policy; ip -n east xfrm policy; } | sed 's/^/#   /'
	tap_check "$1: ... and both plutos say so" \
		eval 'grep -q "goes before #[0-9]*: the tunnel stays on" "$W/pluto.log" &&
			grep -q "goes before #[0-9]*: the tunnel stays on" "$E/pluto.log"'
	tap_check "$1: ... and a ping goes through it" ping_clients
}

no_states() {
	pluto_status "$1"
	[[ $PS != *STATE_* ]]
}

check_terminate() {
	pluto_whack "$W" --name t --terminate >"$T/terminate.log" 2>&1
	tap_check "$1: after --terminate west has no SA and no policy" kernel_empty west
	tap_check "$1: ... and east, having acted on the Delete, neither" \
		wait_until 10 kernel_empty east
	tap_check "$1: ... and neither pluto has a state left" \
		eval 'wait_until 10 no_states "$W" && no_states "$E"'
}

check_shutdown() {
	tap_check "$1: whack --shutdown stops both plutos" \
		eval 'pluto_stop "$W" && pluto_stop "$E"'
	tap_check "$1: ... leaving no SA and no policy in either kernel" \
		eval 'kernel_empty west && kernel_empty east'
}

# round TAG AUTH IKE ESP
round() {
	local tag=$1
	if ! tap_check "$tag: both plutos started, connection added, listening" start_pair "$@"; then
		return
	fi
	if initiate "$tag"; then
		check_kernel "$tag"
		check_status "$@"
		check_traffic "$tag"
	fi
	if [ "$tag" = psk ]; then
		newest_first "$tag"
		check_terminate "$tag"
		initiate "$tag (again)" && tap_check "$tag (again): ping through" ping_clients
	fi
	check_shutdown "$tag"
	if [ "$_tap_failed" -gt 0 ]; then
		pluto_log_tail "$W" 60
		pluto_log_tail "$E" 60
	fi
}

tap_check "namespaces, veth and dummy clients" topology || { tap_done; exit; }
round psk psk aes128-sha2_256-modp2048 aes128-sha2_256

# (both at once: the VM has two CPUs)
if tap_check "RSA keys for both sides" eval \
	'rsa_key "$T/west.pem" & rsa_key "$T/east.pem" && wait $! && [ -s "$T/west.pem" ]'; then
	WEST_KEY=$(rfc3110 "$T/west.pem") EAST_KEY=$(rfc3110 "$T/east.pem")
	round rsa rsasig aes256-sha2_256-modp2048 aes_gcm128
fi
tap_done
