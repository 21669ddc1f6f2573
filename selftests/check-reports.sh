#!/bin/bash
# The verdict on what the sanitizers or valgrind wrote while a test layer ran (called by
# selftests/run.sh's san layer; TAP on stdout).
#
#   selftests/check-reports.sh san DIR MIN       ASan/UBSan files DIR/{asan,ubsan}.EXE.PID
#   selftests/check-reports.sh valgrind DIR MIN  memcheck logs DIR/*.PID
#
# san: no file may hold a report (ASan, LeakSanitizer, UBSan); at least MIN pluto
# processes must have ended normally (ASAN_OPTIONS atexit=1 writes their statistics),
# or the leak check never ran and the first check proves nothing.
# valgrind: at least MIN logs, each ended by "ERROR SUMMARY: 0 errors" (a pluto killed
# before its exit writes no summary, and counts as a failure).
set -u
kind=$1 dir=$2 min=$3
n=0
fails=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
notok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
}

case $kind in
san)
	bad=$(grep -lE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$dir"/asan.* "$dir"/ubsan.* 2>/dev/null)
	if [ -z "$bad" ]; then
		ok "no ASan, LeakSanitizer or UBSan report"
	else
		notok "sanitizer reports: $(echo $bad)"
		for f in $bad; do
			sed 's/^/# /' "$f" | head -40
		done
	fi
	ended=$(grep -l '^Stats:' "$dir"/asan.pluto.* 2>/dev/null | wc -l)
	if [ "$ended" -ge "$min" ]; then
		ok "$ended plutos ended normally, through their leak check (at least $min)"
	else
		notok "only $ended plutos ended normally, through their leak check (want $min)"
	fi
	;;
valgrind)
	logs=$(ls "$dir"/*.[0-9]* 2>/dev/null | wc -l)
	if [ "$logs" -ge "$min" ]; then
		ok "$logs plutos ran under valgrind (at least $min)"
	else
		notok "only $logs plutos ran under valgrind (want $min)"
	fi
	for f in "$dir"/*.[0-9]*; do
		[ -e "$f" ] || continue
		if grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
			ok "valgrind: $(basename "$f"): no error, no definite or indirect leak"
		else
			notok "valgrind: $(basename "$f"): errors, leaks, or no summary (killed?)"
			grep -vE '^==[0-9]+== *$' "$f" | tail -40 | sed 's/^/# /'
		fi
	done
	;;
*)
	echo "usage: $0 san|valgrind DIR MIN" >&2
	exit 2
	;;
esac
echo "1..$n"
[ "$fails" -eq 0 ]
