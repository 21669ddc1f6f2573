#!/bin/bash
# Build and run the classifier benchmark (selftests/bench/classifier.c): ns/packet through
# the TC egress program with 10, 1,000 and 100,000 eroutes. Then the kernel's own
# classifier for the same selectors: XFRM output policies, timed through the stack.
# Not a test (nothing runs it from selftests/run.sh). Needs root and a built tree (make).
#
#   ns xc-PID: UDP socket (IP_TRANSPARENT, any source) --sendmmsg--> route 10/8 via
#   192.0.2.2 (permanent neighbour) --> veth v0 192.0.2.1 (peer down in xd-PID: dropped)
#
# XFRM: the same N selectors as the eroutes (source /24, destination /26), installed as
# `ip xfrm policy ... dir out action allow` (no template: the packet goes on unchanged).
# selftests/bench/xfrm_send.c sends bursts of 256 eight-byte datagrams and prints the
# median ns/packet of 101 bursts; the policy lookup's cost is that figure with the N
# policies minus the same send with none (the kernel skips the lookup when there are no
# policies). It includes what XFRM does per packet for a matching policy: the lookup by
# selector (hash for /32s, tree bins for prefixes), the policy's reference, the
# no-transform path. BPF_PROG_TEST_RUN cannot run XFRM, so the two are measured
# differently: the BPF figure is the whole program run, the XFRM figure a difference of two
# timed sends (noisier: a few tens of ns).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD/bench"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Iinclude -Iloader -I"$BUILD" \
	-Iselftests/unit -o "$BUILD/bench/classifier" selftests/bench/classifier.c \
	"$BUILD/libloader.a" $(pkg-config --libs libbpf) -lelf -lz
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$BUILD/bench/xfrm_send" \
	selftests/bench/xfrm_send.c

BPF_OUT=$("$BUILD/bench/classifier")
echo "$BPF_OUT"

NA=xc-$$
NB=xd-$$
T=$(mktemp -d /tmp/bench-cls.XXXXXX)
cleanup() {
	ip netns del "$NA" 2>/dev/null || true
	ip netns del "$NB" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

now_ms() {
	local t
	t=$(date +%s%N)
	echo $((t / 1000000))
}

# ns/packet of a burst SRC -> DST in the sending namespace
send_ns() {
	ip netns exec "$NA" "$BUILD/bench/xfrm_send" "$1" "$2"
}

# selectors N: "src dst hitsrc hitdst" for eroute i, the formula of classifier.c
selectors() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++) {
			s = sprintf("10.%d.%d", i % 251, i % 241)
			d = sprintf("10.%d.%d", int(i / 1024) % 256, int(i / 4) % 256)
			l = (i % 4) * 64
			printf "%s.0/24 %s.%d/26 %s.7 %s.%d\n", s, d, l, s, d, l + 9
		}
	}'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# xfrm_row N: install N policies, print "N install_ms hit miss" (ns over the empty base)
xfrm_row() {
	local n=$1 base t0 built hit miss s
	ip netns del "$NA" 2>/dev/null || true
	ip netns del "$NB" 2>/dev/null || true
	ip netns add "$NA"
	ip netns add "$NB"
	ip -n "$NA" link set lo up
	ip -n "$NA" link add v0 type veth peer name v1 netns "$NB"
	ip -n "$NA" addr add 192.0.2.1/24 dev v0
	ip -n "$NA" link set v0 up
	ip -n "$NA" neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent
	ip -n "$NA" route add 10.0.0.0/8 via 192.0.2.2 dev v0 onlink
	selectors "$n" >"$T/sel"
	awk '{ printf "xfrm policy add src %s dst %s dir out action allow\n", $1, $2 }' \
		"$T/sel" >"$T/batch"
	# 16 eroutes picked at random (a fixed seed), as classifier.c picks its 64
	awk -v n="$n" 'BEGIN { srand(n); for (k = 0; k < 16; k++) print int(rand() * n) + 1 }' |
		while read -r line; do sed -n "${line}p" "$T/sel"; done >"$T/hits"
	base=$( (while read -r _ _ hs hd; do send_ns "$hs" "$hd"; done <"$T/hits") | median)
	local base_miss
	base_miss=$(send_ns 10.255.1.1 10.254.1.1)
	t0=$(now_ms)
	ip -n "$NA" -batch "$T/batch"
	built=$(($(now_ms) - t0))
	[ "$(ip -n "$NA" xfrm policy count | sed -n 's/.* OUT \([0-9]*\) .*/\1/p')" = "$n" ] ||
		{ echo "classifier: the $n policies did not all go in" >&2; exit 1; }
	hit=$( (while read -r _ _ hs hd; do
		s=$(send_ns "$hs" "$hd")
		echo $((s - base))
	done <"$T/hits") | median)
	miss=$(($(send_ns 10.255.1.1 10.254.1.1) - base_miss))
	echo "$n $built $hit $miss $base"
}

# the BPF figures, from classifier's table: "N hit_p50 miss"
bpf_rows=$(echo "$BPF_OUT" | awk -F'|' '$2 ~ /^ *[0-9]+ *$/ { print $2 + 0, $4 + 0, $6 + 0 }')

echo
echo "XFRM output policy lookup (the same selectors; ns/packet added to a UDP send, median)"
echo
printf '| %8s | %8s | %8s | %9s | %9s | %9s | %9s | %12s |\n' eroutes "BPF hit" "BPF miss" \
	"XFRM hit" "XFRM miss" "XFRM/BPF" "XFRM/BPF" "XFRM install"
printf '| %8s | %8s | %8s | %9s | %9s | %9s | %9s | %12s |\n' "" "" "" "" "" "hit" "miss" "(ms)"
echo '|---------:|---------:|---------:|----------:|----------:|----------:|----------:|-------------:|'
while read -r n bhit bmiss; do
	read -r _ built xhit xmiss base < <(xfrm_row "$n")
	printf '| %8s | %8s | %8s | %9s | %9s | %9s | %9s | %12s |\n' "$n" "$bhit" "$bmiss" \
		"$xhit" "$xmiss" \
		"$(awk -v a="$xhit" -v b="$bhit" 'BEGIN { printf "%.1f", b ? a / b : 0 }')" \
		"$(awk -v a="$xmiss" -v b="$bmiss" 'BEGIN { printf "%.1f", b ? a / b : 0 }')" "$built"
	echo "$base" >>"$T/bases"
done <<<"$bpf_rows"
echo
echo "# a UDP send without any policy: $(median <"$T/bases") ns/packet (the base subtracted)"
