#!/bin/sh
# Install every Debian package that the build, the tests and the demo need.
# Idempotent: runs apt-get only when something is missing.
set -eu

PKGS="build-essential pkg-config openssl python3 clang llvm libclang-rt-dev libbpf-dev bpftool libelf-dev zlib1g-dev
libssl-dev libnl-3-dev libnl-route-3-dev libnl-xfrm-3-dev libcmocka-dev
iproute2 iptables iputils-ping tcpdump procps psmisc kmod cpio busybox-static
qemu-system-x86 strongswan-charon strongswan-swanctl libnss3-tools bc valgrind"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	[ "$(id -u)" = 0 ] || { echo "deps: must run as root to install packages" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $missing
else
	echo "deps: all Debian packages present"
fi

# Artefacts for the VM tests (Debian kernel, Libreswan unpacked privately).
if [ -x vmtest/fetch.sh ]; then
	vmtest/fetch.sh
fi
