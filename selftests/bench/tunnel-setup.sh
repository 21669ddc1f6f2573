#!/bin/bash
# Tunnel setup under load: how fast, at what CPU and memory cost, an IKEv1 responder
# brings up road-warrior tunnels, for our pluto, strongSwan's charon and Libreswan 4.10
# side by side, in one VM (vmtest/run.sh: the kernel must do ESP).  A benchmark, not a
# test: it prints figures and is never a CI gate.
#
#   selftests/bench/tunnel-setup.sh [--runs "100/14 100/19 1000/19"]
#                                   [--responders "pluto charon libreswan"]
#                                   [--repeat K] [--warmup W] [--concurrency C]
#                                   [--timeout S] [--build DIR]
#
# --runs: N/GROUP pairs (GROUP 14 = modp2048, 19 = ecp256).  The default leaves out
# 1000/14, the slowest (charon and Libreswan near 30 tunnels/s under TCG on a quiet
# host); add it for the whole matrix (about 5 minutes a round on a quiet host).
#
# --repeat K: measure every responder K times per run, taking turns (the order rotates
# each round), and report the medians: the host's speed drifts by tens of per cent over
# minutes on a shared machine, and turns spread the drift over all three.  Default 1.
#
# --warmup W: before measuring, W tunnels from W other addresses, so that the figures
# are what N more tunnels cost a responder that has served some: what a daemon pays once
# (library code and tables touched for the first time, thread arenas, hash tables sized
# up) is then left out, for all three alike.  Default 0: measured from the idle daemon.
#
# --build DIR: pluto, whack and the bench programs from DIR (a copy of an older build,
# for before/after figures); default build/, made first.
#
#   ns rsp-PID: responder under test          ns ini-PID: build/bench/ikeload
#   veth r0 10.1.0.1/24  <------------------>  veth i0 10.1.0.2/24
#   route 10.2.0.0/16 via 10.1.0.2             + N addresses 10.2.0.1, 10.2.0.2, ...
#
# Each run: a fresh pair of namespaces, the responder started with one `right=%any`
# connection (PSK; IKE aes128-sha2_256-GROUP; ESP aes128-sha2_256 tunnel, no PFS; no
# updown), then ikeload opens N tunnels (Main Mode + Quick Mode), --concurrency at a
# time, one per source address.  Measured: tunnels per second (ikeload), the
# responder's CPU (utime+stime+cutime+cstime of its process, threads included, from
# /proc/PID/stat) and VmRSS, before and after, divided by the tunnels that completed
# AND have both ESP SAs in the responder's kernel.  In the same VM, build/bench/
# ikecrypto measures the crypto a responder must do per tunnel (pluto's OpenSSL
# functions in a loop): "crypto %" is that over the responder's CPU per tunnel.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

RUNS="100/14 100/19 1000/19" RESPONDERS="pluto charon libreswan" CONC=32 TIMEOUT=300
REPEAT=1 WARMUP=0 GUEST=0 BUILD_ARG=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--responders) RESPONDERS=$2; shift 2 ;;
	--repeat) REPEAT=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--concurrency) CONC=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--build) BUILD_ARG=$2; shift 2 ;;
	--guest) GUEST=1; shift ;;
	*) echo "usage: $0 [--runs \"N/GROUP ...\"] [--responders LIST] [--repeat K] [--warmup W] [--concurrency C] [--timeout S] [--build DIR]" >&2
	   exit 2 ;;
	esac
done
case $REPEAT in '' | *[!0-9]* | 0) echo "tunnel-setup: --repeat wants a positive count" >&2; exit 2 ;; esac
case $WARMUP in '' | *[!0-9]*) echo "tunnel-setup: --warmup wants a count" >&2; exit 2 ;; esac

if [ "$GUEST" -eq 0 ]; then
	cd "$ROOT" || exit 1
	if [ -z "$BUILD_ARG" ]; then
		nice make -s -j2 >/dev/null || { echo "tunnel-setup: build failed" >&2; exit 1; }
		BUILD_ARG=$ROOT/build
	fi
	BUILD_ARG=$(cd "$BUILD_ARG" && pwd) || exit 1
	exec vmtest/run.sh --timeout $((2400 * REPEAT)) "$HERE/tunnel-setup.sh" --guest --build "$BUILD_ARG" \
		--runs "$RUNS" --responders "$RESPONDERS" --repeat "$REPEAT" --warmup "$WARMUP" \
		--concurrency "$CONC" --timeout "$TIMEOUT"
fi

