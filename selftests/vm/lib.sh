# Sourced by the guest tests in selftests/vm/ (bash, after `set -u`).
# Not executable on purpose: vmtest/run-all.sh runs only executable *.sh.
#
#   TAP:        tap_ok NAME, tap_fail NAME [WHY], tap_skip NAME WHY,
#               tap_check NAME CMD..., diag TEXT, tap_done (prints the plan,
#               returns non-zero if anything failed: end a test with
#               `tap_done; exit`)
#   cleanup:    at_exit CMD... (run in reverse order on exit; `trap cleanup
#               EXIT` is set here)
#   namespaces: ns_add NS..., ns_veth NS1 IF1 ADDR1 NS2 IF2 ADDR2,
#               ns_exec NS CMD... (bounded by $NS_TIMEOUT seconds, default 60),
#               ns_spawn NS LOG CMD... (background, killed on exit; pid in
#               $SPAWNED)
#   waits:      wait_until SECONDS CMD... (polls every 0.2 s)
#   scratch:    $T, a private directory removed on exit
#
# Addresses: only 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 10/8,
# and only inside namespaces the test created.

# These tests change the network configuration and expect ESP: refuse to
# run anywhere but inside the vmtest VM.
if ! grep -q 'vmtest\.init=' /proc/cmdline; then
	echo "1..0 # SKIP not inside the vmtest VM (run it with vmtest/run.sh)"
	exit 0
fi

_tap_n=0
_tap_failed=0

tap_ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

tap_fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1${2:+ ($2)}"
}

tap_skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

# tap_check NAME CMD...: ok if CMD succeeds; returns CMD's status.  CMD's
# output goes to stdout (vmtest/run-all.sh turns non-TAP lines into
# comments).
tap_check() {
	local name=$1
	shift
	local rc=0 cmd
	"$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		tap_ok "$name"
	else
		# The command on one short line: a TAP line ends at a newline.
		cmd=$*
		cmd=${cmd//[$'\n\t']/ }
		[ "${#cmd}" -le 72 ] || cmd="${cmd:0:69}..."
		tap_fail "$name" "exit $rc: $cmd"
	fi
	return "$rc"
}

diag() {
	echo "# $*"
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

_cleanups=()

# at_exit CMD...: remember a command for cleanup, quoted as given.
at_exit() {
	_cleanups+=("$(printf '%q ' "$@")")
}

cleanup() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[i]}" >/dev/null 2>&1
	done
	_cleanups=()
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

T=$(mktemp -d /tmp/vmtest-XXXXXX)
at_exit rm -rf "$T"

_ns_kill_all() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] && kill -9 $pids
	ip netns del "$1"
}

# ns_add NS...: new namespaces with lo up, deleted (processes killed) on exit.
ns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || return 1
		at_exit _ns_kill_all "$ns"
		ip -n "$ns" link set lo up || return 1
	done
}

# ns_veth NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a veth pair between two
# namespaces, addressed and up.
ns_veth() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
		ip -n "$1" addr add "$3" dev "$2" &&
		ip -n "$4" addr add "$6" dev "$5" &&
		ip -n "$1" link set "$2" up &&
		ip -n "$4" link set "$5" up
}

# ns_exec NS CMD...: run CMD in NS, killed after $NS_TIMEOUT seconds.
ns_exec() {
	local ns=$1
	shift
	timeout --kill-after=5 "${NS_TIMEOUT:-60}" ip netns exec "$ns" "$@"
}

# ns_spawn NS LOG CMD...: start CMD in NS in the background, output to LOG;
# its pid is left in $SPAWNED and it is killed on exit.
ns_spawn() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
	SPAWNED=$!
	at_exit kill -9 "$SPAWNED"
}

# wait_until SECONDS CMD...: poll CMD until it succeeds or time runs out.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
