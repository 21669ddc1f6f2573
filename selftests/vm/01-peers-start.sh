#!/bin/bash
# The reference peers start, answer their control tools and stop, each in
# its own namespace with private run directories (recipes in
# vmtest/README.md, helpers in peers.sh).
#
#   west: Libreswan 4.10 pluto            east: strongSwan charon
#   veth0 192.0.2.1/24 ------------------ veth0 192.0.2.2/24
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/peers.sh"

W=$T/west E=$T/east

tap_check "namespaces and veth" \
	eval 'ns_add west east && ns_veth west veth0 192.0.2.1/24 east veth0 192.0.2.2/24'

# --- strongSwan
if strongswan_start east "$E"; then
	tap_ok "charon started (vici socket up)"
else
	tap_fail "charon started (vici socket up)"
	sed 's/^/# /' "$E/charon.out" "$E/charon.log" 2>/dev/null
fi
tap_check "swanctl --stats answers" eval 'swanctl_in east "$E" --stats | grep -q "IKE_SAs:"'

cat >"$E/swanctl.conf" <<EOF
connections {
	west {
		version = 1
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		local { auth = psk }
		remote { auth = psk }
		children {
			west {
				local_ts = 10.0.2.0/24
				remote_ts = 10.0.1.0/24
			}
		}
	}
}
secrets {
	ike-west {
		id = 192.0.2.1
		secret = "vmtest-not-secret"
	}
}
EOF
tap_check "swanctl --load-all loads an IKEv1 connection" \
	eval 'swanctl_load east "$E" &&
		swanctl_in east "$E" --list-conns | grep -q "IKEv1"'

# --- Libreswan
mkdir -p "$W"
libreswan_conf "$W" >"$W/ipsec.conf"
cat >>"$W/ipsec.conf" <<EOF

conn east
	ikev2=no
	authby=secret
	left=192.0.2.1
	leftsubnet=10.0.1.0/24
	right=192.0.2.2
	rightsubnet=10.0.2.0/24
	leftupdown=/usr/libexec/ipsec/_updown
	auto=ignore
EOF
echo '192.0.2.1 192.0.2.2 : PSK "vmtest-not-secret"' >"$W/ipsec.secrets"

if libreswan_start west "$W"; then
	tap_ok "Libreswan pluto started (control socket up)"
else
	tap_fail "Libreswan pluto started (control socket up)"
	sed 's/^/# /' "$W/pluto.out" "$W/pluto.log" 2>/dev/null
fi
tap_check "whack --status answers" \
	eval 'libreswan_whack "$W" --status | grep -q "using kernel interface: xfrm"'
tap_check "addconn adds an IKEv1 connection" \
	eval 'libreswan_addconn west "$W" east && libreswan_whack "$W" --status | grep -q "\"east\":.*IKEv1"'

# --- stop
charon_pid=$(cat "$E/run/charon.pid") pluto_pid=$(cat "$W/run/pluto.pid")
strongswan_stop "$E"
libreswan_stop "$W"
tap_check "charon stopped" test ! -e "/proc/$charon_pid"
tap_check "pluto stopped" test ! -e "/proc/$pluto_pid"

tap_done
