#!/bin/bash
# The updown command: verbs and PLUTO_* environment (pluto manual, version 1.1 interface),
# at whack --route and --unroute, the default script's routes, and %disabled.
#
#   ns west (pxu-PID): veth u0 192.0.2.1/24 (peer end u1 in the same namespace, down)
#   pluto --rundir $T (kernel on, no BPF); conn to 192.0.2.2 with clients
#   10.0.1.0/24 === 10.0.2.0/24
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
NS=pxu-$$
T=$(mktemp -d /tmp/pluto-updown.XXXXXX)
n=0
fails=0
pid=

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && timeout 5 tail --pid="$pid" -f /dev/null
	ip netns del "$NS" 2>/dev/null
	if [ "$fails" -ne 0 ]; then echo "# logs kept in $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NS" 2>/dev/null; then
	echo "ok 1 # SKIP needs root and network namespaces"
	exit 0
fi
ip -n "$NS" link set lo up
ip -n "$NS" link add u0 type veth peer name u1
ip -n "$NS" addr add 192.0.2.1/24 dev u0
ip -n "$NS" link set u0 up
ip -n "$NS" link set u1 up

# a recording updown: one line per call with the verb and the interface variables
cat >"$T/record.sh" <<EOF
#!/bin/sh
env | grep '^PLUTO_' | sort | tr '\n' ' ' >>"$T/calls"
echo >>"$T/calls"
echo "recorded \$PLUTO_VERB"
EOF
chmod +x "$T/record.sh"
: >"$T/ipsec.secrets"
chmod 600 "$T/ipsec.secrets"

W() { ip netns exec "$NS" "$BUILD/whack" --rundir "$T" "$@"; }
ip netns exec "$NS" "$BUILD/pluto" --nofork --no-bpf --stderrlog --log-no-time --rundir "$T" \
	--secretsfile "$T/ipsec.secrets" >"$T/out" 2>"$T/log" &
pid=$!
for _ in $(seq 50); do grep -q "Pluto initialized" "$T/out" && break; sleep 0.1; done
check "pluto started" grep -q "Pluto initialized" "$T/out"

W --name rec --host 192.0.2.1 --client 10.0.1.0/24 --updown "$T/record.sh" \
	--to --host 192.0.2.2 --client 10.0.2.0/24 --psk --encrypt --tunnel >/dev/null 2>&1
W --name dflt --host 192.0.2.1 --client 10.0.3.0/24 \
	--to --host 192.0.2.2 --client 10.0.4.0/24 --psk --encrypt --tunnel >/dev/null 2>&1
W --listen >/dev/null 2>&1
W --name rec --route >"$T/route.out" 2>&1
check "whack --route exits 0" test $? -eq 0
check "prepare-client then route-client ran" \
	test "$(grep -o 'PLUTO_VERB=[a-z-]*' "$T/calls" | tr '\n' ' ')" = \
	"PLUTO_VERB=prepare-client PLUTO_VERB=route-client "
line=$(grep 'PLUTO_VERB=route-client' "$T/calls")
for kv in PLUTO_VERSION=1.1 PLUTO_CONNECTION=rec PLUTO_NEXT_HOP=192.0.2.2 \
	PLUTO_INTERFACE=u0 PLUTO_ME=192.0.2.1 PLUTO_MY_CLIENT=10.0.1.0/24 \
	PLUTO_MY_CLIENT_NET=10.0.1.0 PLUTO_MY_CLIENT_MASK=255.255.255.0 PLUTO_PEER=192.0.2.2 \
	PLUTO_PEER_CLIENT=10.0.2.0/24 PLUTO_PEER_CLIENT_NET=10.0.2.0 \
	PLUTO_PEER_CLIENT_MASK=255.255.255.0; do
	check "environment has $kv" grep -q -- "$kv " <<<"$line"
done
check "script output is logged" grep -q 'updown: recorded route-client' "$T/log"
W --status 2>/dev/null | grep -q '"rec": .*prospective erouted' && ok "status shows the route" ||
	notok "status shows the route"
W --name rec --unroute >/dev/null 2>&1
check "unroute-client ran" grep -q 'PLUTO_VERB=unroute-client' "$T/calls"

# the default script: a route to the peer's client via the nexthop, removed at unroute
W --name dflt --route >/dev/null 2>&1
check "default updown routes the peer client" \
	ip netns exec "$NS" sh -c "ip route show 10.0.4.0/24 | grep -q 'via 192.0.2.2 dev u0'"
W --name dflt --unroute >/dev/null 2>&1
check "default updown removes the route" \
	ip netns exec "$NS" sh -c "! ip route show 10.0.4.0/24 | grep -q ."

# a failing route command means no routing
cat >"$T/fail.sh" <<'EOF'
#!/bin/sh
echo "refusing $PLUTO_VERB"
exit 3
EOF
chmod +x "$T/fail.sh"
W --name bad --host 192.0.2.1 --client 10.0.5.0/24 --updown "$T/fail.sh" \
	--to --host 192.0.2.2 --client 10.0.6.0/24 --psk --encrypt >/dev/null 2>&1
W --name bad --route >"$T/bad.out" 2>&1
rc=$?
check "a failing route-client makes --route fail (exit 25)" test "$rc" -eq 25
check "the failure is reported" grep -q 'route-client command exited with status 3' "$T/bad.out"
W --status 2>/dev/null | grep -q '"bad": .*; unrouted;' && ok "failed route leaves it unrouted" ||
	notok "failed route leaves it unrouted"

# %disabled (Libreswan's spelling): no command at all, and routing succeeds
W --name off --host 192.0.2.1 --client 10.0.7.0/24 --updown %disabled \
	--to --host 192.0.2.2 --client 10.0.8.0/24 --psk --encrypt >/dev/null 2>&1
W --name off --route >/dev/null 2>&1
check "--updown %disabled: --route exits 0" test $? -eq 0
check "... and no command ran" sh -c "! grep -q '%disabled' '$T/log'"
W --status 2>/dev/null | grep -q '"off": .*prospective erouted' && ok "... and it is routed" ||
	notok "... and it is routed"
W --shutdown >/dev/null 2>&1
[ "$fails" -eq 0 ]
