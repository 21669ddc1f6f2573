#!/bin/bash
# Run the test layers this host supports and print one closing line
# "N passed, N failed" (skips counted on the line before it).  Every test program speaks TAP
# ("ok N - name", "not ok N - name", "ok N # SKIP why"); a program that
# exits non-zero without reporting a failure counts as one failure.
#
#   selftests/run.sh            all layers
#   selftests/run.sh LAYER...   those layers (unit, transcript, bpf, netns, san, fuzz, vm)
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

# The unit and netns tests again, built with ASan/UBSan (make SANITIZE=1, build/san/):
# every process writes its reports to $LOGDIR/san/, and there must be none; then the
# two-pluto tests with pluto under valgrind memcheck: no error, and no definite or
# indirect leak when it exits (selftests/check-reports.sh).
layer_san() {
	local d=$LOGDIR/san vg=$LOGDIR/valgrind t
	rm -rf "$d" "$vg"
	mkdir -p "$d" "$vg"
	# BUILD is exported above (build): name the sanitizer build directory explicitly
	if ! nice make SANITIZE=1 BUILD=build/san -j"$(nproc)" >"$d/build.log" 2>&1; then
		failed=$((failed + 1))
		failures+=(san/build)
		echo "san/build: make SANITIZE=1 failed (log: $d/build.log)"
		return
	fi
	local -a env=(env BUILD=build/san
		ASAN_OPTIONS="log_path=$d/asan:log_exe_name=1:atexit=1"
		UBSAN_OPTIONS="log_path=$d/ubsan:log_exe_name=1:print_stacktrace=1")
	for t in build/san/tests/test_*; do
		[ -x "$t" ] || continue
		run_tap "san/unit/$(basename "$t")" 600 "${env[@]}" "$t"
	done
	for t in selftests/netns/*.sh; do
		[ -x "$t" ] || continue
		run_tap "san/netns/$(basename "$t" .sh)" 600 "${env[@]}" "$t"
	done
	# 10-14 run two plutos each and stop them with SIGTERM
	run_tap san/reports 60 selftests/check-reports.sh san "$d" 10
	for t in selftests/netns/10-two-pluto-psk.sh selftests/netns/11-two-pluto-rsa.sh; do
		run_tap "valgrind/$(basename "$t" .sh)" 600 env PLUTO_STOP_WAIT=120 \
			PLUTO_WRAPPER="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$vg/$(basename "$t" .sh).%p" \
			"$t"
	done
	run_tap valgrind/reports 60 selftests/check-reports.sh valgrind "$vg" 4
}

layer_vm() {
	if [ -x vmtest/run-all.sh ]; then
		run_tap "vm/all" 3600 vmtest/run-all.sh
	fi
}

layers=${*:-"unit transcript bpf netns san fuzz vm"}
for l in $layers; do
	echo "== $l"
	"layer_$l"
done

echo
if [ "${#failures[@]}" -ne 0 ]; then
	echo "failing: ${failures[*]}"
fi
# the closing line is exactly "N passed, N failed" (CI reads it); skips on the line before
if [ "$skipped" -ne 0 ]; then
	echo "($skipped skipped)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
