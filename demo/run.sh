#!/bin/bash
# make demo: two hosts in network namespaces, a pluto on each configured from the same
# ipsec.conf, a tunnel negotiated, whack --status, and ping through the tunnel with the
# kernel's ESP counters.
#
#   ns west: w0 192.0.2.1/24, client 10.0.1.1 (dummy)
#   ns east: e0 192.0.2.2/24, client 10.0.2.1 (dummy)
#
# On a kernel without ESP it says so and runs itself inside the VM (vmtest/run.sh).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
NW=demo-west-$$
NE=demo-east-$$
T=
pids=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { echo "\$ $*" | sed "s|$BUILD/||g; s|$T/||g"; "$@"; }

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null; done
	ip netns del "$NW" 2>/dev/null
	ip netns del "$NE" 2>/dev/null
	[ -n "$T" ] && rm -rf "$T"
}

have_esp() {
	local ns=demo-esp-$$ ok=1
	ip netns add "$ns" 2>/dev/null || return 1
	ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 \
		enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
		auth 'hmac(sha256)' 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff \
		2>/dev/null || ok=0
	ip netns del "$ns"
	[ "$ok" -eq 1 ]
}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, XFRM, BPF)" >&2
	exit 1
fi
if [ "${1:-}" != --here ] && ! have_esp; then
	echo "This kernel ($(uname -r)) has no ESP, so the demo runs inside a VM with Debian's"
	echo "own kernel (vmtest/run.sh; about a minute under emulation)."
	exec vmtest/run.sh --timeout 600 demo/run.sh --here
fi
trap cleanup EXIT
T=$(mktemp -d /tmp/pluto-demo.XXXXXX)

say "Two hosts, west and east, joined by a link; each has a client subnet behind it"
ip netns add "$NW"
ip netns add "$NE"
ip link add w0 netns "$NW" type veth peer name e0 netns "$NE"
for side in west:"$NW":w0:192.0.2.1:10.0.1.1 east:"$NE":e0:192.0.2.2:10.0.2.1; do
	IFS=: read -r name ns dev addr client <<<"$side"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr/24" dev "$dev"
	ip -n "$ns" link set "$dev" up
	ip -n "$ns" link add c0 type dummy
	ip -n "$ns" addr add "$client/24" dev c0
	ip -n "$ns" link set c0 up
	echo "$name: $dev $addr/24, client $client/24"
done

say "A pluto on each, both reading demo/ipsec.conf and demo/ipsec.secrets"
sed 's/^/    /' demo/ipsec.conf | grep -v '^    #'
for side in west:"$NW" east:"$NE"; do
	IFS=: read -r name ns <<<"$side"
	mkdir -p "$T/$name"
	install -m 600 demo/ipsec.secrets "$T/$name/ipsec.secrets"
	ip netns exec "$ns" "$BUILD/pluto" --nofork --config demo/ipsec.conf \
		--secretsfile "$T/$name/ipsec.secrets" --rundir "$T/$name" \
		--logfile "$T/$name.log" >"$T/$name.out" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		grep -q "Pluto initialized" "$T/$name.out" && break
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "Pluto initialized" "$T/$name.out"; then
		echo "demo: pluto on $name did not start:" >&2
		cat "$T/$name.out" "$T/$name.log" >&2
		exit 1
	fi
	echo "pluto on $name: started"
done
ww() { timeout 60 ip netns exec "$NW" "$BUILD/whack" --rundir "$T/west" "$@"; }
we() { timeout 60 ip netns exec "$NE" "$BUILD/whack" --rundir "$T/east" "$@"; }

say "Both listen; west initiates (Main Mode, then Quick Mode)"
run we --listen >/dev/null 2>&1
run ww --listen >/dev/null 2>&1
run ww --name westnet-eastnet --initiate
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "demo: negotiation failed (whack exit $rc); west's log:" >&2
	tail -30 "$T/west.log" >&2
	exit 1
fi

say "whack --status on west"
ww --status | grep -E '^000 (interface|"|#)'

say "Traffic from west's client to east's client goes through the tunnel"
run ip netns exec "$NW" ping -c 3 -W 2 -I 10.0.1.1 10.0.2.1
ping_rc=$?

say "The kernel's ESP SAs on west, with their counters"
ip -n "$NW" -s xfrm state | grep -E '^src|proto esp|[0-9]+\(bytes\)'
packets=$(ip -n "$NW" -s xfrm state | grep -o '[0-9]*(packets)' | tr -d '(packets)' |
	awk '{s += $1} END {print s + 0}')

say "Shutting down"
run ww --shutdown
run we --shutdown
if [ "$ping_rc" -eq 0 ] && [ "$packets" -gt 0 ]; then
	echo "demo: done: the tunnel carried $packets packets"
	exit 0
fi
echo "demo: traffic did not go through the tunnel" >&2
exit 1
