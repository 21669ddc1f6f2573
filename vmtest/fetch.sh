#!/bin/bash
# Fetch what the VM tests need into vmtest/cache/ (git-ignored):
#   kernel/    Debian 12's plain -amd64 kernel package, unpacked (vmlinuz,
#              modules), plus vmlinux (uncompressed) and KVER (its version)
#   libreswan/ Libreswan 4.10, unpacked only: it conflicts with strongSwan, which
#              is installed normally.  Its runtime libraries are installed with apt.
# Idempotent and quiet when everything is already there.
set -eu
cd "$(dirname "$0")"
CACHE=$PWD/cache
mkdir -p "$CACHE"

say() { echo "vmtest/fetch: $*"; }

# download PKG...: into $CACHE/dl (as root: _apt cannot write here).
download() {
	(cd "$CACHE/dl" && apt-get download -q=2 -o APT::Sandbox::User=root "$@") || {
		say "apt-get download $* failed (stale lists? try apt-get update)" >&2
		return 1
	}
}

# The package linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64
# (never -cloud-amd64: that one has no 9p).
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9.-]*-amd64\)$/\1/p' | head -n1)
if [ -z "$kpkg" ]; then
	# No apt lists (offline, fresh container): keep whatever is cached.
	if [ -e "$CACHE/kernel/KVER" ]; then
		exit 0
	fi
	say "cannot resolve the kernel package (apt-get update?)" >&2
	exit 1
fi

# extract_vmlinux BZIMAGE OUT: the ELF kernel inside Debian's XZ bzImage.
# qemu boots it directly (PVH entry point), which saves the ~3 s the
# emulated CPU spends decompressing a bzImage at every boot.
extract_vmlinux() {
	local pos
	for pos in $(LC_ALL=C grep -obUa $'\xfd7zXZ' "$1" | cut -d: -f1); do
		tail -c +$((pos + 1)) "$1" | xz -dc --single-stream >"$2" 2>/dev/null &&
			[ "$(head -c 4 "$2")" = $'\x7fELF' ] && return 0
	done
	say "no XZ-compressed ELF kernel found in $1" >&2
	return 1
}

fetch_kernel() {
	local kver=${kpkg#linux-image-}
	[ "$(cat "$CACHE/kernel/KVER" 2>/dev/null)" = "$kver" ] && return 0
	say "downloading $kpkg"
	rm -rf "$CACHE/kernel" "$CACHE/dl"
	mkdir -p "$CACHE/dl" "$CACHE/kernel"
	download "$kpkg"
	dpkg-deb -x "$CACHE"/dl/"$kpkg"_*.deb "$CACHE/kernel"
	depmod -b "$CACHE/kernel" "$kver"
	extract_vmlinux "$CACHE/kernel/boot/vmlinuz-$kver" "$CACHE/kernel/vmlinux"
	rm -rf "$CACHE/dl"
	# Written last: its presence means the kernel is complete.
	echo "$kver" >"$CACHE/kernel/KVER"
}

fetch_libreswan() {
	local ver
	ver=$(apt-cache policy libreswan 2>/dev/null | sed -n 's/^ *Candidate: //p')
	case $ver in
	4.10-*) ;;
	*) say "apt offers libreswan '$ver', not 4.10" >&2; return 1 ;;
	esac
	if [ "$(cat "$CACHE/libreswan/VERSION" 2>/dev/null)" != "$ver" ]; then
		say "downloading libreswan $ver"
		rm -rf "$CACHE/libreswan" "$CACHE/dl"
		mkdir -p "$CACHE/dl" "$CACHE/libreswan"
		download "libreswan=$ver"
		dpkg-deb -x "$CACHE"/dl/libreswan_*.deb "$CACHE/libreswan"
		rm -rf "$CACHE/dl"
		echo "$ver" >"$CACHE/libreswan/VERSION"
	fi
	# Runtime dependencies: Libreswan's Depends line, as it stands (none of
	# it conflicts with strongSwan; only libreswan itself does).
	local deps
	deps=$(apt-cache show "libreswan=$ver" | sed -n 's/^Depends: //p' | head -n1)
	if apt-get -s -q=2 satisfy "$deps" | grep -q '^Inst '; then
		say "installing Libreswan's runtime dependencies"
		DEBIAN_FRONTEND=noninteractive apt-get satisfy -y -q \
			--no-install-recommends -o DPkg::Lock::Timeout=600 "$deps"
	fi
}

fetch_kernel
fetch_libreswan
