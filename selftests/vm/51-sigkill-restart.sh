#!/bin/bash
# pluto killed with SIGKILL, then started again.  west runs from an ipsec.conf with an
# auto=start connection ("up") and an auto=route one ("trap"), with the BPF dataplane and
# real XFRM: after whack --listen, "up" is established and "trap" routed; a ping through
# "trap" brings it up too.  Then SIGKILL: its SAs and policies stay in the kernel, its TC
# filters on veth0 and its pins stay (the checks show that first, or this test would
# prove nothing).  The lock file is left as well: the manual says it must be removed by
# hand, and the test does that.  The next pluto, same configuration:
#   - at start-up removes every SA and policy in pluto's reqid band, and only those (an
#     SA and a policy of "another daemon", reqid 7, added by hand, survive), takes its
#     filters off veth0 and loads fresh maps;
#   - at whack --listen initiates "up" and routes "trap" (TRAP eroute) again, and a
#     ping through "trap" starts its negotiation; traffic passes through both;
#   - holds exactly two SAs and three policies per connection;
#   - leaves, at whack --shutdown, only the other daemon's SA and policy, nothing on
#     veth0 and no pin directory.
#
#   west: pluto --config (BPF)                    east: pluto (--no-bpf), auto=add
#   c0 10.0.1.1/24, 10.0.3.1/24 (dummy)           c0 10.0.2.1/24, 10.0.4.1/24 (dummy)
#   veth0 192.0.2.1/24 ========== IKEv1 + ESP ========== veth0 192.0.2.2/24
#   conn up (auto=start): 10.0.1.0/24 <-> 10.0.2.0/24
#   conn trap (auto=route): 10.0.3.0/24 <-> 10.0.4.0/24
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/lib-pluto.sh"

W=$T/west E=$T/east
FOREIGN_REQID=7

# conf AUTO_UP AUTO_TRAP: the ipsec.conf (the same for both but for auto=)
conf() {
	cat <<EOF
config setup
	uniqueids=no

conn %default
	authby=secret
	left=192.0.2.1
	right=192.0.2.2
	ike=aes128-sha2_256-modp2048
	esp=aes128-sha2_256
	pfs=yes

conn up
	leftsubnet=10.0.1.0/24
	rightsubnet=10.0.2.0/24
	auto=$1

conn trap
	leftsubnet=10.0.3.0/24
	rightsubnet=10.0.4.0/24
	auto=$2
EOF
}

setup() {
	topology &&
		ip -n west addr add 10.0.3.1/24 dev c0 &&
		ip -n east addr add 10.0.4.1/24 dev c0 &&
		mkdir -p "$W" "$E" || return 1
	echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$W/ipsec.secrets"
	cp "$W/ipsec.secrets" "$E/ipsec.secrets"
	conf start route >"$W/ipsec.conf"
	conf add add >"$E/ipsec.conf"
	pluto_start east "$E" --config "$E/ipsec.conf" &&
		pluto_whack "$E" --listen >/dev/null 2>&1
}

west_start() {
	PLUTO_BPF=1 pluto_start west "$W" --config "$W/ipsec.conf"
}

# ours NS: pluto's SAs and policies in NS (reqid in 0x70000000-0x7fffffff), as
# "SAS POLICIES" in OURS; the others' in OTHERS.
ours() {
	local line sas=0 pols=0 osas=0 opols=0 kind=''
	while IFS= read -r line; do
		case $line in
		src\ *) kind=pending ;;
		*'proto esp spi '*reqid\ *)
			local r=${line##*reqid } && r=${r%% *}
			if [ "$r" -ge $((0x70000000)) ]; then sas=$((sas + 1)); else osas=$((osas + 1)); fi
			;;
		*'tmpl src '*) kind=tmpl ;;
		*'proto esp reqid '*)
			[ "$kind" = tmpl ] || continue
			local r=${line##*reqid } && r=${r%% *}
			if [ "$r" -ge $((0x70000000)) ]; then pols=$((pols + 1)); else opols=$((opols + 1)); fi
			kind=''
			;;
		esac
	done <<<"$(ip -n "$1" xfrm state; ip -n "$1" xfrm policy)"
	OURS="$sas $pols" OTHERS="$osas $opols"
}

ours_is() { # NS "SAS POLICIES" "OTHER_SAS OTHER_POLICIES"
	ours "$1"
	[ "$OURS" = "$2" ] && [ "$OTHERS" = "$3" ]
}

status_has() { # DIR ERE
	pluto_whack "$1" --status 2>/dev/null | grep -qE "$2"
}

established() { # DIR CONN
	status_has "$1" "\"$2\" STATE_QUICK_I2 \\(sent QI2, IPsec SA established\\)"
}

pin_dir() { # DIR: the pin directory pluto reports
	pluto_whack "$1" --status 2>/dev/null | sed -n 's/.*BPF dataplane: maps in \([^;]*\);.*/\1/p'
}

