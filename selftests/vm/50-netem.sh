#!/bin/bash
# Two plutos over a bad link: netem on both veth ends loses, duplicates, reorders and
# delays packets (IKE and ESP alike).  Two connections with short lifetimes must come up
# through retransmission, rekey again and again, and carry traffic; and at every check
# the kernels must hold exactly what the live SAs need: every ESP SA belongs to a state
# pluto still has (no leftover after an expiry, nothing installed twice), every
# established IPsec SA is in the kernel, and each connection with an established IPsec
# SA has its out, in and fwd policies once.  Finally --terminate and --shutdown leave
# both kernels empty.
#
#   west: pluto (--no-bpf)                        east: pluto (--no-bpf)
#   c0 10.0.1.1/24, 10.0.3.1/24 (dummy)           c0 10.0.2.1/24, 10.0.4.1/24 (dummy)
#   veth0 192.0.2.1/24 ===== netem both ways ===== veth0 192.0.2.2/24
#   conn t: 10.0.1.0/24 <-> 10.0.2.0/24           conn u: 10.0.3.0/24 <-> 10.0.4.0/24
#
# Loss: NETEM_LOSS per end (default 15%, so about 28% of round trips lose a message).
# pluto retransmits 10, 20 and 40 s after a message (the manual), so at 30% per end
# (half the round trips failing) one tunnel takes a minute on average and a rekey
# often does not finish within any margin this test can afford.  --keyingtries 0: a
# keying attempt that loses all four copies of one message is not the end.
#
# NETEM_SECONDS (default 120): how long the connections run and rekey under netem
# (vmtest/run.sh env NETEM_SECONDS=N selftests/vm/50-netem.sh).
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/lib-pluto.sh"

LOSS=${NETEM_LOSS:-15%}
RUN=${NETEM_SECONDS:-120}
NETEM="loss $LOSS duplicate 10% reorder 25% delay 10ms"
# IPsec SAs replaced 25 s after they are established, ISAKMP SAs after 65 s (no fuzz:
# the bounds below depend on it)
LIFE=(--ipseclifetime 40 --ikelifetime 80 --rekeymargin 15 --rekeyfuzz 0 --keyingtries 0)
W=$T/west E=$T/east
declare -A SEEN_OUT # conn -> the outbound SPIs seen established, space separated

conn_args() { # NAME WESTNET EASTNET
	echo --name "$1" --host 192.0.2.1 --client "$2" --to --host 192.0.2.2 --client "$3" \
		--encrypt --tunnel --pfs --psk "${LIFE[@]}"
}

setup() {
	topology &&
		ip -n west addr add 10.0.3.1/24 dev c0 &&
		ip -n east addr add 10.0.4.1/24 dev c0 || return 1
	echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$T/secrets"
	mkdir -p "$W" "$E" && cp "$T/secrets" "$W/ipsec.secrets" &&
		cp "$T/secrets" "$E/ipsec.secrets" &&
		pluto_start west "$W" && pluto_start east "$E" || return 1
	local d
	for d in "$W" "$E"; do
		# shellcheck disable=SC2046
		pluto_whack "$d" $(conn_args t 10.0.1.0/24 10.0.2.0/24) >/dev/null 2>&1 &&
			pluto_whack "$d" $(conn_args u 10.0.3.0/24 10.0.4.0/24) >/dev/null 2>&1 &&
			pluto_whack "$d" --listen >/dev/null 2>&1 || return 1
	done
}

netem() { # add|del
	local ns
	for ns in west east; do
		if [ "$1" = add ]; then
			# shellcheck disable=SC2086
			tc -n $ns qdisc add dev veth0 root netem $NETEM || return 1
		else
			tc -n $ns qdisc del dev veth0 root || return 1
		fi
	done
}

# --- what pluto has and what the kernel has --------------------------------------------

# p2_read DIR: from --status, the phase 2 states: P2_ALL (every SPI of every Quick Mode
# state, "spi " each), P2_EST (those of established ones), P2_CONNS (the connections
# with an established IPsec SA), P2_OUT[conn] (their outbound SPIs), P2_N[conn] (their
# count), P1_N (established ISAKMP SAs).
declare -A P2_OUT P2_N
p2_read() {
	local line name re='^#([0-9]+): "([^"]+)" (STATE_[A-Z0-9_]+) .*esp\.([0-9a-f]+)@[^ ]+ \(out\) esp\.([0-9a-f]+)@[^ ]+ \(in\)'
	local re1='^#[0-9]+: "([^"]+)" STATE_MAIN_(I4|R3) '
	P2_ALL='' P2_EST='' P2_CONNS='' P1_N=0
	P2_OUT=() P2_N=()
	pluto_status "$1" || return 1
	while IFS= read -r line; do
		line=${line#000 }
		if [[ $line =~ $re1 ]]; then
			P1_N=$((P1_N + 1))
			continue
		fi
		[[ $line =~ $re ]] || continue
		name=${BASH_REMATCH[2]}
		P2_ALL+="${BASH_REMATCH[4]} ${BASH_REMATCH[5]} "
		case ${BASH_REMATCH[3]} in
		STATE_QUICK_I2 | STATE_QUICK_R2)
			P2_EST+="${BASH_REMATCH[4]} ${BASH_REMATCH[5]} "
			P2_OUT[$name]+="${BASH_REMATCH[4]} "
			P2_N[$name]=$((${P2_N[$name]:-0} + 1))
			[[ " $P2_CONNS " == *" $name "* ]] || P2_CONNS+="$name "
			;;
		esac
	done <<<"$PS"
}

