#!/bin/bash
# No key material in pluto's output without --debug-private.  Two plutos negotiate with
# every debugging class but private (--debug-all), rekey once, carry traffic, reread
# their secrets and are shut down; everything they wrote (log files, stdout/stderr, the
# replies of every whack call, --status) must not contain the PSK (as text or in hex),
# nor any ESP key the kernel was given (ip xfrm state shows them), in hex in either
# case or as the first 8 bytes spaced as a hex dump would print them.  Positive
# control: the same output does contain the SPIs of those SAs, so it is the right
# output and the search works.
#
#   west: pluto (--no-bpf, --debug-all)          east: pluto (--no-bpf, --debug-all)
#   c0 10.0.1.1/24 (dummy)                       c0 10.0.2.1/24 (dummy)
#   veth0 192.0.2.1/24 ======== IKEv1 + ESP ======== veth0 192.0.2.2/24
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/lib-pluto.sh"

W=$T/west E=$T/east
SECRET="not-in-any-log-7f3a9c"
OUT=$T/whack-replies

conn() {
	echo --name t --host 192.0.2.1 --client 10.0.1.0/24 --to --host 192.0.2.2 \
		--client 10.0.2.0/24 --encrypt --tunnel --pfs --psk --ipseclifetime 60 \
		--rekeymargin 20 --rekeyfuzz 0
}

wh() { # DIR ARGS...: whack, its reply kept for the search
	pluto_whack "$@" >>"$OUT" 2>&1
}

setup() {
	local d
	topology && mkdir -p "$W" "$E" || return 1
	for d in "$W" "$E"; do
		echo "192.0.2.1 192.0.2.2 : PSK \"$SECRET\"" >"$d/ipsec.secrets"
	done
	pluto_start west "$W" && pluto_start east "$E" || return 1
	for d in "$W" "$E"; do
		# shellcheck disable=SC2046
		wh "$d" $(conn) && wh "$d" --listen || return 1
	done
}

# keys NS: every key in NS's ESP SAs (hex, no 0x) into KEYS, their SPIs into SPI_LIST
declare -A KEYS=()
SPI_LIST=''
keys() {
	local line re_key='(enc|auth-trunc|auth|aead) [^ ]+ 0x([0-9a-f]+)' re_spi='spi 0x([0-9a-f]+)'
	while IFS= read -r line; do
		[[ $line =~ $re_key ]] && KEYS[${BASH_REMATCH[2]}]=1
		[[ $line =~ $re_spi ]] && SPI_LIST+="${BASH_REMATCH[1]} "
	done <<<"$(ip -n "$1" xfrm state)"
}

established_twice() { # the IPsec SA was replaced once: two established on west
	pluto_status "$W"
	[ "$(count "$PS" 'IPsec SA established')" -ge 2 ]
}

tap_check "both plutos up with --debug-all, connection added, listening" setup ||
	{ tap_done; exit; }
tap_check "whack --initiate" wh "$W" --name t --initiate
tap_check "east installed its SAs" wait_until 20 eval '[ "$(esp_states east)" -eq 2 ]'
keys west
keys east
tap_check "ping through the tunnel" ping_clients
tap_check "rekeyed (a second IPsec SA, 40 s in)" wait_until 90 established_twice
keys west
keys east
tap_check "ping through again" ping_clients
wh "$W" --rereadsecrets
wh "$W" --status
wh "$E" --status
diag "keys found in the kernels: ${#KEYS[@]}; SPIs: $SPI_LIST"
tap_check "the kernels held ESP keys (at least 8 distinct)" test "${#KEYS[@]}" -ge 8
wh "$W" --name t --terminate
tap_check "both plutos shut down" eval 'pluto_stop "$W" 120 && pluto_stop "$E" 120'

files=("$W/pluto.log" "$W/pluto.out" "$E/pluto.log" "$E/pluto.out" "$OUT")
# all output in one lower-case string, and a copy without any white space
all=$(cat "${files[@]}")
all=${all,,}
squeezed=${all//[[:space:]]/}
diag "searched: $(cat "${files[@]}" | wc -l) lines of output"

spi_seen=0
for spi in $SPI_LIST; do
	[[ $all == *"$spi"* ]] && spi_seen=$((spi_seen + 1))
done
tap_check "positive control: the output names the SPIs ($spi_seen of $(wc -w <<<"$SPI_LIST"))" \
	test "$spi_seen" -ge 4

psk_hex=$(printf '%s' "$SECRET" | od -An -tx1 | tr -d ' \n')
tap_check "the PSK is nowhere, as text or in hex" \
	eval '[[ $all != *"${SECRET,,}"* ]] && [[ $squeezed != *"$psk_hex"* ]]'

leaked=''
for k in "${!KEYS[@]}"; do
	spaced=$(sed -E 's/(..)/\1 /g' <<<"${k:0:16}")
	if [[ $squeezed == *"$k"* ]] || [[ $all == *"${spaced% }"* ]] ||
		[[ $squeezed == *"${k:0:16}"* ]]; then
		leaked+="${k:0:8}... "
	fi
done
tap_check "no ESP key is anywhere (whole, or its first 8 bytes, plain or spaced)" \
	test -z "$leaked"
[ -z "$leaked" ] || diag "found: $leaked"
tap_done