ping_trap() {
	ns_exec west ping -c 3 -i 0.3 -W 2 -I 10.0.3.1 10.0.4.1 >/dev/null
}

# up_and_routed TAG: after --listen, "up" initiated and "trap" routed, pings through both
up_and_routed() {
	local tag=$1
	tap_check "$tag: whack --listen: XDP and TC on veth0" \
		eval 'pluto_whack "$W" --listen >/dev/null 2>&1; bpf_attached west'
	tap_check "$tag: auto=start: \"up\" established" wait_until 60 established "$W" up
	tap_check "$tag: auto=route: \"trap\" routed (TRAP eroute), not negotiated" \
		eval 'status_has "$W" "\"trap\" eroute 10\.0\.3\.0/24 -> 10\.0\.4\.0/24 => %trap" &&
			! status_has "$W" "\"trap\" STATE_"'
	tap_check "$tag: ping through \"up\"" ping_clients
	ns_exec west ping -c 1 -W 1 -I 10.0.3.1 10.0.4.1 >/dev/null 2>&1
	tap_check "$tag: the first packet for \"trap\" started its negotiation" \
		wait_until 60 established "$W" trap
	tap_check "$tag: ping through \"trap\"" ping_trap
	tap_check "$tag: west's kernel: 4 ESP SAs, 6 policies of pluto's" ours_is west "4 6" "$2"
}

tap_check "namespaces, clients, east's pluto listening" setup || { tap_done; exit; }
tap_check "west's pluto started from its ipsec.conf with the BPF dataplane" west_start ||
	{ pluto_log_tail "$W"; tap_done; exit; }
PIN=$(pin_dir "$W")
diag "pin directory: $PIN"
tap_check "before whack --listen nothing is negotiated or routed" \
	eval '! status_has "$W" "STATE_|=> %trap"'
up_and_routed "first run" "0 0"
OLD_PID=$PLUTO_PID

# another daemon's SA and policy: the restart must leave them alone
ip -n west xfrm state add src 192.0.2.1 dst 192.0.2.9 proto esp spi 0x00c0ffee \
	reqid $FOREIGN_REQID mode tunnel enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
	auth-trunc 'hmac(sha256)' 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 128
ip -n west xfrm policy add src 10.9.1.0/24 dst 10.9.2.0/24 dir out \
	tmpl src 192.0.2.1 dst 192.0.2.9 proto esp reqid $FOREIGN_REQID mode tunnel
tap_check "another daemon's SA and policy added (reqid $FOREIGN_REQID)" ours_is west "4 6" "1 1"

kill -KILL "$OLD_PID"
tap_check "SIGKILL: pluto is gone" wait_until 10 test ! -e "/proc/$OLD_PID"
tap_check "... leaving its SAs and policies in the kernel" ours_is west "4 6" "1 1"
tap_check "... its TC filters on veth0 (its XDP link went with it)" \
	eval 'tc -n west filter show dev veth0 egress | grep -q pl_tc_egress &&
		! ip -n west link show veth0 | grep -q prog/xdp'
tap_check "... its pins ($PIN)" test -d "$PIN"
tap_check "... and its lock file" test -e "$W/pluto.pid"
tap_check "a new pluto refuses to start while the lock file is there (exit 10)" \
	eval 'timeout 20 ip netns exec west "$PLUTO" --nofork --rundir "$W" --config "$W/ipsec.conf" \
		--secretsfile "$W/ipsec.secrets" >/dev/null 2>&1; [ $? -eq 10 ]'
rm -f "$W/pluto.pid"
mv "$W/pluto.log" "$W/pluto.log.1"
tap_check "restarted (the stale lock file removed by hand)" west_start ||
	{ pluto_log_tail "$W"; tap_done; exit; }
tap_check "at start-up it removed the old SAs and policies, only those" ours_is west "0 0" "1 1"
tap_check "... and said so (4 SAs, 6 policies)" \
	eval 'grep -q "removed 4 SAs left by an earlier pluto" "$W/pluto.log" &&
		grep -q "removed 6 policies left by an earlier pluto" "$W/pluto.log"'
tap_check "... and took its filters off veth0" bpf_bare west
tap_check "... and pinned fresh maps" test -d "$PIN"
up_and_routed "after the restart" "1 1"
tap_check "east took the new SAs too" eval 'ns_exec east ping -c 2 -i 0.3 -W 2 -I 10.0.2.1 10.0.1.1 >/dev/null'

# (each connection's down and unroute commands: seconds each under TCG on a busy host)
tap_check "whack --shutdown stops west" pluto_stop "$W" 120
tap_check "... leaving only the other daemon's SA and policy" ours_is west "0 0" "1 1"
tap_check "... nothing on veth0, no pin directory" eval 'bpf_bare west && [ ! -e "$PIN" ]'
pluto_stop "$E" 120
if [ "$_tap_failed" -gt 0 ]; then
	pluto_log_tail "$W" 60
	pluto_log_tail "$E" 30
fi
tap_done
