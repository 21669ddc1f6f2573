# shellcheck shell=bash
# Sourced by the guest tests 40-42 after lib.sh (and peers.sh): pluto under
# test in a namespace, the two-host topology, RSA keys in the forms each
# daemon takes, the kernel's ESP SAs and counters, and the algorithms each
# daemon reports, in one canonical spelling so that they can be compared.
#
#   topology               west/east, veth 192.0.2.1 <-> 192.0.2.2, clients
#                          10.0.1.1/24 and 10.0.2.1/24 on dummy c0; a route to
#                          the peer's client only on the sides named in
#                          $PEER_ROUTES (pluto's updown adds its own)
#   pluto_start NS DIR ARG...  pluto --nofork --no-bpf --debug-all, log in
#                          DIR/pluto.log, secrets DIR/ipsec.secrets, control
#                          socket DIR/pluto.ctl; returns once it answers
#                          (PLUTO_BPF=1: with the BPF dataplane, and run with
#                          nsenter --net rather than ip netns exec, whose
#                          private /sys would hide its pins: they go in the
#                          guest's own bpffs at /sys/fs/bpf); pid in $PLUTO_PID
#   pluto_whack DIR ARG... whack --rundir DIR (bounded)
#   pluto_stop DIR [S]     whack --shutdown, then waits for the process (S
#                          seconds, default 10; then SIGKILL and failure)
#   pluto_log_tail DIR [N] the end of its log as # comments (on failure)
#   rsa_key FILE           a 2048-bit RSA key (PEM, PKCS#8)
#   rfc3110 FILE           its public key as whack --pubkeyrsa takes it (0s...)
#   pluto_status DIR       --status into $PS, then from it:
#     status_spi in|out    the IPsec SA's SPI (8 hex digits)
#     status_esp_alg, status_ike_alg   the IPsec and ISAKMP SAs' algorithms
#   xfrm_read NS           NS's ESP SAs into $SPIS (sorted "spi spi ") and
#                          PACKETS[NS:spi] (the kernel's packet counters)
#   esp_states NS, esp_policies NS, kernel_empty NS, kernel_left NS [peer],
#   both_empty [quiet]     what the kernels hold
#   ping_clients           3 pings 10.0.1.1 -> 10.0.2.1 from west
#   bpf_attached NS, bpf_bare NS   pluto's XDP and TC programs on NS's veth0:
#                          all three, or none
#   canon_alg STRING       "AES_CBC-128/HMAC_SHA2_256_128/MODP_2048" (charon),
#                          "AES_CBC_128-HMAC_SHA2_256-MODP2048" (Libreswan) and
#                          "AES_CBC_128-sha2_256-modp2048" (pluto) all become
#                          "aes_cbc-128/sha2_256/modp2048", in $CANON
#
# Under TCG every exec costs ~0.15 s: parsing is done with bash itself.

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PLUTO=$BUILD/pluto
WHACK=$BUILD/whack
PSK=vmtest-pluto-not-secret

topology() {
	ns_add west east &&
		ns_veth west veth0 192.0.2.1/24 east veth0 192.0.2.2/24 &&
		ip -n west link add c0 type dummy && ip -n west link set c0 up &&
		ip -n east link add c0 type dummy && ip -n east link set c0 up &&
		ip -n west addr add 10.0.1.1/24 dev c0 &&
		ip -n east addr add 10.0.2.1/24 dev c0 || return 1
	case " ${PEER_ROUTES:-} " in
	*" west "*) ip -n west route add 10.0.2.0/24 via 192.0.2.2 src 10.0.1.1 || return 1 ;;
	esac
	case " ${PEER_ROUTES:-} " in
	*" east "*) ip -n east route add 10.0.1.0/24 via 192.0.2.1 src 10.0.2.1 || return 1 ;;
	esac
}

pluto_start() {
	local ns=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	[ -e "$dir/ipsec.secrets" ] || : >"$dir/ipsec.secrets"
	chmod 600 "$dir/ipsec.secrets"
	local -a args=(--nofork --debug-all --logfile "$dir/pluto.log" --rundir "$dir"
		--secretsfile "$dir/ipsec.secrets" "$@")
	if [ -n "${PLUTO_BPF:-}" ]; then
		mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || return 1
		nsenter --net="/run/netns/$ns" "$PLUTO" "${args[@]}" </dev/null >"$dir/pluto.out" 2>&1 &
		SPAWNED=$!
		at_exit kill -9 "$SPAWNED"
	else
		ns_spawn "$ns" "$dir/pluto.out" "$PLUTO" --no-bpf "${args[@]}"
	fi
	PLUTO_PID=$SPAWNED
	wait_until 20 eval 'pluto_whack "$dir" --status >/dev/null 2>&1'
}

