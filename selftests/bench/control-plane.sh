#!/bin/bash
# Scale of the control plane: N connections (default 10,000) loaded into pluto-xdp, Libreswan
# 4.10 and strongSwan, measured in the same run on this machine. A benchmark, not a test:
# it prints figures and ratios and never fails on them.
#
#   ns cp-PID: lo, veth v0 192.0.2.1/24 (peer v1, no address)
#   one daemon at a time, each in that namespace with its own run directory;
#   conn cI: 192.0.2.1 10.(I/256).(I%256).0/24 <-> 192.0.2.2 10.(100+I/256).(I%256).0/24,
#   IKEv1, PSK, aes128-sha2_256-modp2048 / ESP aes128-sha2_256, tunnel, auto=add
#
# For each daemon:
#   load (file)  pluto-xdp: exec of `pluto --config` until it prints "Pluto initialized" (it
#                loads the conns before that); Libreswan: `addconn --autoall` against a
#                running pluto; strongSwan: `swanctl --load-conns` against a running charon
#   load (whack) N whack processes, one connection each, after --listen (not strongSwan)
#   status       `whack --status` / `swanctl --list-conns` with N connections (median of 5)
#   RSS          the daemon's VmRSS with N connections, and with none
# Needs root, a built tree (make) and, for the peers, `make deps` (Libreswan unpacked in
# vmtest/cache/libreswan; strongSwan installed). Libreswan runs on the host: its pluto
# needs /usr/libexec/ipsec, which a private mount namespace provides. BENCH_N=… changes N,
# BENCH_WHACK_N=… the number of whack adds (default N), BENCH_PEERS=no skips the peers.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
N=${BENCH_N:-10000}
WN=${BENCH_WHACK_N:-$N}
LS=$ROOT/vmtest/cache/libreswan
NS=cp-$$
T=$(mktemp -d /tmp/bench-cp.XXXXXX)
daemon_pid=

cleanup() {
	stop_daemon
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

die() {
	echo "control-plane: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$BUILD/pluto" ] && [ -x "$BUILD/whack" ] || die "build first (make)"
ip netns add "$NS" || die "cannot create a network namespace"
ip -n "$NS" link set lo up
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" addr add 192.0.2.1/24 dev v0
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up

now_ms() {
	local t
	t=$(date +%s%N)
	echo $((t / 1000000))
}

# wait_for SECONDS CMD...: poll every 20 ms; non-zero on timeout.
wait_for() {
	local end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.02
	done
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

gone() { # PID SECONDS: wait until PID has exited
	timeout "$2" tail -s 0.01 --pid="$1" -f /dev/null 2>/dev/null
}

# stop_daemon: TERM the daemon started last, KILL after 20 s.
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid" 2>/dev/null
	gone "$daemon_pid" 20 || kill -KILL "$daemon_pid" 2>/dev/null
	daemon_pid=
}

# The machine is shared: besides wall time, count CPU time, which others' load disturbs
# far less. cpu_ms PID: the CPU time all of PID's threads have used so far.
cpu_ms() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%d", s / 1e6 }'
}

TIMEFORMAT='%3U %3S'
# timed CMD...: run CMD (output discarded); $W: its wall time, $C: its own CPU time (ms)
timed() {
	local t0
	t0=$(now_ms)
	{ time "$@" >/dev/null 2>&1; } 2>"$T/time.out"
	W=$(($(now_ms) - t0))
	C=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$T/time.out")
}

# status5 KEY CMD...: CMD 5 times against the daemon; R[KEY] the median wall time,
# R[KEY.cpu] the CPU time per run, the daemon's and CMD's together (ms)
status5() {
	local key=$1 i c0 c=0 v=()
	shift
	c0=$(cpu_ms "$daemon_pid")
	for i in 1 2 3 4 5; do
		timed "$@"
		v+=("$W")
		c=$((c + C))
	done
	R[$key]=$(printf '%s\n' "${v[@]}" | sort -n | sed -n 3p)
	R[$key.cpu]=$(((c + $(cpu_ms "$daemon_pid") - c0) / 5))
}

# load KEY CMD...: CMD once; R[KEY] its wall time, R[KEY.cpu] its and the daemon's CPU
load() {
	local key=$1 c0
	shift
	c0=$(cpu_ms "$daemon_pid")
	timed "$@"
	R[$key]=$W
	R[$key.cpu]=$((C + $(cpu_ms "$daemon_pid") - c0))
}

