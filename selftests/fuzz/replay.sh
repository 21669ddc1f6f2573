#!/bin/bash
# The fuzz corpora as regression tests: build the libFuzzer harnesses (make fuzz-build,
# reusing what is up to date), replay every file of fuzz/corpus/TARGET through
# build/fuzz/fuzz_TARGET once (-runs=0: execute the corpus, mutate nothing), one TAP line
# per target with libFuzzer's coverage.  With FUZZ_SECONDS set (CI: a small bound such as
# 20), each target is then also fuzzed that long from its corpus; a crash, leak, sanitizer
# report or timeout is `not ok' and leaves its input in build/fuzz/artifacts/TARGET/.
#
# No topology: everything runs in this process tree; the file-reading harnesses use a
# private directory under $TMPDIR (fuzz/sandbox.h).
set -u
cd "$(dirname "$0")/../.." || exit 1

B=build/fuzz
LOG=$B/logs
n=0

tap() {
	n=$((n + 1))
	echo "$1 $n - $2"
}

cleanup() {
	[ -n "${work:-}" ] && rm -rf "$work"
}
trap cleanup EXIT

# clang with libFuzzer (libclang-rt-*-dev) is needed; skip without it
probe=$(mktemp -d)
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
	>"$probe/p.c"
if ! ${FUZZ_CC:-clang} -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" \
	>/dev/null 2>&1; then
	rm -rf "$probe"
	echo "1..1"
	echo "ok 1 # SKIP clang with libFuzzer (libclang-rt-dev) not installed"
	exit 0
fi
rm -rf "$probe"

targets=()
for f in fuzz/fuzz_*.c; do
	t=${f#fuzz/fuzz_}
	targets+=("${t%.c}")
done
count=$((1 + ${#targets[@]}))
[ -n "${FUZZ_SECONDS:-}" ] && count=$((count + ${#targets[@]}))
echo "1..$count"

mkdir -p "$LOG"
if ! make -s fuzz-build >"$LOG/build.log" 2>&1; then
	tap "not ok" "build the fuzz harnesses (see $LOG/build.log)"
	sed 's/^/# /' "$LOG/build.log" | tail -n 20
	exit 1
fi
tap ok "build the fuzz harnesses"

work=$(mktemp -d)
start=$SECONDS
for t in "${targets[@]}"; do
	log=$LOG/replay-$t.log
	files=$(find "fuzz/corpus/$t" -type f | wc -l)
	mkdir -p "$work/$t"
	"$B/fuzz_$t" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/$t/" \
		"fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	cov=$(grep -E '^#[0-9]+.*(INITED|DONE)' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
	if [ $rc -eq 0 ]; then
		tap ok "replay $t: $files inputs, ${cov:-no coverage line}"
	else
		tap "not ok" "replay $t: exit $rc (see $log)"
		grep -m 5 -E 'ERROR|SUMMARY|runtime error|Running|fuzz_' "$log" | sed 's/^/# /'
	fi
done
echo "# replay took $((SECONDS - start)) s"

[ -n "${FUZZ_SECONDS:-}" ] || exit 0
for t in "${targets[@]}"; do
	log=$LOG/fuzz-$t.log
	mkdir -p "$work/corpus-$t" "$B/artifacts/$t"
	dict=()
	[ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
	"$B/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		"${dict[@]}" -artifact_prefix="$B/artifacts/$t/" -print_final_stats=1 \
		"$work/corpus-$t" "fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+|exec/s: [0-9]+' |
		tr '\n' ' ')
	if [ $rc -eq 0 ]; then
		tap ok "fuzz $t for ${FUZZ_SECONDS}s: ${last:-}"
	else
		tap "not ok" "fuzz $t for ${FUZZ_SECONDS}s: exit $rc (see $log; input in $B/artifacts/$t/)"
		grep -m 5 -E 'ERROR|SUMMARY|runtime error|fuzz_' "$log" | sed 's/^/# /'
	fi
done
