#!/bin/bash
# pluto's kernel backend (controld/kernel_xfrm.c) with real ESP.  The SAs and
# policies are installed through the kernel_* API by build/tests/test_kernel_xfrm
# in its driver mode (KERNEL_XFRM_VM=1 ... CMD SIDE ALG FAMILY GEN), run in each
# namespace; iproute2 and ping check what it did.
#
#   west                                          east
#   c0 10.0.1.1/24 2001:db8:1::1/64 (dummy)       c0 10.0.2.1/24 2001:db8:2::1/64 (dummy)
#   veth0 192.0.2.1/24 ======= ESP tunnel ======= veth0 192.0.2.2/24
#         2001:db8::1/64                                2001:db8::2/64
#
# For AES-CBC + HMAC-SHA2-256, AES-GCM-16 and 3DES + HMAC-SHA1 (and AES-GCM over
# IPv6): both SAs and the out/in/fwd policies on both sides, a ping client to
# client, the SA counters (ip -s xfrm state, and kernel_get_sa_stats), an update
# of the live SAs (UPDSA), a rekey (new SAs, policies replaced, old SAs deleted),
# and the teardown, after which nothing is left.  Then kernel_flush_pluto() must
# remove pluto's SAs and policies and leave another daemon's alone.
#
# SPIs 0xc0AAFGGD: AA the algorithm (0 aes_cbc, 1 aes_gcm, 2 3des_sha1), F 1 for
# IPv6, GG the generation, D 1 west->east, 2 east->west (test_kernel_xfrm.c).
set -u
. "$(dirname "$0")/lib.sh"

BUILD=${BUILD:-build}
DRIVER=$PWD/$BUILD/tests/test_kernel_xfrm
REQID_BASE=$((0x70000000 + 0x100))

spi() { # ALGNO V6 GEN DIR(1|2)
	printf '0x%08x' $((0xc0000000 | $1 << 16 | $2 << 12 | $3 << 4 | $4))
}

# drive NS CMD ALG FAMILY GEN: the driver; its log is shown only when it fails.
drive() {
	local ns=$1 cmd=$2
	shift 2
	if ns_exec "$ns" env KERNEL_XFRM_VM=1 "$DRIVER" "$cmd" "$ns" "$@" >"$T/drive.log" 2>&1; then
		return 0
	fi
	diag "driver failed: $ns $cmd $*"
	sed 's/^/#   /' "$T/drive.log"
	return 1
}

both() { # CMD ALG FAMILY GEN
	drive west "$@" && drive east "$@"
}

# packets|bytes NS SRC DST SPI: the SA's "lifetime current" counters, as ip shows them.
packets() {
	ip -n "$1" -s -o xfrm state get src "$2" dst "$3" proto esp spi "$4" 2>/dev/null |
		sed -n 's/.*lifetime current:\\\t *[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p'
}

bytes() {
	ip -n "$1" -s -o xfrm state get src "$2" dst "$3" proto esp spi "$4" 2>/dev/null |
		sed -n 's/.*lifetime current:\\\t *\([0-9]*\)(bytes), [0-9]*(packets).*/\1/p'
}

state_of() { # NS SRC DST SPI
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" 2>&1
}

# has TEXT PATTERN...: every (extended) pattern matches a line of TEXT.
has() {
	local text=$1 p
	shift
	for p in "$@"; do
		grep -qE -- "$p" <<<"$text" || { diag "no line matches: $p"; return 1; }
	done
}

# count TEXT PATTERN: the number of lines matching.
count() {
	grep -cE -- "$2" <<<"$1"
}

nothing_left() {
	local ns out
	for ns in west east; do
		out=$(ip -n $ns xfrm state; ip -n $ns xfrm policy)
		if [ -n "$out" ]; then
			diag "$ns still has:"
			sed 's/^/#   /' <<<"$out"
			return 1
		fi
	done
}

ping_through() { # V6
	if [ "$1" = 1 ]; then
		ns_exec west ping -6 -c 3 -i 0.2 -W 2 -I 2001:db8:1::1 2001:db8:2::1 >/dev/null
	else
		ns_exec west ping -c 3 -i 0.2 -W 2 -I 10.0.1.1 10.0.2.1 >/dev/null
	fi
}

plain_ping() {
	ns_exec west ping -q -c 1 -W 2 192.0.2.2 >/dev/null &&
		ns_exec west ping -6 -q -c 1 -W 2 2001:db8::2 >/dev/null
}

