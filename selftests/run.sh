#!/bin/bash
# Run the test layers this host supports and print one closing line
# "N passed, N failed[, N skipped]".  Every test program speaks TAP
# ("ok N - name", "not ok N - name", "ok N # SKIP why"); a program that
# exits non-zero without reporting a failure counts as one failure.
#
#   selftests/run.sh            all layers
#   selftests/run.sh LAYER...   those layers (unit, transcript, bpf, netns, fuzz, vm)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"

passed=0
failed=0
skipped=0
failures=()

# run_tap NAME TIMEOUT CMD...: run one TAP-speaking program and count.
run_tap() {
	local name=$1 limit=$2
	shift 2
	local log="$LOGDIR/${name//\//_}.log"
	local rc=0
	CMOCKA_MESSAGE_OUTPUT=TAP timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1 || rc=$?
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+.*# (SKIP|skip)' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	printf '%-44s %3d passed %3d failed %3d skipped\n' "$name" "$p" "$f" "$s"
	if [ "$f" -ne 0 ]; then
		failures+=("$name")
		grep -E '^not ok' "$log" | sed 's/^/    /'
		echo "    (log: $log)"
	fi
}

layer_unit() {
	local t
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		run_tap "unit/$(basename "$t")" 300 "$t"
	done
}

layer_scripts() {
	local dir=$1 limit=$2 t
	for t in "$dir"/*.sh; do
		[ -x "$t" ] || continue
		run_tap "$(basename "$dir")/$(basename "$t" .sh)" "$limit" "$t"
	done
}

layer_transcript() { layer_scripts selftests/transcript 300; }
layer_bpf() { layer_scripts selftests/bpf 300; }
layer_netns() { layer_scripts selftests/netns 600; }
# libFuzzer corpora replayed (and, with FUZZ_SECONDS, each target fuzzed that long)
layer_fuzz() { layer_scripts selftests/fuzz $((600 + 10 * ${FUZZ_SECONDS:-0})); }

layer_vm() {
	if [ -x vmtest/run-all.sh ]; then
		run_tap "vm/all" 3600 vmtest/run-all.sh
	fi
}

layers=${*:-"unit transcript bpf netns fuzz vm"}
for l in $layers; do
	echo "== $l"
	"layer_$l"
done

echo
if [ "${#failures[@]}" -ne 0 ]; then
	echo "failing: ${failures[*]}"
fi
if [ "$skipped" -ne 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
