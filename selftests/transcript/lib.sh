# shellcheck shell=bash
# Sourced by the transcript tests (bash, after `set -u`); not executable on purpose.
#
# A transcript test starts its own pluto (most need no root: --ctlbase in a private
# directory, a private --ikeport, --nofork --noklips --no-bpf --stderrlog), runs
# whack commands and compares each one's combined stdout+stderr and exit status with the
# next block of its golden file, selftests/transcript/expected/NN-name.out:
#
#   $ whack --name x --host 10.0.0.1 --to --host 10.0.0.2      the command (--ctlbase implied)
#   002 "x": added connection description                      what it printed
#   [exit 0]                                                   its exit status
#
# Only what truly varies is normalised: the scratch directory ($T) reads @TMP@, the
# version after "pluto-xdp" reads @VERSION@, "pid N" reads "pid @PID@", and a test may
# add exact substitutions (t_normalise_add FROM TO). A golden line starting with "~ " is
# an extended regular expression the whole actual line must match: used only where the
# right text does not exist yet (a refusal the code does not make), never to hide what
# the code prints. TRANSCRIPT_RECORD=FILE appends what each command printed to FILE as a
# draft golden file: review every line against the manual before keeping it.
#
#   start/stop:  t_start_pluto PORT [ARGS...], t_start_pluto_netns PORT [ARGS...],
#                t_pluto_args PORT (the standard options, into T_PLUTO_ARGS),
#                t_pluto_alive, t_wait_exit PID SECONDS (sets T_EXIT_STATUS)
#   transcripts: t_whack ARGS... (adds --ctlbase), t_whack_raw ARGS..., t_run NAME CMD...,
#                whack_ok ARGS... (quiet; true if whack exits with status 0)
#   other checks: t_check NAME CMD..., t_ok NAME, t_fail NAME [WHY], t_require_root WHY
#   log:         t_log_mark, t_log_unchanged NAME, t_log_wait NAME REGEX [SECONDS]
#   waits:       t_wait_until SECONDS CMD...
#   end:         t_done (stops pluto, checks its log for sanitizer reports, prints the
#                plan; non-zero if anything failed or the golden file has blocks the
#                test did not reach)

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$TOP/$BUILD ;;
esac
PLUTO=$BIN/pluto
WHACK=$BIN/whack
VERSION=$(cat "$TOP/VERSION")

T=$(mktemp -d "${TMPDIR:-/tmp}/transcript.XXXXXX")
CTLBASE=$T/pluto.base
SECRETSFILE=$T/ipsec.secrets
PLUTO_PID=
PLUTO_LOG=$T/pluto.log
T_PLUTO_ARGS=()
T_EXIT_STATUS=
_t_n=0
_t_failed=0
_t_block=0
_t_norm=()
_t_bg=()
_t_log_lines=0

cleanup() {
	local p
	for p in "${_t_bg[@]}" $PLUTO_PID; do
		kill "$p" 2>/dev/null && t_wait_gone "$p" 5
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

# --- TAP ---------------------------------------------------------------------

t_ok() {
	_t_n=$((_t_n + 1))
	echo "ok $_t_n - $1"
}

t_fail() {
	_t_n=$((_t_n + 1))
	_t_failed=$((_t_failed + 1))
	echo "not ok $_t_n - $1${2:+ ($2)}"
}

# t_check NAME CMD...: ok if CMD succeeds.
t_check() {
	local name=$1
	shift
	if "$@"; then
		t_ok "$name"
	else
		t_fail "$name" "failed: $*"
	fi
}

t_diag() {
	sed 's/^/# /'
}

# Stop pluto (SIGTERM) so that a sanitizer build reports leaks, then look for reports.
_t_sanitizer_check() {
	local pattern='ERROR: (Address|Leak)Sanitizer|runtime error:'
	if t_pluto_alive; then
		kill -TERM "$PLUTO_PID"
		t_wait_exit "$PLUTO_PID" 5 && PLUTO_PID=
	fi
	[ -s "$PLUTO_LOG" ] || return 0
	if grep -Eq "$pattern" "$PLUTO_LOG"; then
		t_fail "pluto's log has no sanitizer report"
		grep -E -A12 "$pattern" "$PLUTO_LOG" | head -n 40 | t_diag
	else
		t_ok "pluto's log has no sanitizer report"
	fi
}

t_done() {
	local total
	total=$(grep -c '^\$ ' "$T/expected")
	if [ "$_t_block" -lt "$total" ]; then
		t_fail "golden file has $((total - _t_block)) block(s) the test never ran"
	fi
	_t_sanitizer_check
	echo "1..$_t_n"
	[ "$_t_failed" -eq 0 ]
}

# t_require_root WHY: skip the whole test unless running as root.
t_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root: $1"
		exit 0
	fi
}