pluto_whack() {
	local dir=$1
	shift
	timeout --kill-after=5 "${NS_TIMEOUT:-60}" "$WHACK" --rundir "$dir" "$@"
}

pluto_stop() {
	local pid
	pid=$(<"$1/pluto.pid") || return 0
	pluto_whack "$1" --shutdown >/dev/null 2>&1
	wait_until "${2:-10}" test ! -e "/proc/$pid" || { kill -KILL "$pid"; return 1; }
}

# pluto_log_tail DIR [N]: the last N lines of the log (and stdout), as comments.
pluto_log_tail() {
	local f
	for f in "$1/pluto.out" "$1/pluto.log"; do
		[ -s "$f" ] || continue
		diag "--- last lines of $f"
		tail -n "${2:-40}" "$f" | sed 's/^/#   /'
	done
}

rsa_key() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null &&
		chmod 600 "$1"
}

# rfc3110 PEM: its public key as 0s + base64 of RFC 3110 (exponent length,
# exponent, modulus), the form of whack --pubkeyrsa and Libreswan's
# leftrsasigkey=.  (openssl and bash: python3 would cost seconds under TCG.)
rfc3110() {
	local text line e='' n='' fmt='' i
	text=$(openssl rsa -in "$1" -noout -text -modulus 2>/dev/null) || return 1
	while IFS= read -r line; do
		case $line in
		'publicExponent: '*) e=${line#publicExponent: } e=${e%% *} ;;
		Modulus=*) n=${line#Modulus=} ;;
		esac
	done <<<"$text"
	[ -n "$e" ] && [ -n "$n" ] || return 1
	printf -v e '%x' "$e"
	[ $((${#e} % 2)) -eq 0 ] || e=0$e
	[ $((${#n} % 2)) -eq 0 ] || n=0$n
	printf -v fmt '%02x' $((${#e} / 2))
	fmt=$fmt$e$n
	echo "0s$(for ((i = 0; i < ${#fmt}; i += 2)); do
		printf '%b' "\\x${fmt:i:2}"
	done | base64 -w0)"
}

# --- pluto's --status -----------------------------------------------------------

pluto_status() {
	PS=$(pluto_whack "$1" --status 2>/dev/null)
}

# status_spi in|out: from the newest IPsec SA line of $PS.
status_spi() {
	local line re="esp\.([0-9a-f]+)@[0-9.]+ \($1\)"
	line=$(grep 'IPsec SA esp\.' <<<"$PS" | tail -n 1)
	[[ $line =~ $re ]] && echo "${BASH_REMATCH[1]}"
}

status_esp_alg() {
	local line re='\(in\) ([^ ;]+)'
	line=$(grep 'IPsec SA esp\.' <<<"$PS" | tail -n 1)
	[[ $line =~ $re ]] && echo "${BASH_REMATCH[1]}"
}

status_ike_alg() {
	local line re='; ISAKMP SA ([^;]+);'
	line=$(grep '; ISAKMP SA ' <<<"$PS" | tail -n 1)
	[[ $line =~ $re ]] && echo "${BASH_REMATCH[1]}"
}

# --- the kernel -------------------------------------------------------------------

declare -A PACKETS

# xfrm_read NS: $SPIS (NS's ESP SAs' SPIs, sorted, each followed by a space)
# and PACKETS[NS:SPI] (each one's "lifetime current" packet count).
xfrm_read() {
	local ns=$1 line spi='' re_spi='proto esp spi 0x([0-9a-f]+)' \
		re_cnt='^[[:space:]]+[0-9]+\(bytes\), ([0-9]+)\(packets\)'
	local -a all=()
	while IFS= read -r line; do
		if [[ $line =~ $re_spi ]]; then
			spi=${BASH_REMATCH[1]}
			all+=("$spi")
		elif [ -n "$spi" ] && [[ $line =~ $re_cnt ]]; then
			PACKETS[$ns:$spi]=${BASH_REMATCH[1]}
		fi
	done <<<"$(ip -n "$ns" -s xfrm state)"
	SPIS=$(printf '%s\n' "${all[@]}" | sort | tr '\n' ' ')
}

# count TEXT WORDS: how many times WORDS occur in TEXT.
count() {
	local t=${1//"$2"/$'\x01'}
	t=${t//[^$'\x01']/}
	echo "${#t}"
}

esp_states() {
	count "$(ip -n "$1" xfrm state)" 'proto esp '
}

# (out, in and fwd policies: not the per-socket ones)
esp_policies() {
	local p
	p=$(ip -n "$1" xfrm policy)
	echo $(($(count "$p" $'\tdir out ') + $(count "$p" $'\tdir in ') + $(count "$p" $'\tdir fwd ')))
}

# kernel_left NS [peer]: the SAs and policies in NS, but the per-socket
# policies that IKE daemons put on their own sockets (they show as "dir ...
# socket"); with "peer", also without the peer daemon's own policies that
# carry no SA: those without a template (Libreswan lets IPv6 neighbour
# discovery bypass IPsec with them as long as it runs) and trap policies,
# whose template has no addresses (Libreswan leaves a connection that was up
# routed, "prospective erouted", after its SAs are deleted).
kernel_left() {
	local entry='' line peer=${2:-} trap_re=$'\t''tmpl src 0\.0\.0\.0 dst 0\.0\.0\.0'
	_kl_out() {
		[ -n "$entry" ] || return 0
		[[ $entry == *$'\tsocket '* ]] && return 0
		if [ -n "$peer" ] && [[ $entry == *$'\tdir '* ]]; then
			[[ $entry != *$'\ttmpl '* ]] && return 0
			[[ $entry =~ $trap_re ]] && return 0
		fi
		printf '%s' "$entry"
	}
	while IFS= read -r line; do
		if [[ $line == src\ * ]]; then
			_kl_out
			entry=''
		fi
		entry+="$line"$'\n'
	done <<<"$(ip -n "$1" xfrm state; ip -n "$1" xfrm policy)"
	_kl_out
}

kernel_empty() {
	[ -z "$(kernel_left "$1")" ]
}

# both_empty [quiet]: kernel_empty for west and east (east as a peer's when
# $PEER is set); what is left is shown.
both_empty() {
	local ns left rc=0
	for ns in west east; do
		if [ "$ns" = east ] && [ -n "${PEER:-}" ]; then
			left=$(kernel_left $ns peer)
		else
			left=$(kernel_left $ns)
		fi
		[ -z "$left" ] && continue
		[ "${1:-}" = quiet ] || { diag "$ns still has:"; sed 's/^/#   /' <<<"$left"; }
		rc=1
	done
	return $rc
}

bpf_attached() {
	ip -n "$1" link show veth0 | grep -q 'prog/xdp' &&
		tc -n "$1" filter show dev veth0 egress | grep -q pl_tc_egress &&
		tc -n "$1" filter show dev veth0 ingress | grep -q pl_tc_ingress
}

bpf_bare() {
	! ip -n "$1" link show veth0 | grep -q 'prog/xdp' &&
		! tc -n "$1" filter show dev veth0 egress | grep -q pl_tc &&
		! tc -n "$1" filter show dev veth0 ingress | grep -q pl_tc
}

ping_clients() {
	ns_exec west ping -c 3 -i 0.2 -W 2 -I 10.0.1.1 10.0.2.1 >/dev/null
}

# canon_alg STRING: one spelling for algorithm suites, whoever printed them,
# left in $CANON.  Each component is mapped on its own; PRF components and
# "none"/"null" integrity are dropped (the PRF follows the hash in IKEv1; GCM
# has no integrity algorithm).
canon_alg() {
	local s=${1,,} w n out='' first=1
	s=${s//\//-}
	s=${s//; pfsgroup=/-}
	s=${s%% *}
	local IFS=-
	for w in $s; do
		case $w in
		'' | none | null | pfs | prf_*) ;;
		3des*) out+=/3des_cbc ;;
		[0-9]*) [ "$first" = 1 ] || out+="-$w" ;; # charon's AES_CBC-128
		hmac_* | sha* | md5*)
			w=${w#hmac_}
			case $w in
			sha2_256* | sha256) out+=/sha2_256 ;;
			sha2_384* | sha384) out+=/sha2_384 ;;
			sha2_512* | sha512) out+=/sha2_512 ;;
			sha1* | sha) out+=/sha1 ;;
			md5*) out+=/md5 ;;
			*) out+=/$w ;;
			esac
			;;
		modp*) out+=/modp${w#modp}; out=${out//modp_/modp} ;;
		ecp*) out+=/ecp${w#ecp}; out=${out//ecp_/ecp} ;;
		dh19) out+=/ecp256 ;;
		dh20) out+=/ecp384 ;;
		dh31 | curve25519 | curve_25519 | x25519) out+=/curve25519 ;;
		aes_gcm*)
			n=${w#aes_gcm}
			n=${n#_16}
			n=${n#16}
			n=${n#_c}
			n=${n#_}
			out+=/aes_gcm_16${n:+-$n}
			;;
		aes_cbc | aes) out+=/aes_cbc ;;
		aes*[0-9])
			n=${w#aes}
			n=${n#_cbc}
			n=${n#_}
			out+=/aes_cbc-$n
			;;
		*) out+=/$w ;;
		esac
		first=0
	done
	CANON=${out#/}
}
