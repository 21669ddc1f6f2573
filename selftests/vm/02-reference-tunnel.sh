#!/bin/bash
# The two reference peers negotiate an IKEv1 PSK tunnel with each other and
# carry traffic, once initiated by each side: known-good configurations for
# interop tests against pluto (vmtest/README.md).
#
#   west: Libreswan 4.10                      east: strongSwan
#   c0 10.0.1.1/24 (dummy)                    c0 10.0.2.1/24 (dummy)
#   veth0 192.0.2.1/24 ==== IKEv1 + ESP ==== veth0 192.0.2.2/24
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
. "$dir/peers.sh"

W=$T/west E=$T/east
PSK=vmtest-not-secret

setup() {
	ns_add west east &&
		ns_veth west veth0 192.0.2.1/24 east veth0 192.0.2.2/24 &&
		ip -n west link add c0 type dummy && ip -n west link set c0 up &&
		ip -n east link add c0 type dummy && ip -n east link set c0 up &&
		ip -n west addr add 10.0.1.1/24 dev c0 &&
		ip -n east addr add 10.0.2.1/24 dev c0 &&
		ip -n west route add 10.0.2.0/24 via 192.0.2.2 src 10.0.1.1 &&
		ip -n east route add 10.0.1.0/24 via 192.0.2.1 src 10.0.2.1
}

configure() {
	mkdir -p "$W" "$E"
	libreswan_conf "$W" >"$W/ipsec.conf"
	cat >>"$W/ipsec.conf" <<EOF

conn east
	ikev2=no
	authby=secret
	ike=aes128-sha2_256-modp2048
	esp=aes128-sha2_256-modp2048
	left=192.0.2.1
	leftsubnet=10.0.1.0/24
	right=192.0.2.2
	rightsubnet=10.0.2.0/24
	leftupdown=/usr/libexec/ipsec/_updown
	auto=add
EOF
	echo "192.0.2.1 192.0.2.2 : PSK \"$PSK\"" >"$W/ipsec.secrets"

	cat >"$E/swanctl.conf" <<EOF
connections {
	west {
		version = 1
		proposals = aes128-sha256-modp2048
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		local {
			auth = psk
		}
		remote {
			auth = psk
		}
		children {
			west {
				local_ts = 10.0.2.0/24
				remote_ts = 10.0.1.0/24
				esp_proposals = aes128-sha256-modp2048
			}
		}
	}
}
secrets {
	ike-west {
		id = 192.0.2.1
		secret = "$PSK"
	}
}
EOF
}

# esp_packets NS: packets counted by all of NS's SAs.
esp_packets() {
	ip -n "$1" -s xfrm state |
		awk '/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ { n += $2 } END { print n + 0 }'
}

# ping_through: the ping works and went through ESP (without the tunnel
# plain routing would carry it too).
ping_through() {
	local before
	before=$(esp_packets west)
	ns_exec west ping -c 3 -i 0.2 -W 2 -I 10.0.1.1 10.0.2.1 >/dev/null &&
		[ "$(esp_packets west)" -ge $((before + 6)) ]
}

# esp_states NS: how many ESP states the kernel holds in NS.
esp_states() {
	ip -n "$1" xfrm state | grep -c 'proto esp'
}

tap_check "namespaces, veth and dummy clients" setup || { tap_done; exit; }
configure
tap_check "charon started" strongswan_start east "$E"
tap_check "swanctl loaded the connection" swanctl_load east "$E"
tap_check "Libreswan pluto started" libreswan_start west "$W"

# Libreswan initiates: whack waits for the outcome.
if libreswan_whack "$W" --name east --initiate >"$T/initiate.log" 2>&1; then
	tap_ok "Libreswan -> strongSwan: IKEv1 tunnel established"
else
	tap_fail "Libreswan -> strongSwan: IKEv1 tunnel established"
	sed 's/^/# /' "$T/initiate.log"
fi
tap_check "both kernels hold two ESP SAs" \
	eval '[ "$(esp_states west)" -eq 2 ] && [ "$(esp_states east)" -eq 2 ]'
tap_check "ping through the tunnel (ESP counters rose)" ping_through

# Tear down from Libreswan, then strongSwan initiates.
libreswan_whack "$W" --name east --terminate >/dev/null 2>&1
wait_until 10 eval '[ "$(esp_states east)" -eq 0 ]'
tap_check "tunnel down on both sides" \
	eval '[ "$(esp_states west)" -eq 0 ] && [ "$(esp_states east)" -eq 0 ]'
if swanctl_in east "$E" --initiate --child west >"$T/initiate2.log" 2>&1; then
	tap_ok "strongSwan -> Libreswan: IKEv1 tunnel established"
else
	tap_fail "strongSwan -> Libreswan: IKEv1 tunnel established"
	sed 's/^/# /' "$T/initiate2.log"
fi
tap_check "ping through the tunnel (ESP counters rose)" ping_through

strongswan_stop "$E"
libreswan_stop "$W"
tap_done