# --- waits -------------------------------------------------------------------

# t_wait_until SECONDS CMD...: poll every 0.1 s; false if CMD never succeeded.
t_wait_until() {
	local limit=$(($1 * 10)) i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -ge "$limit" ] && return 1
		sleep 0.1
	done
	return 0
}

_t_gone() {
	! kill -0 "$1" 2>/dev/null
}

t_wait_gone() {
	t_wait_until "$2" _t_gone "$1"
}

# t_wait_exit PID SECONDS: wait for a child of this shell; its status in T_EXIT_STATUS.
t_wait_exit() {
	T_EXIT_STATUS=
	t_wait_gone "$1" "$2" || return 1
	wait "$1" 2>/dev/null
	# shellcheck disable=SC2034 # read by the tests
	T_EXIT_STATUS=$?
	return 0
}

# --- pluto -------------------------------------------------------------------

# t_pluto_args PORT: the options every transcript pluto gets, into T_PLUTO_ARGS
# (--secretsfile is $SECRETSFILE: set it before starting pluto to use another).
t_pluto_args() {
	T_PLUTO_ARGS=(--ctlbase "$CTLBASE" --ikeport "$1" --nofork --noklips --no-bpf
		--stderrlog --log-no-time --secretsfile "$SECRETSFILE")
}

_t_initialized() {
	grep -q '^Pluto initialized$' "$T/pluto.out" 2>/dev/null
}

# Wait (5 s) for "Pluto initialized"; bail out if it never comes.
_t_wait_initialized() {
	if ! t_wait_until 5 _t_initialized; then
		echo "Bail out! pluto did not say \"Pluto initialized\" within 5 s"
		t_diag <"$PLUTO_LOG"
		exit 1
	fi
}

# t_start_pluto PORT [ARGS...]: start pluto with the standard options and ARGS.
t_start_pluto() {
	local port=$1
	shift
	install -m 0600 /dev/null "$T/ipsec.secrets"
	t_pluto_args "$port"
	: >"$T/pluto.out"
	"$PLUTO" "${T_PLUTO_ARGS[@]}" "$@" >"$T/pluto.out" 2>>"$PLUTO_LOG" &
	PLUTO_PID=$!
	_t_wait_initialized
}

# t_start_pluto_netns PORT [ARGS...]: the same, in a new network namespace where only lo
# exists (up, with 127.0.0.1 and ::1). The namespace goes when pluto exits.
t_start_pluto_netns() {
	local port=$1
	shift
	install -m 0600 /dev/null "$T/ipsec.secrets"
	t_pluto_args "$port"
	: >"$T/pluto.out"
	unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
		"$PLUTO" "${T_PLUTO_ARGS[@]}" "$@" >"$T/pluto.out" 2>>"$PLUTO_LOG" &
	PLUTO_PID=$!
	_t_wait_initialized
}

t_pluto_alive() {
	[ -n "$PLUTO_PID" ] && kill -0 "$PLUTO_PID" 2>/dev/null
}

# --- transcripts ---------------------------------------------------------------

# t_normalise_add FROM TO: replace the exact string FROM by TO in what is compared.
t_normalise_add() {
	_t_norm+=("$1" "$2")
}