# policies NS: the kernel's out/in/fwd policies (not per-socket), one "dir src dst" line
# each, in POLS.
policies() {
	local line sel='' re_sel='^src ([^ ]+) dst ([^ ]+)' re_dir=$'^\t''dir (out|in|fwd) '
	POLS=''
	while IFS= read -r line; do
		if [[ $line =~ $re_sel ]]; then
			sel="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
		elif [[ $line =~ $re_dir ]]; then
			POLS+="${BASH_REMATCH[1]} $sel"$'\n'
		fi
	done <<<"$(ip -n "$1" xfrm policy)"
}

# consistent NS DIR: pluto's states and NS's kernel agree (see the top); the reason in WHY.
# pluto is read before and after the kernel, and a negotiation may finish or an SA
# expire meanwhile.  A state exists whenever its SAs are in the kernel (they go in after
# it is made and out before it is deleted), so every kernel SA must belong to a state of
# the first or the second reading; a state established in both must be in the kernel;
# the connections with policies lie between those established in both readings and
# those established in either.
consistent() {
	local ns=$1 d=$2 spi n c all1 est1 conns1 lo hi
	p2_read "$d" || { WHY="no --status"; return 1; }
	all1=$P2_ALL est1=$P2_EST conns1=$P2_CONNS
	xfrm_read "$ns"
	policies "$ns"
	p2_read "$d" || { WHY="no --status"; return 1; }
	for spi in $SPIS; do
		[[ " $all1 $P2_ALL " == *" $spi "* ]] ||
			{ WHY="ESP SA $spi belongs to no state (left over)"; return 1; }
	done
	n=$(wc -w <<<"$SPIS")
	[ "$n" -eq "$(tr ' ' '\n' <<<"$SPIS" | sort -u | grep -c .)" ] ||
		{ WHY="an SPI twice: $SPIS"; return 1; }
	for spi in $est1; do
		[[ " $P2_EST " != *" $spi "* ]] || [[ " $SPIS " == *" $spi "* ]] ||
			{ WHY="established SA's $spi not in the kernel"; return 1; }
	done
	lo=0 hi=0
	for c in t u; do
		[[ " $conns1 " == *" $c "* ]] && [[ " $P2_CONNS " == *" $c "* ]] && lo=$((lo + 3))
		[[ " $conns1 $P2_CONNS " == *" $c "* ]] && hi=$((hi + 3))
	done
	n=$(grep -c . <<<"$POLS")
	[ "$n" -ge "$lo" ] && [ "$n" -le "$hi" ] ||
		{ WHY="$n policies, want $lo to $hi for: $conns1 / $P2_CONNS"; return 1; }
	[ "$(sort -u <<<"$POLS" | grep -c .)" -eq "$n" ] || { WHY="a policy twice"; return 1; }
	return 0
}

# check_both TAG: consistent on both sides (retried while a negotiation moves on).
check_both() {
	local ns d
	for ns in west east; do
		d=$W
		[ $ns = east ] && d=$E
		if consistent $ns "$d"; then
			tap_ok "$1: $ns: kernel SAs and policies are exactly the live SAs'"
		else
			tap_fail "$1: $ns: kernel SAs and policies are exactly the live SAs'" "$WHY"
			diag "status:"
			grep '#[0-9]' <<<"$PS" | sed 's/^/#   /'
			ip -n $ns xfrm state | grep -E '^src|proto esp' | sed 's/^/#   /'
			sed 's/^/#   /' <<<"$POLS"
		fi
		# Bounded: an SA is replaced 25 s into its 40 s, or by the responder at 32.5 s
		# when the initiator's replacement has not reached it (its QI2 lost): then both
		# replace it, each of the two is replaced in turn, and such collisions can chain,
		# so up to 4 established IPsec SAs a connection (more: they pile up); ISAKMP SAs
		# likewise, and the Quick Modes of "u" may have an ISAKMP
		# SA of their own or use one of "t"'s.
		local c
		for c in t u; do
			[ "${P2_N[$c]:-0}" -le 4 ] ||
				tap_fail "$1: $ns: \"$c\" has at most 4 established IPsec SAs" "${P2_N[$c]}"
		done
		[ "$P1_N" -le 8 ] || tap_fail "$1: $ns: at most 8 established ISAKMP SAs" "$P1_N"
		if [ $ns = west ]; then
			for c in t u; do
				for spi in ${P2_OUT[$c]:-}; do
					[[ " ${SEEN_OUT[$c]:-} " == *" $spi "* ]] || SEEN_OUT[$c]+="$spi "
				done
			done
		fi
	done
}

