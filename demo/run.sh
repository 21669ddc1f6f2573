#!/bin/bash
# The pluto-xdp demo (`make demo`): two hosts, west and east, each a network
# namespace with a client subnet behind it and a pluto configured from the
# same ipsec.conf (demo/ipsec.conf, demo/ipsec.secrets: each pluto finds its
# own end from its interfaces).  west negotiates an IKEv1 tunnel with east
# (whack --initiate); the demo shows whack --status on both, pings from west's
# client to east's through the tunnel and shows both kernels' ESP counters,
# then takes everything down again and shows that nothing is left.
#
#   west                                          east
#   client 10.0.1.1/24 (dummy c0)                 client 10.0.2.1/24 (dummy c0)
#   veth0 192.0.2.1/24 ====== IKEv1 + ESP ====== veth0 192.0.2.2/24
#
#   demo/run.sh          here if this kernel can do ESP, else in the vmtest VM
#   demo/run.sh --here   here, whatever the kernel (what the VM runs)
#
# Needs root (namespaces), iproute2 and ping; `make deps` installs them and
# fetches the VM's kernel.  Exits 0 when the tunnel carried the pings.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
PLUTO=$BUILD/pluto
WHACK=$BUILD/whack
HERE=no
[ "${1:-}" = --here ] && HERE=yes

bold=$(tput bold 2>/dev/null) plain=$(tput sgr0 2>/dev/null)
[ -t 1 ] || bold='' plain=''

heading() {
	echo
	echo "${bold}== $*${plain}"
}

say() {
	echo "   $*"
}

