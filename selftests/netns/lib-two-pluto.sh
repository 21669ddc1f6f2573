# Shared by 10-two-pluto-psk.sh and 11-two-pluto-rsa.sh (sourced, not run).
#
#   ns west (pxw-PID)                     ns east (pxe-PID)
#   pluto --rundir $T/west                pluto --rundir $T/east
#   client 10.0.1.0/24 (policy only)      client 10.0.2.0/24 (policy only)
#   veth w0 192.0.2.1/24  <----------->   veth e0 192.0.2.2/24
#
# Both plutos run --noklips --no-bpf: they negotiate and install nothing
# (PLUTO_NOKLIPS= set empty: they do install, in the kernel XFRM; PLUTO_NOBPF= set empty:
# they load the BPF dataplane).
# PLUTO_NHELPERS=N runs them with --nhelpers N (0: crypto inline; unset: CPUs - 1).
# PLUTO_WRAPPER="valgrind ..." runs pluto under that command; PLUTO_STOP_WAIT (seconds,
# default 5) is how long cleanup waits for a pluto to finish after SIGTERM before SIGKILL.

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PLUTO=$BUILD/pluto
WHACK=$BUILD/whack
NW=pxw-$$
NE=pxe-$$
T=$(mktemp -d /tmp/pluto-netns.XXXXXX)
n=0
fails=0
pids=()

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

notok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
}