setup() {
	ns_add west east &&
		ns_veth west veth0 192.0.2.1/24 east veth0 192.0.2.2/24 &&
		ip -n west addr add 2001:db8::1/64 dev veth0 nodad &&
		ip -n east addr add 2001:db8::2/64 dev veth0 nodad &&
		ip -n west link add c0 type dummy && ip -n west link set c0 up &&
		ip -n east link add c0 type dummy && ip -n east link set c0 up &&
		ip -n west addr add 10.0.1.1/24 dev c0 &&
		ip -n east addr add 10.0.2.1/24 dev c0 &&
		ip -n west addr add 2001:db8:1::1/64 dev c0 nodad &&
		ip -n east addr add 2001:db8:2::1/64 dev c0 nodad &&
		ip -n west route add 10.0.2.0/24 via 192.0.2.2 src 10.0.1.1 &&
		ip -n east route add 10.0.1.0/24 via 192.0.2.1 src 10.0.2.1 &&
		ip -n west -6 route add 2001:db8:2::/64 via 2001:db8::2 src 2001:db8:1::1 &&
		ip -n east -6 route add 2001:db8:1::/64 via 2001:db8::1 src 2001:db8:2::1
}

# The round's parameters (set by one_round).
alg='' fam='' a=0 v6=0 w='' e='' wnet='' enet='' reqid=0

# policies_ok NS PRIORITY: out, in and fwd, each with the tunnel template, nothing else.
policies_ok() {
	local out
	out=$(ip -n "$1" xfrm policy)
	[ "$(count "$out" '^src')" -eq 3 ] &&
		[ "$(count "$out" "proto esp reqid $reqid mode tunnel")" -eq 3 ] &&
		[ "$(count "$out" "dir (out|in|fwd) priority $2 ")" -eq 3 ] &&
		has "$out" "^src $wnet dst $enet" "^src $enet dst $wnet" ||
		{ sed 's/^/#   /' <<<"$out"; return 1; }
}

# check_installed PATTERN...: what ip sees after "up"; the patterns name the algorithms.
check_installed() {
	local out ns
	out=$(state_of west "$w" "$e" "$(spi $a $v6 1 1)")
	tap_check "$alg/$fam: west's outbound SA has the algorithms and keys" has "$out" "$@"
	tap_check "$alg/$fam: ... selector $wnet -> $enet, replay window 32, reqid $reqid" \
		has "$out" "sel src $wnet dst $enet " "replay-window 32 " \
		"reqid $reqid\\(0x[0-9a-f]+\\) mode tunnel"
	for ns in west east; do
		tap_check "$alg/$fam: $ns has out, in and fwd policies with the template" \
			policies_ok $ns 1000
	done
}

# stats_agree GEN WE EW: kernel_get_sa_stats() says what ip says.
stats_agree() {
	local drv
	drive west stats "$alg" "$fam" "$1" || return 1
	drv=$(grep -E '^(in|out) ' "$T/drive.log")
	diag "kernel_get_sa_stats: ${drv//$'\n'/; }"
	has "$drv" "^out $2 packets $(packets west $w $e $2) bytes $(bytes west $w $e $2) " \
		"^in $3 packets $(packets west $e $w $3) bytes $(bytes west $e $w $3) "
}

# check_counters GEN: the packets of one ping went through both SAs.
check_counters() {
	local we ew out in back
	we=$(spi $a $v6 "$1" 1) ew=$(spi $a $v6 "$1" 2)
	out=$(packets west $w $e $we) in=$(packets east $w $e $we) back=$(packets west $e $w $ew)
	diag "$alg/$fam: ESP packets: west out $out, east in $in, west in (replies) $back"
	tap_check "$alg/$fam: the SA counters rose on both sides" \
		test "${out:-0}" -ge 3 -a "${in:-0}" -ge 3 -a "${back:-0}" -ge 3
	tap_check "$alg/$fam: kernel_get_sa_stats agrees with ip -s xfrm state" \
		stats_agree "$1" "$we" "$ew"
}

# check_replace: UPDSA of live SAs: new lifetimes, same keys.
check_replace() {
	local we before after
	we=$(spi $a $v6 1 1)
	before=$(state_of west $w $e $we | grep -oE '(enc|aead) [^ ]+ 0x[0-9a-f]+')
	tap_check "$alg/$fam: duplicate add is EEXIST, update of a missing SA is ESRCH" \
		drive west refuse "$alg" "$fam" 1
	tap_check "$alg/$fam: update (UPDSA) of the live SAs on both sides" \
		both replace "$alg" "$fam" 1
	after=$(state_of west $w $e $we)
	tap_check "$alg/$fam: the update changed the lifetimes" \
		has "$after" "expire add: soft 2701\(sec\), hard 3601\(sec\)"
	tap_check "$alg/$fam: ... and, as the kernel does for a live SA, not the keys" \
		test -n "$before" -a -n "$(grep -F -- "$before" <<<"$after")"
	tap_check "$alg/$fam: ping still goes through" ping_through $v6
}