_t_normalise() {
	local line i
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line//"$T"/@TMP@}
		line=${line//"pluto-xdp) $VERSION"/pluto-xdp) @VERSION@}
		line=${line//"pluto-xdp $VERSION"/pluto-xdp @VERSION@}
		for ((i = 0; i < ${#_t_norm[@]}; i += 2)); do
			line=${line//"${_t_norm[i]}"/${_t_norm[i + 1]}}
		done
		[[ $line =~ (.*pid )[0-9]+(.*) ]] && line="${BASH_REMATCH[1]}@PID@${BASH_REMATCH[2]}"
		printf '%s\n' "$line"
	done
}

# The golden file: one file per script, named after it.
_t_load_expected() {
	local name
	name=$(basename "$0" .sh)
	EXPECTED_FILE=$TOP/selftests/transcript/expected/$name.out
	if [ -f "$EXPECTED_FILE" ]; then
		cp "$EXPECTED_FILE" "$T/expected"
	else
		: >"$T/expected"
	fi
}

# Block number N (1-based) of the golden file.
_t_expected_block() {
	awk -v n="$1" '/^\$ /{ b++ } b == n' "$T/expected"
}

# Compare the golden block with the actual one; regex lines start with "~ ".
_t_block_matches() {
	awk '
		NR == FNR { want[++nw] = $0; next }
		{ got[++ng] = $0 }
		END {
			if (nw != ng) exit 1
			for (i = 1; i <= nw; i++) {
				if (substr(want[i], 1, 2) == "~ ") {
					if (got[i] !~ ("^" substr(want[i], 3) "$")) exit 1
				} else if (want[i] != got[i]) exit 1
			}
		}' "$1" "$2"
}

# Quote words for the "$ " line the way a shell would need them.
_t_words() {
	local w out='' plain='^[-A-Za-z0-9_./:@%=,+;]+$'
	for w in "$@"; do
		if [[ $w =~ $plain ]]; then
			out+="$w "
		else
			out+="'$w' "
		fi
	done
	printf '%s' "${out% }"
}

# t_run NAME CMD...: run CMD (combined output, exit status), compare with the next block.
t_run() {
	local name=${1% } rc=0
	shift
	_t_block=$((_t_block + 1))
	"$@" >"$T/out" 2>&1 </dev/null || rc=$?
	{
		printf '$ %s\n' "$name"
		cat "$T/out"
		printf '[exit %d]\n' "$rc"
	} | _t_normalise >"$T/actual"
	[ -n "${TRANSCRIPT_RECORD:-}" ] && cat "$T/actual" >>"$TRANSCRIPT_RECORD"
	_t_expected_block "$_t_block" >"$T/want"
	name=$(head -n 1 "$T/actual")
	name=${name#\$ }
	if _t_block_matches "$T/want" "$T/actual"; then
		t_ok "$name"
	else
		t_fail "$name"
		diff -u "$T/want" "$T/actual" | t_diag
	fi
}

# t_whack ARGS...: whack at this test's pluto (--ctlbase is added, not shown).
t_whack() {
	t_run "whack $(_t_words "$@")" "$WHACK" --ctlbase "$CTLBASE" "$@"
}

# t_whack_raw ARGS...: whack exactly as given (the addressing is part of the test).
t_whack_raw() {
	t_run "whack $(_t_words "$@")" "$WHACK" "$@"
}

# whack_ok ARGS...: whack at this test's pluto, quietly; true if it exits with status 0.
whack_ok() {
	"$WHACK" --ctlbase "$CTLBASE" "$@" >/dev/null 2>&1
}

# --- pluto's log -------------------------------------------------------------

t_log_mark() {
	_t_log_lines=$(wc -l <"$PLUTO_LOG")
}

# No line was logged since t_log_mark.
t_log_unchanged() {
	local now
	now=$(wc -l <"$PLUTO_LOG")
	if [ "$now" -eq "$_t_log_lines" ]; then
		t_ok "$1"
	else
		t_fail "$1" "pluto logged $((now - _t_log_lines)) line(s)"
		tail -n "+$((_t_log_lines + 1))" "$PLUTO_LOG" | t_diag
	fi
}

_t_log_has() {
	grep -Eq -- "$1" "$PLUTO_LOG"
}

# t_log_wait NAME REGEX [SECONDS]: the log gets a line matching REGEX (default 5 s).
t_log_wait() {
	if t_wait_until "${3:-5}" _t_log_has "$2"; then
		t_ok "$1"
	else
		t_fail "$1" "no log line matching /$2/"
		tail -n 20 "$PLUTO_LOG" | t_diag
	fi
}

_t_load_expected