check() { # check "what" cmd...
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		timeout "${PLUTO_STOP_WAIT:-5}" tail --pid="$p" -f /dev/null 2>/dev/null
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$NW" 2>/dev/null
	ip netns del "$NE" 2>/dev/null
	if [ "$fails" -ne 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
		echo "# logs kept in $T"
	else
		rm -rf "$T"
	fi
}

need_root() {
	if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NW" 2>/dev/null; then
		echo "1..0 # SKIP needs root and network namespaces"
		exit 0
	fi
	ip netns add "$NE"
}

topology() {
	ip link add w0 netns "$NW" type veth peer name e0 netns "$NE"
	ip -n "$NW" addr add 192.0.2.1/24 dev w0
	ip -n "$NE" addr add 192.0.2.2/24 dev e0
	for ns in "$NW" "$NE"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NW" link set w0 up
	ip -n "$NE" link set e0 up
}

# start_pluto side ns
start_pluto() {
	local side=$1 ns=$2
	mkdir -p "$T/$side"
	# shellcheck disable=SC2086 # (the wrapper is words)
	ip netns exec "$ns" ${PLUTO_WRAPPER:-} "$PLUTO" --nofork ${PLUTO_NOKLIPS---noklips} \
		${PLUTO_NOBPF---no-bpf} --stderrlog \
		--rundir "$T/$side" --secretsfile "$T/$side/ipsec.secrets" \
		${PLUTO_NHELPERS:+--nhelpers "$PLUTO_NHELPERS"} $(eval echo "\${PLUTO_EXTRA_$side:-}") \
		>"$T/$side.log" 2>&1 &
	pids+=($!)
	local i
	for i in $(seq 600); do # (60 s: valgrind starts slowly)
		[ -S "$T/$side/pluto.ctl" ] && return 0
		sleep 0.1
	done
	return 1
}

# w side whack-args...: whack for one side, bounded
w() {
	local side=$1
	shift
	timeout 60 "$WHACK" --rundir "$T/$side" "$@"
}

conn_args=(--name t --host 192.0.2.1 --client 10.0.1.0/24 --to --host 192.0.2.2
	   --client 10.0.2.0/24 --encrypt --tunnel --pfs)

# spi side in|out: the SPI of the IPsec SA from --status
spi() {
	w "$1" --status | sed -n "s/.*esp\.\([0-9a-f]*\)@[0-9.]* ($2).*/\1/p" | head -1
}

# alg side: the IPsec SA's algorithms from --status
ipsec_alg() {
	w "$1" --status | sed -n 's/.*(in) \([^;]*\);.*/\1/p' | head -1
}

# wait_gone side pattern: until --status no longer shows pattern (10 s at most)
wait_gone() {
	local i
	for i in $(seq 100); do
		w "$1" --status | grep -q "$2" || return 0
		sleep 0.1
	done
	return 1
}

# wait_for seconds cmd...: until cmd succeeds (every 0.1 s), that long at most
wait_for() {
	local i n=$(($1 * 10))
	shift
	for i in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# wait_log side pattern [seconds]: until the side's log has the pattern (20 s at most)
wait_log() {
	wait_for "${3:-20}" grep -q -- "$2" "$T/$1.log"
}

# initiate side name: whack --initiate; its output in $out (also shown as comments),
# its exit status in $rc
initiate() {
	out=$(w "$1" --name "$2" --initiate 2>&1)
	rc=$?
	echo "$out" | sed "s/^/# $1: /"
}

# The common test body: initiate from west, check both sides, terminate.
run_two_pluto() {
	local out rc
	out=$(w west --name t --initiate 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# west: /'
	check "whack --initiate exits 0" [ "$rc" -eq 0 ]
	check "progress: STATE_MAIN_I1" grep -q '^102 "t" #1: STATE_MAIN_I1: sent MI1, expecting MR1' <<<"$out"
	check "progress: STATE_MAIN_I2" grep -q '^104 "t" #1: STATE_MAIN_I2: sent MI2, expecting MR2' <<<"$out"
	check "progress: STATE_MAIN_I3" grep -q '^106 "t" #1: STATE_MAIN_I3: sent MI3, expecting MR3' <<<"$out"
	check "progress: STATE_MAIN_I4" grep -q '^004 "t" #1: STATE_MAIN_I4: ISAKMP SA established' <<<"$out"
	check "progress: STATE_QUICK_I1" grep -q '^110 "t" #2: STATE_QUICK_I1: sent QI1, expecting QR1' <<<"$out"
	check "last line: STATE_QUICK_I2 established" \
		grep -q '^004 "t" #2: STATE_QUICK_I2: sent QI2, IPsec SA established' <<<"$(tail -1 <<<"$out")"

	local ws es
	ws=$(w west --status)
	es=$(w east --status)
	echo "$ws" | grep '#[0-9]*:' | sed 's/^/# west: /'
	echo "$es" | grep '#[0-9]*:' | sed 's/^/# east: /'
	check "west status: ISAKMP SA" grep -q 'STATE_MAIN_I4 (ISAKMP SA established); EVENT_SA_REPLACE' <<<"$ws"
	check "east status: ISAKMP SA" grep -q 'STATE_MAIN_R3 (sent MR3, ISAKMP SA established); EVENT_SA_REPLACE' <<<"$es"
	check "west status: IPsec SA" grep -q 'STATE_QUICK_I2 (sent QI2, IPsec SA established)' <<<"$ws"
	check "east status: IPsec SA" grep -q 'STATE_QUICK_R2 (IPsec SA established)' <<<"$es"
	local wo wi eo ei
	wo=$(spi west out) wi=$(spi west in) eo=$(spi east out) ei=$(spi east in)
	echo "# SPIs: west out $wo in $wi; east out $eo in $ei"
	check "west outbound SPI = east inbound SPI" [ -n "$wo" -a "$wo" = "$ei" ]
	check "east outbound SPI = west inbound SPI" [ -n "$eo" -a "$eo" = "$wi" ]
	check "SPIs outside 0..0xfff" [ $((16#${wo:-0})) -gt 4095 -a $((16#${eo:-0})) -gt 4095 ]
	local wa ea
	wa=$(ipsec_alg west) ea=$(ipsec_alg east)
	echo "# algorithms: west '$wa' east '$ea'"
	check "same IPsec algorithms on both sides" [ -n "$wa" -a "$wa" = "$ea" ]
	check "ISAKMP SA authenticated with $AUTH" grep -q "ISAKMP SA [^;]*; $AUTH;" <<<"$ws"
	check "ISAKMP algorithms match" [ "$(grep -o 'ISAKMP SA [^;]*' <<<"$ws")" = "$(grep -o 'ISAKMP SA [^;]*' <<<"$es")" ]

	out=$(w west --name t --terminate 2>&1)
	echo "$out" | sed 's/^/# west: /'
	check "west: states gone after --terminate" wait_gone west 'STATE_'
	check "east: Delete acted on, states gone" wait_gone east 'STATE_'
	check "east log: Delete received" grep -q 'received Delete SA payload' "$T/east.log"
}

# psk_pair "secret": namespaces, link, one PSK for both, both plutos started (checked).
psk_pair() {
	need_root
	topology
	local side
	for side in west east; do
		mkdir -p "$T/$side"
		printf ': PSK "%s"\n' "$1" >"$T/$side/ipsec.secrets"
		chmod 600 "$T/$side/ipsec.secrets"
	done
	check "west pluto started" start_pluto west "$NW"
	check "east pluto started" start_pluto east "$NE"
}
