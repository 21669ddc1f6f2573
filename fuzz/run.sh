#!/bin/bash
# Run the libFuzzer harnesses built by `make fuzz-build' (mk/fuzz.mk).
#
#   fuzz/run.sh fuzz [TARGET...]    fuzz each target for FUZZ_SECONDS (default 30)
#   fuzz/run.sh merge [TARGET...]   fold build/fuzz/corpus/TARGET into fuzz/corpus/TARGET,
#                                   keeping only inputs that add coverage
#
# Fuzzing starts from the seed corpus fuzz/corpus/TARGET (read only) and writes what it
# finds to build/fuzz/corpus/TARGET; a crash, leak or timeout leaves its input in
# build/fuzz/artifacts/TARGET/ and makes the script exit 1.  The last line of each
# target gives libFuzzer's numbers: executions, exec/s, cov (edges) and ft (features).
# Environment: FUZZ_SECONDS, FUZZ_TIMEOUT (seconds per input, default 10),
# FUZZ_ARGS (more libFuzzer flags).
set -u
cd "$(dirname "$0")/.." || exit 1

B=build/fuzz
mode=${1:-fuzz}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in fuzz/fuzz_*.c; do
		t=${f#fuzz/fuzz_}
		targets+=("${t%.c}")
	done
fi
seconds=${FUZZ_SECONDS:-30}
timeout_s=${FUZZ_TIMEOUT:-10}

# flags common to every run of target $1
common_flags() {
	local flags=(-timeout="$timeout_s" -rss_limit_mb=2048 -print_final_stats=1)
	[ -f "fuzz/$1.dict" ] && flags+=(-dict="fuzz/$1.dict")
	echo "${flags[@]}"
}

# the last status line of a libFuzzer log: "#N ... cov: C ft: F ... exec/s: E ..."
summary() {
	local line
	line=$(grep -E '^#[0-9]+' "$1" | tail -n 1)
	echo "$line" | sed -E 's/^#([0-9]+)[[:space:]]+[A-Z]+[[:space:]]+/\1 execs, /; s/[[:space:]]+/ /g'
}

fuzz_one() {
	local t=$1 bin=$B/fuzz_$1 log=$B/logs/$1.log
	mkdir -p "$B/corpus/$t" "$B/artifacts/$t" "$B/logs"
	# shellcheck disable=SC2046,SC2086 # flags are words
	"$bin" $(common_flags "$t") -max_total_time="$seconds" \
		-artifact_prefix="$B/artifacts/$t/" ${FUZZ_ARGS:-} \
		"$B/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
	local rc=$?
	if [ $rc -eq 0 ]; then
		printf '%-18s ok      %s\n' "$t" "$(summary "$log")"
	else
		printf '%-18s FAILED  (exit %d) see %s; the input is in %s\n' "$t" "$rc" "$log" \
			"$B/artifacts/$t/"
		grep -m 3 -E 'ERROR|SUMMARY|runtime error|fuzz_' "$log" | sed 's/^/    /'
	fi
	return $rc
}

merge_one() {
	local t=$1 log=$B/logs/$1-merge.log
	mkdir -p "$B/logs"
	[ -d "$B/corpus/$t" ] || return 0
	# shellcheck disable=SC2046
	"$B/fuzz_$t" $(common_flags "$t") -merge=1 "fuzz/corpus/$t" "$B/corpus/$t" >"$log" 2>&1
	local rc=$?
	printf '%-18s %s: %s\n' "$t" "$([ $rc -eq 0 ] && echo merged || echo FAILED)" \
		"$(grep -E 'MERGE-OUTER: [0-9]+ new files' "$log" | tail -n 1)"
	return $rc
}

failed=0
for t in "${targets[@]}"; do
	if [ ! -x "$B/fuzz_$t" ]; then
		echo "$t: $B/fuzz_$t not built (make fuzz-build)" >&2
		failed=1
		continue
	fi
	case $mode in
	fuzz) fuzz_one "$t" || failed=1 ;;
	merge) merge_one "$t" || failed=1 ;;
	*)
		echo "usage: $0 fuzz|merge [TARGET...]" >&2
		exit 2
		;;
	esac
done
exit $failed
