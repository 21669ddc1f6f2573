#!/bin/bash
# Boot one VM and run every executable selftests/vm/*.sh in it
# (vmtest/guest-all.sh), as one TAP stream numbered across the scripts.
# Called by `selftests/run.sh vm` (`make vmtest`).
#
#   vmtest/run-all.sh [selftests/vm/SCRIPT.sh...]   (default: all)
#
# Skips (ok 1 # SKIP, exit 0) only when the kernel was never fetched; a
# boot that fails, a VM that dies or times out is a "not ok".
#   VMTEST_TIMEOUT         the whole run, seconds (default 3000)
#   VMTEST_SCRIPT_TIMEOUT  each script, seconds (default 600)
set -u
shopt -s lastpipe
cd "$(dirname "$0")/.." || exit 1

# fetch.sh writes KVER last, once the kernel is complete.
if [ ! -e vmtest/cache/kernel/KVER ]; then
	echo "ok 1 # SKIP no VM kernel in vmtest/cache (run make deps or vmtest/fetch.sh)"
	echo "1..1"
	exit 0
fi

n=0
failed=0
vmtest/run.sh --timeout "${VMTEST_TIMEOUT:-3000}" \
	env VMTEST_SCRIPT_TIMEOUT="${VMTEST_SCRIPT_TIMEOUT:-600}" vmtest/guest-all.sh "$@" |
	while IFS= read -r line; do
		case $line in
		"ok - "*)
			n=$((n + 1))
			echo "ok $n ${line#ok }"
			;;
		"not ok - "*)
			n=$((n + 1))
			failed=$((failed + 1))
			echo "not ok $n ${line#not ok }"
			;;
		*) echo "$line" ;;
		esac
	done
rc=${PIPESTATUS[0]}

# guest-all.sh exits 0 or 1; anything else (124 timeout, 125 no result from
# the guest), or 1 without a "not ok", means the run itself broke.
if [ "$rc" -ne 0 ] && { [ "$rc" -ne 1 ] || [ "$failed" -eq 0 ]; }; then
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - vm: the run did not complete (vmtest/run.sh exit $rc)"
fi
echo "1..$n"
[ "$failed" -eq 0 ]
