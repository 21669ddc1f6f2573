# Sourced after lib.sh: start and stop reference IKE peers in namespaces.
# Each peer lives in its own directory DIR (config, logs, sockets), so
# several run side by side.  vmtest/README.md explains the recipes.
#
#   strongSwan (installed on the host, charon + swanctl):
#     strongswan_start NS DIR    DIR/strongswan.conf (written if absent),
#                                DIR/run bind-mounted over /run, DIR/charon.log
#     swanctl_in NS DIR ARG...   swanctl against that charon (e.g. --stats)
#     swanctl_load NS DIR        swanctl --load-all --file DIR/swanctl.conf
#     strongswan_stop DIR
#   Libreswan 4.10 (unpacked in vmtest/cache/libreswan, helpers bound on
#   /usr/libexec/ipsec by the guest init):
#     libreswan_start NS DIR     DIR/ipsec.conf and DIR/ipsec.secrets
#                                (written if absent), DIR/nss, DIR/run,
#                                DIR/pluto.log; returns once IKE is listening
#     libreswan_whack DIR ARG... e.g. --status
#     libreswan_addconn NS DIR CONN
#     libreswan_stop DIR

LIBRESWAN_IPSEC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/vmtest/cache/libreswan/usr/sbin/ipsec

# `unshare -m sh -c "$PRIVATE_RUN" DIR CMD...` runs CMD in a new mount
# namespace whose /run is DIR/run, so the pid files and sockets of two
# peers do not clash (and stay visible from outside, in DIR/run).
PRIVATE_RUN='mount --bind "$0/run" /run && exec "$@"'

# Debian's settings, plus a log file and without the plugins that touch
# the host (bypass-lan adds policies, resolve rewrites resolv.conf).
strongswan_conf() {
	cat <<EOF
include /etc/strongswan.conf
charon {
	plugins {
		bypass-lan { load = no }
		resolve { load = no }
	}
	filelog {
		charon {
			path = $1/charon.log
			time_format = %T
			default = 1
			flush_line = yes
		}
	}
}
swanctl {
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey
}
EOF
}

strongswan_start() {
	local ns=$1 dir=$2
	mkdir -p "$dir/run"
	[ -e "$dir/strongswan.conf" ] || strongswan_conf "$dir" >"$dir/strongswan.conf"
	ns_spawn "$ns" "$dir/charon.out" env STRONGSWAN_CONF="$dir/strongswan.conf" \
		unshare -m sh -c "$PRIVATE_RUN" "$dir" /usr/lib/ipsec/charon
	wait_until 30 test -S "$dir/run/charon.vici"
}

swanctl_in() {
	local ns=$1 dir=$2
	shift 2
	ns_exec "$ns" env STRONGSWAN_CONF="$dir/strongswan.conf" \
		unshare -m sh -c "$PRIVATE_RUN" "$dir" swanctl "$@"
}

# swanctl also loads credentials from directories next to the file: create
# them (empty) so it does not complain.
swanctl_load() {
	local d
	for d in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa \
		ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$2/$d"
	done
	swanctl_in "$1" "$2" --load-all --file "$2/swanctl.conf"
}

# _stop_pid PIDFILE: TERM, then KILL after 10 s.
_stop_pid() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_until 10 test ! -e "/proc/$pid" || kill -KILL "$pid"
}

strongswan_stop() {
	_stop_pid "$1/run/charon.pid"
}

libreswan_conf() {
	cat <<EOF
config setup
	ikev1-policy=accept
	nssdir=$1/nss
	logfile=$1/pluto.log
	dumpdir=$1/run
EOF
}

libreswan_start() {
	local ns=$1 dir=$2
	mkdir -p "$dir/run" "$dir/nss"
	[ -e "$dir/ipsec.conf" ] || libreswan_conf "$dir" >"$dir/ipsec.conf"
	[ -e "$dir/ipsec.secrets" ] || : >"$dir/ipsec.secrets"
	[ -e "$dir/nss/cert9.db" ] || certutil -N --empty-password -d "sql:$dir/nss" || return 1
	ns_spawn "$ns" "$dir/pluto.out" /usr/libexec/ipsec/pluto --nofork \
		--config "$dir/ipsec.conf" --secretsfile "$dir/ipsec.secrets" \
		--ipsecdir "$dir" --nssdir "$dir/nss" --rundir "$dir/run"
	# The control socket comes up before the IKE sockets: initiating in
	# between fails with "need --listen before --initiate".
	wait_until 30 eval 'libreswan_whack "$dir" --status 2>/dev/null | grep -q "^000 interface "'
}

libreswan_whack() {
	local dir=$1
	shift
	timeout --kill-after=5 "${NS_TIMEOUT:-60}" "$LIBRESWAN_IPSEC" whack --rundir "$dir/run" "$@"
}

libreswan_addconn() {
	ns_exec "$1" "$LIBRESWAN_IPSEC" addconn --config "$2/ipsec.conf" \
		--ctlsocket "$2/run/pluto.ctl" "$3"
}

libreswan_stop() {
	local pid
	pid=$(cat "$1/run/pluto.pid" 2>/dev/null) || return 0
	libreswan_whack "$1" --shutdown >/dev/null 2>&1
	wait_until 10 test ! -e "/proc/$pid" || kill -KILL "$pid"
}