# ---- in the VM ----------------------------------------------------------------------
. "$ROOT/selftests/vm/lib.sh"
. "$ROOT/selftests/vm/peers.sh"
BUILD=$BUILD_ARG
PSK=bench-tunnel-setup-psk
RSP=rsp-$$ INI=ini-$$
HZ=$(getconf CLK_TCK)

# ip_nth N: the Nth address after 10.2.0.0 (consecutive, as ikeload counts them)
ip_nth() { echo "10.2.$(($1 / 256)).$(($1 % 256))"; }

topology() {
	local n=$1 i
	ns_add "$RSP" "$INI" &&
		ns_veth "$RSP" r0 10.1.0.1/24 "$INI" i0 10.1.0.2/24 &&
		ip -n "$RSP" route add 10.2.0.0/16 via 10.1.0.2 || return 1
	for ((i = 1; i <= n; i++)); do
		echo "address add $(ip_nth "$i")/32 dev i0"
	done | ip -n "$INI" -batch -
}

# ---- the three responders: start_X DIR GROUP leaves the pid in $RPID ----------------

ike_name() { [ "$1" = 14 ] && echo modp2048 || echo ecp256; }

start_pluto() {
	local d=$1 grp=$2
	mkdir -p "$d"
	echo "10.1.0.1 %any : PSK \"$PSK\"" >"$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	ns_spawn "$RSP" "$d/pluto.out" "$BUILD/pluto" --nofork --no-bpf --rundir "$d" \
		--secretsfile "$d/ipsec.secrets" --logfile "$d/pluto.log"
	wait_until 20 eval '"$BUILD/whack" --rundir "$d" --status >/dev/null 2>&1' || return 1
	"$BUILD/whack" --rundir "$d" --name rw --host 10.1.0.1 --updown %disabled \
		--to --host %any --psk --encrypt --tunnel \
		--ike "aes128-sha2_256-$(ike_name "$grp")" --esp aes128-sha2_256 >/dev/null 2>&1 &&
		"$BUILD/whack" --rundir "$d" --listen >/dev/null 2>&1 || return 1
	RPID=$(<"$d/pluto.pid")
}

start_charon() {
	local d=$1 grp=$2
	mkdir -p "$d"
	# the IKE SA table sized for many SAs (strongSwan's advice; the default is 1 row)
	strongswan_conf "$d" |
		sed 's/^charon {$/charon {\n\tikesa_table_size = 1024\n\tikesa_table_segments = 16/' \
			>"$d/strongswan.conf"
	cat >"$d/swanctl.conf" <<EOF
connections {
	rw {
		version = 1
		proposals = aes128-sha256-$(ike_name "$grp")
		local_addrs = 10.1.0.1
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
		children {
			rw {
				esp_proposals = aes128-sha256
			}
		}
	}
}
secrets {
	ike-rw {
		secret = "$PSK"
	}
}
EOF
	strongswan_start "$RSP" "$d" && swanctl_load "$RSP" "$d" >"$d/load.log" 2>&1 || return 1
	RPID=$(<"$d/run/charon.pid")
}

start_libreswan() {
	local d=$1 grp=$2
	mkdir -p "$d"
	libreswan_conf "$d" >"$d/ipsec.conf"
	cat >>"$d/ipsec.conf" <<EOF

conn rw
	ikev2=no
	authby=secret
	ike=aes128-sha2_256-$(ike_name "$grp")
	esp=aes128-sha2_256
	pfs=no
	left=10.1.0.1
	right=%any
	type=tunnel
	leftupdown=%disabled
	auto=add
EOF
	echo "10.1.0.1 %any : PSK \"$PSK\"" >"$d/ipsec.secrets"
	libreswan_start "$RSP" "$d" || return 1
	wait_until 20 eval 'libreswan_whack "$d" --status 2>/dev/null | grep -q "\"rw\""' || return 1
	RPID=$(<"$d/run/pluto.pid")
}

# ---- measuring -------------------------------------------------------------------------