# ---- the connections, in each daemon's syntax --------------------------------------------

nets() { # I: the client subnets of conn I in $NL and $NR
	NL=10.$(($1 / 256)).$(($1 % 256)).0/24
	NR=10.$((100 + $1 / 256)).$(($1 % 256)).0/24
}

ipsec_conf_conns() { # the conns, shared by pluto-xdp and Libreswan
	local i
	printf 'conn %%default\n\tauthby=secret\n\tikev2=no\n\tike=aes128-sha2_256-modp2048\n'
	printf '\tesp=aes128-sha2_256\n\ttype=tunnel\n\tauto=add\n\n'
	for ((i = 0; i < N; i++)); do
		nets $i
		printf 'conn c%d\n\tleft=192.0.2.1\n\tleftsubnet=%s\n\tright=192.0.2.2\n' "$i" "$NL"
		printf '\trightsubnet=%s\n\n' "$NR"
	done
}

swanctl_conns() {
	local i
	echo 'connections {'
	for ((i = 0; i < N; i++)); do
		nets $i
		cat <<EOF
	c$i {
		version = 1
		local_addrs = 192.0.2.1
		remote_addrs = 192.0.2.2
		proposals = aes128-sha256-modp2048
		local { auth = psk }
		remote { auth = psk }
		children { c$i { local_ts = $NL
			remote_ts = $NR
			esp_proposals = aes128-sha256
			mode = tunnel } }
	}
EOF
	done
	echo '}'
}

# whack_adds WHACK ARGS...: WN connections, one whack each; prints the ms they took
whack_adds() {
	local i t0 rc=0
	t0=$(now_ms)
	for ((i = 0; i < WN; i++)); do
		nets $i
		# the same connection as whack arguments (both whacks take these)
		"$@" --name "c$i" --host 192.0.2.1 --client "$NL" --to --host 192.0.2.2 \
			--client "$NR" --psk --encrypt --tunnel >/dev/null 2>&1 || rc=1
	done
	echo $(($(now_ms) - t0))
	[ "$rc" -eq 0 ] || echo "control-plane: some whack adds failed" >&2
}

# ---- pluto-xdp --------------------------------------------------------------------------

P=$T/xdp
mkdir -p "$P"
: >"$P/ipsec.secrets"
chmod 600 "$P/ipsec.secrets"
printf 'config setup\n\n' >"$P/empty.conf"
{
	printf 'config setup\n\n'
	ipsec_conf_conns
} >"$P/ipsec.conf"

xw() { timeout 120 "$BUILD/whack" --rundir "$P" "$@"; }

# xdp_start CONF: pluto-xdp in the namespace; $ms: the ms until "Pluto initialized"
xdp_start() {
	local t0
	rm -f "$P/pluto.pid" "$P/out"
	t0=$(now_ms)
	ip netns exec "$NS" "$BUILD/pluto" --nofork --noklips --no-bpf --rundir "$P" \
		--secretsfile "$P/ipsec.secrets" --logfile "$P/pluto.log" --config "$1" \
		>"$P/out" 2>&1 &
	daemon_pid=$!
	wait_for 600 grep -q 'Pluto initialized' "$P/out" || die "pluto-xdp did not start"
	ms=$(($(now_ms) - t0))
}

xdp_count() { # connections in --status
	xw --status | grep -c '^000 "c[0-9]*": .*\.\.\.'
}

declare -A R # R[daemon.metric]

echo "# $N connections; pluto-xdp $(cat "$ROOT/VERSION")"
xdp_start "$P/empty.conf"
R[xdp.start0]=$ms
R[xdp.rss0]=$(rss_kb "$daemon_pid")
stop_daemon
xdp_start "$P/ipsec.conf"
R[xdp.load]=$ms
R[xdp.load.cpu]=$(cpu_ms "$daemon_pid") # pluto loads them itself, before serving
t0=$(now_ms)
xw --listen >/dev/null 2>&1
R[xdp.listen]=$(($(now_ms) - t0))
R[xdp.count]=$(xdp_count)
status5 xdp.status xw --status
R[xdp.rss]=$(rss_kb "$daemon_pid")
t0=$(now_ms)
xw --shutdown >/dev/null 2>&1
gone "$daemon_pid" 120
R[xdp.shutdown]=$(($(now_ms) - t0))
daemon_pid=