die() {
	echo "demo: $*" >&2
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	die "the demo needs root (it creates network namespaces): try sudo make demo"
fi
for p in "$PLUTO" "$WHACK"; do
	[ -x "$p" ] || die "$p is missing: run make first"
done
command -v ping >/dev/null || die "ping is missing: run make deps first"

# Can this kernel do ESP?  Try to add an ESP SA in a throw-away namespace.
kernel_has_esp() {
	local ns=pxdemo-esp-$$ rc=1
	ip netns add "$ns" 2>/dev/null || return 1
	ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 \
		mode tunnel enc 'cbc(aes)' "0x$(printf '%032x' 1)" \
		auth-trunc 'hmac(sha256)' "0x$(printf '%064x' 1)" 128 2>/dev/null && rc=0
	ip netns del "$ns"
	return $rc
}

if [ "$HERE" = no ] && ! kernel_has_esp; then
	if [ ! -e vmtest/cache/kernel/KVER ]; then
		die "this kernel ($(uname -r)) cannot do ESP and no VM kernel is fetched: run make deps first"
	fi
	echo "This kernel ($(uname -r)) cannot do ESP, so the demo runs in a VM with Debian's $(cat vmtest/cache/kernel/KVER) kernel (vmtest/run.sh, a few seconds to boot):"
	exec vmtest/run.sh --timeout 300 env BUILD="$BUILD" demo/run.sh --here
fi

# --- from here on: this kernel does ESP ---------------------------------------

for ns in west east; do
	if ip netns list | grep -qw "$ns"; then
		die "a network namespace called $ns exists already (another demo running?); not touching it"
	fi
done

CONN=westnet-eastnet # the conn of demo/ipsec.conf
D=$(mktemp -d /tmp/pluto-demo.XXXXXX) || exit 1
cleanup() {
	local ns pids
	for ns in west east; do
		"$WHACK" --rundir "$D/$ns" --shutdown >/dev/null 2>&1
	done
	sleep 0.5
	for ns in west east; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run HOST CMD...: show the command as typed on HOST (on fd 3: the terminal,
# not the pipe the caller may indent the output with), then run it there,
# its stderr (whack's progress lines) with its stdout.
exec 3>&1
run() {
	local host=$1
	shift
	echo "${bold}[$host]\$${plain} $*" | sed "s|$BUILD/||g; s|$D/|\$D/|g" >&3
	timeout --kill-after=5 60 ip netns exec "$host" "$@" 2>&1
}

# quiet HOST CMD...: run it there without showing it (set-up details).
quiet() {
	local host=$1
	shift
	ip netns exec "$host" "$@"
}

# wait_for SECONDS CMD...: until CMD succeeds, at most SECONDS.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

heading "1. Two hosts: west and east, each a network namespace"
say "west: 192.0.2.1 on veth0, and a client subnet 10.0.1.0/24 (10.0.1.1 on a dummy interface)"
say "east: 192.0.2.2 on veth0, and a client subnet 10.0.2.0/24 (10.0.2.1 on a dummy interface)"
say "No route between the client subnets yet: pluto's updown script adds it with the tunnel."
ip netns add west && ip netns add east &&
	ip link add veth0 netns west type veth peer name veth0 netns east &&
	ip -n west addr add 192.0.2.1/24 dev veth0 && ip -n east addr add 192.0.2.2/24 dev veth0 &&
	ip -n west link add c0 type dummy && ip -n east link add c0 type dummy &&
	ip -n west addr add 10.0.1.1/24 dev c0 && ip -n east addr add 10.0.2.1/24 dev c0 || die "cannot set up the namespaces"
for ns in west east; do
	for dev in lo veth0 c0; do
		ip -n $ns link set $dev up || die "cannot set up the namespaces"
	done
done

heading "2. The configuration: demo/ipsec.conf, the same file on both hosts"
sed -n '/^conn /,$p' demo/ipsec.conf | grep -v '^[[:space:]]*#' | sed 's/^/   /'
say "The pre-shared key (both hosts): demo/ipsec.secrets"
cp demo/ipsec.secrets "$D/ipsec.secrets" && chmod 600 "$D/ipsec.secrets"

heading "3. Start pluto on each host (the connection comes from --config, auto=add)"
for ns in west east; do
	mkdir -p "$D/$ns"
	echo "${bold}[$ns]\$${plain} pluto --config demo/ipsec.conf --secretsfile \$D/ipsec.secrets --rundir \$D/$ns --logfile \$D/$ns/pluto.log --nofork &"
	ip netns exec $ns "$PLUTO" --config demo/ipsec.conf --secretsfile "$D/ipsec.secrets" \
		--rundir "$D/$ns" --logfile "$D/$ns/pluto.log" --nofork \
		</dev/null >"$D/$ns/pluto.out" 2>&1 &
done
for ns in west east; do
	wait_for 20 eval '"$WHACK" --rundir "$D/$ns" --status >/dev/null 2>&1' ||
		{ cat "$D/$ns/pluto.out" "$D/$ns/pluto.log" 2>/dev/null; die "pluto did not start on $ns"; }
done
for ns in west east; do
	run $ns "$WHACK" --rundir "$D/$ns" --listen | grep -v 'adding interface lo/' | sed 's/^/   /'
done

heading "4. Negotiate: west initiates (Main Mode, then Quick Mode)"
run west "$WHACK" --rundir "$D/west" --name "$CONN" --initiate | sed 's/^/   /'
if [ "${PIPESTATUS[0]}" != 0 ]; then
	echo
	tail -n 30 "$D/west/pluto.log" "$D/east/pluto.log" | sed 's/^/   /'
	die "the negotiation failed"
fi
wait_for 10 eval '"$WHACK" --rundir "$D/east" --status | grep -q STATE_QUICK_R2' ||
	die "east did not establish its IPsec SA"

heading "5. What each pluto has: whack --status"
for ns in west east; do
	run $ns "$WHACK" --rundir "$D/$ns" --status | grep -F "\"$CONN\"" | sed 's/^000 /   /'
done
say "(#1 is the ISAKMP SA, #2 the IPsec SA: its SPIs, out and in, mirror each other)"

heading "6. Traffic between the clients goes through the tunnel"
run west ip route get 10.0.2.1 from 10.0.1.1 | sed 's/^/   /'
run west ping -c 3 -i 0.2 -W 2 -I 10.0.1.1 10.0.2.1 | sed 's/^/   /'
ping_ok=${PIPESTATUS[0]}

heading "7. The kernel's ESP SAs and their counters (ip -s xfrm state, keys left out)"
counters() {
	ip -n "$1" -s xfrm state | awk '
		/^src / { src = $2; dst = $4; enc = auth = "" }
		$1 == "proto" && $2 == "esp" { spi = $4; sub(/\(.*/, "", spi) }
		$1 == "enc" || $1 == "aead" { enc = $2 }
		$1 == "auth-trunc" { auth = " + " $2 }
		/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ {
			b = $1; p = $2; sub(/\(.*/, "", b); sub(/\(.*/, "", p)
			printf "   %s -> %s  esp spi %s  %s%s:  %s packets, %s bytes\n", src, dst, spi, enc, auth, p, b
			total += p
		}
		END { exit total > 0 ? 0 : 1 }'
}
esp_ok=0
for ns in west east; do
	echo "${bold}[$ns]\$${plain} ip -s xfrm state"
	counters $ns || esp_ok=1
done

heading "8. Tear down: west terminates, both plutos shut down"
run west "$WHACK" --rundir "$D/west" --name "$CONN" --terminate | sed 's/^/   /'
wait_for 10 eval '[ -z "$(ip -n east xfrm state)" ]'
for ns in west east; do
	run $ns "$WHACK" --rundir "$D/$ns" --shutdown | sed 's/^/   /'
done
for ns in west east; do
	left=$(ip -n $ns xfrm state; ip -n $ns xfrm policy)
	if [ -z "$left" ]; then
		say "$ns: no SA and no policy left in the kernel"
	else
		say "$ns: still in the kernel:"
		sed 's/^/     /' <<<"$left"
		esp_ok=1
	fi
done

echo
if [ "$ping_ok" = 0 ] && [ "$esp_ok" = 0 ]; then
	echo "${bold}Demo done: the pings went through the IKEv1 tunnel, encrypted by the kernel's ESP.${plain}"
	exit 0
fi
echo "${bold}Demo FAILED: see above (pluto's logs were in $D, removed on exit).${plain}"
exit 1
