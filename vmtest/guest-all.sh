#!/bin/bash
# Inside the VM (started by vmtest/run-all.sh): run every executable
# selftests/vm/*.sh (or the scripts given as arguments) in turn, each bounded by $VMTEST_SCRIPT_TIMEOUT seconds
# (default 600).  Prints their TAP with the numbers dropped (run-all.sh
# numbers the whole run) and the script's name in front of each test;
# every other line becomes a comment.  A script that exits non-zero without
# a "not ok", or reports nothing, gets a "not ok" of its own.
# Exits 0 if everything passed, 1 otherwise.
set -u
shopt -s lastpipe
cd "$(dirname "$0")/.." || exit 1
LIMIT=${VMTEST_SCRIPT_TIMEOUT:-600}

failed=0

# rewrite NAME: filter one script's output; sets $results and $failures.
rewrite() {
	local line re='^(not )?ok([[:space:]]+[0-9]+)?([[:space:]]+-)?([[:space:]]*(.*))?$'
	results=0 failures=0
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			echo "${BASH_REMATCH[1]}ok - $1: ${BASH_REMATCH[5]}"
			results=$((results + 1))
			[ -n "${BASH_REMATCH[1]}" ] && failures=$((failures + 1))
		elif [[ $line =~ ^1\.\.0[[:space:]]*#[[:space:]]*(SKIP|skip)(.*)$ ]]; then
			echo "ok - $1 # SKIP${BASH_REMATCH[2]}"
			results=$((results + 1))
		elif [[ $line =~ ^1\.\.[0-9]+ ]]; then
			: # the script's own plan: run-all.sh prints the run's
		elif [[ $line == \#* ]]; then
			echo "$line"
		else
			echo "# $line"
		fi
	done
}

[ $# -gt 0 ] || set -- selftests/vm/*.sh
for t in "$@"; do
	[ -x "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "# $name"
	start=$SECONDS
	timeout --kill-after=10 "$LIMIT" "$t" 2>&1 </dev/null | rewrite "$name"
	rc=${PIPESTATUS[0]}
	echo "# $name: exit $rc after $((SECONDS - start)) s"
	if [ "$rc" -ne 0 ] && [ "$failures" -eq 0 ]; then
		if [ "$rc" -eq 124 ]; then
			echo "not ok - $name: timed out after $LIMIT s"
		else
			echo "not ok - $name: exited with status $rc"
		fi
		failures=1
	elif [ "$results" -eq 0 ]; then
		echo "not ok - $name: reported no results"
		failures=1
	fi
	[ "$failures" -eq 0 ] || failed=1

	# Whatever a script left behind must not disturb the next one.
	left=$(ip netns list)
	[ -z "$left" ] || echo "# $name left namespaces behind:" $left
	ip -all netns delete 2>/dev/null
	ip xfrm state flush
	ip xfrm policy flush
done
exit "$failed"