# cpu_ticks PID: "USER SYS": utime+cutime and stime+cstime (fields 14-17 of /proc/PID/stat)
cpu_ticks() {
	local s
	s=$(<"/proc/$1/stat") || return 1
	s=${s##*) } # past the command name, which may hold spaces
	local -a f=($s)
	# f[0] is field 3 (state): field N is f[N-3]
	echo "$((f[11] + f[13])) $((f[12] + f[14]))"
}

rss_kib() {
	local line
	while read -r line; do
		case $line in VmRSS:*) line=${line#VmRSS:}; echo "${line%kB}"; return ;; esac
	done <"/proc/$1/status"
}

# esp_sa_count: ESP SAs in the responder's kernel
esp_sa_count() {
	local c
	c=$(ip -n "$RSP" xfrm state count 2>/dev/null) # "\t SAD count N"
	echo "${c##* }"
}

declare -A CPU_MS RSS_KIB RATE DONE CRYPTO_US

# run_one RESPONDER N GROUP ROUND: the figures of one measurement, under KEY#ROUND
run_one() {
	local who=$1 n=$2 grp=$3 d=$T/$1-$2-$3-$4 out c0 c1 r0 r1 sas tunnels key=$1/$2/$3#$4
	topology $((n + WARMUP)) || { diag "$key: topology failed"; return 1; }
	if ! "start_$who" "$d" "$grp"; then
		diag "$key: $who did not start"
		tail -n 5 "$d"/*.log "$d"/*.out 2>/dev/null | sed 's/^/#   /'
		cleanup_run "$who" "$d"
		return 1
	fi
	sleep 1
	if [ "$WARMUP" -gt 0 ]; then
		load "$d/warmup.err" "$((n + 1))" "$WARMUP" "$grp" >/dev/null
		wait_until 20 eval '[ "$(esp_sa_count)" -ge $((2 * WARMUP)) ]'
		diag "$key: warm-up: $(($(esp_sa_count) / 2)) of $WARMUP tunnels, rss_kib=$(rss_kib "$RPID")"
	fi
	local before=$(esp_sa_count)
	c0=$(cpu_ticks "$RPID") r0=$(rss_kib "$RPID")
	out=$(load "$d/ikeload.err" 1 "$n" "$grp")
	# the responder installs its outbound SA when QI2 arrives, just after ikeload is done
	wait_until 20 eval '[ "$(esp_sa_count)" -ge $((before + 2 * n)) ]'
	sas=$(($(esp_sa_count) - before))
	c1=$(cpu_ticks "$RPID") r1=$(rss_kib "$RPID")
	local u=$((${c1% *} - ${c0% *})) k=$((${c1#* } - ${c0#* }))
	diag "$key: $out; responder SAs=$sas user_ticks=$u sys_ticks=$k rss_kib=$r0->$r1"
	[ -s "$d/ikeload.err" ] && head -n 3 "$d/ikeload.err" | sed 's/^/#   /'
	local completed=${out#*completed=} rate=${out#*rate=}
	completed=${completed%% *} rate=${rate%% *}
	tunnels=$((sas / 2))
	[ "$completed" -lt "$tunnels" ] 2>/dev/null && tunnels=$completed
	DONE[$key]=$tunnels
	RATE[$key]=$rate
	if [ "${tunnels:-0}" -gt 0 ]; then
		CPU_MS[$key]=$(awk -v t=$((u + k)) -v hz="$HZ" -v n="$tunnels" \
			'BEGIN { printf "%.2f", t * 1000 / hz / n }')
		RSS_KIB[$key]=$(awk -v r=$((r1 - r0)) -v n="$tunnels" 'BEGIN { printf "%.1f", r / n }')
	fi
	cleanup_run "$who" "$d"
}

# load ERRFILE FIRST COUNT GROUP: ikeload's summary line for COUNT tunnels from the
# addresses ip_nth FIRST on
load() {
	ip netns exec "$INI" timeout $((TIMEOUT + 30)) "$BUILD/bench/ikeload" \
		--responder 10.1.0.1 --first-source "$(ip_nth "$2")" --count "$3" --psk "$PSK" \
		--group "$4" --concurrency "$CONC" --timeout "$TIMEOUT" --retransmit 10 2>"$1"
}

# Killed, not shut down: an orderly shutdown of 1,000 tunnels (Deletes, SAs out of the
# kernel) takes minutes under TCG and is not measured; the namespace takes the SAs along.
cleanup_run() {
	disown -a # no "Killed" notice for the daemons started in the background
	_ns_kill_all "$RSP" 2>/dev/null
	_ns_kill_all "$INI" 2>/dev/null
}

# The first ESP SA makes the kernel load its modules (esp4, the algorithms), seconds
# under TCG: pay that once, before any responder is measured.
warm_kernel() {
	local k=0x$(printf '%064x' 1)
	ns_add "warm-$$" &&
		ip -n "warm-$$" xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x1000 \
			mode tunnel enc 'cbc(aes)' "${k:0:34}" auth-trunc 'hmac(sha256)' "$k" 128 &&
		ip netns del "warm-$$"
}

# median VALUE...: the middle value (the mean of the two middle ones for an even count)
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR) printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# summarize KEY: the medians over KEY's rounds in CPU_MS[KEY] and the rest (tunnels: the
# fewest of any round); the spread of its CPU figures in SPREAD[KEY]
summarize() {
	local key=$1 i cpu=() rss=() rate=() done_= v
	for ((i = 1; i <= REPEAT; i++)); do
		v=${CPU_MS[$key#$i]:-} && [ -n "$v" ] && cpu+=("$v")
		v=${RSS_KIB[$key#$i]:-} && [ -n "$v" ] && rss+=("$v")
		v=${RATE[$key#$i]:-} && [ -n "$v" ] && rate+=("$v")
		v=${DONE[$key#$i]:-0}
		[ -z "$done_" ] || [ "$v" -lt "$done_" ] && done_=$v
	done
	DONE[$key]=$done_
	[ ${#cpu[@]} -gt 0 ] || return 0
	CPU_MS[$key]=$(median "${cpu[@]}")
	RSS_KIB[$key]=$(median "${rss[@]}")
	RATE[$key]=$(median "${rate[@]}")
	SPREAD[$key]=$(printf '%s\n' "${cpu[@]}" | sort -g | tr '\n' ' ')
}

# ---- the run -------------------------------------------------------------------------

sysctl -qw net.core.rmem_default=1048576 net.core.rmem_max=4194304
warm_kernel || diag "could not install a warm-up SA"
diag "tunnel-setup: $(nproc) vCPUs, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB;" \
	"runs (N/group): $RUNS; concurrency $CONC; ikeload timeout ${TIMEOUT}s; $REPEAT round(s) each;" \
	"$WARMUP warm-up tunnels"
declare -A SPREAD
read -ra ORDER <<<"$RESPONDERS"
for r in $RUNS; do
	n=${r%/*} grp=${r#*/}
	bound=()
	for ((round = 1; round <= REPEAT; round++)); do
		# the crypto bound next to the responders it is compared with
		c=$("$BUILD/bench/ikecrypto" --group "$grp" --seconds 3)
		diag "$c"
		c=${c#*tunnel_us=}
		bound+=("${c%% *}")
		for ((i = 0; i < ${#ORDER[@]}; i++)); do
			who=${ORDER[(i + round - 1) % ${#ORDER[@]}]}
			start=$SECONDS
			run_one "$who" "$n" "$grp" "$round"
			diag "$who/$r round $round took $((SECONDS - start)) s"
		done
	done
	CRYPTO_US[$r]=$(median "${bound[@]}")
	for who in $RESPONDERS; do
		summarize "$who/$n/$grp"
		[ "$REPEAT" -gt 1 ] && diag "$who/$r CPU ms/t by round, sorted: ${SPREAD[$who/$n/$grp]:-}"
	done
done

printf '\n%-10s %5s %-8s %9s %8s %9s %8s %9s %8s\n' responder N group tunnels "tun/s" \
	"CPU ms/t" "vs pluto" "RSS KiB/t" "crypto%"
for r in $RUNS; do
	n=${r%/*} grp=${r#*/}
	for who in $RESPONDERS; do
		key=$who/$n/$grp
		cpu=${CPU_MS[$key]:-}
		ratio=- share=-
		pcpu=${CPU_MS[pluto/$n/$grp]:-}
		[ -n "$cpu" ] && [ -n "$pcpu" ] &&
			ratio=$(awk -v a="$cpu" -v b="$pcpu" 'BEGIN { printf "%.2f", a / b }')
		[ -n "$cpu" ] &&
			share=$(awk -v c="${CRYPTO_US[$r]}" -v a="$cpu" 'BEGIN { printf "%.0f", c / 10 / a }')
		printf '%-10s %5s %-8s %9s %8s %9s %8s %9s %8s\n' "$who" "$n" "$(ike_name "$grp")" \
			"${DONE[$key]:-0}/$n" "${RATE[$key]:--}" "${cpu:--}" "$ratio" \
			"${RSS_KIB[$key]:--}" "$share"
	done
done
[ "$WARMUP" -gt 0 ] && echo "CPU and RSS: what N tunnels cost after $WARMUP warm-up tunnels"
echo "crypto bound per tunnel (ikecrypto, pluto's OpenSSL calls$([ "$REPEAT" -gt 1 ] && echo ", median")):" \
	"$(for r in $RUNS; do printf '%s %.2f ms  ' "${r%/*}/$(ike_name "${r#*/}")" \
		"$(awk -v u="${CRYPTO_US[$r]}" 'BEGIN { print u / 1000 }')"; done)"