# ping_through NET_W NET_E: 10 pings client to client, at least 3 of which must come back;
# up to 3 tries, 5 s apart.  (With a replacement's QI2 lost, the responder goes on sending
# with the old SA after the initiator has expired it, until a resent QI2 arrives: such a
# gap is IKEv1's, and a busy host lengthens it.)
ping_through() {
	local out got try
	for try in 1 2 3; do
		out=$(ns_exec west ping -c 10 -i 0.3 -W 2 -I "$1" "$2" 2>&1)
		got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
		[ "${got:-0}" -ge 3 ] && return 0
		diag "ping $1 -> $2: ${got:-0} of 10 came back (try $try)"
		sleep 5
	done
	return 1
}

both_established() { # DIR
	p2_read "$1" && [ "${P2_N[t]:-0}" -ge 1 ] && [ "${P2_N[u]:-0}" -ge 1 ]
}

# --- the run ------------------------------------------------------------------------

tap_check "namespaces, two clients a side, both plutos with two connections" setup ||
	{ tap_done; exit; }
tap_check "netem on both ends: $NETEM" netem add || { tap_done; exit; }
start=$SECONDS
pluto_whack "$W" --name t --initiate --asynchronous >/dev/null 2>&1
pluto_whack "$W" --name u --initiate --asynchronous >/dev/null 2>&1
if tap_check "both tunnels come up through the losses (<= 300 s)" \
	eval 'wait_until 300 both_established "$W" && wait_until 60 both_established "$E"'; then
	diag "up after $((SECONDS - start)) s"
	check_both "up"
	round=0
	end=$((SECONDS + RUN))
	while [ $SECONDS -lt $end ]; do
		round=$((round + 1))
		tap_check "round $round: ping through \"t\" (>= 3 of 10)" ping_through 10.0.1.1 10.0.2.1
		tap_check "round $round: ping through \"u\" (>= 3 of 10)" ping_through 10.0.3.1 10.0.4.1
		check_both "round $round"
		sleep 5
	done
	for c in t u; do
		diag "\"$c\": outbound SPIs seen: ${SEEN_OUT[$c]:-}"
		tap_check "\"$c\" was rekeyed under netem (>= 3 outbound SPIs in $RUN s)" \
			test "$(wc -w <<<"${SEEN_OUT[$c]:-}")" -ge 3
	done
	rekeys=$(grep -c 'initiating rekey\|initiating Main Mode to replace' "$W/pluto.log" "$E/pluto.log" |
		awk -F: '{ n += $2 } END { print n + 0 }')
	retr=$(grep -c 'retransmitting' "$W/pluto.log" "$E/pluto.log" |
		awk -F: '{ n += $2 } END { print n + 0 }')
	diag "rekeys started: $rekeys; retransmissions: $retr"
	tap_check "there were retransmissions (the loss was real)" test "$retr" -gt 0
fi
tap_check "netem off" netem del
tap_check "after netem: still consistent" eval 'wait_until 30 consistent west "$W" && wait_until 30 consistent east "$E"'
# "u" first: its Quick Modes may have used an ISAKMP SA of "t", which its Deletes need
for c in u t; do
	pluto_whack "$W" --name $c --terminate >/dev/null 2>&1
done
tap_check "after --terminate west holds no SA and no policy" wait_until 10 kernel_empty west
if ! tap_check "... and east, having acted on the Deletes (or expired them), neither" \
	wait_until 60 kernel_empty east; then
	diag "east's states and what its kernel still holds:"
	pluto_status "$E" && grep '#[0-9]' <<<"$PS" | sed 's/^/#   /'
	kernel_left east | sed 's/^/#   /'
fi
tap_check "whack --shutdown stops both plutos" eval 'pluto_stop "$W" 120 && pluto_stop "$E" 120'
tap_check "... leaving both kernels empty" both_empty
if [ "$_tap_failed" -gt 0 ]; then
	pluto_log_tail "$W" 200
	pluto_log_tail "$E" 200
fi
tap_done