old_gone() {
	! state_of west $w $e "$(spi $a $v6 1 1)" | grep -q '^src' &&
		! state_of west $e $w "$(spi $a $v6 1 2)" | grep -q '^src'
}

# check_rekey: generation 2 next to 1, policies replaced, then 1 deleted.
check_rekey() {
	local ns
	tap_check "$alg/$fam: rekey: new SAs added and policies replaced on both sides" \
		both rekey "$alg" "$fam" 2
	for ns in west east; do
		tap_check "$alg/$fam: $ns's policies were replaced, not added (priority 1002)" \
			policies_ok $ns 1002
	done
	tap_check "$alg/$fam: the old SAs deleted on both sides" both retire "$alg" "$fam" 1
	tap_check "$alg/$fam: ... and gone" old_gone
	tap_check "$alg/$fam: ping through the new SAs" ping_through $v6
	check_counters 2
}

# one_round ALGNO ALG FAMILY PATTERN...
one_round() {
	a=$1 alg=$2 fam=$3 v6=0 w=192.0.2.1 e=192.0.2.2 wnet=10.0.1.0/24 enet=10.0.2.0/24
	shift 3
	if [ "$fam" = v6 ]; then
		v6=1 w=2001:db8::1 e=2001:db8::2 wnet=2001:db8:1::/64 enet=2001:db8:2::/64
	fi
	reqid=$((REQID_BASE + a * 2 + v6))
	if ! tap_check "$alg/$fam: SAs and policies installed on both sides" both up "$alg" "$fam" 1
	then
		for ns in west east; do
			ip -n $ns xfrm state flush && ip -n $ns xfrm policy flush
		done
		return
	fi
	check_installed "$@"
	tap_check "$alg/$fam: ping client to client through the tunnel" ping_through $v6
	check_counters 1
	check_replace
	check_rekey
	tap_check "$alg/$fam: teardown (kernel_del_sa, kernel_del_policy) on both sides" \
		both down "$alg" "$fam" 2
	tap_check "$alg/$fam: no SA and no policy left on either side" nothing_left
}

foreign() {
	ip -n west xfrm state add src 192.0.2.1 dst 192.0.2.9 proto esp spi 0x9999 reqid 1 \
		mode tunnel aead 'rfc4106(gcm(aes))' "0x$(printf '%040x' 9)" 128 &&
		ip -n west xfrm policy add dir out src 10.0.1.0/24 dst 10.9.0.0/16 \
			tmpl src 192.0.2.1 dst 192.0.2.9 proto esp reqid 1 mode tunnel
}

only_foreign() {
	local st pol
	st=$(ip -n west xfrm state) pol=$(ip -n west xfrm policy)
	[ "$(count "$st" '^src')" -eq 1 ] && has "$st" "spi 0x00009999 reqid 1 " &&
		[ "$(count "$pol" '^src')" -eq 1 ] && has "$pol" "^src 10.0.1.0/24 dst 10.9.0.0/16"
}

check_flush() {
	tap_check "flush: pluto's SAs and policies installed" drive west up aes_cbc v4 1
	tap_check "flush: another daemon's SA and policy added (reqid 1)" foreign
	tap_check "flush: kernel_flush_pluto()" drive west flush aes_cbc v4 1
	tap_check "flush: only the other daemon's SA and policy are left" only_foreign
	ip -n west xfrm state flush
	ip -n west xfrm policy flush
}

if [ ! -x "$DRIVER" ]; then
	tap_fail "the driver $DRIVER exists (run make first)"
	tap_done
	exit
fi
tap_check "namespaces, veth and dummy clients" setup || { tap_done; exit; }
tap_check "plain ping between the gateways" plain_ping

# (ip -s adds the key sizes, and the reqid in hex)
one_round 0 aes_cbc v4 'enc cbc\(aes\) 0x[0-9a-f]{32} \(128 bits\)$' \
	'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} \(256 bits\) 128$'
one_round 1 aes_gcm v4 'aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{40} \(160 bits\) 128$'
one_round 2 3des_sha1 v4 'enc cbc\(des3_ede\) 0x[0-9a-f]{48} \(192 bits\)$' \
	'auth-trunc hmac\(sha1\) 0x[0-9a-f]{40} \(160 bits\) 96$'
one_round 1 aes_gcm v6 'aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{40} \(160 bits\) 128$'
check_flush

tap_done