xdp_start "$P/empty.conf"
xw --listen >/dev/null 2>&1
c0=$(cpu_ms "$daemon_pid")
R[xdp.whack]=$(whack_adds xw)
R[xdp.whack.cpu]=$(($(cpu_ms "$daemon_pid") - c0))
R[xdp.wcount]=$(xdp_count)
status5 xdp.wstatus xw --status
R[xdp.wrss]=$(rss_kb "$daemon_pid")
stop_daemon

# ---- Libreswan 4.10 ---------------------------------------------------------------------

L=$T/libreswan
have_libreswan() {
	[ "${BENCH_PEERS:-yes}" != no ] && [ -x "$LS/usr/libexec/ipsec/pluto" ] &&
		command -v certutil >/dev/null
}

if have_libreswan; then
	mkdir -p "$L/run" "$L/nss" "$L/libexec"
	certutil -N --empty-password -d "sql:$L/nss" || die "certutil failed"
	: >"$L/ipsec.secrets"
	# /usr/libexec as it is, but with Libreswan's helpers in ipsec/
	for f in /usr/libexec/*; do
		ln -s "$f" "$L/libexec/"
	done
	rm -f "$L/libexec/ipsec"
	ln -s "$LS/usr/libexec/ipsec" "$L/libexec/ipsec"
	ls_setup() {
		printf 'config setup\n\tikev1-policy=accept\n\tnssdir=%s/nss\n' "$L"
		printf '\tlogfile=%s/pluto.log\n\tdumpdir=%s/run\n\n' "$L" "$L"
	}
	ls_setup >"$L/empty.conf"
	{
		ls_setup
		ipsec_conf_conns | sed 's/^\tauto=add$/&\n\tleftupdown=\/bin\/true/'
	} >"$L/ipsec.conf"
	lsx() { # CMD...: in the namespace, with Libreswan's /usr/libexec/ipsec
		ip netns exec "$NS" unshare -m sh -c 'mount --bind "$0" /usr/libexec && exec "$@"' \
			"$L/libexec" "$@"
	}
	lw() { timeout 120 "$LS/usr/libexec/ipsec/whack" --rundir "$L/run" "$@"; }
	ls_listening() { lw --status 2>/dev/null | grep -q '^000 interface v0'; }
	ls_start() { # $ms: the ms until it listens
		local t0
		rm -f "$L/run/pluto.pid" "$L/pluto.log"
		t0=$(now_ms)
		lsx /usr/libexec/ipsec/pluto --nofork --config "$L/empty.conf" \
			--secretsfile "$L/ipsec.secrets" --ipsecdir "$L" --nssdir "$L/nss" \
			--rundir "$L/run" >"$L/out" 2>&1 &
		daemon_pid=$!
		wait_for 120 ls_listening || die "Libreswan did not start (see $L/out)"
		ms=$(($(now_ms) - t0))
		daemon_pid=$(cat "$L/run/pluto.pid") # not $!: that is the subshell running lsx
	}
	ls_count() { lw --status | grep -c '^000 "c[0-9]*": .*\.\.\.'; }

	ls_start
	R[ls.start0]=$ms
	R[ls.rss0]=$(rss_kb "$daemon_pid")
	load ls.load lsx /usr/libexec/ipsec/addconn --config "$L/ipsec.conf" \
		--ctlsocket "$L/run/pluto.ctl" --autoall
	R[ls.count]=$(ls_count)
	status5 ls.status lw --status
	R[ls.rss]=$(rss_kb "$daemon_pid")
	t0=$(now_ms)
	lw --shutdown >/dev/null 2>&1
	gone "$daemon_pid" 120
	R[ls.shutdown]=$(($(now_ms) - t0))
	daemon_pid=

	ls_start
	c0=$(cpu_ms "$daemon_pid")
	R[ls.whack]=$(whack_adds lw --ikev1)
	R[ls.whack.cpu]=$(($(cpu_ms "$daemon_pid") - c0))
	R[ls.wcount]=$(ls_count)
	status5 ls.wstatus lw --status
	R[ls.wrss]=$(rss_kb "$daemon_pid")
	stop_daemon
fi

# ---- strongSwan -------------------------------------------------------------------------

S=$T/strongswan
have_strongswan() {
	[ "${BENCH_PEERS:-yes}" != no ] && [ -x /usr/lib/ipsec/charon ] && command -v swanctl >/dev/null
}

if have_strongswan; then
	mkdir -p "$S/run"
	for d in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 \
		pkcs12; do
		mkdir -p "$S/$d"
	done
	cat >"$S/strongswan.conf" <<EOF
include /etc/strongswan.conf
charon {
	plugins {
		bypass-lan { load = no }
		resolve { load = no }
	}
}
EOF
	swanctl_conns >"$S/swanctl.conf"
	echo 'connections { }' >"$S/empty.conf"
	ssx() {
		ip netns exec "$NS" env STRONGSWAN_CONF="$S/strongswan.conf" \
			unshare -m sh -c 'mount --bind "$0/run" /run && exec "$@"' "$S" "$@"
	}
	sw() { ssx timeout 120 swanctl "$@"; }
	t0=$(now_ms)
	ssx /usr/lib/ipsec/charon >"$S/charon.out" 2>&1 &
	daemon_pid=$!
	wait_for 60 test -S "$S/run/charon.vici" || die "charon did not start"
	wait_for 60 sw --stats >/dev/null 2>&1
	daemon_pid=$(cat "$S/run/charon.pid")
	R[ss.start0]=$(($(now_ms) - t0))
	R[ss.rss0]=$(rss_kb "$daemon_pid")
	load ss.load sw --load-conns --file "$S/swanctl.conf"
	R[ss.count]=$(sw --list-conns 2>/dev/null | grep -c '^c[0-9]*: IKEv1')
	status5 ss.status sw --list-conns
	R[ss.rss]=$(rss_kb "$daemon_pid")
	t0=$(now_ms)
	stop_daemon
	R[ss.shutdown]=$(($(now_ms) - t0))
fi

# ---- the table ------------------------------------------------------------------------------

v() { echo "${R[$1]:--}"; }

ratio() { # A B: A/B to two decimals, or - when either is missing
	local a=${R[$1]:-} b=${R[$2]:-}
	if [ -z "$a" ] || [ -z "$b" ] || [ "$b" -eq 0 ]; then
		echo -
	else
		awk -v a="$a" -v b="$b" 'BEGIN { printf (a / b < 0.1 ? "%.3f" : "%.2f"), a / b }'
	fi
}

row() { # LABEL METRIC
	printf '| %-38s | %10s | %10s | %10s | %8s | %8s |\n' "$1" "$(v xdp.$2)" "$(v ls.$2)" \
		"$(v ss.$2)" "$(ratio xdp.$2 ls.$2)" "$(ratio xdp.$2 ss.$2)"
}

echo
printf '| %-38s | %10s | %10s | %10s | %8s | %8s |\n' "$N connections" pluto-xdp \
	"Libreswan" strongSwan "xdp/LS" "xdp/SS"
echo '| --- | ---: | ---: | ---: | ---: | ---: |'
row "start, no connections (ms)" start0
row "load from file (ms)" load
row "  CPU, daemon + loader (ms)" load.cpu
row "connections loaded" count
row "status with N (ms, median of 5)" status
row "  CPU per status, daemon + client (ms)" status.cpu
row "listen/orient N (ms)" listen
row "shutdown with N (ms)" shutdown
row "RSS, no connections (kB)" rss0
row "RSS with N loaded from file (kB)" rss
row "$WN whack adds (ms)" whack
row "  CPU of the daemon for them (ms)" whack.cpu
row "connections added by whack" wcount
row "status after whack adds (ms, median)" wstatus
row "  CPU per status (ms)" wstatus.cpu
row "RSS after whack adds (kB)" wrss
echo
echo "# load from file: pluto-xdp = exec of pluto --config until ready (loads before serving);"
echo "#   Libreswan = addconn --autoall to a running pluto; strongSwan = swanctl --load-conns"
echo "# whack adds: one whack process per connection, sequential, after --listen"
echo "# CPU: the daemon's threads (schedstat) plus the client's user+sys; wall times depend on"
echo "#   what else the machine runs, CPU times much less"
echo "# ratios < 1: pluto-xdp is faster or smaller"
